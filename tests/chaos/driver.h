/* The driver: G game slots played at once over a few connections with
 * poll(), one request in flight per game, and the order in which the
 * games' workers were started (for rest_for_one). */
#ifndef ISLANDS_CHAOS_DRIVER_H
#define ISLANDS_CHAOS_DRIVER_H

#include "run.h"
#include "slot.h"

#define DRIVER_MAX_CONNS 8

struct driver {
    struct chaos_run *run;
    struct slot *slots;
    unsigned count;
    struct isl_client *conns[DRIVER_MAX_CONNS];
    uint64_t retry_at[DRIVER_MAX_CONNS];
    unsigned conn_count;
    json_int_t next_id;
    unsigned rotate;             /* fairness: the slot served first */
    /* what the driver may send */
    bool issuing;                /* moves */
    bool quiet;                  /* nothing at all, not even probes of unknown outcomes */
    bool hold_lifecycle;         /* no new_game or end_game: the set of games stays */
    bool valid_only;             /* finishing: no refused moves */
    unsigned invalid_percent;
    bool creating;               /* a new_game is in flight: one at a time keeps
                                    the start order known */
    /* start order of the games' workers, as names */
    char (*order)[ISL_GAME_NAME_MAX + 1];
    size_t order_count, order_cap;
};

int driver_init(struct driver *d, struct chaos_run *run, unsigned games);
void driver_free(struct driver *d);
/* Drop every connection (islandsd was killed): answers in flight are lost. */
void driver_disconnect(struct driver *d);

/* Send what may be sent, wait up to wait_ms for answers, handle them. */
void driver_step(struct driver *d, int wait_ms);
/* Stop sending moves and wait until no request is in flight. -1 (and a
 * violation) if answers do not come within timeout_ms. */
int driver_quiesce(struct driver *d, int timeout_ms);
/* Send a valid move for slot now (it must be idle); false if it cannot. */
bool driver_send_move(struct driver *d, struct slot *s);
/* Run until slot's request is answered; false on timeout. */
bool driver_wait_answer(struct driver *d, struct slot *s, int timeout_ms);
/* Are all slots' games over and ended (finishing)? */
bool driver_all_done(const struct driver *d);

/* Start order. */
void order_append(struct driver *d, const char *game);
void order_remove(struct driver *d, const char *game);
/* Position in start order, or -1 if unknown. */
int order_index(const struct driver *d, const char *game);
struct slot *driver_find(struct driver *d, const char *game);

#endif
