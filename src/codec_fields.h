/* Typed fields of a stored document, read with errors that name the field
 * by its path ("players[0].board.atoll.row: must be ..."). Private to the
 * codec (codec_decode.c). */
#ifndef ISLANDS_CODEC_FIELDS_H
#define ISLANDS_CODEC_FIELDS_H

#include <jansson.h>
#include <stddef.h>

#include "islands/game.h"

#define CODEC_PATH_LEN 96

/* Where a failure's "PATH: reason" text goes (text may be NULL). A NULL
 * struct codec_error * asks for no message at all. */
struct codec_error {
    char *text;
    size_t size;
};

/* Format a path into out (CODEC_PATH_LEN bytes). */
void codec_path(char out[CODEC_PATH_LEN], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Write "path: reason" and return -1. */
int codec_fail(struct codec_error *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for item `index` of the list at path: "path[index]: reason". */
int codec_fail_at(struct codec_error *e, const char *path, int index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* obj must be an object with no key outside the NULL-terminated keys. */
int codec_check_object(struct codec_error *e, const json_t *obj, const char *path,
                       const char *const *keys);
/* obj's member key, present and of the given type (JSON_TRUE: a boolean);
 * NULL after writing the error otherwise. */
json_t *codec_member(struct codec_error *e, const json_t *obj, const char *path,
                     const char *key, json_type type);
/* A string member without NUL bytes; sets *len. */
const char *codec_string_member(struct codec_error *e, const json_t *obj, const char *path,
                                const char *key, size_t *len);
/* An integer member from 1 to ISL_BOARD_SIZE. */
int codec_coordinate_member(struct codec_error *e, const json_t *obj, const char *path,
                            const char *key, int *out);
/* [[row, col], ...] strictly ascending by row, then col. */
int codec_decode_squares(struct codec_error *e, const json_t *list, const char *path,
                         struct isl_squares *out);

/* The checks a decoded game must pass, in codec_decode.c: the jansson
 * decoder and the canonical text reader (codec_text.c) build a game
 * through the same ones. Each returns 0, or -1 with the error written. */
/* Fits on the board and overlaps no island placed before: placed. */
int codec_place_island(struct codec_error *e, const char *path, enum isl_island_type type,
                       int row, int col, struct isl_board *board);
/* Hits on the placed island's own squares only: set. */
int codec_set_island_hits(struct codec_error *e, const char *hits_path,
                          enum isl_island_type type, const struct isl_squares *hits,
                          struct isl_board *board);
int codec_player_name(struct codec_error *e, const char *path, const char *name, size_t len);
int codec_player_token(struct codec_error *e, const char *path, const char *token, size_t len);
/* p (board and guesses decoded) joins with the checked name and token;
 * islands_set needs every island positioned. */
int codec_join_player(struct codec_error *e, const char *path, const char *name,
                      size_t name_len, const char *token, size_t token_len, bool islands_set,
                      struct isl_player_state *p);
/* Guesses against the boards, and the rules state against the players. */
int codec_check_game(struct codec_error *e, const struct isl_game *g);

#endif
