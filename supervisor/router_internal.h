/* Shared by router.c (queues, deadlines, delivery) and router_workers.c
 * (worker messages, exits, starts); nothing else includes it. */
#ifndef ISLANDS_ROUTER_INTERNAL_H
#define ISLANDS_ROUTER_INTERNAL_H

#include <ev.h>
#include <jansson.h>

#include "games.h"
#include "islands/errors.h"

/* The answer to a request whose worker never said `ready` before its
 * deadline (so never handled it). */
#define NOT_READY_IN_TIME "the game's worker did not become ready in time"

extern struct ev_loop *router_loop;

/* Answer p (response stolen) and free it. */
void router_reply(struct pending *p, json_t *response);
void router_reply_error(struct pending *p, enum isl_error e, const char *message);
/* game_unavailable with "outcome": "unknown": the worker died holding p. */
void router_reply_unknown_outcome(struct pending *p);
void router_fail_queue(struct game *g, enum isl_error e, const char *message);
/* Send what g's queue holds to its worker as far as it can take it. */
void router_pump(struct game *g);
/* The timer for g's in-flight request, or for its queue head's wait. */
void router_arm_deadline(struct game *g);
void router_on_start_timer(struct ev_loop *l, ev_timer *w, int revents);
/* What a request to a failed game is told, by why it failed. */
const char *router_failed_message(const struct game *g);
/* A game whose worker could not start, asked for again late enough: the
 * core forgets its failed child and the queue starts a worker anew. */
void router_retry_failed_start(struct game *g);

#endif
