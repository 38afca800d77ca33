/* Game <-> JSON: the stored document (versioned, fully validated on
 * decode) and the `state` result of PROTOCOL.md. */
#ifndef ISLANDS_CODEC_H
#define ISLANDS_CODEC_H

#include <jansson.h>
#include <stddef.h>

#include "islands/game.h"

#define ISL_CODEC_VERSION 1

/* The stored document: {"version":1,"game":...,"rules":...,"players":[...]}.
 * Returns a new reference, or NULL on allocation failure. */
json_t *isl_codec_encode(const struct isl_game *g);

/* Decode and validate a stored document. Returns 0 and fills *out, or -1
 * with a message naming the offending field in err ("players[1].board.atoll
 * .squares: not the shape of an atoll"). *out is untouched on failure. */
int isl_codec_decode(const json_t *doc, struct isl_game *out,
                     char *err, size_t errlen);

/* Whose view a `state` result is for. */
enum isl_view { ISL_VIEW_PLAYER1, ISL_VIEW_PLAYER2, ISL_VIEW_PUBLIC, ISL_VIEW_ADMIN };

/* The `state` result object of PROTOCOL.md (without id/ok). */
json_t *isl_codec_state_view(const struct isl_game *g, enum isl_view view);

/* One player's BOARD object as in `state` (the result of set_islands). */
json_t *isl_codec_board(const struct isl_board *b);

#endif
