/* The model of one game: moves chosen from the game's own random stream,
 * their outcome predicted with the same engine the daemon runs
 * (include/islands/game.h), and the daemon's answers and `state` compared
 * with the prediction. */
#ifndef ISLANDS_CHAOS_MODEL_H
#define ISLANDS_CHAOS_MODEL_H

#include <jansson.h>
#include <stdbool.h>

#include "chaos.h"
#include "islands/errors.h"
#include "islands/game.h"

enum move_kind {
    MOVE_NEW_GAME,
    MOVE_ADD_PLAYER,
    MOVE_POSITION,
    MOVE_SET_ISLANDS,
    MOVE_GUESS,
    MOVE_END_GAME
};

struct move {
    enum move_kind kind;
    enum isl_player player;
    bool as_admin;       /* end_game without a token (the harness is admin) */
    bool wrong_token;
    char island[16];
    int row, col;
};

/* What the engine says the daemon must answer. */
struct expect {
    enum isl_error error;          /* ISL_OK: success */
    struct isl_guess_result guess; /* MOVE_GUESS */
};

/* Where each player puts its five islands (never overlapping). */
struct layout { int row[ISL_ISLAND_KINDS], col[ISL_ISLAND_KINDS]; };

void model_plan_layout(struct rng *r, struct layout *out);

/* The next move for a game: progress along the plan, or (invalid_percent
 * of the time) a move the rules refuse. `created` false: new_game. */
void model_choose(const struct isl_game *m, bool created, const struct layout plan[2],
                  struct rng *r, unsigned invalid_percent, struct move *out);
/* A valid move only (finishing games, faults that need a real commit). */
void model_choose_valid(const struct isl_game *m, bool created, const struct layout plan[2],
                        struct rng *r, struct move *out);

/* The game after the move (unchanged on a predicted error). For new_game
 * and add_player the token is not known yet: model_accept sets it. */
void model_predict(const struct isl_game *m, const char *game, const struct move *mv,
                   struct isl_game *after, struct expect *e);

/* The request line for the move, with tokens from m. */
json_t *model_request(const char *game, const struct isl_game *m, const struct move *mv,
                      json_int_t id);

/* A success answer: its result fields must be what the engine said.
 * 0, or -1 with the difference in why. */
int model_check_result(const struct move *mv, const struct expect *e,
                       const struct isl_game *after, const json_t *resp,
                       char *why, size_t len);
/* Take the tokens handed out by new_game / add_player into after. */
void model_accept(struct isl_game *after, const struct move *mv, const json_t *resp);

/* Does the admin `state` answer show exactly this game? */
bool model_state_equal(const struct isl_game *m, const json_t *state);

/* "guess player2 (3,4)", for messages. */
void model_describe(const struct move *mv, char *out, size_t len);

#endif
