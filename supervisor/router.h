/* The router: request queues per game, delivery to workers, worker
 * starts, answers and deaths. router_submit is declared in frontdoor.h. */
#ifndef ISLANDS_ROUTER_H
#define ISLANDS_ROUTER_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "games.h"

void router_init(struct ev_loop *loop);
/* Find or create the index entry of a game (NULL when out of memory). */
struct game *game_get(const char *name);
/* A request of islandsd itself (idle timeout): its answer is dropped. */
void router_submit_internal(struct game *g, const struct isl_request *req);
/* An answer the writer relayed for worker pid of game (borrowed): taken
 * as if that worker had sent it, if it is still the game's worker. */
void router_relayed(long pid, const char *game, json_t *answer);
/* Deliver what waited (the writer became ready). */
void router_pump_all(void);
/* A reload changed game_timeout: every running worker times its game
 * with the new one from now (docs/INTERNAL-PROTOCOL.md, `timeout`). */
void router_send_game_timeout(unsigned timeout_s);
/* Hibernate g's idle worker: its game stays stored and the next request
 * wakes it; the process comes back as a spare if the pool wants it, else
 * it is stopped. */
void router_hibernate(struct game *g);
/* Answer every waiting request with game_unavailable (shutdown). */
void router_abort_queues(const char *why);

#endif
