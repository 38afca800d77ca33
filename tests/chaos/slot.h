/* One game slot: the game it plays now, its model and the history of
 * acknowledged states, the request in flight, and what its answers mean.
 * When a game ends, the slot starts the next one under a new name. */
#ifndef ISLANDS_CHAOS_SLOT_H
#define ISLANDS_CHAOS_SLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "run.h"

#define NO_WATCH ((size_t)-1)

/* A kill inside a commit decides the fate of the move it holds, whatever
 * the client hears: before mdb_txn_commit the writer's death aborts it,
 * after it the move is on disk. */
enum move_on_disk {
    ON_DISK_EITHER,
    ON_DISK_MADE,
    ON_DISK_NOT_MADE
};

struct slot {
    unsigned index, serial;
    uint64_t seed;
    const char *prefix;
    char name[ISL_GAME_NAME_MAX + 1];
    bool created;                /* the model holds an acknowledged game */
    bool abandon;                /* end it as admin at the next move */
    bool model_lost;             /* its state matched nothing known (a violation
                                    already): no longer compared */
    bool retired;                /* finishing: no new game after this one */
    struct isl_game model;
    struct isl_game *history;    /* model after each acknowledged move; last == model */
    size_t history_count, history_cap;
    struct layout plan[2];
    struct rng rng;
    /* the request in flight */
    bool in_flight;
    bool probe;                  /* a `state` asking what an unknown outcome was */
    json_int_t id;
    struct move move;
    struct expect expect;
    struct isl_game predicted;   /* the game if the move was made */
    uint64_t sent_ms;
    char answer[24];             /* the last answer: "ok", an error code, "lost" */
    bool unknown;                /* the move's outcome is unknown until a probe */
    enum move_on_disk on_disk;   /* what a commit fault decided of the move */
    uint64_t probe_after_ms;
    bool has_ghost;              /* an unknown move `state` said was not made ... */
    struct isl_game ghost;       /* ... and the game as it would be if it was */
    char ghost_move[96];
    size_t watch;                /* recovery watch, or NO_WATCH */
};

void slot_init(struct slot *s, unsigned index, uint64_t seed, const char *prefix);
void slot_free(struct slot *s);

/* Choose the next move; valid_only for finishing and faults. */
void slot_choose(struct slot *s, unsigned invalid_percent, bool valid_only);
/* end_game by player1 now, whatever the game's state. */
void slot_choose_end(struct slot *s);
/* Its request line (the slot is in flight from now on). */
json_t *slot_request(struct slot *s, json_int_t id);
/* The answer to the move in flight. */
void slot_answer(struct chaos_run *run, struct slot *s, const json_t *resp);
/* The connection died with the move in flight: its outcome is unknown. */
void slot_lost_answer(struct chaos_run *run, struct slot *s);
/* Compare an answer to `state` with the model, resolving an unknown
 * outcome and finding lost moves. Returns 0 when settled, 1 to ask again
 * later (the game is restarting). */
int slot_reconcile(struct chaos_run *run, struct slot *s, const json_t *resp);
/* Does the slot have a game the daemon should know about? */
bool slot_has_game(const struct slot *s);
void slot_watch(struct slot *s, size_t watch);

#endif
