/* The router: every request for a game waits in the game's queue and goes
 * to its worker, one at a time, within its deadline. What workers say and
 * how they start and die is router_workers.c. */
#include "router.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "daemon.h"
#include "games_sup.h"
#include "islands/clock.h"
#include "islands/log.h"
#include "router_internal.h"
#include "writer_link.h"

struct ev_loop *router_loop;

static void on_deadline(struct ev_loop *l, ev_timer *w, int revents);

struct game *game_get(const char *name)
{
    struct game *g = game_find(name);
    if (g)
        return g;
    g = games_add(name);
    if (!g)
        return NULL;
    ev_init(&g->deadline, on_deadline);
    ev_init(&g->start_timer, router_on_start_timer);
    g->deadline.data = g->start_timer.data = g;
    return g;
}

/* ---------------------------------------------------------------- replies */

static void pending_free(struct pending *p)
{
    if (p->conn)
        conn_release(p->conn);
    json_decref(p->id);
    free(p);
}

void router_reply(struct pending *p, json_t *response)
{
    if (p->conn)
        conn_reply(p->conn, p->id, response);
    else
        json_decref(response);
    while (p->followers) {
        struct pending *f = p->followers;
        p->followers = f->next;
        conn_reply(f->conn, f->id, f->ready);
        pending_free(f);
    }
    pending_free(p);
}

/* The last request of c for g not answered yet, or NULL. */
static struct pending *last_waiting(const struct game *g, const struct conn *c)
{
    struct pending *last = g->in_flight && g->in_flight->conn == c ? g->in_flight : NULL;
    for (struct pending *p = g->head; p; p = p->next)
        if (p->conn == c)
            last = p;
    return last;
}

void router_refuse(struct conn *c, json_t *id, const char *game, json_t *response)
{
    struct game *g = game ? game_find(game) : NULL;
    struct pending *before = g ? last_waiting(g, c) : NULL;
    struct pending *f = before ? calloc(1, sizeof *f) : NULL;
    if (!f) {
        conn_reply(c, id, response);
        return;
    }
    conn_hold(c);
    f->conn = c;
    f->id = json_incref(id);
    f->ready = response;
    struct pending **end = &before->followers;
    while (*end)
        end = &(*end)->next;
    *end = f;
}

void router_reply_error(struct pending *p, enum isl_error e, const char *message)
{
    router_reply(p, isl_response_error(e, message));
}

void router_reply_unknown_outcome(struct pending *p)
{
    json_t *r = isl_response_error(ISL_E_GAME_UNAVAILABLE,
                                   "the game's worker died while handling this request");
    json_object_set_new(r, "outcome", json_string("unknown"));
    router_reply(p, r);
}

static struct pending *pop_head(struct game *g)
{
    struct pending *p = g->head;
    g->head = p->next;
    if (!g->head)
        g->tail = NULL;
    g->queued--;
    return p;
}

void router_fail_queue(struct game *g, enum isl_error e, const char *message)
{
    while (g->head)
        router_reply_error(pop_head(g), e, message);
}

/* ---------------------------------------------------------------- timers */

/* The request in flight, unless it expired and waits for its worker's
 * exit (router_workers.c): the queue's deadlines run on meanwhile. */
static struct pending *timed_in_flight(const struct game *g)
{
    return g->in_flight && !g->in_flight->expired ? g->in_flight : NULL;
}

void router_arm_deadline(struct game *g)
{
    struct pending *p = timed_in_flight(g);
    if (!p)
        p = g->head;
    ev_timer_stop(router_loop, &g->deadline);
    if (!p)
        return;
    uint64_t now = isl_monotonic_ms();
    double wait = p->deadline_ms > now ? (double)(p->deadline_ms - now) / 1000.0 : 0.0;
    ev_timer_set(&g->deadline, wait, 0.);
    ev_timer_start(router_loop, &g->deadline);
}

static void on_deadline(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)revents;
    struct game *g = w->data;
    uint64_t now = isl_monotonic_ms();
    /* Its answer may wait among the writer's relays, read in the same turn
     * of the loop after this timer: take them (and the writer's pong)
     * first. */
    if (g->in_flight && g->in_flight->deadline_ms <= now)
        writer_read_relays();
    /* So may its worker's `ready`, on the worker's own channel. */
    if (g->in_flight && g->in_flight->deadline_ms <= now && g->worker && !g->worker_ready)
        proc_read_dry(g->worker);
    if (g->in_flight && g->in_flight->deadline_ms <= now && !g->in_flight->expired) {
        /* A hung worker may hold the store's write lock: never wait on it.
         * A start held up, most likely by the store, is no evidence
         * against the game: not a start failure (no poison marking). */
        bool ready = g->worker_ready;
        /* Waiting for a commit or its fence from a writer that does not
         * answer its pings: the writer's own check will find it hung, and
         * this worker's death is not counted (one stalled disk would
         * otherwise stop every game). */
        bool victim = g->worker && writer_owes_pong();
        isl_log(ISL_LOG_ERR, "event=worker_hung game=%s pid=%ld timeout_ms=%u ready=%d "
                "writer_late=%d action=SIGKILL", g->name,
                g->worker ? (long)g->worker->pid : -1L, daemon_state.config.request_timeout_ms,
                ready, victim);
        struct pending *p = g->in_flight;
        g->accepting = false;
        if (g->worker) {
            g->worker_killed_as_hung = true;
            g->worker_blameless = victim;
            proc_signal(g->worker, SIGKILL);
        }
        if (!ready && g->worker) {
            /* Sent along with `adopt`, it is handled only after `ready`,
             * which the worker may send between our read and its death:
             * its exit, once its last frames are read, says which
             * (router_workers.c). */
            p->expired = true;
        } else {
            g->in_flight = NULL;
            if (ready)
                router_reply_unknown_outcome(p);
            else
                router_reply_error(p, ISL_E_GAME_UNAVAILABLE, NOT_READY_IN_TIME);
        }
    }
    while (g->head && g->head->deadline_ms <= now && !timed_in_flight(g))
        router_reply_error(pop_head(g), ISL_E_GAME_UNAVAILABLE,
                    "the game's worker is not available (restarting or stopped)");
    router_pump(g);
    game_maybe_free(g);
}

/* ---------------------------------------------------------------- submit */

static void enqueue(struct game *g, struct pending *p)
{
    p->deadline_ms = isl_monotonic_ms() + daemon_state.config.request_timeout_ms;
    if (g->tail)
        g->tail->next = p;
    else
        g->head = p;
    g->tail = p;
    g->queued++;
    router_pump(g);
}

void router_submit(struct conn *c, json_t *id, const struct isl_request *req)
{
    if (req->op != ISL_OP_CRASH && !isl_op_is_game_op(req->op)) {
        admin_handle(c, id, req);
        return;
    }
    /* The decision apart from its answer: an answer that cannot be
     * allocated must not turn a refusal into a yes. */
    enum isl_error refusal = ISL_OK;
    const char *why = NULL;
    if (req->op == ISL_OP_CRASH && !req->admin)
        refusal = ISL_E_FORBIDDEN, why = "crash is an admin op";
    else if (req->op == ISL_OP_CRASH && !daemon_state.config.crash_injection)
        refusal = ISL_E_FORBIDDEN, why = "crash injection is disabled";
    else if (daemon_state.shutting_down)
        refusal = ISL_E_GAME_UNAVAILABLE, why = "islandsd is shutting down";
    struct game *g = refusal ? NULL : game_get(req->game);
    if (!refusal && !g)
        refusal = ISL_E_INTERNAL, why = "out of memory";
    else if (!refusal && g->queued >= daemon_state.config.queue_limit)
        refusal = ISL_E_BUSY, why = "too many requests waiting for this game";
    struct pending *p = refusal ? NULL : calloc(1, sizeof *p);
    if (!refusal && !p)
        refusal = ISL_E_INTERNAL, why = "out of memory";
    if (refusal) {
        router_refuse(c, id, req->game, isl_response_error(refusal, why));
        if (g)
            game_maybe_free(g);
        return;
    }
    conn_hold(c);
    p->conn = c;
    p->id = json_incref(id);
    p->req = *req;
    p->submitted_ms = isl_monotonic_ms();
    game_touch(g, p->submitted_ms);
    enqueue(g, p);
    game_maybe_free(g);
}

void router_submit_internal(struct game *g, const struct isl_request *req)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p)
        return;
    p->req = *req;
    enqueue(g, p);
}

/* ---------------------------------------------------------------- pump */

static void crash_worker(struct game *g, struct pending *p)
{
    static const struct { const char *name; int sig; } signals[] = {
        {"KILL", SIGKILL}, {"SEGV", SIGSEGV}, {"ABRT", SIGABRT}, {"TERM", SIGTERM}};
    long pid = (long)g->worker->pid;
    isl_log(ISL_LOG_NOTICE, "event=crash_injected game=%s pid=%ld signal=%s", g->name, pid,
            p->req.signal);
    int sig = 0;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (strcmp(p->req.signal, signals[i].name) == 0)
            sig = signals[i].sig;
    if (sig) {
        proc_signal(g->worker, sig);
    } else {
        json_t *msg = json_pack("{s:s, s:s}", "t", "crash", "how", "EXIT");
        proc_send(g->worker, msg);
        json_decref(msg);
    }
    /* Later requests wait for the restart instead of racing the death. */
    g->accepting = false;
    json_t *r = isl_response_ok();
    json_object_set_new(r, "pid", json_integer(pid));
    router_reply(p, r);
}

static void send_to_worker(struct game *g, struct pending *p)
{
    json_t *req = isl_request_encode(&p->req);
    json_t *msg = json_pack("{s:s, s:I, s:o}", "t", "req", "seq", (json_int_t)++g->seq, "req", req);
    g->in_flight = p;
    g->worker_owes_answer = true;
    p->deadline_ms = isl_monotonic_ms() + daemon_state.config.request_timeout_ms;
    proc_send(g->worker, msg);
    json_decref(msg);
}

static bool activate(struct game *g)
{
    if (g->worker || g->in_core)
        return true;
    if (!games_sup_room_for_one_more())
        return false;
    games_sup_activate(g);
    return true;
}

void router_pump(struct game *g)
{
    if (g->failed && g->retry_at_ms && g->head && isl_monotonic_ms() >= g->retry_at_ms)
        router_retry_failed_start(g);   /* pumps g again once the core let go */
    while (g->head && !g->in_flight && daemon_state.writer_ready) {
        struct pending *p = g->head;
        enum isl_op op = p->req.op;
        if (g->failed) {
            router_reply_error(pop_head(g), ISL_E_GAME_UNAVAILABLE, router_failed_message(g));
        } else if (!g->exists && op != ISL_OP_NEW_GAME && !g->worker) {
            router_reply_error(pop_head(g), ISL_E_NO_SUCH_GAME, "no such game");
        } else if (g->exists && op == ISL_OP_NEW_GAME && !g->worker) {
            router_reply_error(pop_head(g), ISL_E_GAME_EXISTS, "a game with this name exists");
        } else if (!g->exists && op == ISL_OP_NEW_GAME &&
                   games_stored >= daemon_state.config.max_games) {
            router_reply_error(pop_head(g), ISL_E_BUSY, "too many games (max_games)");
        } else if (!g->worker || !g->accepting || g->worker->reaped ||
                   (op == ISL_OP_CRASH && !g->worker_ready)) {
            /* A reaped worker's last frames are being read: the next
             * request waits for the next worker, not for a closed channel. */
            if (!activate(g))
                router_reply_error(pop_head(g), ISL_E_BUSY, "too many live games (max_children)");
            else
                break;
        } else if (op == ISL_OP_CRASH) {
            crash_worker(g, pop_head(g));
        } else {
            send_to_worker(g, pop_head(g));
        }
    }
    router_arm_deadline(g);
}

static bool has_queue(const struct game *g)
{
    return g->head != NULL;
}

void router_pump_all(void)
{
    size_t n;
    /* Collected first: pumping can free games, which a map walk must not see. */
    struct game **list = games_collect(has_queue, &n);
    for (size_t i = 0; i < n; i++) {
        router_pump(list[i]);
        game_maybe_free(list[i]);
    }
    free(list);
}

/* ---------------------------------------------------------------- setup */

void router_init(struct ev_loop *loop)
{
    router_loop = loop;
    games_init(loop);
}

void router_abort_queues(const char *why)
{
    size_t n;
    struct game **list = games_collect(has_queue, &n);
    for (size_t i = 0; i < n; i++) {
        router_fail_queue(list[i], ISL_E_GAME_UNAVAILABLE, why);
        router_arm_deadline(list[i]);
        game_maybe_free(list[i]);
    }
    free(list);
}
