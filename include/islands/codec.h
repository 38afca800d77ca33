/* Game <-> JSON: the stored document (versioned, fully validated on
 * decode) and the `state` result of PROTOCOL.md. */
#ifndef ISLANDS_CODEC_H
#define ISLANDS_CODEC_H

#include <jansson.h>
#include <stddef.h>

#include "islands/game.h"

/* Version 2 added "changes"; a version 1 document still loads (with no
 * changes counted) and is written back as version 2. */
#define ISL_CODEC_VERSION 2

/* The stored document: {"version":2,"changes":...,"game":...,"rules":...,
 * "players":[...]}.
 * Returns a new reference, or NULL on allocation failure. */
json_t *isl_codec_encode(const struct isl_game *g);

/* The canonical text of a stored document: compact, keys sorted. Equal
 * games give byte-identical text, and a canonical text decoded and encoded
 * again gives itself back. */
#define ISL_CODEC_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* isl_codec_encode dumped with ISL_CODEC_DUMP_FLAGS; free() the result.
 * NULL on allocation failure. */
char *isl_codec_dump(const struct isl_game *g);

/* Parse text (duplicate keys rejected) and isl_codec_decode it; text in
 * the canonical layout takes isl_codec_read_canonical first. */
int isl_codec_load(const char *text, size_t len, struct isl_game *out,
                   char *err, size_t errlen);

/* The canonical text of a valid game, read without jansson: 1 and *out
 * (the game isl_codec_load would build), or 0 for anything else, valid or
 * not, which only isl_codec_load can judge (*out untouched). */
int isl_codec_read_canonical(const char *text, size_t len, struct isl_game *out);

/* Decode and validate a stored document (its format is described at the
 * top of src/codec.c). Returns 0 and fills *out, or -1 with a message
 * naming the offending field in err ("players[0].board.atoll.hits[2]:
 * square (4,4) is not part of the atoll"). *out is untouched on failure.
 * Lists must be in canonical order, so decode then encode is the identity
 * (for a document of the current version). */
int isl_codec_decode(const json_t *doc, struct isl_game *out,
                     char *err, size_t errlen);

/* Whose view a `state` result is for. */
enum isl_view { ISL_VIEW_PLAYER1, ISL_VIEW_PLAYER2, ISL_VIEW_PUBLIC, ISL_VIEW_ADMIN };

/* The `state` result object of PROTOCOL.md (without id/ok). */
json_t *isl_codec_state_view(const struct isl_game *g, enum isl_view view);

/* One player's BOARD object as in `state` (the result of set_islands). */
json_t *isl_codec_board(const struct isl_board *b);

/* [[row, col], ...] sorted by row, then col (GUESSES and island lists). */
json_t *isl_codec_squares(const struct isl_squares *s);

#endif
