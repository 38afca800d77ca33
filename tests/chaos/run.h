/* One run of the harness for one strategy: what it counted, what it found
 * wrong, and the admin connection every check uses. */
#ifndef ISLANDS_CHAOS_RUN_H
#define ISLANDS_CHAOS_RUN_H

#include "chaos.h"
#include "islands/game.h"
#include "procs.h"

struct chaos_stats {
    unsigned games_started;      /* new_game acknowledged */
    unsigned games_finished;     /* won and ended */
    unsigned games_abandoned;    /* tokens unknown or state diverged: ended by admin */
    unsigned long moves_sent;
    unsigned long moves_acked;   /* success answers to moves */
    unsigned long moves_refused; /* error answers (rules, store_error, ...) */
    unsigned long store_errors;
    unsigned long unknown;       /* outcome unknown (game_unavailable or connection lost) */
    unsigned long unknown_applied;
    unsigned long moves_lost;
    unsigned faults[FAULT_KINDS];
    unsigned recoveries;
    double *recovery_ms;         /* one per recovered fault */
    size_t recovery_count, recovery_cap;
};

struct violation {
    char phase[12];
    unsigned step;
    char text[480];
};

/* A fault waiting for its games to answer again. */
struct fault_watch {
    uint64_t at_ms;
    unsigned pending;            /* affected games not yet answered ok */
    uint64_t last_ms;
};

struct chaos_run {
    const struct chaos_options *opt;
    enum isl_strategy strategy;
    const char *phase;           /* main, commit, full, storm, finish */
    unsigned step;               /* faults injected so far: replaying the seed up to here
                                    reproduces a violation */
    struct daemon daemon;        /* ours, unless attached */
    bool own;
    char socket[ISL_PATH_MAX];
    struct isl_client *admin;
    bool aborted;                /* our islandsd died on its own: the phase stops */
    unsigned intensity, period_s;
    char prefix[24];             /* game names: PREFIX-SLOT-SERIAL */
    uint64_t started_ms;
    struct chaos_stats stats;
    struct violation *violations;
    size_t violation_count, violation_cap;
    struct fault_watch *watches;
    size_t watch_count, watch_cap;
    /* Games of this daemon's store whose end_game took effect: they must
     * stay gone (names are never reused within a store). */
    char (*ended)[ISL_GAME_NAME_MAX + 1];
    size_t ended_count, ended_cap;
};

void violation(struct chaos_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One admin request (the reference is taken), connecting again if
 * needed, sent at most once. NULL when islandsd cannot be reached within
 * timeout_ms or the answer did not come back (the outcome is unknown). */
json_t *admin_call(struct chaos_run *run, json_t *request, int timeout_ms);
/* {"op": op} with optional "game", a read: sent again on a new
 * connection until it is answered; NULL on transport failure. */
json_t *admin_op(struct chaos_run *run, const char *op, const char *game);
void admin_disconnect(struct chaos_run *run);
bool answer_ok(const json_t *resp);
const char *answer_error(const json_t *resp);   /* "" when ok or absent */

/* Recovery bookkeeping: a new watch for `games` affected games; returns
 * its index (slots keep it). */
size_t watch_start(struct chaos_run *run, unsigned games);
void watch_answered(struct chaos_run *run, size_t watch);

/* An end_game took effect; forget them all when a phase starts a new store. */
void run_note_ended(struct chaos_run *run, const char *game);
void run_forget_ended(struct chaos_run *run);

/* Did our islandsd die when no fault killed it? Records the violation
 * once and sets aborted. */
bool daemon_died(struct chaos_run *run);

/* Wait up to GROUP_GRACE_MS for every process of islandsd's group to be
 * gone (after it died or stopped: `when`); kill what is left. */
#define GROUP_GRACE_MS 3000
void expect_group_gone(struct chaos_run *run, pid_t pgid, const char *when);

/* Double an array's capacity (at least 16); aborts when out of memory. */
void *grow_array(void *items, size_t *cap, size_t item_size);

void run_free(struct chaos_run *run);

#endif
