/* Worker starts and the warm spare pool. */
#include "workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "islands/log.h"

#define MAX_SPARES 64
#define REFILL_DELAY_S 0.01

static struct ev_loop *loop;
static bool refill_waits_for_answer;   /* the timer is only the fallback */
static struct proc *spares[MAX_SPARES];
static bool spare_ready[MAX_SPARES];
static unsigned spare_total;
static unsigned spare_failures;   /* consecutive spares that died unused */
static ev_timer refill_timer;

static struct proc *spawn_worker(const char *label, const struct proc_ops *ops, void *owner)
{
    const struct isl_config *c = &daemon_state.config;
    char map_size[32], readers[16], timeout[16];
    snprintf(map_size, sizeof map_size, "%zu", c->map_size);
    snprintf(readers, sizeof readers, "%u", c->max_readers);
    snprintf(timeout, sizeof timeout, "%u", c->game_timeout_s);
    char *argv[16];
    int n = 0;
    argv[n++] = "islands-worker";
    argv[n++] = "--store";
    argv[n++] = (char *)c->store;
    argv[n++] = "--sync";
    argv[n++] = (char *)isl_sync_name(c->sync);
    argv[n++] = "--map-size";
    argv[n++] = map_size;
    argv[n++] = "--max-readers";
    argv[n++] = readers;
    argv[n++] = c->group_commit ? "--group-commit" : "--direct-commit";
    if (c->group_commit)
        argv[n++] = "--relay";   /* the writer answers for it once committed */
    argv[n++] = "--game-timeout";
    argv[n++] = timeout;
    if (c->crash_injection)
        argv[n++] = "--crash-injection";
    argv[n] = NULL;
    return proc_spawn(label, daemon_state.worker_path, argv, ops, owner);
}

static int spare_index(const struct proc *p)
{
    for (unsigned i = 0; i < spare_total; i++)
        if (spares[i] == p)
            return (int)i;
    return -1;
}

static void remove_spare(unsigned i)
{
    spare_total--;
    spares[i] = spares[spare_total];
    spare_ready[i] = spare_ready[spare_total];
}

static void spare_message(struct proc *p, json_t *msg)
{
    const char *t = json_string_value(json_object_get(msg, "t"));
    int i = spare_index(p);
    if (i >= 0 && t && strcmp(t, "spare") == 0) {
        spare_ready[i] = true;
        spare_failures = 0;
    } else {
        proc_kill_broken(p, "unexpected_message_from_spare");
    }
}

static void schedule_refill(double after_s)
{
    if (ev_is_active(&refill_timer))
        return;
    refill_waits_for_answer = false;
    ev_timer_set(&refill_timer, after_s, 0.);
    ev_timer_start(loop, &refill_timer);
}

static void spare_exit(struct proc *p, int status)
{
    int i = spare_index(p);
    if (i < 0)
        return;
    bool was_ready = spare_ready[i];
    remove_spare((unsigned)i);
    if (p->terminating)
        return;
    isl_log(ISL_LOG_WARNING, "event=spare_exit pid=%ld status=%d ready=%s", (long)p->pid, status,
            was_ready ? "yes" : "no");
    /* A worker that cannot even start must not be respawned in a tight loop. */
    spare_failures++;
    schedule_refill(spare_failures > 8 ? 5.0 : 0.1 * spare_failures);
}

static const struct proc_ops spare_ops = {spare_message, spare_exit};

void workers_refill_spares(void)
{
    unsigned want = daemon_state.config.spare_workers;
    if (want > MAX_SPARES)
        want = MAX_SPARES;
    if (!daemon_state.writer_ready || daemon_state.shutting_down)
        return;
    while (spare_total < want) {
        struct proc *p = spawn_worker("spare", &spare_ops, NULL);
        if (!p) {
            schedule_refill(1.0);
            return;
        }
        spares[spare_total] = p;
        spare_ready[spare_total] = false;
        spare_total++;
    }
}

static void on_refill(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    workers_refill_spares();
}

void workers_init(struct ev_loop *l)
{
    loop = l;
    ev_init(&refill_timer, on_refill);
}

static void adopt(struct proc *p, const char *game, json_t *after)
{
    json_t *msg = json_pack("{s:s, s:s}", "t", "adopt", "game", game);
    if (msg && after)
        json_object_set(msg, "after", after);
    proc_send(p, msg);
    json_decref(msg);
}

struct proc *workers_start(const char *game, json_t *after, const struct proc_ops *ops,
                           void *owner)
{
    int pick = -1;
    for (unsigned i = 0; i < spare_total; i++)
        if (!spares[i]->terminating && (pick < 0 || (spare_ready[i] && !spare_ready[pick])))
            pick = (int)i;
    struct proc *p;
    if (pick >= 0) {
        p = spares[pick];
        remove_spare((unsigned)pick);
        p->ops = ops;
        p->owner = owner;
        p->label = "worker";
    } else {
        p = spawn_worker("worker", ops, owner);
        if (!p)
            return NULL;
    }
    adopt(p, game, after);
    /* Spawning blocks islandsd until the exec (about a millisecond here):
     * refill once the game we started has had its first answer (see
     * workers_first_answer), or after REFILL_DELAY_S if none comes. */
    if (!ev_is_active(&refill_timer)) {
        schedule_refill(REFILL_DELAY_S);
        refill_waits_for_answer = true;
    }
    return p;
}

void workers_first_answer(void)
{
    if (!refill_waits_for_answer || !ev_is_active(&refill_timer))
        return;
    /* Not from inside the caller: other answers read with this one go
     * out first; a zero timer runs after this iteration's io. */
    refill_waits_for_answer = false;
    ev_timer_stop(loop, &refill_timer);
    ev_timer_set(&refill_timer, 0., 0.);
    ev_timer_start(loop, &refill_timer);
}

void workers_stop_spares(void)
{
    ev_timer_stop(loop, &refill_timer);
    for (unsigned i = 0; i < spare_total; i++)
        proc_terminate(spares[i], daemon_state.config.shutdown_ms);
}

unsigned workers_spare_count(void)
{
    return spare_total;
}
