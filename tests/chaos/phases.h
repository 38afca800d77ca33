/* The phases of one run. main: G games with worker and daemon faults;
 * then every game is played to a win. commit, full and storm each get a
 * daemon of their own (their configuration or environment differs). */
#ifndef ISLANDS_CHAOS_PHASES_H
#define ISLANDS_CHAOS_PHASES_H

#include "run.h"
#include "slot.h"

/* Intensity of the daemons that must not give up. */
#define NO_GIVE_UP_INTENSITY 1000000

/* The islands.conf of our daemons (hibernate_s 0: workers never
 * hibernate; commit_sleep_ms: the commit fault hook's sleep, which the
 * request timeout must outlast); extra lines must not repeat a key set
 * here. */
void phase_config(struct chaos_run *run, unsigned intensity, unsigned period_s,
                  unsigned hibernate_s, unsigned commit_sleep_ms, const char *extra);
/* Start our daemon for a phase (a fresh directory); -1 on failure. */
int phase_start_daemon(struct chaos_run *run, unsigned hibernate_s, const char *extra,
                       unsigned commit_sleep_ms);
/* The same, with prepare_store(run) run on the new, empty store directory
 * (run->daemon.store) before islandsd starts. */
int phase_start_daemon_after(struct chaos_run *run, unsigned hibernate_s, const char *extra,
                             unsigned commit_sleep_ms,
                             int (*prepare_store)(struct chaos_run *run));
/* Stop it with SIGTERM: exit 0 and nothing left of its group. */
void phase_stop_daemon(struct chaos_run *run);

int phase_main(struct chaos_run *run);
int phase_commit(struct chaos_run *run);
int phase_full(struct chaos_run *run);
int phase_storm(struct chaos_run *run);

/* One move of a slot on the admin connection, waiting for its answer
 * (an unknown outcome is resolved at once). */
void play_blocking(struct chaos_run *run, struct slot *s);
/* The same for the move slot_choose* already chose. */
void play_chosen(struct chaos_run *run, struct slot *s);
/* Play a slot's game until its islands are set (both players). */
void play_setup(struct chaos_run *run, struct slot *s);

#endif
