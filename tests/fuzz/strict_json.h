/* A strict RFC 8259 checker, independent of jansson. */
#ifndef ISLANDS_STRICT_JSON_H
#define ISLANDS_STRICT_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Whether text is one JSON object or array (whitespace around it allowed),
 * as isl_json_line_load takes a line; *depth: the deepest nesting seen. */
bool strict_json_container(const char *text, size_t len, int *depth);

#endif
