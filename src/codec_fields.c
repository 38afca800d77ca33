/* Reading typed fields of a stored document, each failure written as
 * "PATH: reason" so that it names the offending field. */
#include "codec_fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Paths are short; a cut one would still point at the right place. */
void codec_path(char out[CODEC_PATH_LEN], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, CODEC_PATH_LEN, fmt, ap);
    va_end(ap);
}

static int vfail(struct codec_error *e, const char *path, const char *fmt, va_list ap)
{
    if (e == NULL)
        return -1;
    char reason[192];
    vsnprintf(reason, sizeof reason, fmt, ap);
    if (e->text != NULL && e->size > 0)
        snprintf(e->text, e->size, "%s: %s", path, reason);
    return -1;
}

int codec_fail(struct codec_error *e, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(e, path, fmt, ap);
    va_end(ap);
    return -1;
}

int codec_fail_at(struct codec_error *e, const char *path, int index, const char *fmt, ...)
{
    char item[CODEC_PATH_LEN];
    codec_path(item, "%s[%d]", path, index);
    va_list ap;
    va_start(ap, fmt);
    vfail(e, item, fmt, ap);
    va_end(ap);
    return -1;
}

static bool key_known(const char *key, const char *const *keys)
{
    for (; *keys != NULL; keys++)
        if (strcmp(*keys, key) == 0)
            return true;
    return false;
}

int codec_check_object(struct codec_error *e, const json_t *obj, const char *path,
                       const char *const *keys)
{
    if (!json_is_object(obj))
        return codec_fail(e, path, "must be an object");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        if (!key_known(key, keys))
            return codec_fail(e, path, "unknown field \"%s\"", key);
    }
    return 0;
}

static const char *type_phrase(json_type type)
{
    switch (type) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "something else";
    }
}

json_t *codec_member(struct codec_error *e, const json_t *obj, const char *path,
                     const char *key, json_type type)
{
    json_t *value = json_object_get(obj, key);
    if (value == NULL) {
        codec_fail(e, path, "missing field \"%s\"", key);
        return NULL;
    }
    bool ok = type == JSON_TRUE ? json_is_boolean(value) : json_typeof(value) == type;
    if (!ok) {
        char field[CODEC_PATH_LEN];
        codec_path(field, "%s.%s", path, key);
        codec_fail(e, field, "must be %s", type_phrase(type));
        return NULL;
    }
    return value;
}

const char *codec_string_member(struct codec_error *e, const json_t *obj, const char *path,
                                const char *key, size_t *len)
{
    json_t *value = codec_member(e, obj, path, key, JSON_STRING);
    if (value == NULL)
        return NULL;
    const char *s = json_string_value(value);
    *len = json_string_length(value);
    if (strlen(s) != *len) {
        char field[CODEC_PATH_LEN];
        codec_path(field, "%s.%s", path, key);
        codec_fail(e, field, "must not contain NUL characters");
        return NULL;
    }
    return s;
}

static bool coordinate_value(const json_t *v, int *out)
{
    if (!json_is_integer(v))
        return false;
    json_int_t n = json_integer_value(v);
    if (n < 1 || n > ISL_BOARD_SIZE)
        return false;
    *out = (int)n;
    return true;
}

int codec_coordinate_member(struct codec_error *e, const json_t *obj, const char *path,
                            const char *key, int *out)
{
    json_t *value = codec_member(e, obj, path, key, JSON_INTEGER);
    if (value == NULL)
        return -1;
    if (!coordinate_value(value, out)) {
        char field[CODEC_PATH_LEN];
        codec_path(field, "%s.%s", path, key);
        return codec_fail(e, field, "must be an integer from 1 to %d", ISL_BOARD_SIZE);
    }
    return 0;
}

/* Strictly ascending is the canonical form: a decoded document then
 * encodes back to the same text. */
int codec_decode_squares(struct codec_error *e, const json_t *list, const char *path,
                         struct isl_squares *out)
{
    if (!json_is_array(list))
        return codec_fail(e, path, "must be an array of [row, col] pairs");
    memset(out, 0, sizeof *out);
    int previous = -1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *pair = json_array_get(list, i);
        int row, col;
        if (!json_is_array(pair) || json_array_size(pair) != 2 ||
            !coordinate_value(json_array_get(pair, 0), &row) ||
            !coordinate_value(json_array_get(pair, 1), &col))
            return codec_fail_at(e, path, (int)i, "must be [row, col] with integers from 1 to %d",
                                 ISL_BOARD_SIZE);
        int order = row * (ISL_BOARD_SIZE + 1) + col;
        if (order <= previous)
            return codec_fail_at(e, path, (int)i, "(%d,%d) is out of order or repeated "
                                 "(squares are sorted by row, then col)", row, col);
        previous = order;
        isl_squares_add(out, row, col);
    }
    return 0;
}

