/* One client request line into a jansson tree. The protocol promises any
 * JSON id echoed back and unknown arguments ignored, but jansson refuses
 * five kinds of valid JSON: integers beyond 64 bits, reals beyond a
 * double, \u0000 or a lone surrogate escape (\ud800) in strings, and
 * nesting deeper than 2,048 levels. Such
 * lines are mended on a copy, the tokens clamped, and jansson still judges
 * everything else; the id's exact text is found separately, so that a
 * clamped id is echoed unchanged. */
#ifndef ISLANDS_JSON_LINE_H
#define ISLANDS_JSON_LINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Parse one request line: json_loadb(line, len, 0, error) first; if that
 * fails, and only then, retry on a copy in which
 *  - every valid JSON integer token that does not fit in a long long is
 *    replaced by LLONG_MAX / LLONG_MIN text (same sign),
 *  - every valid JSON real token (with a fraction or exponent) whose strtod
 *    is +-HUGE_VAL is replaced by 1e308 / -1e308,
 *  - every \u0000 escape inside a string (key or value), and every
 *    surrogate escape that is not half of a high-low pair, becomes \u0001,
 *  - every array or object nested below ISL_JSON_LINE_DEEP levels (jansson
 *    stops at 2,048) that is valid JSON, checked strictly and without
 *    recursion, becomes [] or {}: no argument is nested, so such a value is
 *    an unknown argument (ignored) or a mistyped one (still mistyped),
 * if the copy differs from the line. A real tokenizer finds the tokens:
 * strings are skipped with their escapes, a number is replaced only when
 * its whole token matches JSON's grammar and is followed by the end,
 * whitespace, ',', ']' or '}', and nothing else is altered; so the copy is
 * valid JSON exactly when the line is. The retry's tree is returned (and
 * its *error); if nothing was replaced or the retry fails too, NULL with
 * the first error, whose positions are those of the line. */
json_t *isl_json_line_load(const char *line, size_t len, json_error_t *error);

/* Levels of arrays and objects (the line's own object is the first) kept
 * as they are; a deeper one is replaced, as above. */
#define ISL_JSON_LINE_DEEP 1024

/* The exact text of the value of the last top-level member whose key
 * decodes to "id" (escapes such as "\u0069d" included; jansson keeps the
 * last of duplicate keys) in a line isl_json_line_load accepted as an
 * object: true with *start and *idlen set (leading whitespace excluded),
 * false if there is none. Values are skipped leniently: a string to its
 * closing quote, an array or object by depth counting, a scalar up to
 * whitespace, ',', '}' or ']'. Never reads past line + len, whatever the
 * input; on garbage it returns what it found before it, or false. */
bool isl_json_line_id(const char *line, size_t len, const char **start, size_t *idlen);

#endif
