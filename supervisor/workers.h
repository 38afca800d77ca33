/* Starting game workers: a warm spare adopts the game when one is ready,
 * else a new islands-worker is spawned. The pool refills in the
 * background. */
#ifndef ISLANDS_WORKERS_H
#define ISLANDS_WORKERS_H

#include <jansson.h>

#include "procs.h"

void workers_init(struct ev_loop *loop);
/* A worker for game, already told to adopt it after a fence on the dead
 * workers `after` (borrowed; NULL: on every process); NULL if none could
 * start. */
struct proc *workers_start(const char *game, json_t *after, const struct proc_ops *ops,
                           void *owner);
/* False when no spare is there and a worker was spawned already in this
 * turn of the loop (a spawn holds islandsd): start next turn instead. */
bool workers_can_start_now(void);
/* A game whose worker workers_start gave has had its first answer: the
 * spare pool may refill now (spawning blocks islandsd briefly). */
void workers_first_answer(void);
/* Keep config.spare_workers spares ready (call when the writer is ready). */
void workers_refill_spares(void);
/* Stop every spare (writer restart, shutdown, a reload that changes what
 * they are started with); each one's exit asks for a replacement, which
 * comes if spares are still wanted. */
void workers_stop_spares(void);
/* A worker whose game ended (it runs with --recycle) or hibernated (it was
 * sent `release`) and that asks to serve another: it joins the pool, or is
 * stopped if the pool does not want it (full, stopping, started before a
 * reload, or worn out). */
void workers_take_back(struct proc *p);
/* Whether workers_take_back would keep p now (hibernation asks before it
 * sends the worker back to the pool rather than stopping it). */
bool workers_would_take_back(const struct proc *p);
unsigned workers_spare_count(void);
/* The most spares the pool holds (0 with spare_workers = 0). New starts
 * refill it to spare_workers; games ending while others start (players
 * going on to their next game) bring their workers back on top of that,
 * kept until none has come back for a second. */
unsigned workers_pool_max(void);

#endif
