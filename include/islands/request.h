/* Requests of PROTOCOL.md: strict parsing of one JSON object into a
 * fixed-size struct, and its re-encoding for the worker frame. */
#ifndef ISLANDS_REQUEST_H
#define ISLANDS_REQUEST_H

#include <jansson.h>
#include <stdbool.h>

#include "islands/errors.h"
#include "islands/game.h"

enum isl_op {
    ISL_OP_NEW_GAME,
    ISL_OP_ADD_PLAYER,
    ISL_OP_POSITION_ISLAND,
    ISL_OP_SET_ISLANDS,
    ISL_OP_GUESS,
    ISL_OP_STATE,
    ISL_OP_END_GAME,
    ISL_OP_PING,
    ISL_OP_LIST,
    ISL_OP_STATUS,
    ISL_OP_CRASH,
    ISL_OP_COUNT
};

#define ISL_TOKEN_ARG_MAX 128   /* longer tokens never match: unauthorized */
#define ISL_ISLAND_ARG_MAX 16   /* longer island names: invalid_island_type */

struct isl_request {
    enum isl_op op;
    char game[ISL_GAME_NAME_MAX + 1];
    char name[ISL_PLAYER_NAME_MAX + 1];      /* new_game, add_player */
    bool has_player;
    enum isl_player player;
    bool has_token;
    char token[ISL_TOKEN_ARG_MAX + 1];
    char island[ISL_ISLAND_ARG_MAX + 1];    /* as given (maybe unknown) */
    int row, col;        /* any JSON integer, clamped to [-1000, 1000] */
    char signal[8];      /* crash: KILL SEGV ABRT TERM EXIT */
    bool admin;          /* set by the front door from peer credentials */
};

const char *isl_op_name(enum isl_op op);
bool isl_op_is_game_op(enum isl_op op);   /* routed to a game's worker */
bool isl_op_is_admin(enum isl_op op);     /* list, status, crash */
bool isl_op_changes_game(enum isl_op op); /* needs a commit on success */

/* Valid game name: 1..64 of [A-Za-z0-9_.-]. */
bool isl_game_name_valid(const char *s, size_t len);
/* Valid player name: valid UTF-8 (already guaranteed by jansson), 1..64
 * code points, no C0, DEL or C1 control characters. */
bool isl_player_name_valid(const char *s, size_t len);

/* Parse a client request object. Unknown fields are ignored. On failure
 * returns the error (bad_request, unknown_op) and a static message naming
 * the field. `trusted` is for worker frames: it also reads "admin".
 * Checks only shape and types: coordinates out of range, unknown islands,
 * tokens and rules are the game's business (their order is in the rules). */
enum isl_error isl_request_parse(const json_t *obj, bool trusted,
                                 struct isl_request *out, const char **message);

/* The normalized request as a JSON object (includes "admin"), for the
 * worker frame; isl_request_parse(..., trusted=true) reads it back. */
json_t *isl_request_encode(const struct isl_request *r);

/* Build responses: {"ok":true} plus result fields, or the error object
 * {"ok":false,"error":CODE,"message":TEXT}. The id is added by the caller. */
json_t *isl_response_ok(void);
json_t *isl_response_error(enum isl_error e, const char *message);
/* A guess's response: {"ok":true,"hit":B,"forested":ISLAND|null,"win":B}.
 * The _text form writes the same bytes json_dumps(..., JSON_COMPACT) gives
 * for the object, without building it (every move answers one); it
 * returns the length, or -1 if size is too small. */
json_t *isl_response_guess(const struct isl_guess_result *g);
int isl_response_guess_text(const struct isl_guess_result *g, char *out, size_t size);

#endif
