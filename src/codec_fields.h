/* Typed fields of a stored document, read with errors that name the field
 * by its path ("players[0].board.atoll.row: must be ..."). Private to the
 * codec (codec_decode.c). */
#ifndef ISLANDS_CODEC_FIELDS_H
#define ISLANDS_CODEC_FIELDS_H

#include <jansson.h>
#include <stddef.h>

#include "islands/game.h"

#define CODEC_PATH_LEN 96

/* Where a failure's "PATH: reason" text goes (text may be NULL). */
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

#endif
