/* Request lines jansson refuses but JSON allows, mended (json_line.h). */
#include "islands/json_line.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static bool is_ws(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* What ends a bare token (a number or a literal); memchr, not strchr,
 * since a NUL byte in the line belongs to the token. */
static bool ends_bare(char ch)
{
    return is_ws(ch) || memchr(",:[]{}\"", ch, 7) != NULL;
}

/* Whether a scalar value ends at p: the line's end, whitespace, ',', ']' or '}'. */
static bool ends_value(const char *p, const char *end)
{
    return p == end || is_ws(*p) || *p == ',' || *p == ']' || *p == '}';
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

static const char *skip_digits(const char *p, const char *end)
{
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* Whether [p, end) is exactly -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?;
 * *real if it has a fraction or an exponent, which is how jansson tells. */
static bool is_number(const char *p, const char *end, bool *real)
{
    p += p < end && *p == '-';
    const char *q = skip_digits(p, end);
    if (q == p || (*p == '0' && q - p > 1))
        return false;
    *real = q < end;  /* if a number at all, what follows is a fraction or exponent */
    if (q < end && *q == '.') {
        p = q + 1;
        if ((q = skip_digits(p, end)) == p)
            return false;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        p = q + 1;
        p += p < end && (*p == '+' || *p == '-');
        if ((q = skip_digits(p, end)) == p)
            return false;
    }
    return q == end;
}

/* The copy being built; the line from `from` on is not copied yet. */
struct mend {
    char *out, *token;  /* token: room for any token, NUL-terminated */
    size_t n, cap;
    const char *from;
    bool changed, failed;
};

/* [p, end) of the line becomes `text`. No replacement is longer than its
 * token (an overflowing integer has 19 digits or more, an overflowing real
 * 5 characters or more, as 9e308): the line's length is room enough, and
 * should that ever be wrong the retry is dropped, not the heap overrun. */
static void replace(struct mend *m, const char *p, const char *end, const char *text)
{
    size_t kept = (size_t)(p - m->from), n = strlen(text);
    m->failed = m->failed || m->cap - m->n < kept + n;
    if (m->failed)
        return;
    memcpy(m->out + m->n, m->from, kept);
    memcpy(m->out + m->n + kept, text, n);
    m->n += kept + n;
    m->from = end;
    m->changed = true;
}

/* The number token [p, end) replaced if jansson would refuse it, by the
 * same strtoll / strtod and ERANGE test that jansson makes. */
static void mend_number(struct mend *m, const char *p, const char *end, bool real)
{
    size_t n = (size_t)(end - p);
    memcpy(m->token, p, n);
    m->token[n] = '\0';
    errno = 0;
    if (real) {
        double v = strtod(m->token, NULL);
        if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
            replace(m, p, end, v > 0 ? "1e308" : "-1e308");
        return;
    }
    long long v = strtoll(m->token, NULL, 10);
    if (errno == ERANGE) {
        char text[32];
        snprintf(text, sizeof text, "%lld", v);  /* LLONG_MAX or LLONG_MIN */
        replace(m, p, end, text);
    }
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))
        return (ch | 0x20) - 'a' + 10;
    return -1;
}

/* The code unit of a \uXXXX escape at p, or -1 if there is none. Only
 * hex digits count: folding case with | 0x20 alone made control bytes
 * 0x10-0x19 read as digits, and "\u" + four such bytes (invalid JSON)
 * was mended into a valid \u0001. */
static long escape_unit(const char *p, const char *end)
{
    if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    long unit = 0;
    for (int i = 2; i < 6; i++) {
        int digit = hex_value(p[i]);
        if (digit < 0)
            return -1;
        unit = unit * 16 + digit;
    }
    return unit;
}

static bool is_surrogate(long unit, long first, long last)
{
    return unit >= first && unit <= last;
}

/* Past the closing quote of the string whose body starts at p, NULL if the
 * line ends first. An escape is skipped whole, so "\\u0000" is a backslash
 * and "u0000"; with m, each \u0000 escape and each surrogate escape not in
 * a high-low pair (JSON's grammar allows both, jansson neither) becomes
 * \u0001, a control character no name accepts. */
static const char *string_end(struct mend *m, const char *p, const char *end)
{
    while (p < end && *p != '"') {
        long unit = m != NULL ? escape_unit(p, end) : -1;
        if (is_surrogate(unit, 0xD800, 0xDBFF) &&
            is_surrogate(escape_unit(p + 6, end), 0xDC00, 0xDFFF)) {
            p += 12;   /* a pair: one character */
            continue;
        }
        if (unit == 0 || is_surrogate(unit, 0xD800, 0xDFFF))
            replace(m, p, p + 6, "\\u0001");
        p += *p == '\\' && end - p >= 2 ? 2 : 1;
    }
    return p < end ? p + 1 : NULL;
}

/* ------------------------------------------------------------ deep values */

/* Past the closing quote of a string whose body starts at p, if the body
 * is JSON's: UTF-8, no control character, only JSON's escapes; else NULL. */
static const char *strict_string_end(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t len = (size_t)(end - p), i = 0;
    while (i < len && u[i] != '"') {
        if (u[i] == '\\') {
            if (i + 1 < len && u[i + 1] == 'u' && escape_unit(p + i, end) >= 0)
                i += 6;
            else if (i + 1 < len && memchr("\"\\/bfnrt", u[i + 1], 8) != NULL)
                i += 2;
            else
                return NULL;
        } else if (u[i] < 0x20 || isl_utf8_next(u, len, &i) < 0) {
            return NULL;
        }
    }
    return i < len ? p + i + 1 : NULL;
}

/* Past a number or a literal at p, if it is one; else NULL. */
static const char *strict_scalar_end(const char *p, const char *end)
{
    const char *q = p;
    bool real;
    while (q < end && !ends_bare(*q))
        q++;
    size_t n = (size_t)(q - p);
    bool literal = (n == 4 && (memcmp(p, "true", 4) == 0 || memcmp(p, "null", 4) == 0)) ||
                   (n == 5 && memcmp(p, "false", 5) == 0);
    return n > 0 && (literal || is_number(p, q, &real)) && ends_value(q, end) ? q : NULL;
}

enum expect { VALUE, VALUE_OR_CLOSE, KEY, KEY_OR_CLOSE, COLON, COMMA_OR_CLOSE };

/* Past the JSON value at p (an array or an object), checked as strictly
 * as RFC 8259 asks and without recursion, however deep; NULL if it is not
 * one. `open` holds the kind of each level: room for one per byte. */
static const char *strict_value_end(const char *p, const char *end)
{
    char *open = malloc((size_t)(end - p) + 1);
    size_t depth = 0;
    enum expect want = VALUE;
    const char *result = NULL;
    while (open != NULL && (p = skip_ws(p, end)) < end) {
        char ch = *p;
        bool closes = depth > 0 && ch == (open[depth - 1] == '{' ? '}' : ']');
        bool value_done = false;
        if (want == COLON) {
            if (ch != ':')
                break;
            p++;
            want = VALUE;
        } else if (want == COMMA_OR_CLOSE && ch == ',') {
            p++;
            want = open[depth - 1] == '{' ? KEY : VALUE;
        } else if (closes && (want == COMMA_OR_CLOSE || want == KEY_OR_CLOSE ||
                              want == VALUE_OR_CLOSE)) {
            p++;
            depth--;
            value_done = true;
        } else if (want == KEY || want == KEY_OR_CLOSE) {
            if (ch != '"' || (p = strict_string_end(p + 1, end)) == NULL)
                break;
            want = COLON;
        } else if (want == VALUE || want == VALUE_OR_CLOSE) {
            if (ch == '[' || ch == '{') {
                open[depth++] = ch;
                p++;
                want = ch == '[' ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
            } else {
                p = ch == '"' ? strict_string_end(p + 1, end) : strict_scalar_end(p, end);
                if (p == NULL)
                    break;
                value_done = true;
            }
        } else {
            break;
        }
        if (value_done && depth == 0) {
            result = p;
            break;
        }
        if (value_done)
            want = COMMA_OR_CLOSE;
    }
    free(open);
    return result;
}

static void mend_line(struct mend *m, const char *p, const char *end)
{
    size_t depth = 0;
    while (p != NULL && p < end) {
        const char *token = p;
        bool real;
        if ((*p == '[' || *p == '{') && depth >= ISL_JSON_LINE_DEEP) {
            /* Deeper than any argument goes, too deep for jansson: only
             * whether it is JSON, and its kind, can matter. */
            const char *after = strict_value_end(p, end);
            if (after == NULL) {
                /* Then the line is not JSON. Stop here: checking each
                 * level inside again would cost the square of its length. */
                m->failed = true;
                return;
            }
            replace(m, p, after, *p == '[' ? "[]" : "{}");
            p = after;
            continue;
        }
        if (*p == '[' || *p == '{')
            depth++;
        else if ((*p == ']' || *p == '}') && depth > 0)
            depth--;
        if (*p == '"') {
            p = string_end(m, p + 1, end);
        } else if (ends_bare(*p)) {
            p++;
        } else {
            while (p < end && !ends_bare(*p))
                p++;
            if (is_number(token, p, &real) && ends_value(p, end))
                mend_number(m, token, p, real);
        }
    }
}

json_t *isl_json_line_load(const char *line, size_t len, json_error_t *error)
{
    json_t *root = json_loadb(line, len, 0, error);
    if (root != NULL)
        return root;
    struct mend m = {.out = malloc(len + 1), .token = malloc(len + 1), .cap = len + 1, .from = line};
    json_error_t retry_error;
    if (m.out != NULL && m.token != NULL)
        mend_line(&m, line, line + len);
    if (m.changed) {
        replace(&m, line + len, line + len, "");  /* the rest of the line */
        if (!m.failed)
            root = json_loadb(m.out, m.n, 0, &retry_error);
    }
    /* A failed retry keeps the first error: its positions are the line's. */
    if (root != NULL && error != NULL)
        *error = retry_error;
    free(m.out);
    free(m.token);
    return root;
}

/* Past the value at p, leniently (json_line.h); NULL if it has no end. */
static const char *skip_value(const char *p, const char *end)
{
    if (p < end && *p == '"')
        return string_end(NULL, p + 1, end);
    if (p < end && (*p == '[' || *p == '{')) {
        size_t depth = 0;
        while (p != NULL && p < end) {
            if (*p == '"') {
                p = string_end(NULL, p + 1, end);
                continue;
            }
            if (*p == '[' || *p == '{')
                depth++;
            else if ((*p == ']' || *p == '}') && --depth == 0)
                return p + 1;
            p++;
        }
        return NULL;
    }
    const char *q = p;
    while (!ends_value(q, end))
        q++;
    return q > p ? q : NULL;
}

/* Whether the key whose body starts at p decodes to "id", compared one
 * escape or byte at a time: of the escapes only \u0069 and \u0064 are 'i'
 * and 'd' (their hex digits are digits: no case to fold), and no byte of
 * a multi-byte character is. *after is past its closing quote, NULL if
 * the line ends first. */
static bool key_is_id(const char *p, const char *end, const char **after)
{
    size_t i = 0;
    bool same = true;
    while (p < end && *p != '"') {
        int unit = (unsigned char)*p++;
        if (unit == '\\' && p < end) {
            bool u = end - p >= 5 && memcmp(p, "u00", 3) == 0;
            unit = u && memcmp(p + 3, "69", 2) == 0 ? 'i' : u && memcmp(p + 3, "64", 2) == 0 ? 'd' : -1;
            p += unit < 0 ? 1 : 5;  /* the rest of another \u escape counts as more units */
        }
        same = same && i < 2 && unit == "id"[i];
        i++;
    }
    *after = p < end ? p + 1 : NULL;
    return same && i == 2;
}

bool isl_json_line_id(const char *line, size_t len, const char **start, size_t *idlen)
{
    const char *end = line + len, *p = skip_ws(line, end), *after, *value;
    bool found = false;
    if (p == end || *p != '{')
        return false;
    for (p++;; p++) {
        if ((p = skip_ws(p, end)) == end || *p != '"')
            break;
        bool is_id = key_is_id(p + 1, end, &after);
        if (after == NULL || (p = skip_ws(after, end)) == end || *p != ':')
            break;
        value = skip_ws(p + 1, end);
        if ((p = skip_value(value, end)) == NULL)
            break;
        if (is_id) {
            *start = value;
            *idlen = (size_t)(p - value);
            found = true;
        }
        if ((p = skip_ws(p, end)) == end || *p != ',')
            break;
    }
    return found;
}
