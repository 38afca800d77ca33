/* The games index of islandsd: every stored or live game, its request
 * queue, its worker. Kept by games.c, driven by the router; read by
 * admin.c and the idle sweeps. */
#ifndef ISLANDS_GAMES_H
#define ISLANDS_GAMES_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "frontdoor.h"
#include "islands/request.h"
#include "islands/strmap.h"
#include "islands/sup_core.h"
#include "islands/worker_proto.h"
#include "procs.h"

struct pending {
    struct pending *next;      /* in the game's queue, or among followers */
    struct conn *conn;         /* NULL: internal request (idle timeout) */
    json_t *id;                /* the client's id, or NULL */
    struct isl_request req;
    uint64_t submitted_ms;     /* islandsd's clock; 0 for internal requests */
    uint64_t deadline_ms;
    /* Past its deadline at a worker that had not said `ready`: the worker
     * is killed, and its exit (its last frames read) tells whether it
     * could have applied the request. */
    bool expired;
    /* Refusals of later requests of the same connection for this game,
     * answered right after this one (router_refuse); each holds its
     * answer in `ready`. */
    struct pending *followers;
    json_t *ready;
};

struct game {
    char name[ISL_GAME_NAME_MAX + 1];
    bool exists;               /* a record is stored */
    char rules[24];            /* rules state name, "" when none */
    bool failed;               /* left alone (failed_reason says why) */
    enum isl_fail_reason failed_reason;
    uint64_t retry_at_ms;      /* could not start: a request from then on tries
                                  again (0: for good) */
    bool in_core;              /* has a child in the games supervisor */
    bool awaiting_exit;        /* a TERMINATE action waits for this worker */
    bool free_pending;         /* queued to be freed if still unreferenced */
    bool started_in_core;      /* started before as this child: next start is a restart */
    unsigned restarts;
    uint64_t last_activity_ms; /* islandsd's clock: its last request (or when
                                  islandsd learned of the game) */
    uint64_t idle_before_ms;   /* idle already when islandsd learned of it from
                                  the store: counts until its next request */
    uint64_t recorded_ms;      /* islandsd's clock: the latest request whose time
                                  the store holds (a change, or a touch sent) */
    struct proc *worker;
    bool worker_ready;         /* it said `ready`: its game is loaded */
    bool worker_killed_as_hung; /* we killed it for a request's deadline */
    bool worker_blameless;     /* ... while the writer did not answer */
    bool first_answer_pending; /* its worker has not answered yet (spare refill waits) */
    bool worker_owes_answer;   /* a request was sent to it and not answered by it */
    bool worker_ended_game;    /* it answered end_game: it leaves on its own, or
                                  asks to serve another game (--recycle) */
    bool hibernating;          /* the sweep stops its idle worker */
    bool worker_released;      /* ... which was asked to come back as a spare */
    /* Workers of this game that exited since one was last ready: the next
     * one's fence names them (docs/INTERNAL-PROTOCOL.md). */
    pid_t dead_workers[ISL_FENCE_AFTER_MAX];
    unsigned dead_count;
    bool dead_overflow;        /* more than fit: the fence reads everything */
    bool accepting;            /* requests may be sent (false once it is dying) */
    uint32_t seq;
    struct pending *head, *tail;
    unsigned queued;
    struct pending *in_flight;
    ev_timer deadline;         /* in-flight request, or the head's wait */
    ev_timer start_timer;      /* a delayed (backoff) start */
};

extern struct strmap games_index;
extern unsigned games_stored;

void games_init(struct ev_loop *loop);
struct game *game_find(const char *name);
/* A new entry, its timers not yet initialised (NULL when out of memory). */
struct game *games_add(const char *name);
/* Record what the store holds for g: a record or none, and its rules
 * state (NULL: not known, the record does not decode). */
void game_set_stored(struct game *g, bool stored, const char *rules);
/* A request for g at now_ms (islandsd's clock): its idle time starts over. */
void game_touch(struct game *g, uint64_t now_ms);
/* How long g has had no request at now_ms, counting the idle time it had
 * in the store before islandsd learned of it (docs/STORE.md). */
uint64_t game_idle_ms(const struct game *g, uint64_t now_ms);
/* Free g before the loop next waits, if nothing refers to it by then:
 * callbacks up the stack may still hold it now. */
void game_maybe_free(struct game *g);
/* Every game, in no particular order. */
void games_each(void (*fn)(struct game *g, void *arg), void *arg);
/* The games for which want() is true (all if NULL); free() the array. */
struct game **games_collect(bool (*want)(const struct game *g), size_t *count);
/* Sort games from the most recently active to the least (names break ties),
 * so that a choice among them does not hang on the index's hash order. */
void games_sort_by_recency(struct game **games, size_t count);

#endif
