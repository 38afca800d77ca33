/* OTP supervisor decisions as a pure state machine (see sup_core.h).
 *
 * Group restarts (one_for_all, rest_for_one) are two-phase: the members
 * with a process get TERMINATE and are flagged in_group; their STARTs are
 * issued, in start order, once the last flagged member's exit is reported.
 * So a START is never issued for a child that still has a process, and a
 * crash during a pending group restart simply joins that group. */
#include "islands/sup_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "islands/exit_status.h"
#include "sup_table.h"

enum stop_reason {
    STOP_NONE,
    STOP_RESTART,  /* group restart: start again with the group */
    STOP_REMOVE,   /* EV_STOP, or a temporary child taken down by its group */
    STOP_CLOSE     /* shutdown or give-up */
};

struct isl_sup {
    struct isl_sup_policy policy;
    struct sup_table table;
    /* Restart history: a ring of timestamps, oldest at head. */
    uint64_t *stamps;
    size_t stamp_head, stamp_count, stamp_cap;
    unsigned total_restarts;
    /* The pending group restart. */
    size_t group_members;     /* children with in_group */
    size_t group_stopping;    /* of those, STOPPING */
    unsigned group_delay_ms;
    bool closing;             /* SHUTDOWN or GIVE_UP issued */
};

static void out_of_memory(void)
{
    fputs("islands: supervision core: out of memory\n", stderr);
    abort();
}

/* ---------------------------------------------------------------- actions */

static void emit(struct isl_sup_actions *out, enum isl_sup_action_kind kind,
                 const char *id, unsigned delay_ms)
{
    if (out->count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        struct isl_sup_action *items = realloc(out->items, cap * sizeof *items);
        if (!items)
            out_of_memory();
        out->items = items;
        out->cap = cap;
    }
    struct isl_sup_action *a = &out->items[out->count++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    if (id)
        strncpy(a->id, id, ISL_CHILD_ID_MAX);
    a->delay_ms = delay_ms;
}

void isl_sup_actions_clear(struct isl_sup_actions *a)
{
    a->count = 0;
}

void isl_sup_actions_free(struct isl_sup_actions *a)
{
    free(a->items);
    a->items = NULL;
    a->count = a->cap = 0;
}

/* ---------------------------------------------------------------- policy */

bool isl_sup_exit_is_normal(int wait_status)
{
    return WIFEXITED(wait_status) && (WEXITSTATUS(wait_status) == ISL_EXIT_NORMAL ||
                                      WEXITSTATUS(wait_status) == ISL_EXIT_GAME_ENDED);
}

static bool exit_is_corrupt(int wait_status)
{
    return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == ISL_EXIT_CORRUPT;
}

static bool restart_wanted(enum isl_restart restart, bool normal)
{
    switch (restart) {
    case ISL_PERMANENT: return true;
    case ISL_TRANSIENT: return !normal;
    case ISL_TEMPORARY: return false;
    }
    return false;
}

/* Record a restart; false when that makes more than intensity restarts
 * within period (stamps at most period old count, as in OTP). */
static bool record_restart(struct isl_sup *s, uint64_t now_ms)
{
    while (s->stamp_count > 0 && now_ms - s->stamps[s->stamp_head] > s->policy.period_ms) {
        s->stamp_head = (s->stamp_head + 1) % s->stamp_cap;
        s->stamp_count--;
    }
    if (s->stamp_count == s->stamp_cap) {
        size_t cap = s->stamp_cap ? s->stamp_cap * 2 : 8;
        uint64_t *stamps = malloc(cap * sizeof *stamps);
        if (!stamps)
            out_of_memory();
        for (size_t i = 0; i < s->stamp_count; i++)
            stamps[i] = s->stamps[(s->stamp_head + i) % s->stamp_cap];
        free(s->stamps);
        s->stamps = stamps;
        s->stamp_head = 0;
        s->stamp_cap = cap;
    }
    s->stamps[(s->stamp_head + s->stamp_count) % s->stamp_cap] = now_ms;
    s->stamp_count++;
    return s->stamp_count <= s->policy.intensity;
}

/* The delay of this restart; doubles the next one up to the cap (never
 * below the first delay). */
static unsigned take_backoff(const struct isl_sup *s, struct isl_child *c)
{
    uint64_t first = s->policy.restart_delay_ms;
    if (first == 0) {
        c->delay_ms = 0;
        return 0;
    }
    uint64_t cap = s->policy.restart_delay_max_ms > first ? s->policy.restart_delay_max_ms : first;
    uint64_t delay = c->delay_ms > first ? c->delay_ms : first;
    if (delay > cap)
        delay = cap;
    c->delay_ms = (unsigned)(delay * 2 < cap ? delay * 2 : cap);
    return (unsigned)delay;
}

/* ---------------------------------------------------------------- children */

static void start_child(struct isl_child *c, unsigned delay_ms, struct isl_sup_actions *out)
{
    c->has_process = true;
    c->state = delay_ms ? ISL_CHILD_WAITING : ISL_CHILD_STARTING;
    c->stop_reason = STOP_NONE;
    emit(out, ISL_ACT_START, c->id, delay_ms);
}

static void terminate_child(struct isl_child *c, enum stop_reason reason,
                            struct isl_sup_actions *out)
{
    c->state = ISL_CHILD_STOPPING;
    c->stop_reason = reason;
    emit(out, ISL_ACT_TERMINATE, c->id, 0);
}

static void leave_group(struct isl_sup *s, struct isl_child *c)
{
    if (!c->in_group)
        return;
    c->in_group = false;
    s->group_members--;
    if (c->state == ISL_CHILD_STOPPING)
        s->group_stopping--;
}

static void forget_child(struct isl_sup *s, struct isl_child *c, struct isl_sup_actions *out)
{
    leave_group(s, c);
    emit(out, ISL_ACT_REMOVE, c->id, 0);
    sup_table_remove(&s->table, c);
}

static void fail_child(struct isl_child *c, enum isl_fail_reason reason,
                       struct isl_sup_actions *out)
{
    c->state = ISL_CHILD_FAILED;
    emit(out, ISL_ACT_FAILED, c->id, 0);
    out->items[out->count - 1].reason = reason;
}

/* A start that failed outside the child's own work: no process at all, or
 * one that could not exec, open the store or take its command line. */
static bool start_failed_outside(int wait_status, bool status_known)
{
    if (!status_known)
        return true;
    if (!WIFEXITED(wait_status))
        return false;
    int code = WEXITSTATUS(wait_status);
    return code == ISL_EXIT_EXEC_FAILED || code == ISL_EXIT_STORE || code == ISL_EXIT_USAGE;
}

/* Once every member of the pending group is down, start the survivors in
 * start order. */
static void start_group_if_down(struct isl_sup *s, struct isl_sup_actions *out)
{
    if (s->group_members == 0 || s->group_stopping > 0 || s->closing)
        return;
    for (size_t i = 0; i < s->table.count; i++) {
        struct isl_child *c = s->table.order[i];
        if (!c->in_group)
            continue;
        c->in_group = false;
        c->restarts++;
        start_child(c, s->group_delay_ms, out);
    }
    s->group_members = 0;
}

/* one_for_all (from = 0) and rest_for_one (from = the dead child): stop
 * the live children from `from` on in reverse start order, then (once they
 * are down) start them again with the dead one. */
static void restart_group(struct isl_sup *s, struct isl_child *dead, size_t from,
                          unsigned delay_ms, struct isl_sup_actions *out)
{
    if (s->group_members == 0 || delay_ms > s->group_delay_ms)
        s->group_delay_ms = delay_ms;
    dead->state = ISL_CHILD_WAITING;
    dead->in_group = true;
    s->group_members++;
    for (size_t i = s->table.count; i-- > from;) {
        struct isl_child *c = s->table.order[i];
        if (c->in_group || !c->has_process || c->state == ISL_CHILD_STOPPING)
            continue;   /* already going, failed, or being stopped for good */
        c->in_group = true;
        s->group_members++;
        s->group_stopping++;
        terminate_child(c, c->restart == ISL_TEMPORARY ? STOP_REMOVE : STOP_RESTART, out);
    }
    start_group_if_down(s, out);
}

/* Shutdown and give-up: every live child is stopped in reverse start order,
 * and no group restart will follow. */
static void close_all(struct isl_sup *s, enum isl_sup_action_kind last,
                      struct isl_sup_actions *out)
{
    s->closing = true;
    for (size_t i = s->table.count; i-- > 0;) {
        struct isl_child *c = s->table.order[i];
        c->in_group = false;
        if (c->state == ISL_CHILD_STOPPING)
            c->stop_reason = STOP_CLOSE;
        else if (c->has_process)
            terminate_child(c, STOP_CLOSE, out);
    }
    s->group_members = s->group_stopping = 0;
    emit(out, last, NULL, 0);
}

/* ---------------------------------------------------------------- events */

/* The exit of a child the core was stopping: carry on with the plan. */
static void finish_stop(struct isl_sup *s, struct isl_child *c, struct isl_sup_actions *out)
{
    if (c->stop_reason == STOP_RESTART && c->in_group) {
        s->group_stopping--;
        c->state = ISL_CHILD_WAITING;
        c->stop_reason = STOP_NONE;
    } else {
        forget_child(s, c, out);
    }
    start_group_if_down(s, out);
}

/* An exit nobody asked for (ISL_EV_EXITED, or ISL_EV_START_FAILED: no
 * process, no status): OTP's restart decision. */
static void handle_crash(struct isl_sup *s, struct isl_child *c, const struct isl_sup_event *ev,
                         uint64_t now_ms, struct isl_sup_actions *out)
{
    bool status_known = ev->kind == ISL_EV_EXITED;
    int wait_status = status_known ? ev->wait_status : 0;
    bool killed_as_hung = status_known && ev->killed_as_hung;
    bool blameless = status_known && ev->blameless;
    bool was_ready = c->state == ISL_CHILD_RUNNING;
    if (was_ready && now_ms - c->up_since_ms >= s->policy.period_ms)
        c->delay_ms = s->policy.restart_delay_ms;   /* stayed up long enough */
    if (!was_ready && status_known && exit_is_corrupt(wait_status)) {
        fail_child(c, ISL_FAIL_CORRUPT, out);   /* poison: no restart, no intensity */
        return;
    }
    if (blameless) {
        /* The writer's victim: the writer's own death stops every worker
         * (rest_for_one), so this one is simply gone, uncounted, and its
         * game comes back on its next request. Restarting it would only
         * spin while the writer is down. */
        forget_child(s, c, out);
        return;
    }
    bool normal = status_known && isl_sup_exit_is_normal(wait_status);
    if (!restart_wanted(c->restart, normal)) {
        forget_child(s, c, out);
        return;
    }
    if (!was_ready && !killed_as_hung && ++c->start_failures >= s->policy.max_start_failures) {
        fail_child(c,
                   start_failed_outside(wait_status, status_known) ? ISL_FAIL_NO_START
                                                                    : ISL_FAIL_DIED_STARTING,
                   out);
        return;
    }
    if (!c->ever_ready && !killed_as_hung && !s->policy.static_children) {
        /* Never up: as OTP's start_child, whose failure is its caller's
         * answer, this restarts nothing, so it is neither counted against
         * intensity (no process, as when descriptors run out, would stop
         * every game) nor carried to the siblings; max_start_failures
         * bounds the tries. A start killed as hung is no start failure,
         * so intensity must bound it. */
        start_child(c, take_backoff(s, c), out);
        return;
    }
    if (!record_restart(s, now_ms)) {
        c->state = ISL_CHILD_WAITING;
        close_all(s, ISL_ACT_GIVE_UP, out);
        return;
    }
    s->total_restarts++;
    unsigned delay_ms = take_backoff(s, c);
    switch (s->policy.strategy) {
    case ISL_ONE_FOR_ALL:
        restart_group(s, c, 0, delay_ms, out);
        break;
    case ISL_REST_FOR_ONE:
        restart_group(s, c, sup_table_index(&s->table, c), delay_ms, out);
        break;
    case ISL_ONE_FOR_ONE:
    case ISL_SIMPLE_ONE_FOR_ONE:
        c->restarts++;
        start_child(c, delay_ms, out);
        break;
    }
}

static void handle_exit(struct isl_sup *s, struct isl_child *c, const struct isl_sup_event *ev,
                        uint64_t now_ms, struct isl_sup_actions *out)
{
    if (!c->has_process)
        return;   /* a report for no process: nothing to decide */
    c->has_process = false;
    if (c->state == ISL_CHILD_STOPPING || s->closing)
        finish_stop(s, c, out);
    else
        handle_crash(s, c, ev, now_ms, out);
}

static void handle_stop(struct isl_sup *s, struct isl_child *c, struct isl_sup_actions *out)
{
    if (c->state == ISL_CHILD_STOPPING) {
        if (c->stop_reason == STOP_RESTART)
            c->stop_reason = STOP_REMOVE;   /* leaves its group when it exits */
    } else if (c->has_process) {
        terminate_child(c, STOP_REMOVE, out);
    } else {
        forget_child(s, c, out);   /* failed, or waiting for its group */
        start_group_if_down(s, out);
    }
}

void isl_sup_handle(struct isl_sup *s, const struct isl_sup_event *ev,
                    uint64_t now_ms, struct isl_sup_actions *out)
{
    if (ev->kind == ISL_EV_SHUTDOWN) {
        if (!s->closing)
            close_all(s, ISL_ACT_EXIT, out);
        return;
    }
    struct isl_child *c = ev->id ? sup_table_find(&s->table, ev->id) : NULL;
    if (!c)
        return;
    switch (ev->kind) {
    case ISL_EV_READY:
        if (c->has_process &&
            (c->state == ISL_CHILD_STARTING || c->state == ISL_CHILD_WAITING)) {
            c->state = ISL_CHILD_RUNNING;
            c->up_since_ms = now_ms;
            c->start_failures = 0;
            c->ever_ready = true;
        }
        break;
    case ISL_EV_EXITED:
    case ISL_EV_START_FAILED:
        handle_exit(s, c, ev, now_ms, out);
        break;
    case ISL_EV_STOP:
        handle_stop(s, c, out);
        break;
    case ISL_EV_SHUTDOWN:
        break;
    }
}

/* ---------------------------------------------------------------- the table */

struct isl_sup *isl_sup_new(const struct isl_sup_policy *policy)
{
    struct isl_sup *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->policy = *policy;
    sup_table_init(&s->table);
    return s;
}

void isl_sup_free(struct isl_sup *s)
{
    if (!s)
        return;
    sup_table_free(&s->table);
    free(s->stamps);
    free(s);
}

void isl_sup_set_policy(struct isl_sup *s, const struct isl_sup_policy *policy)
{
    s->policy = *policy;
}

void isl_sup_set_restart(struct isl_sup *s, enum isl_restart restart)
{
    for (size_t i = 0; i < s->table.count; i++)
        s->table.order[i]->restart = restart;
}

void isl_sup_policy_from_config(const struct isl_config *c, struct isl_sup_policy *policy)
{
    *policy = (struct isl_sup_policy){
        .strategy = c->strategy,
        .intensity = c->intensity,
        .period_ms = (uint64_t)c->period_s * 1000,
        .restart_delay_ms = c->restart_delay_ms,
        .restart_delay_max_ms = c->restart_delay_max_ms,
        .max_start_failures = c->max_start_failures,
        .static_children = false,   /* games come at run time */
    };
}

int isl_sup_add_child(struct isl_sup *s, const char *id, enum isl_restart restart,
                      struct isl_sup_actions *out)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0 || len > ISL_CHILD_ID_MAX || s->closing || sup_table_find(&s->table, id))
        return -1;
    struct isl_child *c = sup_table_append(&s->table, id);
    if (!c)
        out_of_memory();
    c->restart = restart;
    c->delay_ms = s->policy.restart_delay_ms;
    start_child(c, 0, out);
    return 0;
}

const struct isl_child *isl_sup_find(const struct isl_sup *s, const char *id)
{
    return id ? sup_table_find(&s->table, id) : NULL;
}

size_t isl_sup_count(const struct isl_sup *s)
{
    return s->table.count;
}

size_t isl_sup_count_live(const struct isl_sup *s)
{
    size_t live = 0;
    for (size_t i = 0; i < s->table.count; i++)
        live += s->table.order[i]->state != ISL_CHILD_FAILED;
    return live;
}

const struct isl_child *isl_sup_child_at(const struct isl_sup *s, size_t i)
{
    return i < s->table.count ? s->table.order[i] : NULL;
}

unsigned isl_sup_total_restarts(const struct isl_sup *s)
{
    return s->total_restarts;
}

const char *isl_sup_action_name(enum isl_sup_action_kind kind)
{
    static const char *const names[] = {
        [ISL_ACT_TERMINATE] = "terminate", [ISL_ACT_START] = "start",
        [ISL_ACT_REMOVE] = "remove",       [ISL_ACT_FAILED] = "failed",
        [ISL_ACT_GIVE_UP] = "give_up",     [ISL_ACT_EXIT] = "exit",
    };
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

const char *isl_fail_reason_name(enum isl_fail_reason reason)
{
    static const char *const names[] = {
        [ISL_FAIL_CORRUPT] = "corrupt_record",
        [ISL_FAIL_NO_START] = "worker_cannot_start",
        [ISL_FAIL_DIED_STARTING] = "worker_dies_starting",
    };
    return (unsigned)reason < sizeof names / sizeof *names ? names[reason] : "?";
}

const char *isl_child_state_name(enum isl_child_state state)
{
    static const char *const names[] = {
        [ISL_CHILD_STARTING] = "starting", [ISL_CHILD_RUNNING] = "running",
        [ISL_CHILD_STOPPING] = "stopping", [ISL_CHILD_WAITING] = "waiting",
        [ISL_CHILD_FAILED] = "failed",
    };
    return (unsigned)state < sizeof names / sizeof *names ? names[state] : "?";
}
