/* The JSON text helpers of json_text.h. */
#include "json_text.h"

#include <stdlib.h>
#include <string.h>

#include "islands/doc_text.h"

struct json_text jt_begin(struct isl_buf *out)
{
    return (struct json_text){ .out = out, .start = out->len };
}

int jt_end(struct json_text *t)
{
    if (t->failed)
        t->out->len = t->start;
    return t->failed ? -1 : 0;
}

int jt_append_dump(struct isl_buf *out, char *text)
{
    int rc = text && isl_buf_append(out, text, strlen(text)) == 0 ? 0 : -1;
    free(text);
    return rc;
}

void jt_put(struct json_text *t, const char *s, size_t n)
{
    if (!t->failed && isl_buf_append(t->out, s, n) != 0)
        t->failed = 1;
}

void jt_str(struct json_text *t, const char *s)
{
    jt_put(t, s, strlen(s));
}

void jt_uint(struct json_text *t, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    jt_put(t, digits + sizeof digits - n, (size_t)n);
}

bool jt_plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7f)
            return false;
    return true;
}

void jt_quoted(struct json_text *t, const char *s)
{
    jt_put(t, "\"", 1);
    if (!t->failed && isl_json_escape_append(t->out, s, strlen(s)) != 0)
        t->failed = 1;
    jt_put(t, "\"", 1);
}

/* A coordinate, 1..10, at p; returns the end. */
static char *coord(char *p, int v)
{
    if (v == 10) {
        *p++ = '1';
        *p++ = '0';
    } else {
        *p++ = (char)('0' + v);
    }
    return p;
}

#define SQUARES (ISL_BOARD_SIZE * ISL_BOARD_SIZE)

/* Built in one buffer and appended once: a document holds up to 14 such
 * lists, written on every move. Bit order is row-major order. */
void jt_squares(struct json_text *t, const struct isl_squares *s)
{
    char list[SQUARES * sizeof "[10,10]," + 2], *p = list;   /* 8 bytes a square */
    *p++ = '[';
    for (int word = 0; word < 2; word++) {
        uint64_t bits = s->bits[word];
        if (word == 1)
            bits &= (UINT64_C(1) << (SQUARES - 64)) - 1;   /* only squares exist */
        while (bits) {
            int i = word * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            if (p > list + 1)
                *p++ = ',';
            *p++ = '[';
            p = coord(p, i / ISL_BOARD_SIZE + 1);
            *p++ = ',';
            p = coord(p, i % ISL_BOARD_SIZE + 1);
            *p++ = ']';
        }
    }
    *p++ = ']';
    jt_put(t, list, (size_t)(p - list));
}
