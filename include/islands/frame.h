/* Frames between islands' own processes (supervisor <-> worker <-> writer):
 * a 4-byte big-endian payload length, then one JSON object. See
 * docs/INTERNAL-PROTOCOL.md for the messages. */
#ifndef ISLANDS_FRAME_H
#define ISLANDS_FRAME_H

#include <jansson.h>
#include <stdint.h>

#include "islands/buf.h"

#define ISL_FRAME_MAX (16u * 1024 * 1024)

/* Append one frame holding the compact JSON of obj. 0, or -1. */
int isl_frame_put(struct isl_buf *out, const json_t *obj);
/* Append one frame of raw payload bytes. 0, or -1. */
int isl_frame_put_raw(struct isl_buf *out, const char *payload, uint32_t len);
/* Build a frame's payload in place, for hot paths that write JSON text
 * themselves: begin appends a placeholder header and returns where it is;
 * append the payload with isl_buf_append; end fills in the length. end
 * returns 0, or -1 (payload over ISL_FRAME_MAX, or failed is set) after
 * removing the partial frame. */
size_t isl_frame_begin(struct isl_buf *out, int *failed);
int isl_frame_end(struct isl_buf *out, size_t start, int failed);

/* The next complete frame's payload without decoding or consuming it:
 * 1 (*payload, *len point into in; isl_buf_consume(in, 4 + *len) drops
 * it), 0 when more bytes are needed, -1 when the length is over the cap. */
int isl_frame_peek(const struct isl_buf *in, const char **payload, uint32_t *len);

/* Take the next complete frame from in: 1 and *obj (new reference) when one
 * was there, 0 when more bytes are needed, -1 on a bad frame (too long,
 * not a JSON object): the peer is broken, drop it. */
int isl_frame_take(struct isl_buf *in, json_t **obj);

/* Blocking helpers for simple programs and tests: 0, or -1 (errno; EPROTO
 * for a bad frame, ETIMEDOUT after timeout_ms; timeout_ms < 0 waits forever;
 * ECONNRESET when the peer closed, also between frames). recv reads exactly
 * one frame and nothing after it. Both also work on non-blocking fds. */
int isl_frame_send(int fd, const json_t *obj);
int isl_frame_recv(int fd, json_t **obj, int timeout_ms);

#endif
