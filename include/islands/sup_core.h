/* The supervision core: OTP supervisor decisions as a pure state machine.
 * No fork, no signals, no clock: the shell passes every event and the time
 * (milliseconds, monotonic) in, and carries out the actions that come back,
 * in order. Tested without processes (tests/unit/test_sup_core.c). */
#ifndef ISLANDS_SUP_CORE_H
#define ISLANDS_SUP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "islands/config.h"

#define ISL_CHILD_ID_MAX 64

struct isl_sup_policy {
    enum isl_strategy strategy;
    unsigned intensity;            /* at most this many restarts ... */
    uint64_t period_ms;            /* ... within this window */
    unsigned restart_delay_ms;     /* first backoff delay; 0 = immediate (OTP) */
    unsigned restart_delay_max_ms; /* backoff cap */
    unsigned max_start_failures;   /* consecutive start failures -> failed */
};

enum isl_child_state {
    ISL_CHILD_STARTING,   /* start action issued, not yet ready */
    ISL_CHILD_RUNNING,    /* ready handshake received */
    ISL_CHILD_STOPPING,   /* terminate action issued, exit not yet seen */
    ISL_CHILD_WAITING,    /* exited, restart scheduled (group restart or backoff) */
    ISL_CHILD_FAILED      /* given up on this child alone (poison) */
};

struct isl_child {
    char id[ISL_CHILD_ID_MAX + 1];
    uint64_t start_order;          /* position in start order (smaller = earlier) */
    enum isl_restart restart;
    enum isl_child_state state;
    unsigned restarts;             /* restarts so far */
    unsigned start_failures;       /* consecutive exits before ready */
    unsigned delay_ms;             /* current backoff delay */
    uint64_t up_since_ms;          /* when it last became ready */
    /* private to the core: */
    int stop_reason;
};

enum isl_sup_event_kind {
    ISL_EV_READY,        /* child finished starting (handshake) */
    ISL_EV_EXITED,       /* child was reaped; wait_status as from waitpid */
    ISL_EV_START_FAILED, /* fork/exec failed: no process exists */
    ISL_EV_STOP,         /* stop this child for good (end, hibernate); no restart */
    ISL_EV_SHUTDOWN      /* stop everything, then exit 0 */
};

struct isl_sup_event {
    enum isl_sup_event_kind kind;
    const char *id;      /* all but SHUTDOWN */
    int wait_status;     /* EXITED */
};

enum isl_sup_action_kind {
    ISL_ACT_TERMINATE,  /* stop the child (SIGTERM + shutdown timeout, or KILL);
                           the shell reports its exit before doing the next action */
    ISL_ACT_START,      /* start the child after delay_ms */
    ISL_ACT_REMOVE,     /* the child is gone for good: forget it */
    ISL_ACT_FAILED,     /* the child is marked failed (poison), left alone */
    ISL_ACT_GIVE_UP,    /* intensity exceeded: all children terminated; exit non-zero */
    ISL_ACT_EXIT        /* shutdown complete: exit 0 */
};

struct isl_sup_action {
    enum isl_sup_action_kind kind;
    char id[ISL_CHILD_ID_MAX + 1];
    unsigned delay_ms;
};

struct isl_sup_actions {
    struct isl_sup_action *items;  /* grown by the core */
    size_t count, cap;
};

struct isl_sup;   /* the child table and the restart history */

struct isl_sup *isl_sup_new(const struct isl_sup_policy *policy);
void isl_sup_free(struct isl_sup *s);
/* SIGHUP: future decisions use the new policy; the history is kept. */
void isl_sup_set_policy(struct isl_sup *s, const struct isl_sup_policy *policy);

/* Add a child (dynamic child, lazy activation): it goes last in start order
 * and the returned actions start it. -1 if the id exists already. */
int isl_sup_add_child(struct isl_sup *s, const char *id, enum isl_restart restart,
                      uint64_t now_ms, struct isl_sup_actions *out);

/* Feed one event; appends the actions to carry out, in order. */
void isl_sup_handle(struct isl_sup *s, const struct isl_sup_event *ev,
                    uint64_t now_ms, struct isl_sup_actions *out);

const struct isl_child *isl_sup_find(const struct isl_sup *s, const char *id);
size_t isl_sup_count(const struct isl_sup *s);
/* Children in start order; i < isl_sup_count(). */
const struct isl_child *isl_sup_child_at(const struct isl_sup *s, size_t i);
unsigned isl_sup_total_restarts(const struct isl_sup *s);

/* Is this wait status a normal exit for a transient child? (exit 0,
 * ISL_EXIT_GAME_ENDED; a stop the supervisor asked for is decided by the core.) */
bool isl_sup_exit_is_normal(int wait_status);

void isl_sup_actions_clear(struct isl_sup_actions *a);
void isl_sup_actions_free(struct isl_sup_actions *a);

#endif
