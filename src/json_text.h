/* JSON text written straight into a buffer, byte for byte as jansson's
 * compact dump would write it, for the texts the worker writes on every
 * request (doc_text.c, state_text.c). Private to src/. */
#ifndef ISLANDS_JSON_TEXT_H
#define ISLANDS_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "islands/buf.h"
#include "islands/game.h"

/* A text being appended to out; after a failed append (no memory) every
 * later one does nothing and failed stays set. */
struct json_text {
    struct isl_buf *out;
    size_t start;                  /* out's length before the text */
    int failed;
};

/* A text appended to out, to close with jt_end. */
struct json_text jt_begin(struct isl_buf *out);
/* 0, or -1 after taking the whole text back out (never half a text). */
int jt_end(struct json_text *t);
/* Append text (malloc'd, freed here; NULL: no memory): 0, or -1. For the
 * texts only jansson writes. */
int jt_append_dump(struct isl_buf *out, char *text);

void jt_put(struct json_text *t, const char *s, size_t n);
void jt_str(struct json_text *t, const char *s);
void jt_uint(struct json_text *t, uint64_t v);
/* s quoted; only for jt_plain_ascii text (jansson escapes other bytes its
 * own way, which only jansson then writes). */
void jt_quoted(struct json_text *t, const char *s);
/* [[row,col],...] sorted by row, then col, as isl_codec_squares. */
void jt_squares(struct json_text *t, const struct isl_squares *s);

/* Printable ASCII only: '"' and '\\' are then the only bytes jansson
 * escapes, and both are escaped the same way here. */
bool jt_plain_ascii(const char *s);

#endif
