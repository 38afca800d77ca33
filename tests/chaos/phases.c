/* Daemons for the phases, the main phase, finishing, and the commit phase. */
#include "phases.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "checks.h"
#include "faults.h"

#define FAULT_BIT(k) (1u << (k))
#define CRASH_OP_KINDS (FAULT_BIT(FAULT_KILL) | FAULT_BIT(FAULT_SEGV) | FAULT_BIT(FAULT_ABRT) | \
                        FAULT_BIT(FAULT_EXIT))
#define MAIN_KINDS (CRASH_OP_KINDS | FAULT_BIT(FAULT_SIGNAL) | FAULT_BIT(FAULT_STOP) | \
                    FAULT_BIT(FAULT_DAEMON) | FAULT_BIT(FAULT_REBOOT))
#define FINISH_MS 120000
#define OVERTIME_MS 120000
#define COMMIT_SLEEP_MS 150
#define COMMIT_FAULTS 6

/* ---------------------------------------------------------------- daemons */

/* With the commit hooks on, every commit holds the writer for twice
 * commit_sleep_ms (before and after mdb_txn_commit): a request may queue
 * behind a commit per game and a fence per restarted worker, which is
 * slowness we asked for, not a hung worker to kill. */
#define COMMITS_QUEUED_MAX 20

void phase_config(struct chaos_run *run, unsigned intensity, unsigned period_s,
                  unsigned hibernate_s, unsigned commit_sleep_ms, const char *extra)
{
    unsigned request_timeout_ms = run->opt->request_timeout_ms;
    if (request_timeout_ms < 2 * commit_sleep_ms * COMMITS_QUEUED_MAX)
        request_timeout_ms = 2 * commit_sleep_ms * COMMITS_QUEUED_MAX;
    snprintf(run->daemon.config_text, sizeof run->daemon.config_text,
             "# written by islands-chaos\n"
             "log_level = info\n"
             "strategy = %s\n"
             "restart = transient\n"
             "intensity = %u\n"
             "period = %u\n"
             "shutdown = 2000\n"
             "restart_delay_ms = 0\n"
             "spare_workers = 2\n"
             "request_timeout_ms = %u\n"
             "hibernate_after = %u\n"
             "crash_injection = true\n"
             "%s",
             isl_strategy_name(run->strategy), intensity, period_s, request_timeout_ms,
             hibernate_s, extra);
    run->intensity = intensity;
    run->period_s = period_s;
}

int phase_start_daemon(struct chaos_run *run, unsigned hibernate_s, const char *extra,
                       unsigned commit_sleep_ms)
{
    return phase_start_daemon_after(run, hibernate_s, extra, commit_sleep_ms, NULL);
}

int phase_start_daemon_after(struct chaos_run *run, unsigned hibernate_s, const char *extra,
                             unsigned commit_sleep_ms,
                             int (*prepare_store)(struct chaos_run *run))
{
    if (daemon_prepare(&run->daemon, run->opt->islandsd) != 0)
        return -1;
    run_forget_ended(run);   /* a new store */
    if (prepare_store && prepare_store(run) != 0) {
        daemon_remove_dir(&run->daemon);
        return -1;
    }
    phase_config(run, NO_GIVE_UP_INTENSITY, 1, hibernate_s, commit_sleep_ms, extra);
    run->daemon.commit_sleep_ms = commit_sleep_ms;
    run->daemon.ack_before_commit = run->opt->break_ack_before_commit &&
                                    strcmp(run->phase, "main") == 0;
    run->daemon.relay_before_commit = run->opt->break_relay_before_commit &&
                                      strcmp(run->phase, "main") == 0;
    run->daemon.swap_commit_points = run->opt->break_swapped_commit_points &&
                                     strcmp(run->phase, "commit") == 0;
    run->daemon.keep_deleted = run->opt->break_keep_deleted && strcmp(run->phase, "main") == 0;
    snprintf(run->socket, sizeof run->socket, "%s", run->daemon.socket);
    admin_disconnect(run);
    debug("%s phase: islandsd in %s", run->phase, run->daemon.dir);
    if (daemon_start(&run->daemon) != 0) {
        violation(run, "islandsd did not start (see %s)", run->daemon.log);
        return -1;
    }
    return 0;
}

void phase_stop_daemon(struct chaos_run *run)
{
    pid_t pid = run->daemon.pid;
    admin_disconnect(run);
    check_daemon_log(run, strcmp(run->phase, "commit") == 0);
    if (pid) {
        int status = daemon_stop(&run->daemon);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            violation(run, "islandsd stopped with wait status %d after SIGTERM, expected exit 0",
                      status);
        expect_group_gone(run, pid, "stopped");
    }
    if (run->opt->keep || run->violation_count > 0)
        say("%s phase: kept %s (islandsd.log, store)", run->phase, run->daemon.dir);
    else
        daemon_remove_dir(&run->daemon);
}

/* ---------------------------------------------------------------- finishing */

/* Every game played to a win with valid moves only, and ended. */
static void finish_games(struct chaos_run *run, struct driver *d)
{
    run->phase = "finish";
    for (unsigned i = 0; i < d->count; i++)
        d->slots[i].retired = true;
    d->valid_only = true;
    d->issuing = true;
    d->hold_lifecycle = false;
    uint64_t until = isl_monotonic_ms() + FINISH_MS;
    while (!driver_all_done(d) && isl_monotonic_ms() < until && !run->aborted)
        driver_step(d, 10);
    for (unsigned i = 0; i < d->count && !run->aborted; i++)
        if (d->slots[i].created)
            violation(run, "%s could not be played to a win within %d s (rules state %s)",
                      d->slots[i].name, FINISH_MS / 1000,
                      isl_rules_state_name(d->slots[i].model.state));
}

/* ---------------------------------------------------------------- main */

/* An attached daemon gives up after `intensity` restarts in `period`:
 * never come close. */
static bool paced(struct chaos_run *run, const uint64_t *times, size_t n)
{
    if (run->own)
        return true;
    uint64_t window = (uint64_t)run->period_s * 1000 + 1000, now = isl_monotonic_ms();
    unsigned recent = 0;
    for (size_t i = 0; i < n; i++)
        recent += now - times[i] < window;
    return recent < run->intensity;
}

/* Attached: learn the daemon's policy, and whether it takes `crash`. */
static unsigned attach_setup(struct chaos_run *run, unsigned mask)
{
    json_t *st = admin_op(run, "status", NULL);
    if (!answer_ok(st)) {
        violation(run, "status answered %s: the harness needs an admin connection (uid 0 or "
                  "the daemon's user)", st ? answer_error(st) : "nothing");
        json_decref(st);
        return 0;
    }
    const char *strategy = json_string_value(json_object_get(st, "strategy"));
    for (int s = 0; s < 4; s++)
        if (strategy && strcmp(strategy, isl_strategy_name((enum isl_strategy)s)) == 0)
            run->strategy = (enum isl_strategy)s;
    run->intensity = (unsigned)json_integer_value(json_object_get(st, "intensity"));
    run->period_s = (unsigned)json_integer_value(json_object_get(st, "period"));
    json_decref(st);
    if (mask & ~CRASH_OP_KINDS)
        say("attached: only the faults possible through the protocol (kill, segv, abrt, exit)");
    mask &= CRASH_OP_KINDS;
    char probe[ISL_GAME_NAME_MAX + 1];
    snprintf(probe, sizeof probe, "%s-probe", run->prefix);
    json_t *req = json_pack("{s:s, s:s, s:s}", "op", "crash", "game", probe, "signal", "KILL");
    json_t *r = admin_call(run, req, 15000);
    if (mask && strcmp(answer_error(r), "forbidden") == 0) {
        say("attached: crash injection is disabled in this islandsd: no faults");
        mask = 0;
    }
    json_decref(r);
    if (mask && run->intensity == 0) {
        say("attached: intensity is 0 (no restart allowed): no faults");
        mask = 0;
    }
    return mask;
}

/* Has every kind of mask landed (hit a live target) at least once? A
 * scheduled fault with no target is skipped, so the schedule's rounds do
 * not tell. */
static bool every_kind_landed(const struct chaos_run *run, unsigned mask)
{
    for (int k = 0; k < FAULT_KINDS; k++)
        if ((mask & FAULT_BIT(k)) && run->stats.faults[k] == 0)
            return false;
    return true;
}

int phase_main(struct chaos_run *run)
{
    run->phase = "main";
    unsigned mask = run->opt->faults & MAIN_KINDS;
    if (run->own) {
        if (phase_start_daemon(run, 0, "", 0) != 0)
            return -1;
    } else {
        mask = attach_setup(run, mask);
    }
    struct driver d;
    if (driver_init(&d, run, run->opt->games) != 0)
        return -1;
    struct schedule sch;
    schedule_init(&sch, run->opt->seed, mask);
    d.issuing = true;
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)(run->opt->duration_s * 1000);
    uint64_t hard = deadline + OVERTIME_MS;
    unsigned long next_at = 30;
    uint64_t times[64];
    size_t ntimes = 0;
    int rc = 0;
    for (;;) {
        uint64_t now = isl_monotonic_ms();
        /* Past the duration, go on until each enabled kind landed once. */
        if ((now >= deadline && every_kind_landed(run, mask)) || now >= hard || run->aborted)
            break;
        driver_step(&d, 10);
        if (!mask || run->stats.moves_acked < next_at || !paced(run, times, ntimes))
            continue;
        struct fault_plan plan;
        schedule_next(&sch, &plan);
        if (fault_inject(run, &d, &plan) != 0) {
            rc = -1;
            break;
        }
        times[ntimes++ % 64] = isl_monotonic_ms();
        if (ntimes > 64)
            ntimes = 64;
        next_at = run->stats.moves_acked + plan.gap_moves;
    }
    for (int k = 0; k < FAULT_KINDS && rc == 0 && !run->aborted; k++)
        if ((mask & FAULT_BIT(k)) && run->stats.faults[k] == 0)
            violation(run, "no %s fault found a target in the whole phase",
                      fault_name((enum fault_kind)k));
    /* From the store, the games as played, then all of them ended. */
    if (rc == 0 && !run->aborted)
        rc = fault_audit_store(run, &d);
    if (rc == 0 && !run->aborted) {
        finish_games(run, &d);
        check_all(run, &d);
        rc = fault_audit_store(run, &d);
    }
    if (run->aborted)
        rc = -1;
    driver_free(&d);
    if (run->own)
        phase_stop_daemon(run);
    return rc;
}

/* ---------------------------------------------------------------- commit */

static bool all_playing(const struct driver *d)
{
    for (unsigned i = 0; i < d->count; i++) {
        const struct slot *s = &d->slots[i];
        if (!s->created || s->model.state < ISL_RULES_PLAYER1_TURN)
            return false;
    }
    return true;
}

/* The writer or a worker is killed, or the writer frozen, while a commit
 * sleeps between its writes and mdb_txn_commit
 * (ISLANDS_FAULT_COMMIT_SLEEP_MS) or after it, before any answer is sent
 * (ISLANDS_FAULT_COMMITTED_SLEEP_MS). */
int phase_commit(struct chaos_run *run)
{
    run->phase = "commit";
    if (phase_start_daemon(run, 0, "", COMMIT_SLEEP_MS) != 0)
        return -1;
    struct driver d;
    unsigned games = run->opt->games < 4 ? run->opt->games : 4;
    if (driver_init(&d, run, games) != 0)
        return -1;
    d.issuing = true;
    d.valid_only = true;
    uint64_t until = isl_monotonic_ms() + 60000;
    while (!all_playing(&d) && isl_monotonic_ms() < until && !run->aborted)
        driver_step(&d, 10);
    struct schedule sch;
    schedule_init(&sch, run->opt->seed ^ 0xC0FFEE, FAULT_BIT(FAULT_COMMIT));
    int rc = 0;
    for (unsigned i = 0; i < COMMIT_FAULTS && rc == 0 && !run->aborted; i++) {
        struct fault_plan plan;
        schedule_next(&sch, &plan);
        /* Writer killed, worker killed, writer frozen in turn, each once
         * before mdb_txn_commit and once after it, which first the seed
         * says. */
        plan.variant = i + 3 * (unsigned)(run->opt->seed & 1);
        rc = fault_inject(run, &d, &plan);
    }
    /* Each game must still take moves. */
    for (unsigned i = 0; i < d.count && rc == 0; i++) {
        struct slot *s = &d.slots[i];
        if (driver_send_move(&d, s) && driver_wait_answer(&d, s, 15000) &&
            strcmp(s->answer, "ok") != 0)
            violation(run, "%s: a valid move after the commit faults answered %s", s->name,
                      s->answer);
    }
    check_all(run, &d);
    if (rc == 0 && !run->aborted)
        rc = fault_audit_store(run, &d);
    driver_free(&d);
    phase_stop_daemon(run);
    return run->aborted ? -1 : rc;
}

/* ---------------------------------------------------------------- blocking play */

void play_blocking(struct chaos_run *run, struct slot *s)
{
    if (s->unknown) {
        check_slot(run, s);
        return;
    }
    slot_choose(s, 0, true);
    play_chosen(run, s);
}

void play_chosen(struct chaos_run *run, struct slot *s)
{
    static json_int_t next_id = 1;
    json_t *resp = admin_call(run, slot_request(s, next_id++), 15000);
    run->stats.moves_sent++;
    if (resp)
        slot_answer(run, s, resp);
    else
        slot_lost_answer(run, s);
    json_decref(resp);
    if (s->unknown)
        check_slot(run, s);
}

void play_setup(struct chaos_run *run, struct slot *s)
{
    for (int moves = 0; moves < 40; moves++) {
        if (s->created && s->model.state >= ISL_RULES_PLAYER1_TURN)
            return;
        play_blocking(run, s);
        if (strcmp(s->answer, "store_error") == 0)
            return;
    }
}
