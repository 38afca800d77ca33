/* Checks after every fault and at the end: every game's `state` against
 * its model, the daemon's processes, and which workers a fault restarted
 * against the configured strategy. */
#ifndef ISLANDS_CHAOS_CHECKS_H
#define ISLANDS_CHAOS_CHECKS_H

#include "driver.h"

/* `list` until two answers in a row show the same workers (restarts have
 * finished); the last answer's games array (new reference), or NULL. */
json_t *settle_list(struct chaos_run *run);

/* Ask `state` of every slot's game, one after another, and reconcile it
 * with the model. Games without a worker are woken in slot order, which
 * becomes their start order. `listed` is a settled `list` games array. */
void check_games(struct chaos_run *run, struct driver *d, const json_t *listed);

/* `state` of one slot's game, reconciled; asked again while the game is
 * restarting. */
void check_slot(struct chaos_run *run, struct slot *s);

/* Every game whose end_game took effect (run->ended) must answer
 * no_such_game; asked after a restart, this is the store's word. */
void check_ended(struct chaos_run *run);

/* No zombie children of islandsd and no process of its group that is not
 * its child, for longer than a moment. */
void check_processes(struct chaos_run *run);

/* The daemon's log, once its phase is over: no sanitizer report from any
 * process of the group, and (unless the phase kills writers on purpose)
 * no death of islands-writer other than islandsd's own SIGTERM. */
void check_daemon_log(struct chaos_run *run, bool writer_faults);

/* The pid of game in a games array: > 0, 0 for null, -1 if not listed. */
long listed_pid(const json_t *games, const char *game);
long listed_restarts(const json_t *games, const char *game);
/* `status` restarts, or -1. */
long status_restarts(struct chaos_run *run);

/* A worker fault on `target` (restarted: the worker died): the workers
 * that changed must be those the strategy names, each restart counted
 * once in `list`, and status restarts up by one. */
void check_restarts(struct chaos_run *run, struct driver *d, const char *fault,
                    const char *target, bool restarted, const json_t *before,
                    const json_t *after, long status_before, long status_after);

#endif
