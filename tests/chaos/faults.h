/* Fault injection. The schedule is a function of the seed: every fault
 * draws the same numbers from its own stream whatever happened before, so
 * a seed replays the same faults (timing may vary). */
#ifndef ISLANDS_CHAOS_FAULTS_H
#define ISLANDS_CHAOS_FAULTS_H

#include "driver.h"

/* One scheduled fault: its kind and the numbers it draws. */
struct fault_plan {
    enum fault_kind kind;
    uint64_t target;             /* index into the live games, mod their count */
    unsigned variant;            /* signal, thaw or not, which process in a commit and when */
    unsigned gap_moves;          /* acknowledged moves before the next fault */
};

struct schedule {
    struct rng rng;
    unsigned mask;               /* kinds to draw from */
    enum fault_kind round[FAULT_KINDS];
    unsigned round_len, round_pos;
    unsigned rounds;             /* rounds completed */
};

/* Kinds are drawn in rounds: each round is a seeded shuffle of every
 * enabled kind, so a short run still sees each kind once. */
void schedule_init(struct schedule *sch, uint64_t seed, unsigned mask);
void schedule_next(struct schedule *sch, struct fault_plan *out);

/* Inject one fault and check everything after it. -1 if the run cannot
 * go on (islandsd could not be restarted). */
int fault_inject(struct chaos_run *run, struct driver *d, const struct fault_plan *plan);

/* Kill islandsd (or, for a reboot, its whole group) and start it again on
 * the same store; check that nothing of it was left. d may be NULL (no
 * driver in this phase). -1 if it does not start again. */
int fault_restart_daemon(struct chaos_run *run, struct driver *d, bool reboot);

/* The end of a phase: every process of the group SIGKILLed, islandsd
 * started again on the same store, and what the store holds checked:
 * the driver's games (d may be NULL: the caller checks its own) and every
 * game ended in it. -1 if islandsd does not start again. */
int fault_audit_store(struct chaos_run *run, struct driver *d);

/* Quiesce, settle, and check every game and the processes. */
void check_all(struct chaos_run *run, struct driver *d);

#endif
