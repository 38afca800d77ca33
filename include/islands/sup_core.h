/* The supervision core: OTP supervisor decisions as a pure state machine.
 * No fork, no signals, no clock: the shell passes every event and the time
 * (milliseconds, monotonic) in, and carries out the actions that come back,
 * in order. Tested without processes (tests/unit/test_sup_core.c). The one
 * side effect: should malloc fail for the few bytes of its action list or
 * restart stamps, it writes a line to stderr and aborts.
 *
 * Contract with the shell (supervisor/games_sup.c for the games,
 * supervisor/writer_link.c for the writer; the processes themselves are
 * supervisor/procs.c's):
 * - Actions are carried out in the order they were returned, across calls:
 *   the shell keeps one FIFO of actions and appends each call's actions to
 *   its end. A TERMINATE blocks that FIFO until the child's exit has been
 *   reported with ISL_EV_EXITED; events that arrive meanwhile (other
 *   children's exits, READY, STOP) are fed to the core at once. Under
 *   simple_one_for_one, whose children are independent and for which the
 *   core returns no action concerning a child between its TERMINATE and
 *   its exit, a TERMINATE holds back only GIVE_UP and EXIT (games_sup.c).
 * - Every START yields exactly one report: ISL_EV_EXITED once the process is
 *   reaped, or ISL_EV_START_FAILED when no process could be made.
 * - TERMINATE: if the child has a process, stop it (SIGTERM, then SIGKILL
 *   after the shutdown timeout, or SIGKILL at once) and report its exit. If
 *   its START is still waiting out delay_ms, cancel the timer and report
 *   ISL_EV_EXITED (any status: the core asked for it). If its process was
 *   already reaped and reported, there is nothing to do.
 * - The core updates its table when it returns an action, not when the
 *   shell carries it out: isl_sup_find() shows the state decided so far.
 * - A START is never returned for a child that still has a process.
 * - A child the core forgets is announced by REMOVE, always after its last
 *   exit was reported (or at once when it had no process). */
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
    bool static_children;          /* children of the supervisor's own start (the
                                      store writer): a failed first start counts
                                      as a restart; otherwise children come at
                                      run time, as by OTP's start_child, and a
                                      child never up restarts nothing */
};

enum isl_child_state {
    ISL_CHILD_STARTING,   /* START issued (delay 0), not yet ready */
    ISL_CHILD_RUNNING,    /* ready handshake received */
    ISL_CHILD_STOPPING,   /* TERMINATE issued, exit not yet seen */
    ISL_CHILD_WAITING,    /* exited, restart scheduled: START issued with a
                             backoff delay (the core is not told when the
                             delay ends, so it stays WAITING until READY), or
                             waiting for the rest of its group to stop */
    ISL_CHILD_FAILED      /* given up on this child alone (poison); no process */
};

struct isl_child {
    char id[ISL_CHILD_ID_MAX + 1];
    uint64_t start_order;          /* position in start order (smaller = earlier) */
    enum isl_restart restart;
    enum isl_child_state state;
    unsigned restarts;             /* restarts so far (group restarts included) */
    unsigned start_failures;       /* consecutive exits before ready */
    unsigned delay_ms;             /* backoff delay of its next restart */
    uint64_t up_since_ms;          /* when it last became ready */
    /* private to the core: */
    int stop_reason;               /* why it is STOPPING (or waits in a group) */
    bool has_process;              /* a START was issued, its exit not yet reported */
    bool ever_ready;               /* up once: a start after that is a restart */
    bool in_group;                 /* part of a pending one_for_all/rest_for_one restart */
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
    const char *id;      /* all but SHUTDOWN; an unknown id is ignored */
    int wait_status;     /* EXITED */
    bool killed_as_hung; /* EXITED: the shell killed it for not answering in
                            time; not a failure of its own start, so it
                            never counts toward max_start_failures */
    bool blameless;      /* EXITED: its death was another process's doing
                            (it waited on the store writer, which stopped
                            answering or died): removed, as the writer's
                            restart would stop it, counted neither as a
                            restart nor as a failed start */
};

enum isl_sup_action_kind {
    ISL_ACT_TERMINATE,  /* stop the child (see the contract above); the shell
                           reports its exit before doing the next action */
    ISL_ACT_START,      /* start the child after delay_ms */
    ISL_ACT_REMOVE,     /* the child is gone for good: forget it */
    ISL_ACT_FAILED,     /* the child is marked failed (poison), left alone;
                           it stays in the table until an ISL_EV_STOP */
    ISL_ACT_GIVE_UP,    /* intensity exceeded: every child terminated; exit non-zero */
    ISL_ACT_EXIT        /* shutdown complete: exit 0 */
};

/* Why a child was given up alone (ISL_ACT_FAILED). */
enum isl_fail_reason {
    ISL_FAIL_CORRUPT,       /* its stored state does not decode (exit 65) */
    ISL_FAIL_NO_START,      /* its last start failed outside it: no process
                               (fork, exec), or exec, store or command line
                               refused (exit 127, 66, 67); that may pass */
    ISL_FAIL_DIED_STARTING  /* it kept dying before ready: a poison pill as
                               far as the supervisor can tell */
};

struct isl_sup_action {
    enum isl_sup_action_kind kind;
    char id[ISL_CHILD_ID_MAX + 1];  /* "" for GIVE_UP and EXIT */
    unsigned delay_ms;              /* START only */
    enum isl_fail_reason reason;    /* FAILED only */
};

struct isl_sup_actions {
    struct isl_sup_action *items;  /* grown by the core; zero-initialise */
    size_t count, cap;
};

struct isl_sup;   /* the child table and the restart history */

/* NULL when out of memory. Running out of memory later (growing the table
 * or an action list) aborts: the supervisor cannot go on without its
 * decisions. */
struct isl_sup *isl_sup_new(const struct isl_sup_policy *policy);
void isl_sup_free(struct isl_sup *s);
/* SIGHUP: future decisions use the new policy; the history is kept. */
void isl_sup_set_policy(struct isl_sup *s, const struct isl_sup_policy *policy);
/* SIGHUP: every child has this restart type from now on (they share one
 * child spec, as simple_one_for_one's children do), those added later too
 * (their type is the shell's to pass). */
void isl_sup_set_restart(struct isl_sup *s, enum isl_restart restart);
/* The policy islands.conf describes (period_s -> ms). */
void isl_sup_policy_from_config(const struct isl_config *c, struct isl_sup_policy *policy);

/* Add a child (dynamic child, lazy activation): it goes last in start order,
 * STARTING, and the returned actions start it (START, delay 0). -1 with no
 * action if the id exists already, is empty or longer than ISL_CHILD_ID_MAX,
 * or once the supervisor is shutting down or gave up. */
int isl_sup_add_child(struct isl_sup *s, const char *id, enum isl_restart restart,
                      struct isl_sup_actions *out);

/* Feed one event; appends the actions to carry out, in order.
 * - READY: STARTING/WAITING -> RUNNING; ignored in other states.
 * - EXITED of a child the core was stopping continues that plan: REMOVE
 *   (EV_STOP, temporary taken down by a group restart, shutdown, give-up),
 *   or wait for the group's STARTs (issued when the last member is down).
 *   Any other exit is a crash or a normal exit, decided by the restart type,
 *   the reserved exit statuses, start failures, intensity and the strategy.
 * - After SHUTDOWN or GIVE_UP, exits are answered with REMOVE only and a
 *   second SHUTDOWN returns nothing. */
void isl_sup_handle(struct isl_sup *s, const struct isl_sup_event *ev,
                    uint64_t now_ms, struct isl_sup_actions *out);

/* O(1) average. */
const struct isl_child *isl_sup_find(const struct isl_sup *s, const char *id);
size_t isl_sup_count(const struct isl_sup *s);
/* Children not left failed: those that have or will have a process. O(n). */
size_t isl_sup_count_live(const struct isl_sup *s);
/* Children in start order; i < isl_sup_count(). */
const struct isl_child *isl_sup_child_at(const struct isl_sup *s, size_t i);
/* Restarts decided (a group restart counts once, as for intensity). */
unsigned isl_sup_total_restarts(const struct isl_sup *s);

/* Is this wait status a normal exit for a transient child? (exit 0,
 * ISL_EXIT_GAME_ENDED; a stop the supervisor asked for is decided by the core.) */
bool isl_sup_exit_is_normal(int wait_status);

/* Names for logs: "start", "running", ... */
const char *isl_sup_action_name(enum isl_sup_action_kind kind);
const char *isl_child_state_name(enum isl_child_state state);
/* "corrupt_record", "worker_cannot_start", "worker_dies_starting" */
const char *isl_fail_reason_name(enum isl_fail_reason reason);

void isl_sup_actions_clear(struct isl_sup_actions *a);
void isl_sup_actions_free(struct isl_sup_actions *a);

#endif
