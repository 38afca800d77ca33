/* The store writer process and its channel. */
#include "writer_link.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "frontdoor.h"
#include "games_sup.h"
#include "islands/clock.h"
#include "islands/exit_status.h"
#include "islands/log.h"
#include "islands/meta.h"
#include "islands/sup_core.h"
#include "notify.h"
#include "router.h"
#include "store_args.h"
#include "workers.h"

/* The writer is never poison: intensity decides, and failing to start it
 * this many times in a row (a high intensity may allow that) is a give-up. */
#define WRITER_MAX_START_FAILURES 1000

#define WRITER_ID "writer"

static struct ev_loop *loop;
static struct isl_sup *top;          /* rest_for_one: [writer, games] */
static struct isl_sup_actions todo;
static struct proc *writer;
static ev_timer start_timer;         /* a restart waiting out its backoff */
/* Liveness: a ready writer is pinged; one that has not answered within
 * request_timeout_ms (at least a second) is hung (stopped, stuck in I/O)
 * and is killed like a hung worker, which restarts the tree below it.
 * A starting writer reads no pings, but sends the index as it scans the
 * store: one silent for START_QUIET_MIN_MS (or request_timeout_ms, if
 * longer) before `ready` is hung too, or the daemon would wait for it
 * for ever, serving nothing. */
#define START_QUIET_MIN_MS 5000
static ev_timer ping_timer;
static json_int_t ping_sent_n, pong_n;
static uint64_t ping_sent_ms;
static uint64_t heard_ms;            /* the starting writer's last frame */
static bool killed_as_hung;          /* once: one stuck in I/O dies only when it returns */
static void (*stopped_cb)(void);
static bool announced_ready;

static void carry_out(void);

static unsigned hung_after_ms(void)
{
    unsigned ms = daemon_state.config.request_timeout_ms;
    return ms < 1000 ? 1000 : ms;
}

static unsigned start_quiet_ms(void)
{
    unsigned ms = hung_after_ms();
    return ms < START_QUIET_MIN_MS ? START_QUIET_MIN_MS : ms;
}

static void kill_as_hung(const char *during, unsigned timeout_ms)
{
    if (killed_as_hung)
        return;
    isl_log(ISL_LOG_ERR, "event=writer_hung pid=%ld during=%s timeout_ms=%u action=SIGKILL",
            (long)writer->pid, during, timeout_ms);
    proc_signal(writer, SIGKILL);
    killed_as_hung = true;
}

static void on_ping_timer(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    if (!writer)
        return;
    uint64_t now = isl_monotonic_ms();
    if (!daemon_state.writer_ready) {
        proc_read_dry(writer);   /* its progress may wait behind a stall of ours */
        if (writer && !daemon_state.writer_ready && now - heard_ms >= start_quiet_ms())
            kill_as_hung("start", start_quiet_ms());
        return;
    }
    if (pong_n != ping_sent_n)
        proc_read_dry(writer);   /* its pong may wait behind a stall of ours */
    if (pong_n != ping_sent_n) {
        if (now - ping_sent_ms >= hung_after_ms())
            kill_as_hung("run", hung_after_ms());
        return;
    }
    json_t *ping = json_pack("{s:s, s:I}", "t", "ping", "n", (json_int_t)++ping_sent_n);
    ping_sent_ms = now;
    proc_send(writer, ping);
    json_decref(ping);
}

/* Four pings per request_timeout_ms, from now. */
static void ping_every_quarter_timeout(void)
{
    ping_timer.repeat = hung_after_ms() / 4000.0;
    ev_timer_again(loop, &ping_timer);
}

/* Pings start with a ready writer, and every ping so far counts as
 * answered: a new writer owes nothing. */
static void start_pinging(void)
{
    pong_n = ping_sent_n;
    killed_as_hung = false;
    ping_every_quarter_timeout();
}

static bool rules_or_null(const json_t *rules)
{
    enum isl_rules_state state;
    const char *name = json_string_value(rules);
    return json_is_null(rules) || (name && isl_rules_state_from_name(name, &state) == 0);
}

/* One entry of the index, [NAME, RULES|null] or [NAME, RULES|null,
 * ACTIVE_MS]; -1 when it is malformed. A game islandsd did not know yet
 * brings the idle time it had in the store (from its last request stored
 * to wall_ms, the wall clock now); one it knows keeps its own count,
 * which is newer. */
static int index_game(json_t *entry, int64_t wall_ms)
{
    const char *name = json_string_value(json_array_get(entry, 0));
    json_t *rules = json_array_get(entry, 1), *changed = json_array_get(entry, 2);
    size_t size = json_array_size(entry);
    if (!name || !isl_game_name_valid(name, strlen(name)) || size < 2 || size > 3 ||
        !rules_or_null(rules) || (changed && !(json_is_integer(changed) &&
                                              json_integer_value(changed) >= 0)))
        return -1;
    bool known = game_find(name) != NULL;
    struct game *g = game_get(name);
    if (!g)
        return 0;   /* out of memory: the game is missed, as a request for it would be */
    game_set_stored(g, true, json_string_value(rules));
    if (!known && changed)
        g->idle_before_ms = isl_meta_idle_ms((int64_t)json_integer_value(changed), wall_ms);
    if (!known && json_is_null(rules))
        /* Neither `meta` nor the record says: the record does not decode
         * (the writer set it aside), as a worker would find. */
        router_child_failed(g, ISL_FAIL_CORRUPT);
    return 0;
}

static bool waiting_for_eager_start(const struct game *g)
{
    return g->exists && !g->failed && !g->in_core;
}

static void writer_message(struct proc *p, json_t *msg)
{
    const char *t = json_string_value(json_object_get(msg, "t"));
    if (!daemon_state.writer_ready)
        heard_ms = isl_monotonic_ms();
    if (t && strcmp(t, "index") == 0) {
        json_t *games = json_object_get(msg, "games"), *entry;
        size_t i;
        int64_t wall_ms = isl_wall_ms();   /* once: a chunk holds thousands of games */
        if (!json_is_array(games)) {
            proc_kill_broken(p, "bad_index");
            return;
        }
        json_array_foreach(games, i, entry) {
            if (index_game(entry, wall_ms) != 0) {
                proc_kill_broken(p, "bad_index_entry");
                return;
            }
        }
    } else if (t && strcmp(t, "relay") == 0) {
        /* A worker's answer, sent with its commit and passed on once the
         * commit is stored (docs/INTERNAL-PROTOCOL.md). */
        json_t *pid = json_object_get(msg, "pid"), *answer = json_object_get(msg, "answer");
        const char *game = json_string_value(json_object_get(msg, "game"));
        if (!json_is_integer(pid) || !game || !isl_game_name_valid(game, strlen(game)) ||
            !json_is_object(answer)) {
            proc_kill_broken(p, "bad_relay");
            return;
        }
        router_relayed((long)json_integer_value(pid), game, answer);
    } else if (t && strcmp(t, "pong") == 0) {
        json_t *n = json_object_get(msg, "n");
        if (!json_is_integer(n) || json_integer_value(n) != ping_sent_n) {
            proc_kill_broken(p, "bad_pong");
            return;
        }
        pong_n = ping_sent_n;
    } else if (t && strcmp(t, "ready") == 0) {
        daemon_state.writer_ready = true;
        start_pinging();
        struct isl_sup_event ev = {.kind = ISL_EV_READY, .id = WRITER_ID};
        isl_sup_handle(top, &ev, isl_monotonic_ms(), &todo);
        carry_out();
        isl_log(ISL_LOG_INFO, "event=writer_ready pid=%ld games=%u", (long)p->pid, games_stored);
        workers_refill_spares();
        if (daemon_state.config.activation == ISL_ACTIVATION_EAGER) {
            size_t n;
            struct game **all = games_collect(waiting_for_eager_start, &n);
            /* As many as max_children allows, the most recently played
             * first; the rest on their first request. */
            games_sort_by_recency(all, n);
            for (size_t i = 0; i < n && games_sup_room_for_one_more(); i++)
                games_sup_activate(all[i]);
            free(all);
        }
        router_pump_all();
        if (!announced_ready) {
            announced_ready = true;
            notify_ready();
            isl_log(ISL_LOG_NOTICE, "event=ready socket=%s store=%s strategy=%s games=%u",
                    frontdoor_socket_name(), daemon_state.config.store,
                    isl_strategy_name(daemon_state.config.strategy), games_stored);
        }
    } else {
        proc_kill_broken(p, "unknown_message");
    }
}

/* rest_for_one: the games come after the writer, so they stop with it. */
static void stop_all_games(void)
{
    size_t n;
    struct game **all = games_collect(NULL, &n);
    for (size_t i = 0; i < n; i++)
        if (all[i]->in_core)
            games_sup_stop(all[i]);
    free(all);
    workers_stop_spares();
}

static void writer_exit(struct proc *p, int status)
{
    writer = NULL;
    daemon_state.writer_ready = false;
    ev_timer_stop(loop, &ping_timer);
    int prio = stopped_cb ? ISL_LOG_INFO : ISL_LOG_ERR;
    char how[PROCS_STATUS_TEXT_MAX];
    procs_describe_status(status, how, sizeof how);
    isl_log(prio, "event=writer_exit pid=%ld %s", (long)p->pid, how);
    if (daemon_state.shutting_down && !stopped_cb) {
        /* Dead while the games stop: a supervisor that is terminating
         * restarts nothing (OTP), and the games are stopping already. */
        struct isl_sup_event stop = {.kind = ISL_EV_STOP, .id = WRITER_ID};
        isl_sup_handle(top, &stop, isl_monotonic_ms(), &todo);
    } else if (!stopped_cb) {
        stop_all_games();
    }
    struct isl_sup_event ev = {.kind = ISL_EV_EXITED, .id = WRITER_ID, .wait_status = status};
    isl_sup_handle(top, &ev, isl_monotonic_ms(), &todo);
    carry_out();
}

static const struct proc_ops writer_ops = {writer_message, writer_exit};

static void spawn(void)
{
    struct store_arg_numbers store_numbers;
    char *argv[2 + STORE_ARGS_MAX] = {"islands-writer"};
    int n = 1 + store_args(&daemon_state.config, &store_numbers, argv + 1);
    argv[n] = NULL;
    writer = proc_spawn("writer", daemon_state.writer_path, argv, &writer_ops, NULL);
    if (writer) {
        isl_log(ISL_LOG_INFO, "event=writer_start pid=%ld", (long)writer->pid);
        heard_ms = isl_monotonic_ms();
        killed_as_hung = false;
        ping_timer.repeat = 1.0;   /* the start's silence, looked at every second */
        ev_timer_again(loop, &ping_timer);
        return;
    }
    struct isl_sup_event ev = {.kind = ISL_EV_START_FAILED, .id = WRITER_ID};
    isl_sup_handle(top, &ev, isl_monotonic_ms(), &todo);
}

static void on_start_timer(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    if (daemon_state.shutting_down)
        return;   /* a restart delayed past the stop's start never comes */
    spawn();
    carry_out();
}

/* What islandsd still has to send the writer (the shutdown's touches) goes
 * out before its SIGTERM, for at most this long: the writer reads its
 * channel dry on SIGTERM, but not what is still in our buffer. */
#define DRAIN_MAX_MS 1000
static ev_timer drain_timer;
static uint64_t drain_until_ms;

/* `shutdown` is the workers' (islands.conf): the writer, which stores the
 * stop's touches, is always asked with SIGTERM and given at least a
 * second; brutal_kill gives it OTP's default time for a worker. */
#define WRITER_SHUTDOWN_DEFAULT_MS 5000
#define WRITER_SHUTDOWN_MIN_MS 1000

static int writer_shutdown_ms(void)
{
    int ms = daemon_state.config.shutdown_ms;
    if (ms < 0)
        return WRITER_SHUTDOWN_DEFAULT_MS;
    return ms < WRITER_SHUTDOWN_MIN_MS ? WRITER_SHUTDOWN_MIN_MS : ms;
}

static void on_drain_timer(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)revents;
    if (writer && proc_output_pending(writer) && isl_monotonic_ms() < drain_until_ms)
        return;
    ev_timer_stop(loop, w);
    if (writer)   /* else it exited meanwhile, and its exit carried the stop on */
        proc_terminate(writer, writer_shutdown_ms());
}

static void terminate_when_sent(void)
{
    if (!proc_output_pending(writer)) {
        proc_terminate(writer, writer_shutdown_ms());
        return;
    }
    drain_until_ms = isl_monotonic_ms() + DRAIN_MAX_MS;
    ev_timer_set(&drain_timer, 0.005, 0.005);
    ev_timer_start(loop, &drain_timer);
}

static void carry_out(void)
{
    for (size_t i = 0; i < todo.count; i++) {
        const struct isl_sup_action *a = &todo.items[i];
        switch (a->kind) {
        case ISL_ACT_START:
            if (a->delay_ms) {
                /* restart_delay_ms: the backoff holds for the writer too. */
                isl_log(ISL_LOG_INFO, "event=restart_delayed child=writer delay_ms=%u",
                        a->delay_ms);
                ev_timer_set(&start_timer, a->delay_ms / 1000.0, 0.);
                ev_timer_start(loop, &start_timer);
            } else {
                spawn();   /* a failure appends to todo; this loop picks it up */
            }
            break;
        case ISL_ACT_TERMINATE:
            if (writer)
                terminate_when_sent();
            break;
        case ISL_ACT_GIVE_UP:
        case ISL_ACT_FAILED:
            /* A game may be left alone as failed; the writer may not:
             * without it no game is served, so that is a give-up too, and
             * the level above decides. */
            isl_log(ISL_LOG_ERR, "event=give_up supervisor=top child=writer reason=%s",
                    a->kind == ISL_ACT_GIVE_UP ? "intensity_exceeded" : "start_failures");
            isl_sup_actions_clear(&todo);
            daemon_finish(1);
            return;
        case ISL_ACT_EXIT:
        case ISL_ACT_REMOVE:
            if (stopped_cb) {
                void (*cb)(void) = stopped_cb;
                stopped_cb = NULL;
                isl_sup_actions_clear(&todo);
                cb();
                return;
            }
            break;
        }
    }
    isl_sup_actions_clear(&todo);
}

/* The top level's policy: the games supervisor's intensity and backoff;
 * the writer is never poison (see WRITER_MAX_START_FAILURES). */
static void top_policy(const struct isl_config *c, struct isl_sup_policy *policy)
{
    isl_sup_policy_from_config(c, policy);
    policy->strategy = ISL_REST_FOR_ONE;
    policy->max_start_failures = WRITER_MAX_START_FAILURES;
    policy->static_children = true;
}

void writer_init(struct ev_loop *l, const struct isl_config *c)
{
    loop = l;
    struct isl_sup_policy policy;
    top_policy(c, &policy);
    top = isl_sup_new(&policy);
    if (!top) {
        isl_log(ISL_LOG_ERR, "event=fatal reason=out_of_memory");
        exit(1);
    }
    ev_init(&start_timer, on_start_timer);
    ev_init(&ping_timer, on_ping_timer);
    ev_init(&drain_timer, on_drain_timer);
}

void writer_reconfigure(const struct isl_config *c)
{
    struct isl_sup_policy policy;
    top_policy(c, &policy);
    isl_sup_set_policy(top, &policy);
    /* A shorter request_timeout_ms must find a hung writer that soon; a
     * stopping one is not pinged (it has writer_shutdown_ms()). */
    if (writer && daemon_state.writer_ready && !stopped_cb)
        ping_every_quarter_timeout();
}

void writer_start(void)
{
    isl_sup_add_child(top, WRITER_ID, ISL_PERMANENT, &todo);
    carry_out();
}

void writer_stop(void (*done)(void))
{
    stopped_cb = done;
    ev_timer_stop(loop, &ping_timer);   /* asked to stop: it has writer_shutdown_ms() */
    if (!writer) {
        ev_timer_stop(loop, &start_timer);   /* a restart not due yet never comes */
        stopped_cb = NULL;
        done();
        return;
    }
    struct isl_sup_event ev = {.kind = ISL_EV_STOP, .id = WRITER_ID};
    isl_sup_handle(top, &ev, isl_monotonic_ms(), &todo);
    carry_out();
}

/* Touch frames hold at most this many games (the writer's WRITER_TOUCH_MAX). */
#define TOUCH_CHUNK 1000

void writer_record_activity(struct game **games, size_t n, bool workers_stopped)
{
    if (!writer || !daemon_state.writer_ready)
        return;
    if (!daemon_state.config.group_commit && !workers_stopped)
        return;   /* direct commits: the writer must not wait on the workers' write lock */
    uint64_t mono = isl_monotonic_ms();
    int64_t wall = isl_wall_ms();
    for (size_t i = 0; i < n; i += TOUCH_CHUNK) {
        json_t *list = json_array();
        for (size_t j = i; j < n && j < i + TOUCH_CHUNK; j++) {
            struct game *g = games[j];
            int64_t at = wall - (int64_t)(mono - g->last_activity_ms);
            json_array_append_new(list, json_pack("[s, I]", g->name, (json_int_t)at));
            g->recorded_ms = g->last_activity_ms;
        }
        json_t *frame = json_pack("{s:s, s:o}", "t", "touch", "games", list);
        if (frame)
            proc_send(writer, frame);
        json_decref(frame);
    }
}

void writer_read_relays(void)
{
    if (writer)
        proc_read_dry(writer);
}

bool writer_is_down(void)
{
    if (!writer || !daemon_state.writer_ready || writer->reaped || killed_as_hung)
        return true;
    /* Dead but not reaped yet: our children are reaped one at a time, and
     * workers see the writer's socket close before we see it exit. */
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)writer->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == writer->pid;
}

bool writer_owes_pong(void)
{
    if (writer_is_down())
        return true;
    /* Late, not merely in flight (an fsync may hold it a moment). */
    return pong_n != ping_sent_n && isl_monotonic_ms() - ping_sent_ms >= hung_after_ms() / 4;
}
