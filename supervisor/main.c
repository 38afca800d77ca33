/* islandsd: configuration, start-up, signals, idle sweeps, shutdown. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "daemon.h"
#include "frontdoor.h"
#include "games_sup.h"
#include "islands/clock.h"
#include "islands/log.h"
#include "islands/store.h"
#include "islands/worker_proto.h"
#include "notify.h"
#include "procs.h"
#include "router.h"
#include "spawner.h"
#include "workers.h"
#include "writer_link.h"

#define EXIT_USAGE 2

struct daemon daemon_state;

static ev_signal sigterm_watcher, sigint_watcher, sighup_watcher;
static ev_timer sweep_timer, finish_timer;
static int final_status;
static bool finishing;
static uint64_t finish_started_ms;   /* when only spares and strays were left */
static bool untracked_killed;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: islandsd [OPTION]...\n"
            "Serve the Islands game on a Unix socket, one supervised worker process per game.\n\n"
            "  --config FILE      read FILE (default " ISL_CONFIG_DEFAULT_PATH " if it exists)\n"
            "  --socket PATH      listening socket (config key: socket)\n"
            "  --store DIR        LMDB store directory (config key: store)\n"
            "  --strategy NAME    one_for_one | one_for_all | rest_for_one | simple_one_for_one\n"
            "  --intensity N      at most N restarts ...\n"
            "  --period SECONDS   ... within this many seconds, else give up (exit 1)\n"
            "  --crash-injection  allow the admin op `crash`\n"
            "  --check-config     check the configuration (file, options, programs) and\n"
            "                     exit: 0 if islandsd would start with it, else 2\n"
            "  --help             show this help\n"
            "  --version          show the version\n\n"
            "Signals: SIGTERM/SIGINT stop every worker (all at once with simple_one_for_one,\n"
            "else one after another in reverse start order) and exit 0;\n"
            "SIGHUP re-reads the configuration file (see islands.conf for the keys it applies).\n"
            "Exit status: 0 stopped on request, 1 gave up (restart intensity exceeded) or failed,\n"
            "2 bad command line or configuration.\n");
}

/* ---------------------------------------------------------------- configuration */

/* With the priority prefix of every other line: journald files the reason
 * a start failed as an error. */
static void fail_usage(const char *message)
{
    fprintf(stderr, "<%d>islandsd: %s\n", ISL_LOG_ERR, message);
    exit(EXIT_USAGE);
}

static void resolve_program(char *out, const char *configured, const char *env, const char *name)
{
    if (configured[0]) {
        snprintf(out, ISL_PATH_MAX, "%s", configured);
        return;
    }
    const char *from_env = getenv(env);
    if (from_env && from_env[0]) {
        snprintf(out, ISL_PATH_MAX, "%s", from_env);
        return;
    }
    /* Next to islandsd itself (the build tree), else where `make install`
     * puts it: PREFIX/lib/islands beside PREFIX/sbin/islandsd. */
    char self[ISL_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        snprintf(out, ISL_PATH_MAX, "%s", name);
        return;
    }
    self[n] = '\0';
    const char *dir = dirname(self);
    char installed[ISL_PATH_MAX];
    snprintf(installed, sizeof installed, "%s/../lib/islands/%s", dir, name);
    snprintf(out, ISL_PATH_MAX, "%s/%s", dir, name);
    char *resolved;
    if (access(out, X_OK) != 0 && access(installed, X_OK) == 0 &&
        (resolved = realpath(installed, NULL)) != NULL) {
        snprintf(out, ISL_PATH_MAX, "%s", resolved);
        free(resolved);
    }
}

/* A wrong path would only show at the first spawn, after READY=1, and
 * then as a give-up that systemd retries. */
static void require_program(const char *path, const char *key)
{
    if (strchr(path, '/') && access(path, X_OK) != 0) {
        char message[ISL_PATH_MAX + 64];
        snprintf(message, sizeof message, "%s %s: %s", key, path, strerror(errno));
        fail_usage(message);
    }
}

/* Keys set on the command line, one slot per option that sets one: a
 * repeated option replaces its value. */
struct overrides {
    const char *keys[8];
    const char *values[8];
    int count;
};

static void load_config(struct isl_config *c, const char *path, const struct overrides *o,
                        char *err, size_t errlen, int *status)
{
    *status = 0;
    isl_config_defaults(c);
    if (path && isl_config_load(c, path, err, errlen) != 0) {
        *status = -1;
        return;
    }
    for (int i = 0; i < o->count; i++)
        if (isl_config_set(c, o->keys[i], o->values[i], err, errlen) != 0) {
            *status = -1;
            return;
        }
}

static struct overrides overrides;
static bool check_config_only;

static void override(const char *key, const char *value)
{
    int i = 0;
    while (i < overrides.count && strcmp(overrides.keys[i], key) != 0)
        i++;
    if (i == overrides.count)
        overrides.count++;
    overrides.keys[i] = key;
    overrides.values[i] = value;
}

static void parse_args(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},   {"socket", required_argument, NULL, 's'},
        {"store", required_argument, NULL, 'd'},    {"strategy", required_argument, NULL, 'S'},
        {"intensity", required_argument, NULL, 'i'}, {"period", required_argument, NULL, 'p'},
        {"crash-injection", no_argument, NULL, 'x'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},        {"check-config", no_argument, NULL, 'C'},
        {NULL, 0, NULL, 0}};
    int opt;
    opterr = 0;   /* our message, with its priority */
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        const char *key = NULL, *value = optarg;
        switch (opt) {
        case 'c': daemon_state.config_path = optarg; continue;
        case 's': key = "socket"; break;
        case 'd': key = "store"; break;
        case 'S': key = "strategy"; break;
        case 'i': key = "intensity"; break;
        case 'p': key = "period"; break;
        case 'x': key = "crash_injection"; value = "true"; break;
        case 'C': check_config_only = true; continue;
        case 'h': usage(stdout); exit(0);
        case 'V': printf("islandsd %s (protocol 1)\n", ISLANDSD_VERSION); exit(0);
        default: {
            char message[ISL_PATH_MAX + 64];
            snprintf(message, sizeof message, "bad option or missing value: %s (see --help)",
                     argv[optind - 1]);
            fail_usage(message);
        }
        }
        override(key, value);
    }
    if (optind < argc)
        fail_usage("unexpected argument (see --help)");
    if (!daemon_state.config_path && access(ISL_CONFIG_DEFAULT_PATH, F_OK) == 0)
        daemon_state.config_path = ISL_CONFIG_DEFAULT_PATH;
}

/* ---------------------------------------------------------------- process set-up */

/* The supervisor holds fds per live game: take all the OS allows. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---------------------------------------------------------------- shutdown */

/* A SIGKILLed process is gone in well under this (its teardown takes
 * about half a millisecond here); the bound is for a kernel that stalls. */
#define KILLED_REAP_MS 2000

static void on_finish_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    if (procs_live_count() > 0)
        return;
    /* A spare the spawner started while we stopped, its answer unread, is
     * still our child: it reads EOF on its channel and goes. One that does
     * not is killed after the shutdown timeout (at once with brutal_kill)
     * and reaped before we exit; past twice the timeout or KILLED_REAP_MS
     * after the kill, whichever is later (no /proc to list it, or a kill
     * that did not take), PR_SET_PDEATHSIG takes it down once we are gone. */
    uint64_t waited = isl_monotonic_ms() - finish_started_ms;   /* ev_now is wall-clock */
    int shutdown_ms = daemon_state.config.shutdown_ms;
    uint64_t timeout = shutdown_ms < 0 ? 0 : (uint64_t)shutdown_ms;   /* brutal_kill: -1 */
    if (procs_any_child_left()) {
        if (waited >= timeout && !untracked_killed) {
            procs_kill_untracked();
            untracked_killed = true;
        }
        if (waited < 2 * timeout || waited < timeout + KILLED_REAP_MS)
            return;
    }
    ev_timer_stop(loop, &finish_timer);
    frontdoor_close_all();
    isl_log(final_status ? ISL_LOG_ERR : ISL_LOG_NOTICE, "event=exit status=%d", final_status);
    ev_break(loop, EVBREAK_ALL);
}

/* Requests that changed nothing are stored as touches (docs/STORE.md), so
 * that a game's idle count outlives a restart: each game at most once per
 * hundredth of game_timeout (1 s to a minute), at most one frame (one
 * transaction of the writer's) per sweep, all of them at shutdown. */
#define TOUCHES_PER_SWEEP 1000
#define TOUCHES_AT_SHUTDOWN 100000   /* ~9 MB of frames; any others keep the sweeps' bound */
static uint64_t record_gap_ms;

static bool unrecorded(const struct game *g)
{
    return g->exists && !g->failed && g->last_activity_ms > g->recorded_ms &&
           g->last_activity_ms - g->recorded_ms >= record_gap_ms;
}

static void record_activity(uint64_t gap_ms, size_t max_games, bool workers_stopped)
{
    record_gap_ms = gap_ms;
    size_t n;
    struct game **games = games_collect(unrecorded, &n);
    /* The rest: the next sweep. */
    writer_record_activity(games, n < max_games ? n : max_games, workers_stopped);
    free(games);
}

static uint64_t touch_gap_ms(void)
{
    uint64_t gap = (uint64_t)daemon_state.config.game_timeout_s * 10;
    return gap < 1000 ? 1000 : gap > 60000 ? 60000 : gap;
}

static void writer_stopped(void)
{
    /* Remaining children (spares) were told to stop; the timer waits for them
     * and leaves a moment to flush the last answers to clients. */
    finish_started_ms = isl_monotonic_ms();
    ev_timer_set(&finish_timer, 0.02, 0.02);
    ev_timer_start(daemon_state.loop, &finish_timer);
}

/* What a stop and a give-up share while the games stop: as a terminating
 * OTP supervisor, restart nothing (the writer included: writer_link.c
 * looks at shutting_down), start nothing, take no request. */
static void stop_serving(const char *queues_message)
{
    daemon_state.shutting_down = true;
    notify_stopping();
    frontdoor_stop_accepting();
    router_abort_queues(queues_message);
    workers_stop_spares();   /* no game starts from now on */
}

void daemon_finish(int status)
{
    if (finishing)
        return;
    finishing = true;
    final_status = status;
    /* Begun already by a stop or a give-up, if any: each step says or
     * does it once. */
    stop_serving(status ? "islandsd gave up" : "islandsd is shutting down");
    if (status)
        notify_status("gave up (see the journal): stopping the store writer");
    else
        notify_status("stopping the store writer");
    spawner_stop();
    record_activity(0, TOUCHES_AT_SHUTDOWN, true);   /* the games are stopped: every request is in */
    writer_stop(writer_stopped);
}

static void begin_shutdown(const char *why)
{
    if (daemon_state.shutting_down)
        return;
    isl_log(ISL_LOG_NOTICE, "event=shutdown reason=%s", why);
    stop_serving("islandsd is shutting down");
    notify_status("stopping (%s): stopping the games", why);
    games_sup_shutdown(0);
}

void daemon_giving_up(void)
{
    if (daemon_state.shutting_down)
        return;
    stop_serving("islandsd gave up");
    notify_status("gave up (see the journal): stopping the games");
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    begin_shutdown(w->signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    struct isl_config fresh;
    char err[512];
    int status;
    notify_reloading();
    load_config(&fresh, daemon_state.config_path, &overrides, err, sizeof err, &status);
    if (status != 0) {
        isl_log(ISL_LOG_ERR, "event=reload_failed error=\"%s\"", err);
        notify_reloaded("reload failed: %s", err);
        return;
    }
    struct isl_config *c = &daemon_state.config;
    char fixed[256];
    bool partial = isl_config_fixed_changes(c, &fresh, fixed, sizeof fixed) > 0;
    if (partial)
        isl_log(ISL_LOG_WARNING, "event=reload_partial keys=%s note=takes_effect_after_restart",
                fixed);
    bool new_timeout = fresh.game_timeout_s != c->game_timeout_s;
    isl_config_apply_reloadable(c, &fresh);
    if (new_timeout) {
        workers_stop_spares();   /* replaced: a game adopted later gets the new one */
        router_send_game_timeout(c->game_timeout_s);
    }
    if (c->spare_workers > 0)
        spawner_start();   /* none if spare_workers was 0 at start */
    workers_refill_spares();   /* up to a raised spare_workers now, not at the next start */
    games_sup_reconfigure(c);
    writer_reconfigure(c);
    frontdoor_reconfigure(c);
    isl_log_set_level(c->log_level);
    procs_set_child_log_level(c->log_level);
    isl_log(ISL_LOG_NOTICE, "event=reloaded config=%s", daemon_state.config_path ?
            daemon_state.config_path : "(defaults)");
    if (partial)
        notify_reloaded("reloaded; %s take%s effect after a restart", fixed,
                        strchr(fixed, ',') ? "" : "s");
    else
        notify_reloaded("reloaded");
}

/* ---------------------------------------------------------------- idle sweep */

static uint64_t sweep_now;

static bool idle_worker(const struct game *g)
{
    uint64_t idle_ms = (uint64_t)daemon_state.config.hibernate_after_s * 1000;
    return idle_ms && g->worker && g->worker_ready && !g->in_flight && !g->head &&
           sweep_now - g->last_activity_ms >= idle_ms;
}

/* Idle for game_timeout, worker or not: a worker's own timer starts again
 * whenever the worker does (a sibling's one_for_all restart, say),
 * islandsd's runs from the game's last request, or from its last stored
 * change when that came before islandsd started. */
static bool timed_out(const struct game *g)
{
    uint64_t timeout_ms = (uint64_t)daemon_state.config.game_timeout_s * 1000;
    return timeout_ms && g->exists && !g->failed && !g->in_flight && !g->head &&
           game_idle_ms(g, sweep_now) >= timeout_ms;
}

static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    if (daemon_state.shutting_down || !daemon_state.writer_ready)
        return;
    sweep_now = isl_monotonic_ms();
    size_t n;
    /* Hibernation: the worker leaves (or comes back as a spare), the game
     * stays stored; the next request wakes it. */
    struct game **games = games_collect(idle_worker, &n);
    for (size_t i = 0; i < n; i++)
        router_hibernate(games[i]);
    free(games);
    /* A stored game nobody touched for game_timeout ends, worker or not. */
    games = games_collect(timed_out, &n);
    for (size_t i = 0; i < n; i++) {
        struct isl_request end = {.op = ISL_OP_END_GAME, .admin = true};
        snprintf(end.game, sizeof end.game, "%s", games[i]->name);
        isl_log(ISL_LOG_INFO, "event=game_timeout game=%s", games[i]->name);
        game_touch(games[i], sweep_now);   /* if it fails, once per game_timeout */
        games[i]->recorded_ms = sweep_now;  /* no player's request: nothing to store */
        router_submit_internal(games[i], &end);
    }
    free(games);
    record_activity(touch_gap_ms(), TOUCHES_PER_SWEEP, false);
    notify_status("games=%u children=%u spares=%u clients=%u restarts=%u", games_stored,
                  games_sup_children(), workers_spare_count(), frontdoor_client_count(),
                  games_sup_total_restarts());
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    if ((argc == 2 || argc == 3) && strcmp(argv[1], "--spawner") == 0)
        return spawner_main(argc == 3 && strcmp(argv[2], "--faults") == 0);
    isl_open_std_fds();
    signal(SIGPIPE, SIG_IGN);
    parse_args(argc, argv);
    char err[512];
    int status;
    load_config(&daemon_state.config, daemon_state.config_path, &overrides, err, sizeof err,
                &status);
    if (status != 0)
        fail_usage(err);
    struct isl_config *c = &daemon_state.config;
    isl_log_init("islandsd", c->log_level);
    resolve_program(daemon_state.worker_path, c->worker, "ISLANDS_WORKER", "islands-worker");
    resolve_program(daemon_state.writer_path, c->writer, "ISLANDS_WRITER", "islands-writer");
    require_program(daemon_state.worker_path, "worker");
    require_program(daemon_state.writer_path, "writer");
    if (check_config_only) {
        /* Before a reload or a restart: the errors a start would stop at. */
        printf("islandsd: configuration OK: %s\n",
               daemon_state.config_path ? daemon_state.config_path : "(defaults, no file)");
        if (fflush(stdout) != 0)
            fail_usage("--check-config: cannot write to stdout");
        return 0;
    }
    /* Held for our life (close-on-exec: no child keeps it). */
    if (isl_store_claim(c->store, err, sizeof err) < 0) {
        if (errno == EWOULDBLOCK)
            fail_usage(err);   /* a second daemon: starting again would not help */
        isl_log(ISL_LOG_ERR, "event=fatal reason=store_unusable error=\"%s\"", err);
        return 1;
    }
    raise_fd_limit();

    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        isl_log(ISL_LOG_ERR, "event=fatal reason=no_event_loop");
        return 1;
    }
    daemon_state.loop = loop;
    daemon_state.started_ms = isl_monotonic_ms();
    procs_init(loop);
    procs_set_child_log_level(daemon_state.config.log_level);
    spawner_init(loop);
    router_init(loop);
    workers_init(loop);
    games_sup_init(c);
    writer_init(loop, c);
    /* Caught before the socket is there: a client (or a test) that sees
     * the socket may stop or reload us at once, and the default action
     * of SIGTERM and SIGHUP would kill us without a clean stop. Their
     * callbacks run only inside ev_run, once everything is set up. */
    ev_signal_init(&sigterm_watcher, on_stop_signal, SIGTERM);
    ev_signal_init(&sigint_watcher, on_stop_signal, SIGINT);
    ev_signal_init(&sighup_watcher, on_sighup, SIGHUP);
    /* A SIGTERM to the whole group comes with the exits it causes, in one
     * turn of the loop: heard first, those exits are a stop, not crashes
     * (libev reaps at its top priority, but runs our exit callbacks at
     * theirs, the default). */
    ev_set_priority(&sigterm_watcher, EV_MAXPRI);
    ev_set_priority(&sigint_watcher, EV_MAXPRI);
    ev_signal_start(loop, &sigterm_watcher);
    ev_signal_start(loop, &sigint_watcher);
    ev_signal_start(loop, &sighup_watcher);
    int door = frontdoor_start(loop, c);
    if (door != 0)
        return door == -2 ? EXIT_USAGE : 1;   /* -2: the passed sockets are wrong */

    ev_timer_init(&sweep_timer, on_sweep, 1., 1.);
    ev_timer_start(loop, &sweep_timer);
    ev_init(&finish_timer, on_finish_timer);
    notify_watchdog_start(loop);

    isl_log(ISL_LOG_INFO, "event=start version=%s pid=%ld strategy=%s intensity=%u period_s=%u "
            "restart=%s worker=%s", ISLANDSD_VERSION, (long)getpid(),
            isl_strategy_name(c->strategy), c->intensity, c->period_s,
            isl_restart_name(c->restart), daemon_state.worker_path);
    if (c->spare_workers > 0)
        spawner_start();   /* up by the time the writer is */
    writer_start();
    ev_run(loop, 0);
    notify_watchdog_stop(loop);
    return final_status;
}
