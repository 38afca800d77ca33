/* The canonical text of a stored document (isl_codec_dump's bytes) and
 * the `state` answer written straight into a buffer, without building a
 * jansson tree: the worker encodes its whole game on every move, and the
 * tree plus jansson's dump were most of a move's CPU; a `state` is the
 * first answer of every recovered or reactivated game. */
#ifndef ISLANDS_DOC_TEXT_H
#define ISLANDS_DOC_TEXT_H

#include "islands/buf.h"
#include "islands/codec.h"
#include "islands/game.h"

/* Append exactly the bytes isl_codec_dump(g) returns (no NUL). Names that
 * are not printable ASCII go through isl_codec_dump itself, so its
 * escaping rules stay the only ones. 0, or -1 (out of memory or the codec
 * failed; out is then as before). */
int isl_doc_text_append(const struct isl_game *g, struct isl_buf *out);

/* Append the whole `state` answer: exactly the bytes of
 * json_dumps({"ok":true} updated with isl_codec_state_view(g, view),
 * JSON_COMPACT), no NUL. Names that are not printable ASCII go through
 * that path itself. 0, or -1 (out is then as before). */
int isl_state_text_append(const struct isl_game *g, enum isl_view view, struct isl_buf *out);

/* Append s as a JSON string body (no quotes): '"' and '\\' escaped, bytes
 * below 0x20 as \u00XX, everything else as is. For text already known to
 * be valid UTF-8 (our own JSON documents). 0, or -1. */
int isl_json_escape_append(struct isl_buf *out, const char *s, size_t len);

#endif
