/* The faults themselves, each followed by the checks. */
#include "faults.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

#define QUIESCE_MS 30000
#define RECOVER_MS 15000

void schedule_init(struct schedule *sch, uint64_t seed, unsigned mask)
{
    memset(sch, 0, sizeof *sch);
    rng_seed(&sch->rng, seed, 0xFA17);
    sch->mask = mask;
}

static void new_round(struct schedule *sch)
{
    sch->round_len = 0;
    for (int k = 0; k < FAULT_KINDS; k++)
        if (sch->mask & (1u << k))
            sch->round[sch->round_len++] = (enum fault_kind)k;
    for (unsigned i = sch->round_len; i > 1; i--) {
        unsigned j = rng_below(&sch->rng, i);
        enum fault_kind t = sch->round[i - 1];
        sch->round[i - 1] = sch->round[j];
        sch->round[j] = t;
    }
    sch->round_pos = 0;
}

void schedule_next(struct schedule *sch, struct fault_plan *out)
{
    if (sch->round_pos == sch->round_len)
        new_round(sch);
    out->kind = sch->round[sch->round_pos++];
    if (sch->round_pos == sch->round_len)
        sch->rounds++;
    out->target = rng_next(&sch->rng);
    out->variant = (unsigned)(rng_next(&sch->rng) % 1000);
    out->gap_moves = 15 + rng_below(&sch->rng, 50);
}

void check_all(struct chaos_run *run, struct driver *d)
{
    driver_quiesce(d, QUIESCE_MS);
    json_t *games = settle_list(run);
    if (games)
        check_games(run, d, games);
    json_decref(games);
    check_processes(run);
}

/* After a restart of islandsd no worker runs and none is starting: no
 * need to wait for `list` to settle. */
static void check_restarted(struct chaos_run *run, struct driver *d)
{
    driver_quiesce(d, QUIESCE_MS);
    json_t *r = admin_op(run, "list", NULL);
    json_t *games = json_incref(json_object_get(r, "games"));
    json_decref(r);
    if (games)
        check_games(run, d, games);
    json_decref(games);
    check_processes(run);
}

/* ---------------------------------------------------------------- worker faults */

struct worker_fault {
    json_t *before;
    long status_before;
    struct slot *target;
    long pid;
    bool restarted;              /* the worker died (the strategy must act) */
};

static bool can_take_a_move(const struct slot *s)
{
    return s->created && !s->unknown && !s->abandon && !s->in_flight &&
           s->model.state != ISL_RULES_GAME_OVER;
}

/* Quiet the games, wake every one, and note the workers. False when no
 * game can be the target. */
static bool prepare(struct chaos_run *run, struct driver *d, const struct fault_plan *plan,
                    struct worker_fault *f)
{
    memset(f, 0, sizeof *f);
    d->hold_lifecycle = true;
    check_all(run, d);
    f->before = settle_list(run);
    f->status_before = status_restarts(run);
    struct slot *live[CHAOS_MAX_GAMES];
    unsigned n = 0;
    for (unsigned i = 0; i < d->count; i++)
        if (can_take_a_move(&d->slots[i]) && listed_pid(f->before, d->slots[i].name) > 0)
            live[n++] = &d->slots[i];
    if (n == 0) {
        json_decref(f->before);
        d->hold_lifecycle = false;
        return false;
    }
    f->target = live[plan->target % n];
    f->pid = listed_pid(f->before, f->target->name);
    f->restarted = true;
    slot_watch(f->target, watch_start(run, 1));
    return true;
}

static void crash_op(struct chaos_run *run, struct worker_fault *f, const char *how)
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "op", "crash", "game", f->target->name,
                            "signal", how);
    json_t *r = admin_call(run, req, 15000);
    if (!answer_ok(r))
        violation(run, "crash %s %s answered %s", f->target->name, how,
                  r ? answer_error(r) : "nothing");
    else if (json_integer_value(json_object_get(r, "pid")) != f->pid)
        violation(run, "crash %s hit pid %lld, list said %ld", f->target->name,
                  (long long)json_integer_value(json_object_get(r, "pid")), f->pid);
    json_decref(r);
}

/* Freeze the worker with a request in flight: thawed in time it answers
 * and is not restarted; left frozen, islandsd must kill it after
 * request_timeout_ms (and restart it). */
static void freeze(struct chaos_run *run, struct driver *d, struct worker_fault *f, bool thaw)
{
    unsigned timeout = run->opt->request_timeout_ms;
    kill((pid_t)f->pid, SIGSTOP);
    uint64_t until = isl_monotonic_ms() + 1000;
    while (!proc_stopped((pid_t)f->pid) && isl_monotonic_ms() < until)
        sleep_ms(1);
    if (!proc_stopped((pid_t)f->pid))
        violation(run, "%s: worker %ld did not stop on SIGSTOP", f->target->name, f->pid);
    if (!driver_send_move(d, f->target)) {
        violation(run, "%s: no move could be sent to the frozen worker", f->target->name);
        kill((pid_t)f->pid, SIGCONT);
        f->restarted = false;
        return;
    }
    if (thaw) {
        until = isl_monotonic_ms() + timeout / 5;
        while (isl_monotonic_ms() < until)
            driver_step(d, 5);
        kill((pid_t)f->pid, SIGCONT);
    }
    bool answered = driver_wait_answer(d, f->target, (int)timeout + 10000) &&
                    strcmp(f->target->answer, "ok") == 0;
    if (!thaw && answered)
        violation(run, "%s: a worker frozen with SIGSTOP answered", f->target->name);
    if (thaw && !answered)
        violation(run, "%s: a worker thawed within request_timeout_ms answered %s", f->target->name,
                  f->target->answer[0] ? f->target->answer : "nothing");
    f->restarted = !thaw;
    debug("stop: %s pid %ld %s, answer %s", f->target->name, f->pid,
          thaw ? "thawed" : "left frozen", f->target->answer);
}

/* Drive until the target has answered ok again (or give up waiting). */
static void recover(struct driver *d, struct slot *target)
{
    uint64_t until = isl_monotonic_ms() + RECOVER_MS;
    while (target->watch != NO_WATCH && isl_monotonic_ms() < until && !d->run->aborted)
        driver_step(d, 10);
}

static void finish(struct chaos_run *run, struct driver *d, struct worker_fault *f,
                   const char *fault, bool check_strategy)
{
    recover(d, f->target);
    driver_quiesce(d, QUIESCE_MS);
    json_t *after = settle_list(run);
    long status_after = status_restarts(run);
    if (after && f->before && check_strategy)
        check_restarts(run, d, fault, f->target->name, f->restarted, f->before, after,
                       f->status_before, status_after);
    if (after)
        check_games(run, d, after);
    check_processes(run);
    if (f->target->watch != NO_WATCH && !run->aborted)
        violation(run, "%s: no successful answer within %d s of the %s fault", f->target->name,
                  RECOVER_MS / 1000, fault);
    if (f->restarted && proc_stopped((pid_t)f->pid)) {
        violation(run, "the frozen worker %ld was left behind, still stopped", f->pid);
        kill((pid_t)f->pid, SIGKILL);
    }
    json_decref(after);
    json_decref(f->before);
    d->hold_lifecycle = false;
}

/* The writer was killed: every worker is stopped and comes back on the
 * game's next request. */
static void check_writer_restart(struct chaos_run *run, struct driver *d, pid_t old_writer,
                                 const struct worker_fault *f)
{
    uint64_t until = isl_monotonic_ms() + RECOVER_MS;
    pid_t writer = 0;
    while (isl_monotonic_ms() < until && !daemon_died(run) &&
           ((writer = proc_find_child(run->daemon.pid, "islands-writer")) == 0 ||
            writer == old_writer))
        sleep_ms(20);
    if (writer == 0 || writer == old_writer) {
        violation(run, "no new islands-writer %d s after the old one was killed", RECOVER_MS / 1000);
        return;
    }
    json_t *after = settle_list(run);
    size_t i;
    json_t *g;
    json_array_foreach(f->before, i, g) {
        const char *name = json_string_value(json_object_get(g, "game"));
        long was = listed_pid(f->before, name), now = listed_pid(after, name);
        if (was > 0 && now == was && driver_find(d, name))
            violation(run, "the writer died but the worker of %s (pid %ld) kept running", name,
                      was);
    }
    json_decref(after);
}

/* What a commit fault does to the process inside the commit. */
enum commit_target {
    KILL_WRITER,
    KILL_WORKER,
    FREEZE_WRITER   /* SIGSTOP, left so: islandsd must find it hung and kill it */
};

/* variant % 3: the commit_target; (variant / 3) % 2: strike before
 * mdb_txn_commit (the `commit` hook) or after it (`committed`). */
static void commit_fault(struct chaos_run *run, struct driver *d, struct worker_fault *f,
                         unsigned variant)
{
    enum commit_target target = (enum commit_target)(variant % 3);
    bool committed = (variant / 3) % 2 == 1;
    const char *point = committed ? "point=committed" : "point=commit";
    /* Only the target's move in flight, so that the commit the fault
     * catches is the one holding it. */
    d->issuing = false;
    driver_quiesce(d, QUIESCE_MS);
    long offset = daemon_log_size(&run->daemon);
    uint64_t sent = isl_monotonic_ms();
    if (!driver_send_move(d, f->target))
        violation(run, "commit fault: no move could be sent to %s", f->target->name);
    uint64_t until = isl_monotonic_ms() + 5000;
    bool seen = false;
    while (!seen && isl_monotonic_ms() < until && !run->aborted) {
        driver_step(d, 2);
        seen = daemon_log_has(&run->daemon, offset, point);
    }
    if (!seen)
        violation(run, "commit fault: %s's move reached no commit within 5 s (no "
                  "'event=fault %s' in %s)", f->target->name, point, run->daemon.log);
    pid_t writer = proc_find_child(run->daemon.pid, "islands-writer");
    if (target != KILL_WORKER && writer > 0) {
        kill(writer, target == FREEZE_WRITER ? SIGSTOP : SIGKILL);
    } else {
        target = KILL_WORKER;
        kill((pid_t)f->pid, SIGKILL);
    }
    /* A worker's death does not stop the writer committing what it sent;
     * the writer's death aborts an uncommitted transaction, if it came
     * within the sleep, which began after the move was sent (a slow
     * machine can make us late: then either outcome is right). */
    bool within_sleep = isl_monotonic_ms() - sent < run->daemon.commit_sleep_ms;
    if (seen && (committed || target == KILL_WORKER))
        f->target->on_disk = ON_DISK_MADE;
    else if (seen && within_sleep)
        f->target->on_disk = ON_DISK_NOT_MADE;
    d->issuing = true;   /* the others play on while the daemon recovers */
    static const char *const what[] = {"killed the writer", "killed the worker",
                                       "froze the writer"};
    debug("commit: %s %s mdb_txn_commit of %s's move", what[target],
          committed ? "after" : "before", f->target->name);
    driver_wait_answer(d, f->target, RECOVER_MS);
    debug("commit: %s answered %s%s", f->target->name, f->target->answer,
          f->target->unknown ? " (outcome unknown)" : "");
    if (target != KILL_WORKER) {
        check_writer_restart(run, d, writer, f);
        if (target == FREEZE_WRITER && !daemon_log_has(&run->daemon, offset, "event=writer_hung"))
            violation(run, "a writer frozen in a commit was not found hung");
        if (target == FREEZE_WRITER && proc_stopped(writer)) {
            violation(run, "the frozen writer %ld was left behind, still stopped", (long)writer);
            kill(writer, SIGKILL);
        }
        /* The workers were stopped, not restarted: no strategy check. */
        f->restarted = false;
    }
    finish(run, d, f, "commit", target == KILL_WORKER);
}

static int worker_fault(struct chaos_run *run, struct driver *d, const struct fault_plan *plan)
{
    struct worker_fault f;
    if (!prepare(run, d, plan, &f)) {
        debug("no live game to hit: %s fault skipped", fault_name(plan->kind));
        return 0;
    }
    run->step++;
    run->stats.faults[plan->kind]++;
    debug("step %u: %s on %s (pid %ld)", run->step, fault_name(plan->kind), f.target->name,
          f.pid);
    static const int signals[] = {SIGKILL, SIGSEGV, SIGABRT};
    switch (plan->kind) {
    case FAULT_KILL: crash_op(run, &f, "KILL"); break;
    case FAULT_SEGV: crash_op(run, &f, "SEGV"); break;
    case FAULT_ABRT: crash_op(run, &f, "ABRT"); break;
    case FAULT_EXIT: crash_op(run, &f, "EXIT"); break;
    case FAULT_SIGNAL:
        /* Mid-request when the timing allows: the answer may be lost. */
        driver_send_move(d, f.target);
        driver_step(d, 0);
        kill((pid_t)f.pid, signals[plan->variant % 3]);
        break;
    case FAULT_STOP:
        freeze(run, d, &f, plan->variant % 2 == 0);
        break;
    case FAULT_COMMIT:
        commit_fault(run, d, &f, plan->variant);
        return 0;
    default:
        break;
    }
    finish(run, d, &f, fault_name(plan->kind), true);
    return 0;
}

/* ---------------------------------------------------------------- daemon faults */

int fault_restart_daemon(struct chaos_run *run, struct driver *d, bool reboot)
{
    pid_t pid = run->daemon.pid;
    if (d) {
        unsigned games = 0;
        for (unsigned i = 0; i < d->count; i++)
            games += slot_has_game(&d->slots[i]);
        size_t w = watch_start(run, games);
        for (unsigned i = 0; i < d->count; i++)
            if (slot_has_game(&d->slots[i]))
                slot_watch(&d->slots[i], w);
    }
    kill(reboot ? -pid : pid, SIGKILL);
    if (daemon_wait(&run->daemon, 10000) == -1)
        violation(run, "islandsd %ld did not die of SIGKILL within 10 s", (long)pid);
    if (d)
        driver_disconnect(d);
    admin_disconnect(run);
    expect_group_gone(run, pid, "was killed");
    if (d)
        d->order_count = 0;   /* every worker is gone: the checks wake them in order */
    debug("islandsd %ld and its children are gone; starting it again", (long)pid);
    if (daemon_start(&run->daemon) != 0) {
        violation(run, "islandsd did not start again on the same store");
        return -1;
    }
    return 0;
}

/* Not a fault (nothing counted): without it, a game no fault restarted
 * was only ever read from its live worker's memory, and an ended game's
 * absence only from islandsd's tables, so a commit the store never made
 * would go unseen. */
int fault_audit_store(struct chaos_run *run, struct driver *d)
{
    if (!run->own)
        return 0;
    if (d) {
        driver_quiesce(d, QUIESCE_MS);
        driver_disconnect(d);
        d->order_count = 0;
    }
    debug("%s phase over: every process killed, the store read back", run->phase);
    if (fault_restart_daemon(run, NULL, true) != 0)
        return -1;
    if (d)
        check_restarted(run, d);
    check_ended(run);
    return 0;
}

int fault_inject(struct chaos_run *run, struct driver *d, const struct fault_plan *plan)
{
    if (plan->kind != FAULT_DAEMON && plan->kind != FAULT_REBOOT)
        return worker_fault(run, d, plan);
    run->step++;
    run->stats.faults[plan->kind]++;
    debug("step %u: %s", run->step, fault_name(plan->kind));
    if (fault_restart_daemon(run, d, plan->kind == FAULT_REBOOT) != 0)
        return -1;
    debug("islandsd is back");
    check_restarted(run, d);
    return 0;
}
