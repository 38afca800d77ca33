/* The router's side of the workers: what a worker says (ready, answers),
 * how it exits, and the starts and stops the games supervisor orders. */
#include "router.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "games_sup.h"
#include "islands/clock.h"
#include "islands/exit_status.h"
#include "islands/log.h"
#include "router_internal.h"
#include "writer_link.h"
#include "workers.h"

#define LEAVING_WORKER_GRACE_MS 5000

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
    game_set_stored(g, rules != NULL, rules);
    g->worker_ready = true;
    g->dead_count = 0;   /* its fence covered every worker before it */
    g->dead_overflow = false;
    isl_log(ISL_LOG_INFO, "event=worker_ready game=%s pid=%ld rules=%s", g->name,
            (long)g->worker->pid, rules ? rules : "none");
    games_sup_ready(g);
    router_pump(g);
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
    game_set_stored(g, rules != NULL, rules);
    struct pending *p = g->in_flight;
    g->in_flight = NULL;
    g->worker_owes_answer = false;
    if (g->first_answer_pending) {
        g->first_answer_pending = false;
        workers_first_answer();
    }
    bool ok_answer = json_is_true(json_object_get(resp, "ok"));
    bool ended = p->req.op == ISL_OP_END_GAME && ok_answer;
    if (ok_answer && isl_op_changes_game(p->req.op) && p->submitted_ms > g->recorded_ms)
        g->recorded_ms = p->submitted_ms;   /* its commit stored the time */
    json_object_del(resp, "id");   /* the id is the client's, set by conn_reply */
    router_reply(p, json_incref(resp));
    if (ended) {
        isl_log(ISL_LOG_INFO, "event=game_ended game=%s reason=end_game", g->name);
        g->accepting = false;
        g->worker_ended_game = true;
        games_sup_stop(g);
    } else if (!g->exists && !g->head) {
        /* Nothing stored (a new_game refused or not committed): the worker
         * holds no game, and would hold a place under max_children. */
        isl_log(ISL_LOG_INFO, "event=worker_released game=%s reason=no_game", g->name);
        g->accepting = false;
        games_sup_stop(g);
    }
    router_pump(g);
}

static void worker_recycled(struct proc *w);

static void worker_message(struct proc *w, json_t *msg)
{
    struct game *g = w->owner;
    const char *t = json_string_value(json_object_get(msg, "t"));
    if (!t)
        proc_kill_broken(w, "message_without_type");
    else if (strcmp(t, "spare") == 0 && (g->worker_ended_game || g->worker_released))
        worker_recycled(w);
    else if (strcmp(t, "spare") == 0)
        ;   /* sent before it read our adopt: nothing to do */
    else if (strcmp(t, "ready") == 0)
        on_ready(g, msg);
    else if (strcmp(t, "resp") == 0)
        on_response(g, msg);
    else
        proc_kill_broken(w, "unknown_message");
}

void router_relayed(long pid, const char *game, json_t *answer)
{
    struct game *g = game_find(game);
    bool its_worker = g && g->worker && (long)g->worker->pid == pid;
    if (its_worker && !g->worker_ready)
        /* It said `ready` before it committed, on its own channel, which
         * the loop may not have read yet: hear that first. */
        proc_read_dry(g->worker);
    if (!its_worker || !g->worker_ready) {
        /* Its worker died and its request was answered already. */
        isl_log(ISL_LOG_INFO, "event=relay_dropped game=%s pid=%ld reason=not_its_worker", game,
                pid);
        return;
    }
    const char *t = json_string_value(json_object_get(answer, "t"));
    if (!t || strcmp(t, "resp") != 0) {
        proc_kill_broken(g->worker, "bad_relayed_message");
        return;
    }
    on_response(g, answer);
}

static void log_exit(const struct game *g, const struct proc *w, int status)
{
    int prio = ISL_LOG_WARNING;
    const char *reason = "";
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code == ISL_EXIT_NORMAL || code == ISL_EXIT_GAME_ENDED || w->terminating)
            prio = ISL_LOG_INFO;
        if (code == ISL_EXIT_CORRUPT)
            prio = ISL_LOG_ERR;
        reason = code == ISL_EXIT_CORRUPT ? " reason=corrupt_state" :
                 code == ISL_EXIT_GAME_ENDED ? " reason=shutdown" :
                 code == ISL_EXIT_EXEC_FAILED ? " reason=exec_failed" : "";
    } else if (WIFSIGNALED(status) && w->terminating &&
               (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL)) {
        /* Asked to stop (SIGKILL: brutal_kill, or past its shutdown time,
         * which shutdown_timeout already logged as a warning). */
        prio = ISL_LOG_INFO;
    }
    char how[PROCS_STATUS_TEXT_MAX];
    procs_describe_status(status, how, sizeof how);
    isl_log(prio, "event=worker_exit game=%s pid=%ld %s%s restarts=%u", g->name, (long)w->pid,
            how, reason, g->restarts);
}

/* Can nothing the dead worker sent be waiting at the writer? Only if it was
 * ready (no quarantine in hand), answered every request it was sent (an
 * answer comes after its commit) and cannot have started its own idle-
 * timeout delete: its timer runs game_timeout from its last answer, which
 * came after g's last activity. Then the next worker's fence can skip it. */
static bool left_no_write(const struct game *g, const struct proc *w, bool was_ready)
{
    uint64_t timeout_ms = (uint64_t)w->game_timeout_s * 1000;   /* its own, not a reload's */
    return was_ready && !g->worker_owes_answer &&
           isl_monotonic_ms() < g->last_activity_ms + timeout_ms;
}

/* The worker w leaves its game g: it exited with status, or was recycled
 * as if it had exited (64 after end_game, 0 after hibernation). */
static void worker_left(struct game *g, struct proc *w, int status)
{
    if (g->in_flight && g->worker_ready) {
        /* Its answer may be on its way through the writer, sent before it
         * died: take it (nothing more goes to this worker meanwhile). */
        g->accepting = false;
        writer_read_relays();
    }
    bool was_ready = g->worker_ready;
    /* One that ended its game exits once the delete, its last write, is
     * committed: nothing of it is left at the writer. */
    bool ended = WIFEXITED(status) && WEXITSTATUS(status) == ISL_EXIT_GAME_ENDED;
    if (!ended && !left_no_write(g, w, was_ready)) {
        if (g->dead_count < ISL_FENCE_AFTER_MAX)
            g->dead_workers[g->dead_count++] = w->pid;
        else
            g->dead_overflow = true;
    }
    g->worker = NULL;
    g->worker_ready = false;
    g->worker_ended_game = false;
    g->worker_released = false;
    g->hibernating = false;
    g->accepting = false;
    if (g->in_flight && (!was_ready || ended)) {
        /* Never applied: sent along with `adopt` (a worker handles requests
         * only after it said `ready`), or it reached a worker that was
         * deleting its timed-out game (it takes no request then). It goes
         * back to the head of the queue, served as if it came just after:
         * a `new_game` then creates the game whose name is free again. */
        struct pending *p = g->in_flight;
        g->in_flight = NULL;
        if (p->expired) {
            router_reply_error(p, ISL_E_GAME_UNAVAILABLE, NOT_READY_IN_TIME);
        } else {
            p->next = g->head;
            g->head = p;
            if (!g->tail)
                g->tail = p;
            g->queued++;
        }
    }
    if (g->in_flight) {
        struct pending *p = g->in_flight;
        g->in_flight = NULL;
        router_reply_unknown_outcome(p);
    }
    if (ended)
        game_set_stored(g, false, NULL);
    /* It lost the store writer (rest_for_one will stop it anyway), which
     * it may notice before we see the writer exit. */
    if (WIFEXITED(status) && WEXITSTATUS(status) == ISL_EXIT_STORE && writer_is_down())
        g->worker_blameless = true;
    /* Its game is gone (its own game_timeout ended it): a stop, as an
     * end_game is, so that no restart type brings back a worker for a
     * game that no longer exists. */
    if (ended)
        games_sup_stop(g);
    games_sup_exited(g, status);
    router_pump(g);
    game_maybe_free(g);
}

static void worker_exit(struct proc *w, int status)
{
    struct game *g = w->owner;
    log_exit(g, w, status);
    worker_left(g, w, status);
}

/* Its game ended (end_game stored and answered, --recycle) or went to
 * sleep (released), and it asks to serve another: for its game, the
 * worker left as one exiting then does (64: game ended, 0: game kept);
 * the process joins the spare pool, or is stopped there. */
static void worker_recycled(struct proc *w)
{
    struct game *g = w->owner;
    bool ended = g->worker_ended_game;
    isl_log(ISL_LOG_INFO, "event=worker_recycled game=%s pid=%ld reason=%s restarts=%u",
            g->name, (long)w->pid, ended ? "end_game" : "hibernate", g->restarts);
    proc_keep(w);
    worker_left(g, w, W_EXITCODE(ended ? ISL_EXIT_GAME_ENDED : ISL_EXIT_NORMAL, 0));
    workers_take_back(w);
}

void router_hibernate(struct game *g)
{
    isl_log(ISL_LOG_INFO, "event=hibernate game=%s pid=%ld", g->name, (long)g->worker->pid);
    g->hibernating = true;
    games_sup_stop(g);
}

/* A hibernating game's worker is asked to come back as a spare where it
 * would have been sent SIGTERM: when the core's TERMINATE runs (it may
 * wait for other exits), so that it leaves no sooner than it would have. */
static void release_if_wanted(struct game *g)
{
    if (!g->hibernating || g->worker_ended_game || g->worker_released ||
        !workers_would_take_back(g->worker))
        return;
    json_t *msg = json_pack("{s:s}", "t", "release");
    proc_send(g->worker, msg);
    json_decref(msg);
    g->worker_released = true;
}

static const struct proc_ops worker_ops = {worker_message, worker_exit};

/* ---------------------------------------------------------------- executor callbacks */

/* A start that must wait for the next turn of the loop. Starts deferred
 * in one turn keep their order (a group restart starts its children in
 * start order): libev runs due timers in the order of their times, and
 * leaves those of equal times in no set order, so each is a microsecond
 * later than the one before. */
static void defer_start(struct game *g)
{
    static ev_tstamp last_now;
    static unsigned later;
    ev_tstamp now = ev_now(router_loop);
    later = now == last_now ? later + 1 : 0;
    last_now = now;
    ev_timer_set(&g->start_timer, later * 1e-6, 0.);
    ev_timer_start(router_loop, &g->start_timer);
}

static void start_now(struct game *g)
{
    if (!workers_can_start_now()) {
        defer_start(g);
        return;
    }
    if (g->started_in_core)
        g->restarts++;
    g->started_in_core = true;
    json_t *after = NULL;   /* the fence reads every connection */
    if (!g->dead_overflow) {
        after = json_array();
        for (unsigned i = 0; after && i < g->dead_count; i++)
            json_array_append_new(after, json_integer(g->dead_workers[i]));
    }
    struct proc *w = workers_start(g->name, after, &worker_ops, g);
    json_decref(after);
    if (!w) {
        games_sup_exited(g, -1);
        router_pump(g);
        return;
    }
    g->worker = w;
    g->worker_ready = false;
    g->worker_ended_game = false;
    g->worker_released = false;
    g->hibernating = false;
    g->first_answer_pending = true;
    g->worker_owes_answer = false;
    g->accepting = true;   /* requests may follow `adopt` at once */
    char fence[16] = "all";   /* the dead workers its fence waits for */
    if (!g->dead_overflow)
        snprintf(fence, sizeof fence, "%u", g->dead_count);
    isl_log(ISL_LOG_INFO, "event=worker_start game=%s pid=%ld restarts=%u fence=%s", g->name,
            (long)w->pid, g->restarts, fence);
}

void router_on_start_timer(struct ev_loop *l, ev_timer *w, int revents)
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
    ev_timer_start(router_loop, &g->start_timer);
}

enum terminate_result router_terminate_worker(struct game *g)
{
    if (g->worker) {
        g->accepting = false;
        int ms = daemon_state.config.shutdown_ms;
        release_if_wanted(g);
        if (g->worker_ended_game || g->worker_released)
            /* It leaves by itself right after its answer, or comes back as
             * a spare: killed only if it does neither, even under
             * brutal_kill, whose kill would race its spare frame. */
            proc_await_exit(g->worker, ms < 0 ? LEAVING_WORKER_GRACE_MS : ms);
        else
            proc_terminate(g->worker, ms);
        return TERMINATE_WAIT;
    }
    /* A timer that fired in this turn of the loop is no longer active but
     * its callback is still to run: stopping clears that too. */
    if (ev_is_active(&g->start_timer) || ev_is_pending(&g->start_timer)) {
        ev_timer_stop(router_loop, &g->start_timer);
        return TERMINATE_CANCELLED_START;
    }
    return TERMINATE_NOTHING;
}

void router_child_removed(struct game *g)
{
    g->started_in_core = false;
    router_pump(g);
    game_maybe_free(g);
}

/* How long a game whose worker could not start is left alone: what made
 * the starts fail (a program being replaced, no memory, no processes
 * left) is outside the game and may pass, so a request after that tries
 * again; one right after the failure does not start the loop anew. */
static unsigned start_retry_ms(void)
{
    unsigned ms = daemon_state.config.restart_delay_max_ms;
    return ms < 1000 ? 1000 : ms;
}

void router_child_failed(struct game *g, enum isl_fail_reason reason)
{
    g->failed = true;
    g->failed_reason = reason;
    g->retry_at_ms = reason == ISL_FAIL_NO_START ? isl_monotonic_ms() + start_retry_ms() : 0;
    char retry[40] = "";
    if (g->retry_at_ms)
        snprintf(retry, sizeof retry, " retry_after_ms=%u", start_retry_ms());
    isl_log(ISL_LOG_ERR, "event=game_failed game=%s reason=%s%s "
            "note=left_alone_other_games_unaffected", g->name, isl_fail_reason_name(reason), retry);
    router_fail_queue(g, ISL_E_GAME_UNAVAILABLE, router_failed_message(g));
    router_arm_deadline(g);
}

const char *router_failed_message(const struct game *g)
{
    switch (g->failed_reason) {
    case ISL_FAIL_NO_START:
        return "the game's worker cannot be started (see the daemon's log); a request a "
               "little later tries again";
    case ISL_FAIL_DIED_STARTING:
        return "the game's worker dies as it loads the game (see the daemon's log); the game "
               "is left alone";
    case ISL_FAIL_CORRUPT:
        break;
    }
    /* Its record stays where it was, and a copy goes to quarantine unless
     * that failed too (the worker logs quarantine_failed). */
    return "the game's stored state is corrupt: the game is left alone, its record kept";
}

void router_retry_failed_start(struct game *g)
{
    isl_log(ISL_LOG_NOTICE, "event=game_retry game=%s reason=worker_cannot_start", g->name);
    g->failed = false;
    g->retry_at_ms = 0;
    games_sup_stop(g);   /* the core forgets the failed child; the queue activates anew */
}

static bool runs_a_worker(const struct game *g)
{
    return g->worker && !g->worker->reaped;
}

/* The sooner of two game timeouts (0: never). */
static unsigned sooner_timeout(unsigned a, unsigned b)
{
    return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

void router_send_game_timeout(unsigned timeout_s)
{
    size_t n;
    struct game **all = games_collect(runs_a_worker, &n);
    json_t *frame = json_pack("{s:s, s:I}", "t", "timeout", "game_timeout", (json_int_t)timeout_s);
    for (size_t i = 0; frame && i < n; i++) {
        proc_send(all[i]->worker, frame);
        /* It may time out by the old one before it reads this: what
         * left_no_write assumes of it is the sooner of the two. */
        all[i]->worker->game_timeout_s = sooner_timeout(all[i]->worker->game_timeout_s,
                                                        timeout_s);
    }
    json_decref(frame);
    free(all);
}
