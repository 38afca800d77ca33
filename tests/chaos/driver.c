/* The poll loop over the game connections. */
#include "driver.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANSWER_TIMEOUT_MS 60000

int driver_init(struct driver *d, struct chaos_run *run, unsigned games)
{
    memset(d, 0, sizeof *d);
    d->run = run;
    d->count = games;
    d->slots = calloc(games, sizeof *d->slots);
    if (!d->slots)
        return -1;
    for (unsigned i = 0; i < games; i++)
        slot_init(&d->slots[i], i, run->opt->seed, run->prefix);
    d->conn_count = games < DRIVER_MAX_CONNS ? games : DRIVER_MAX_CONNS;
    d->next_id = 1;
    d->invalid_percent = 15;
    return 0;
}

void driver_disconnect(struct driver *d)
{
    for (unsigned c = 0; c < d->conn_count; c++) {
        if (d->conns[c])
            isl_client_close(d->conns[c]);
        d->conns[c] = NULL;
        d->retry_at[c] = 0;
    }
    for (unsigned i = 0; i < d->count; i++) {
        if (d->slots[i].in_flight && d->slots[i].move.kind == MOVE_NEW_GAME && !d->slots[i].probe)
            d->creating = false;
        slot_lost_answer(d->run, &d->slots[i]);
    }
}

void driver_free(struct driver *d)
{
    driver_disconnect(d);
    for (unsigned i = 0; i < d->count; i++)
        slot_free(&d->slots[i]);
    free(d->slots);
    free(d->order);
    d->slots = NULL;
    d->order = NULL;
}

/* ---------------------------------------------------------------- start order */

void order_append(struct driver *d, const char *game)
{
    order_remove(d, game);
    if (d->order_count == d->order_cap)
        d->order = grow_array(d->order, &d->order_cap, sizeof *d->order);
    snprintf(d->order[d->order_count++], sizeof d->order[0], "%s", game);
}

int order_index(const struct driver *d, const char *game)
{
    for (size_t i = 0; i < d->order_count; i++)
        if (strcmp(d->order[i], game) == 0)
            return (int)i;
    return -1;
}

void order_remove(struct driver *d, const char *game)
{
    int i = order_index(d, game);
    if (i < 0)
        return;
    memmove(d->order[i], d->order[i + 1], (d->order_count - (size_t)i - 1) * sizeof d->order[0]);
    d->order_count--;
}

struct slot *driver_find(struct driver *d, const char *game)
{
    for (unsigned i = 0; i < d->count; i++)
        if (strcmp(d->slots[i].name, game) == 0)
            return &d->slots[i];
    return NULL;
}

/* ---------------------------------------------------------------- sending */

static struct isl_client *conn_of(struct driver *d, const struct slot *s)
{
    unsigned c = s->index % d->conn_count;
    if (!d->conns[c] && isl_monotonic_ms() >= d->retry_at[c]) {
        d->conns[c] = isl_client_connect(d->run->socket, 200);
        if (!d->conns[c])
            d->retry_at[c] = isl_monotonic_ms() + 50;
    }
    return d->conns[c];
}

static void send_probe(struct driver *d, struct slot *s, struct isl_client *c)
{
    json_t *req = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)d->next_id, "op", "state",
                            "game", s->name);
    if (isl_client_queue(c, req) == ISL_CLIENT_OK) {
        s->in_flight = true;
        s->probe = true;
        s->id = d->next_id++;
        s->sent_ms = isl_monotonic_ms();
    }
    json_decref(req);
}

static void send_chosen(struct driver *d, struct slot *s, struct isl_client *c)
{
    json_t *req = slot_request(s, d->next_id++);
    if (isl_client_queue(c, req) != ISL_CLIENT_OK) {
        s->in_flight = false;
        json_decref(req);
        return;
    }
    json_decref(req);
    d->run->stats.moves_sent++;
    if (s->move.kind == MOVE_NEW_GAME && s->expect.error == ISL_OK) {
        d->creating = true;
        order_append(d, s->name);   /* its worker starts when this arrives */
    }
}

static bool lifecycle_move_next(const struct slot *s)
{
    return !s->created || s->abandon || s->model.state == ISL_RULES_GAME_OVER;
}

static bool done(const struct slot *s)
{
    return s->retired && !s->created && !s->unknown;
}

static void issue(struct driver *d, struct slot *s)
{
    if (s->in_flight || done(s) || d->quiet)
        return;
    struct isl_client *c = conn_of(d, s);
    if (!c)
        return;
    if (s->unknown) {
        if (isl_monotonic_ms() >= s->probe_after_ms)
            send_probe(d, s, c);
        return;
    }
    if (!d->issuing)
        return;
    if (lifecycle_move_next(s) && (d->hold_lifecycle || (!s->created && d->creating)))
        return;
    slot_choose(s, d->invalid_percent, d->valid_only);
    send_chosen(d, s, c);
}

bool driver_send_move(struct driver *d, struct slot *s)
{
    if (s->in_flight || s->unknown || !s->created || lifecycle_move_next(s))
        return false;
    struct isl_client *c = conn_of(d, s);
    if (!c)
        return false;
    slot_choose(s, 0, true);
    send_chosen(d, s, c);
    return s->in_flight;
}

/* ---------------------------------------------------------------- answers */

static struct slot *slot_of_answer(struct driver *d, unsigned conn, const json_t *resp)
{
    json_t *id = json_object_get(resp, "id");
    if (!json_is_integer(id))
        return NULL;
    for (unsigned i = conn; i < d->count; i += d->conn_count)
        if (d->slots[i].in_flight && d->slots[i].id == json_integer_value(id))
            return &d->slots[i];
    return NULL;
}

static void handle_answer(struct driver *d, unsigned conn, json_t *resp)
{
    struct slot *s = slot_of_answer(d, conn, resp);
    if (!s) {
        char *text = json_dumps(resp, JSON_COMPACT);
        violation(d->run, "an answer for no request in flight: %.300s", text ? text : "?");
        free(text);
        return;
    }
    bool was_creating = !s->probe && s->move.kind == MOVE_NEW_GAME;
    char name[sizeof s->name];
    snprintf(name, sizeof name, "%s", s->name);
    slot_answer(d->run, s, resp);
    if (was_creating)
        d->creating = false;
    /* The game ended, vanished, or was never made: not a worker any more. */
    if (strcmp(name, s->name) != 0 || (!s->created && !s->unknown))
        order_remove(d, name);
}

static void conn_lost(struct driver *d, unsigned conn)
{
    isl_client_close(d->conns[conn]);
    d->conns[conn] = NULL;
    d->retry_at[conn] = isl_monotonic_ms() + 50;
    for (unsigned i = conn; i < d->count; i += d->conn_count) {
        struct slot *s = &d->slots[i];
        if (s->in_flight && !s->probe && s->move.kind == MOVE_NEW_GAME)
            d->creating = false;
        slot_lost_answer(d->run, s);
    }
}

static void read_conn(struct driver *d, unsigned conn)
{
    enum isl_client_status st = isl_client_read(d->conns[conn]);
    json_t *resp;
    enum isl_client_status p;
    while ((p = isl_client_pop(d->conns[conn], &resp)) == ISL_CLIENT_OK) {
        handle_answer(d, conn, resp);
        json_decref(resp);
    }
    if (p == ISL_CLIENT_BAD_LINE) {
        violation(d->run, "a response line that is not a JSON object");
        conn_lost(d, conn);
    } else if (st == ISL_CLIENT_EOF || st == ISL_CLIENT_ERROR || st == ISL_CLIENT_BAD_LINE) {
        conn_lost(d, conn);
    }
}

static void check_timeouts(struct driver *d)
{
    uint64_t now = isl_monotonic_ms();
    for (unsigned i = 0; i < d->count; i++) {
        struct slot *s = &d->slots[i];
        if (s->in_flight && now - s->sent_ms > ANSWER_TIMEOUT_MS) {
            violation(d->run, "%s: no answer within %d s", s->name, ANSWER_TIMEOUT_MS / 1000);
            conn_lost(d, s->index % d->conn_count);
        }
    }
}

void driver_step(struct driver *d, int wait_ms)
{
    if (daemon_died(d->run)) {
        driver_disconnect(d);
        sleep_ms(wait_ms > 20 ? 20 : (unsigned)wait_ms);
        return;
    }
    for (unsigned k = 0; k < d->count; k++)
        issue(d, &d->slots[(d->rotate + k) % d->count]);
    d->rotate++;
    struct pollfd fds[DRIVER_MAX_CONNS];
    unsigned map[DRIVER_MAX_CONNS], n = 0;
    for (unsigned c = 0; c < d->conn_count; c++) {
        if (!d->conns[c])
            continue;
        if (isl_client_pending_output(d->conns[c]) &&
            isl_client_flush(d->conns[c]) == ISL_CLIENT_ERROR) {
            conn_lost(d, c);
            continue;
        }
        fds[n].fd = isl_client_fd(d->conns[c]);
        fds[n].events = POLLIN | (isl_client_pending_output(d->conns[c]) ? POLLOUT : 0);
        fds[n].revents = 0;
        map[n++] = c;
    }
    if (n == 0) {
        sleep_ms(wait_ms > 20 ? 20 : (unsigned)wait_ms);
        return;
    }
    if (poll(fds, n, wait_ms) > 0)
        for (unsigned k = 0; k < n; k++)
            if (fds[k].revents && d->conns[map[k]])
                read_conn(d, map[k]);
    check_timeouts(d);
}

static bool any_in_flight(const struct driver *d)
{
    for (unsigned i = 0; i < d->count; i++)
        if (d->slots[i].in_flight)
            return true;
    return false;
}

int driver_quiesce(struct driver *d, int timeout_ms)
{
    d->quiet = true;
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)timeout_ms;
    while (any_in_flight(d) && isl_monotonic_ms() < deadline && !d->run->aborted)
        driver_step(d, 20);
    d->quiet = false;
    if (!any_in_flight(d) || d->run->aborted)
        return d->run->aborted ? -1 : 0;
    violation(d->run, "requests still unanswered %d ms after the harness stopped sending",
              timeout_ms);
    driver_disconnect(d);
    return -1;
}

bool driver_wait_answer(struct driver *d, struct slot *s, int timeout_ms)
{
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)timeout_ms;
    while (s->in_flight && isl_monotonic_ms() < deadline && !d->run->aborted)
        driver_step(d, 10);
    return !s->in_flight;
}

bool driver_all_done(const struct driver *d)
{
    for (unsigned i = 0; i < d->count; i++)
        if (!done(&d->slots[i]) || d->slots[i].in_flight)
            return false;
    return true;
}
