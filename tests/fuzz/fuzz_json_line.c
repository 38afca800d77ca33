/* Request lines (json_line.c) against a strict JSON checker: a line is
 * accepted exactly when it is valid JSON (an object or an array, nested
 * however deep), and the id text isl_json_line_id finds is
 * the id jansson decoded, as the front door relies on when it echoes it.
 * Lines are those the front door hands it: without NUL bytes. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "islands/json_line.h"
#include "strict_json.h"

static void check_id(const char *line, size_t len, const json_t *root)
{
    const char *start;
    size_t n;
    bool found = isl_json_line_id(line, len, &start, &n);
    const json_t *id = json_object_get(root, "id");
    FUZZ_CHECK(found == (id != NULL), "id found where jansson has none, or missed");
    if (!found)
        return;
    FUZZ_CHECK(start >= line && start + n <= line + len, "id outside the line");
    /* The text alone, read as the line's values are. */
    char *wrapped = malloc(n + 8);
    FUZZ_CHECK(wrapped != NULL, "no memory");
    memcpy(wrapped, "{\"id\":", 6);
    memcpy(wrapped + 6, start, n);
    wrapped[6 + n] = '}';
    json_t *alone = isl_json_line_load(wrapped, n + 7, NULL);
    FUZZ_CHECK(alone != NULL, "the id text alone is not JSON");
    FUZZ_CHECK(json_equal(json_object_get(alone, "id"), id), "the id text is another value");
    json_decref(alone);
    free(wrapped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    /* The front door refuses these first (jansson takes a NUL byte after
     * a number or a literal as the end of it). */
    if (memchr(line, '\0', size) != NULL)
        return 0;
    int depth;
    bool valid = strict_json_container(line, size, &depth);
    json_t *root = isl_json_line_load(line, size, NULL);
    (void)depth;
    FUZZ_CHECK(!root || valid, "an invalid line accepted");
    FUZZ_CHECK(root || !valid, "a valid line refused");
    if (json_is_object(root))
        check_id(line, size, root);
    json_decref(root);
    return 0;
}
