/* The writer's fast path for the frame every move sends: a commit in
 * exactly the layout the committer writes (src/committer.c), read without
 * building a jansson tree. Anything else, including every malformed or
 * unusual frame, is left to isl_frame_take + isl_write_from_frame, so that
 * validation and its error messages stay in one place: this accepts only a
 * subset of valid frames, and decodes each exactly as jansson would. */
#include "writer.h"

#include <stdlib.h>
#include <string.h>

#include "islands/request.h"

struct cursor {
    const char *p, *end;
};

static bool literal(struct cursor *c, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, text, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* A JSON integer without leading zeros, small enough not to overflow. */
static bool integer(struct cursor *c, long long *out)
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

/* The body of a string up to its closing quote, decoded into *dst (which
 * has room: decoding never grows text). Printable ASCII only; escapes
 * \" \\ and \u0001-\u001f. Anything else: false (jansson decides). */
static bool string_body(struct cursor *c, char **dst)
{
    char *d = *dst;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') {
            *d++ = '\0';
            *dst = d;
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

int writer_commit_text(const char *payload, size_t len, struct batch_entry *e)
{
    struct cursor c = { payload, payload + len };
    long long seq;
    if (!literal(&c, "{\"t\":\"commit\",\"seq\":") || !integer(&c, &seq) ||
        !literal(&c, ",\"game\":\""))
        return 0;
    char *owned = malloc(len), *d = owned;
    if (!owned)
        return 0;
    struct isl_store_write w = { .game = d };
    enum isl_rules_state state;
    bool ok = string_body(&c, &d);
    if (ok && literal(&c, ",\"delete\":true")) {
        w.kind = ISL_WRITE_DELETE;
    } else if (ok && literal(&c, ",\"doc\":\"")) {
        w.kind = ISL_WRITE_PUT;
        w.doc = d;
        ok = string_body(&c, &d);
        w.doc_len = ok ? (size_t)(d - w.doc - 1) : 0;
        w.rules = d;
        ok = ok && literal(&c, ",\"rules\":\"") && string_body(&c, &d) &&
             isl_rules_state_from_name(w.rules, &state) == 0;
    } else {
        ok = false;
    }
    char *answer = NULL;
    if (ok && literal(&c, ",\"answer\":")) {
        /* The rest up to the frame's closing brace is the answer object. */
        ok = c.end - c.p >= 2 && writer_answer_copy(c.p, (size_t)(c.end - c.p - 1), &answer) == 0;
        if (ok)
            c.p = c.end - 1;
    }
    if (!ok || !literal(&c, "}") || c.p != c.end || !isl_game_name_valid(w.game, strlen(w.game))) {
        free(owned);
        free(answer);
        return 0;
    }
    e->answer = answer;
    e->write = w;
    e->seq = seq;
    e->owned = owned;
    e->frame = NULL;
    return 1;
}
