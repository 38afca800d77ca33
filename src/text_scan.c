/* JSON text of a known layout, read without jansson (text_scan.h). */
#include "islands/text_scan.h"

#include <string.h>

bool isl_scan_literal(struct isl_scan *c, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, text, n) != 0)
        return false;
    c->p += n;
    return true;
}

bool isl_scan_integer(struct isl_scan *c, long long *out)
{
    bool negative = c->p < c->end && *c->p == '-';
    const char *start = c->p + negative, *q = start;
    long long v = 0;
    while (q < c->end && *q >= '0' && *q <= '9' && q - start < 18)
        v = v * 10 + (*q++ - '0');
    if (q == start || (q < c->end && *q >= '0' && *q <= '9') || (*start == '0' && q - start > 1))
        return false;
    c->p = q;
    *out = negative ? -v : v;
    return true;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

bool isl_scan_string(struct isl_scan *c, char *dst, size_t cap, size_t *len)
{
    char *d = dst;
    while (c->p < c->end && (size_t)(d - dst) < cap) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') {
            *d = '\0';
            *len = (size_t)(d - dst);
            return true;
        }
        if (ch < 0x20 || ch >= 0x80)
            return false;
        if (ch != '\\') {
            *d++ = (char)ch;
            continue;
        }
        if (c->p < c->end && (*c->p == '"' || *c->p == '\\')) {
            *d++ = *c->p++;
            continue;
        }
        if (c->end - c->p < 5 || memcmp(c->p, "u00", 3) != 0)
            return false;
        int hi = hex_digit(c->p[3]), lo = hex_digit(c->p[4]);
        if (hi < 0 || lo < 0 || hi > 1 || (hi == 0 && lo == 0))
            return false;
        *d++ = (char)(hi << 4 | lo);
        c->p += 5;
    }
    return false;
}
