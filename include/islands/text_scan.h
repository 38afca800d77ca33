/* Reading JSON text of a known layout without building a jansson tree:
 * the fast paths for the frames every move sends (writer/commit_text.c,
 * the worker's request frame). Each accepts a subset of JSON and decodes
 * it exactly as jansson would; anything else fails, and the caller hands
 * the whole frame to jansson, whose validation and messages stay the
 * only ones. */
#ifndef ISLANDS_TEXT_SCAN_H
#define ISLANDS_TEXT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

struct isl_scan {
    const char *p, *end;
};

/* Exactly `text` next: consumed. */
bool isl_scan_literal(struct isl_scan *c, const char *text);
/* A JSON integer without leading zeros, small enough not to overflow. */
bool isl_scan_integer(struct isl_scan *c, long long *out);
/* The body of a string (its opening quote already read) up to its closing
 * quote, decoded NUL-terminated into dst[cap], *len its length. Printable
 * ASCII only; escapes \" \\ and \u0001-\u001f. Anything else, or a string
 * that does not fit, fails. */
bool isl_scan_string(struct isl_scan *c, char *dst, size_t cap, size_t *len);

#endif
