/* ping, list, status: answered from islandsd's own tables. */
#include "admin.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "frontdoor.h"
#include "games_sup.h"
#include "islands/clock.h"
#include "router.h"
#include "workers.h"

static json_t *game_entry(const struct game *g)
{
    json_t *e = json_pack("{s:s, s:i}", "game", g->name, "restarts", (int)g->restarts);
    json_object_set_new(e, "state", g->rules[0] ? json_string(g->rules) : json_null());
    json_object_set_new(e, "pid", g->worker ? json_integer(g->worker->pid) : json_null());
    /* An extension: the supervisor's start order, as OTP's which_children. */
    uint64_t order = games_sup_start_order(g);
    json_object_set_new(e, "start_order", order ? json_integer((json_int_t)order) : json_null());
    if (g->failed)
        json_object_set_new(e, "failed", json_true());
    return e;
}

static bool listed(const struct game *g)
{
    return g->exists || g->failed;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct game *const *)a)->name, (*(struct game *const *)b)->name);
}

static json_t *list_games(void)
{
    size_t n;
    struct game **games = games_collect(listed, &n);
    if (n)
        qsort(games, n, sizeof *games, by_name);
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, game_entry(games[i]));
    free(games);
    json_t *r = isl_response_ok();
    json_object_set_new(r, "games", array);
    return r;
}

static json_t *status(void)
{
    const struct isl_config *c = &daemon_state.config;
    json_t *r = isl_response_ok();
    json_object_set_new(r, "strategy", json_string(isl_strategy_name(c->strategy)));
    json_object_set_new(r, "intensity", json_integer(c->intensity));
    json_object_set_new(r, "period", json_integer(c->period_s));
    json_object_set_new(r, "children", json_integer(games_sup_children()));
    json_object_set_new(r, "games", json_integer(games_stored));
    json_object_set_new(r, "restarts", json_integer(games_sup_total_restarts()));
    json_object_set_new(r, "uptime_s",
                        json_integer((json_int_t)((isl_monotonic_ms() - daemon_state.started_ms) / 1000)));
    json_object_set_new(r, "spares", json_integer(workers_spare_count()));
    json_object_set_new(r, "clients", json_integer(frontdoor_client_count()));
    json_object_set_new(r, "restart", json_string(isl_restart_name(c->restart)));
    json_object_set_new(r, "sync", json_string(isl_sync_name(c->sync)));
    json_object_set_new(r, "group_commit", json_boolean(c->group_commit));
    return r;
}

void admin_handle(struct conn *c, json_t *id, const struct isl_request *req)
{
    json_t *r;
    if (req->op == ISL_OP_PING) {
        r = isl_response_ok();
        json_object_set_new(r, "version", json_string(ISLANDSD_VERSION));
        json_object_set_new(r, "protocol", json_integer(1));
    } else if (!req->admin) {
        r = isl_response_error(ISL_E_FORBIDDEN, "admin ops need uid 0 or the daemon's uid");
    } else if (req->op == ISL_OP_LIST) {
        r = list_games();
    } else if (req->op == ISL_OP_STATUS) {
        r = status();
    } else {
        r = isl_response_error(ISL_E_UNKNOWN_OP, "unknown op");
    }
    conn_reply(c, id, r);
}
