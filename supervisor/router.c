/* The router: every request for a game goes through the game's queue to
 * its worker, one at a time; worker starts, answers and deaths come back
 * here. */
#include "router.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "admin.h"
#include "daemon.h"
#include "games_sup.h"
#include "islands/exit_status.h"
#include "islands/log.h"
#include "workers.h"

struct strmap games_index;
unsigned games_stored;

static struct ev_loop *loop;

static void pump(struct game *g);
static void on_deadline(struct ev_loop *l, ev_timer *w, int revents);
static void on_start_timer(struct ev_loop *l, ev_timer *w, int revents);

struct game *game_find(const char *name)
{
    return strmap_get(&games_index, name);
}

struct game *game_get(const char *name)
{
    struct game *g = game_find(name);
    if (g)
        return g;
    g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    strncpy(g->name, name, ISL_GAME_NAME_MAX);
    ev_init(&g->deadline, on_deadline);
    ev_init(&g->start_timer, on_start_timer);
    g->deadline.data = g->start_timer.data = g;
    g->last_activity_ms = monotonic_ms();
    if (strmap_put(&games_index, g->name, g) != 0) {
        free(g);
        return NULL;
    }
    return g;
}

static bool unreferenced(const struct game *g)
{
    return !(g->exists || g->failed || g->in_core || g->worker || g->head || g->in_flight);
}

/* Games that may have become unreferenced. They are freed from an
 * ev_prepare watcher, outside every callback that may still hold them
 * (the supervisor's actions reach games deep inside other handlers). */
static struct game **free_candidates;
static size_t free_count, free_cap;
static ev_prepare free_watcher;

static void game_maybe_free(struct game *g)
{
    if (g->free_pending || !unreferenced(g))
        return;
    if (free_count == free_cap) {
        size_t cap = free_cap ? free_cap * 2 : 64;
        struct game **items = realloc(free_candidates, cap * sizeof *items);
        if (!items)
            return;   /* kept: a small leak beats a dangling pointer */
        free_candidates = items;
        free_cap = cap;
    }
    g->free_pending = true;
    free_candidates[free_count++] = g;
}

static void on_prepare_free(struct ev_loop *l, ev_prepare *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    for (size_t i = 0; i < free_count; i++) {
        struct game *g = free_candidates[i];
        g->free_pending = false;
        if (!unreferenced(g))
            continue;
        ev_timer_stop(loop, &g->deadline);
        ev_timer_stop(loop, &g->start_timer);
        strmap_remove(&games_index, g->name);
        free(g);
    }
    free_count = 0;
}

struct each_ctx {
    void (*fn)(struct game *, void *);
    void *arg;
};

static void each_entry(const char *key, void *value, void *arg)
{
    (void)key;
    struct each_ctx *ctx = arg;
    ctx->fn(value, ctx->arg);
}

void games_each(void (*fn)(struct game *, void *), void *arg)
{
    struct each_ctx ctx = {fn, arg};
    strmap_each(&games_index, each_entry, &ctx);
}

void game_set_stored(struct game *g, const char *rules)
{
    bool exists = rules != NULL;
    if (exists != g->exists)
        games_stored += exists ? 1 : (unsigned)-1;
    g->exists = exists;
    snprintf(g->rules, sizeof g->rules, "%s", rules ? rules : "");
}

/* ---------------------------------------------------------------- replies */

static void reply(struct pending *p, json_t *response)
{
    if (p->conn) {
        conn_reply(p->conn, p->id, response);
        conn_release(p->conn);
    } else {
        json_decref(response);
    }
    json_decref(p->id);
    free(p);
}

static void reply_error(struct pending *p, enum isl_error e, const char *message)
{
    reply(p, isl_response_error(e, message));
}

static void reply_unknown_outcome(struct pending *p)
{
    json_t *r = isl_response_error(ISL_E_GAME_UNAVAILABLE,
                                   "the game's worker died while handling this request");
    json_object_set_new(r, "outcome", json_string("unknown"));
    reply(p, r);
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

static void fail_queue(struct game *g, enum isl_error e, const char *message)
{
    while (g->head)
        reply_error(pop_head(g), e, message);
}

/* ---------------------------------------------------------------- timers */

static void arm_deadline(struct game *g)
{
    struct pending *p = g->in_flight ? g->in_flight : g->head;
    ev_timer_stop(loop, &g->deadline);
    if (!p)
        return;
    uint64_t now = monotonic_ms();
    double wait = p->deadline_ms > now ? (double)(p->deadline_ms - now) / 1000.0 : 0.0;
    ev_timer_set(&g->deadline, wait, 0.);
    ev_timer_start(loop, &g->deadline);
}

static void on_deadline(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)revents;
    struct game *g = w->data;
    uint64_t now = monotonic_ms();
    if (g->in_flight && g->in_flight->deadline_ms <= now) {
        /* A hung worker may hold the store's write lock: never wait on it. */
        isl_log(ISL_LOG_ERR, "event=worker_hung game=%s pid=%ld timeout_ms=%u action=SIGKILL",
                g->name, g->worker ? (long)g->worker->pid : -1L,
                daemon_state.config.request_timeout_ms);
        struct pending *p = g->in_flight;
        g->in_flight = NULL;
        g->accepting = false;
        if (g->worker)
            proc_signal(g->worker, SIGKILL);
        reply_unknown_outcome(p);
    }
    while (g->head && g->head->deadline_ms <= now && !g->in_flight)
        reply_error(pop_head(g), ISL_E_GAME_UNAVAILABLE,
                    "the game's worker is not available (restarting or stopped)");
    pump(g);
    game_maybe_free(g);
}

/* ---------------------------------------------------------------- submit */

void router_submit(struct conn *c, json_t *id, const struct isl_request *req)
{
    if (req->op != ISL_OP_CRASH && !isl_op_is_game_op(req->op)) {
        admin_handle(c, id, req);
        return;
    }
    json_t *refused = NULL;
    if (req->op == ISL_OP_CRASH && !req->admin)
        refused = isl_response_error(ISL_E_FORBIDDEN, "crash is an admin op");
    else if (req->op == ISL_OP_CRASH && !daemon_state.config.crash_injection)
        refused = isl_response_error(ISL_E_FORBIDDEN, "crash injection is disabled");
    else if (daemon_state.shutting_down)
        refused = isl_response_error(ISL_E_GAME_UNAVAILABLE, "islandsd is shutting down");
    struct game *g = refused ? NULL : game_get(req->game);
    if (!refused && !g)
        refused = isl_response_error(ISL_E_INTERNAL, "out of memory");
    else if (!refused && g->queued >= daemon_state.config.queue_limit)
        refused = isl_response_error(ISL_E_BUSY, "too many requests waiting for this game");
    struct pending *p = refused ? NULL : calloc(1, sizeof *p);
    if (!refused && !p)
        refused = isl_response_error(ISL_E_INTERNAL, "out of memory");
    if (refused) {
        conn_reply(c, id, refused);
        if (g)
            game_maybe_free(g);
        return;
    }
    conn_hold(c);
    p->conn = c;
    p->id = json_incref(id);
    p->req = *req;
    uint64_t now = monotonic_ms();
    p->deadline_ms = now + daemon_state.config.request_timeout_ms;
    if (g->tail)
        g->tail->next = p;
    else
        g->head = p;
    g->tail = p;
    g->queued++;
    g->last_activity_ms = now;
    pump(g);
    game_maybe_free(g);
}

void router_submit_internal(struct game *g, const struct isl_request *req)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p)
        return;
    p->req = *req;
    p->deadline_ms = monotonic_ms() + daemon_state.config.request_timeout_ms;
    if (g->tail)
        g->tail->next = p;
    else
        g->head = p;
    g->tail = p;
    g->queued++;
    pump(g);
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
    reply(p, r);
}

static void send_to_worker(struct game *g, struct pending *p)
{
    json_t *req = isl_request_encode(&p->req);
    json_t *msg = json_pack("{s:s, s:I, s:o}", "t", "req", "seq", (json_int_t)++g->seq, "req", req);
    g->in_flight = p;
    p->deadline_ms = monotonic_ms() + daemon_state.config.request_timeout_ms;
    proc_send(g->worker, msg);
    json_decref(msg);
}

static bool activate(struct game *g)
{
    if (g->worker || g->in_core)
        return true;
    if (games_sup_children() >= daemon_state.config.max_children)
        return false;
    games_sup_activate(g);
    return true;
}

static void pump(struct game *g)
{
    while (g->head && !g->in_flight && daemon_state.writer_ready) {
        struct pending *p = g->head;
        enum isl_op op = p->req.op;
        if (g->failed) {
            reply_error(pop_head(g), ISL_E_GAME_UNAVAILABLE,
                        "the game's stored state is corrupt and was quarantined");
        } else if (!g->exists && op != ISL_OP_NEW_GAME && !g->worker) {
            reply_error(pop_head(g), ISL_E_NO_SUCH_GAME, "no such game");
        } else if (g->exists && op == ISL_OP_NEW_GAME && !g->worker) {
            reply_error(pop_head(g), ISL_E_GAME_EXISTS, "a game with this name exists");
        } else if (!g->exists && op == ISL_OP_NEW_GAME &&
                   games_stored >= daemon_state.config.max_games) {
            reply_error(pop_head(g), ISL_E_BUSY, "too many games (max_games)");
        } else if (!g->worker || !g->accepting || (op == ISL_OP_CRASH && !g->worker_ready)) {
            if (!activate(g))
                reply_error(pop_head(g), ISL_E_BUSY, "too many live games (max_children)");
            else
                break;
        } else if (op == ISL_OP_CRASH) {
            crash_worker(g, pop_head(g));
        } else {
            send_to_worker(g, pop_head(g));
        }
    }
    arm_deadline(g);
}

struct collect_ctx {
    bool (*want)(const struct game *g);
    struct game **items;
    size_t count, cap;
};

static void collect_one(struct game *g, void *arg)
{
    struct collect_ctx *ctx = arg;
    if (ctx->want && !ctx->want(g))
        return;
    if (ctx->count == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 64;
        struct game **items = realloc(ctx->items, cap * sizeof *items);
        if (!items)
            return;
        ctx->items = items;
        ctx->cap = cap;
    }
    ctx->items[ctx->count++] = g;
}

struct game **games_collect(bool (*want)(const struct game *g), size_t *count)
{
    struct collect_ctx ctx = {.want = want};
    games_each(collect_one, &ctx);
    *count = ctx.count;
    return ctx.items;
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
        pump(list[i]);
        game_maybe_free(list[i]);
    }
    free(list);
}

/* ---------------------------------------------------------------- workers */

static const char *rules_of(json_t *msg, bool *ok)
{
    json_t *rules = json_object_get(msg, "rules");
    enum isl_rules_state state;
    *ok = true;
    if (json_is_null(rules))
        return NULL;
    const char *name = json_string_value(rules);
    if (!name || isl_rules_state_from_name(name, &state) != 0)
        *ok = false;
    return name;
}

static void on_ready(struct game *g, json_t *msg)
{
    bool ok;
    const char *rules = rules_of(msg, &ok);
    const char *name = json_string_value(json_object_get(msg, "game"));
    if (!ok || !name || strcmp(name, g->name) != 0 || g->worker_ready) {
        proc_kill_broken(g->worker, "bad_ready");
        return;
    }
    game_set_stored(g, rules);
    g->worker_ready = true;
    isl_log(ISL_LOG_INFO, "event=worker_ready game=%s pid=%ld rules=%s", g->name,
            (long)g->worker->pid, rules ? rules : "none");
    games_sup_ready(g);
    pump(g);
}

static void on_response(struct game *g, json_t *msg)
{
    bool ok;
    const char *rules = rules_of(msg, &ok);
    json_t *seq = json_object_get(msg, "seq");
    json_t *resp = json_object_get(msg, "resp");
    if (!ok || !g->in_flight || !json_is_integer(seq) ||
        json_integer_value(seq) != (json_int_t)g->seq || !json_is_object(resp) ||
        !json_is_boolean(json_object_get(resp, "ok"))) {
        proc_kill_broken(g->worker, "bad_response");
        return;
    }
    game_set_stored(g, rules);
    struct pending *p = g->in_flight;
    g->in_flight = NULL;
    bool ended = p->req.op == ISL_OP_END_GAME && json_is_true(json_object_get(resp, "ok"));
    json_object_del(resp, "id");   /* the id is the client's, set by conn_reply */
    reply(p, json_incref(resp));
    if (ended) {
        isl_log(ISL_LOG_INFO, "event=game_ended game=%s reason=end_game", g->name);
        g->accepting = false;
        games_sup_stop(g);
    }
    pump(g);
}

static void worker_message(struct proc *w, json_t *msg)
{
    struct game *g = w->owner;
    const char *t = json_string_value(json_object_get(msg, "t"));
    if (!t)
        proc_kill_broken(w, "message_without_type");
    else if (strcmp(t, "spare") == 0)
        ;   /* sent before it read our adopt: nothing to do */
    else if (strcmp(t, "ready") == 0)
        on_ready(g, msg);
    else if (strcmp(t, "resp") == 0)
        on_response(g, msg);
    else
        proc_kill_broken(w, "unknown_message");
}

static void log_exit(const struct game *g, const struct proc *w, int status)
{
    int prio = ISL_LOG_WARNING;
    char how[80];
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code == ISL_EXIT_NORMAL || code == ISL_EXIT_GAME_ENDED || w->terminating)
            prio = ISL_LOG_INFO;
        if (code == ISL_EXIT_CORRUPT)
            prio = ISL_LOG_ERR;
        snprintf(how, sizeof how, "exit_status=%d%s", code,
                 code == ISL_EXIT_CORRUPT ? " reason=corrupt_state" :
                 code == ISL_EXIT_GAME_ENDED ? " reason=shutdown" :
                 code == ISL_EXIT_EXEC_FAILED ? " reason=exec_failed" : "");
    } else if (WIFSIGNALED(status)) {
        const char *sig = sigabbrev_np(WTERMSIG(status));
        snprintf(how, sizeof how, "signal=%s core_dumped=%s", sig ? sig : "?",
                 WCOREDUMP(status) ? "yes" : "no");
        if (w->terminating && WTERMSIG(status) == SIGTERM)
            prio = ISL_LOG_INFO;
    } else {
        snprintf(how, sizeof how, "status=%d", status);
    }
    isl_log(prio, "event=worker_exit game=%s pid=%ld %s restarts=%u", g->name, (long)w->pid,
            how, g->restarts);
}

static void worker_exit(struct proc *w, int status)
{
    struct game *g = w->owner;
    log_exit(g, w, status);
    bool was_ready = g->worker_ready;
    g->worker = NULL;
    g->worker_ready = false;
    g->accepting = false;
    bool ended = WIFEXITED(status) && WEXITSTATUS(status) == ISL_EXIT_GAME_ENDED;
    if (g->in_flight && !was_ready) {
        /* Sent along with `adopt`, but a worker handles requests only after
         * it said `ready`: this one was never applied. It goes back to the
         * head of the queue for the next worker. */
        struct pending *p = g->in_flight;
        g->in_flight = NULL;
        p->next = g->head;
        g->head = p;
        if (!g->tail)
            g->tail = p;
        g->queued++;
    }
    if (g->in_flight) {
        struct pending *p = g->in_flight;
        g->in_flight = NULL;
        if (ended)
            reply_error(p, ISL_E_NO_SUCH_GAME, "the game ended (idle timeout)");
        else
            reply_unknown_outcome(p);
    }
    if (ended)
        game_set_stored(g, NULL);
    games_sup_exited(g, status);
    pump(g);
    game_maybe_free(g);
}

static const struct proc_ops worker_ops = {worker_message, worker_exit};

/* ---------------------------------------------------------------- executor callbacks */

static void start_now(struct game *g)
{
    if (g->started_in_core)
        g->restarts++;
    g->started_in_core = true;
    struct proc *w = workers_start(g->name, &worker_ops, g);
    if (!w) {
        games_sup_exited(g, -1);
        pump(g);
        return;
    }
    g->worker = w;
    g->worker_ready = false;
    g->accepting = true;   /* requests may follow `adopt` at once */
    isl_log(ISL_LOG_INFO, "event=worker_start game=%s pid=%ld restarts=%u", g->name,
            (long)w->pid, g->restarts);
}

static void on_start_timer(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)revents;
    start_now(w->data);
}

void router_start_worker(struct game *g, unsigned delay_ms)
{
    if (delay_ms == 0) {
        start_now(g);
        return;
    }
    isl_log(ISL_LOG_INFO, "event=restart_delayed game=%s delay_ms=%u", g->name, delay_ms);
    ev_timer_set(&g->start_timer, delay_ms / 1000.0, 0.);
    ev_timer_start(loop, &g->start_timer);
}

enum terminate_result router_terminate_worker(struct game *g)
{
    if (g->worker) {
        g->accepting = false;
        proc_terminate(g->worker, daemon_state.config.shutdown_ms);
        return TERMINATE_WAIT;
    }
    if (ev_is_active(&g->start_timer)) {
        ev_timer_stop(loop, &g->start_timer);
        return TERMINATE_CANCELLED_START;
    }
    return TERMINATE_NOTHING;
}

void router_child_removed(struct game *g)
{
    g->started_in_core = false;
    pump(g);
    game_maybe_free(g);
}

void router_child_failed(struct game *g)
{
    g->failed = true;
    isl_log(ISL_LOG_ERR, "event=game_failed game=%s reason=worker_cannot_start "
            "note=left_alone_other_games_unaffected", g->name);
    fail_queue(g, ISL_E_GAME_UNAVAILABLE, "the game cannot be started (see the daemon's log)");
    arm_deadline(g);
}

/* ---------------------------------------------------------------- setup */

void router_init(struct ev_loop *l)
{
    loop = l;
    strmap_init(&games_index);
    ev_prepare_init(&free_watcher, on_prepare_free);
    ev_prepare_start(loop, &free_watcher);
}

void router_abort_queues(const char *why)
{
    size_t n;
    struct game **list = games_collect(has_queue, &n);
    for (size_t i = 0; i < n; i++) {
        fail_queue(list[i], ISL_E_GAME_UNAVAILABLE, why);
        arm_deadline(list[i]);
        game_maybe_free(list[i]);
    }
    free(list);
}
