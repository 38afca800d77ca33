/* The games supervisor: feeds worker events to the pure core
 * (src/sup_core.c) and carries out its actions, in order. A TERMINATE
 * holds the actions after it until the child has exited (OTP stops
 * children one after another; simple_one_for_one stops a run of them in
 * parallel). */
#ifndef ISLANDS_GAMES_SUP_H
#define ISLANDS_GAMES_SUP_H

#include <stdbool.h>
#include <stdint.h>

#include "games.h"
#include "islands/config.h"
#include "islands/sup_core.h"

void games_sup_init(const struct isl_config *config);
void games_sup_reconfigure(const struct isl_config *config);

/* A game needs a worker: add it as a child (lazy activation). */
void games_sup_activate(struct game *g);
void games_sup_ready(struct game *g);
/* The worker of g was reaped (or could not be spawned: status < 0). */
void games_sup_exited(struct game *g, int wait_status);
/* Stop g's worker for good (end_game, hibernation, writer restart). */
void games_sup_stop(struct game *g);
/* Stop every worker (in reverse start order, or all at once under
 * simple_one_for_one), then finish the daemon. */
void games_sup_shutdown(int exit_status);

unsigned games_sup_total_restarts(void);
/* Game children that run or are to run: started, waiting to start or
 * backing off before a restart (games left failed are not counted). */
unsigned games_sup_children(void);
/* May one more game get a worker under max_children? */
bool games_sup_room_for_one_more(void);
/* g's position in the supervisor's start order (larger = started later;
 * what rest_for_one goes by), or 0 when it is not a child. */
uint64_t games_sup_start_order(const struct game *g);

/* Provided by the router, called by the executor. */
void router_start_worker(struct game *g, unsigned delay_ms);
enum terminate_result {
    TERMINATE_WAIT,            /* stopping its process: its exit will be reported */
    TERMINATE_CANCELLED_START, /* it had no process, only a delayed start */
    TERMINATE_NOTHING          /* no process (its exit was reported already) */
};
enum terminate_result router_terminate_worker(struct game *g);
void router_child_removed(struct game *g);
/* The core left g alone, for good unless its worker could not start
 * (then a request tries again later). */
void router_child_failed(struct game *g, enum isl_fail_reason reason);

#endif
