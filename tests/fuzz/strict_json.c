/* RFC 8259 JSON, checked independently of jansson and of json_line.c: the
 * reference the fuzz target holds isl_json_line_load to. */
#include "strict_json.h"

#include <string.h>

struct parser {
    const unsigned char *p, *end;
    int depth, max_depth;
};

static void ws(struct parser *s)
{
    while (s->p < s->end && memchr(" \t\n\r", *s->p, 4))
        s->p++;
}

static bool take(struct parser *s, char ch)
{
    if (s->p < s->end && *s->p == (unsigned char)ch) {
        s->p++;
        return true;
    }
    return false;
}

static bool hex(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* One UTF-8 character of two bytes or more: no overlong form, no
 * surrogate, nothing past U+10FFFF. */
static bool utf8(struct parser *s)
{
    unsigned char lead = *s->p;
    int extra = lead >= 0xC2 && lead <= 0xDF ? 1 : lead >= 0xE0 && lead <= 0xEF ? 2
              : lead >= 0xF0 && lead <= 0xF4 ? 3 : -1;
    if (extra < 0 || s->end - s->p <= extra)
        return false;
    unsigned long cp = lead & (0x3F >> extra);
    for (int i = 1; i <= extra; i++) {
        if ((s->p[i] & 0xC0) != 0x80)
            return false;
        cp = cp << 6 | (s->p[i] & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return false;
    s->p += extra + 1;
    return true;
}

static bool string(struct parser *s)
{
    if (!take(s, '"'))
        return false;
    while (s->p < s->end && *s->p != '"') {
        unsigned char ch = *s->p;
        if (ch < 0x20)
            return false;
        if (ch >= 0x80) {
            if (!utf8(s))
                return false;
            continue;
        }
        s->p++;
        if (ch != '\\')
            continue;
        if (s->p == s->end)
            return false;
        ch = *s->p++;
        if (ch == 'u') {
            if (s->end - s->p < 4 || !hex(s->p[0]) || !hex(s->p[1]) || !hex(s->p[2]) ||
                !hex(s->p[3]))
                return false;
            s->p += 4;
        } else if (!memchr("\"\\/bfnrt", ch, 8)) {
            return false;
        }
    }
    return take(s, '"');
}

static bool digits(struct parser *s)
{
    const unsigned char *start = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > start;
}

static bool number(struct parser *s)
{
    take(s, '-');
    if (!take(s, '0') && !(s->p < s->end && *s->p >= '1' && *s->p <= '9' && digits(s)))
        return false;
    if (take(s, '.') && !digits(s))
        return false;
    if (take(s, 'e') || take(s, 'E')) {
        if (!take(s, '+'))
            take(s, '-');
        if (!digits(s))
            return false;
    }
    return true;
}

static bool literal(struct parser *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool value(struct parser *s);

/* The members of an array (close ']') or an object (close '}'). */
static bool members(struct parser *s, char close)
{
    if (++s->depth > s->max_depth)
        s->max_depth = s->depth;
    ws(s);
    if (take(s, close)) {
        s->depth--;
        return true;
    }
    do {
        ws(s);
        if (close == '}' && (!string(s) || (ws(s), !take(s, ':'))))
            return false;
        if (!value(s))
            return false;
        ws(s);
    } while (take(s, ','));
    s->depth--;
    return take(s, close);
}

static bool value(struct parser *s)
{
    ws(s);
    if (s->p == s->end)
        return false;
    switch (*s->p) {
    case '{': s->p++; return members(s, '}');
    case '[': s->p++; return members(s, ']');
    case '"': return string(s);
    case 't': return literal(s, "true");
    case 'f': return literal(s, "false");
    case 'n': return literal(s, "null");
    default: return number(s);
    }
}

bool strict_json_container(const char *text, size_t len, int *depth)
{
    struct parser s = {(const unsigned char *)text, (const unsigned char *)text + len, 0, 0};
    ws(&s);
    bool container = s.p < s.end && (*s.p == '{' || *s.p == '[');
    bool ok = container && value(&s);
    ws(&s);
    *depth = s.max_depth;
    return ok && s.p == s.end;
}
