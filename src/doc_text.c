/* The stored document's canonical text, written directly (see doc_text.h).
 * Keys appear in the sorted order of ISL_CODEC_DUMP_FLAGS; the unit test
 * test_doc_text checks every byte against isl_codec_dump. */
#include "islands/doc_text.h"

#include <stdlib.h>
#include <string.h>

#include "islands/codec.h"

struct text {
    struct isl_buf *out;
    int failed;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (!t->failed && isl_buf_append(t->out, s, n) != 0)
        t->failed = 1;
}

static void put_str(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void put_int(struct text *t, int v)
{
    char digits[12];
    int n = 0;
    unsigned u = (unsigned)v;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    put(t, digits + sizeof digits - n, (size_t)n);
}

/* Only names of printable ASCII take the fast path: '"' and '\\' are then
 * the only bytes jansson escapes. */
static bool plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7f)
            return false;
    return true;
}

static void put_quoted(struct text *t, const char *s)
{
    put(t, "\"", 1);
    if (!t->failed && isl_json_escape_append(t->out, s, strlen(s)) != 0)
        t->failed = 1;
    put(t, "\"", 1);
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

/* [[row,col],...] in row-major order (bit order), built in one buffer and
 * appended once: a document holds up to 14 such lists, written per move. */
static void put_squares(struct text *t, const struct isl_squares *s)
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
    put(t, list, (size_t)(p - list));
}

/* Island kinds in the byte order of their names, as a sorted dump has them. */
static void island_order(enum isl_island_type order[ISL_ISLAND_KINDS])
{
    for (int i = 0; i < ISL_ISLAND_KINDS; i++) {
        enum isl_island_type kind = (enum isl_island_type)i;
        int j = i;
        for (; j > 0 && strcmp(isl_island_name(order[j - 1]), isl_island_name(kind)) > 0; j--)
            order[j] = order[j - 1];
        order[j] = kind;
    }
}

static void put_board(struct text *t, const struct isl_board *b)
{
    enum isl_island_type order[ISL_ISLAND_KINDS];
    island_order(order);
    bool first = true;
    put(t, "{", 1);
    for (int i = 0; i < ISL_ISLAND_KINDS; i++) {
        const struct isl_island *island = &b->islands[order[i]];
        if (!island->positioned)
            continue;
        if (!first)
            put(t, ",", 1);
        first = false;
        put_quoted(t, isl_island_name(order[i]));
        put_str(t, ":{\"col\":");
        put_int(t, island->col);
        put_str(t, ",\"hits\":");
        put_squares(t, &island->hits);
        put_str(t, ",\"row\":");
        put_int(t, island->row);
        put(t, "}", 1);
    }
    put(t, "}", 1);
}

static void put_player(struct text *t, const struct isl_player_state *p)
{
    if (!p->joined) {
        put_str(t, "null");
        return;
    }
    put_str(t, "{\"board\":");
    put_board(t, &p->board);
    put_str(t, ",\"guesses\":{\"hits\":");
    put_squares(t, &p->guesses.hits);
    put_str(t, ",\"misses\":");
    put_squares(t, &p->guesses.misses);
    put_str(t, p->islands_set ? "},\"islands_set\":true" : "},\"islands_set\":false");
    put_str(t, ",\"name\":");
    put_quoted(t, p->name);
    put_str(t, ",\"token\":");
    put_quoted(t, p->token);
    put(t, "}", 1);
}

static int append_via_codec(const struct isl_game *g, struct isl_buf *out)
{
    char *text = isl_codec_dump(g);
    int rc = text && isl_buf_append(out, text, strlen(text)) == 0 ? 0 : -1;
    free(text);
    return rc;
}

int isl_doc_text_append(const struct isl_game *g, struct isl_buf *out)
{
    const struct isl_player_state *p = g->players;
    for (int i = 0; i < 2; i++)
        if (p[i].joined && (!plain_ascii(p[i].name) || !plain_ascii(p[i].token)))
            return append_via_codec(g, out);
    if (!plain_ascii(g->name))
        return append_via_codec(g, out);
    size_t before = out->len;
    struct text t = { .out = out };
    put_str(&t, "{\"game\":");
    put_quoted(&t, g->name);
    put_str(&t, ",\"players\":[");
    put_player(&t, &p[ISL_PLAYER1]);
    put(&t, ",", 1);
    put_player(&t, &p[ISL_PLAYER2]);
    put_str(&t, "],\"rules\":");
    put_quoted(&t, isl_rules_state_name(g->state));
    put_str(&t, ",\"version\":");
    put_int(&t, ISL_CODEC_VERSION);
    put(&t, "}", 1);
    if (t.failed)
        out->len = before;   /* never leave half a document behind */
    return t.failed ? -1 : 0;
}

int isl_json_escape_append(struct isl_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[6] = { '\\', (char)c };
        size_t n = 2;
        if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (isl_buf_append(out, s + start, i - start) != 0 || isl_buf_append(out, esc, n) != 0)
            return -1;
        start = i + 1;
    }
    return isl_buf_append(out, s + start, len - start);
}
