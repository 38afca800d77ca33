/* The stored document's canonical text, written directly (see doc_text.h).
 * Keys appear in the sorted order of ISL_CODEC_DUMP_FLAGS; the unit test
 * test_doc_text checks every byte against isl_codec_dump. */
#include "islands/doc_text.h"

#include <stdlib.h>
#include <string.h>

#include "islands/codec.h"
#include "json_text.h"

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

static void put_board(struct json_text *t, const struct isl_board *b)
{
    enum isl_island_type order[ISL_ISLAND_KINDS];
    island_order(order);
    bool first = true;
    jt_put(t, "{", 1);
    for (int i = 0; i < ISL_ISLAND_KINDS; i++) {
        const struct isl_island *island = &b->islands[order[i]];
        if (!island->positioned)
            continue;
        if (!first)
            jt_put(t, ",", 1);
        first = false;
        jt_quoted(t, isl_island_name(order[i]));
        jt_str(t, ":{\"col\":");
        jt_uint(t, (unsigned)island->col);
        jt_str(t, ",\"hits\":");
        jt_squares(t, &island->hits);
        jt_str(t, ",\"row\":");
        jt_uint(t, (unsigned)island->row);
        jt_put(t, "}", 1);
    }
    jt_put(t, "}", 1);
}

static void put_player(struct json_text *t, const struct isl_player_state *p)
{
    if (!p->joined) {
        jt_str(t, "null");
        return;
    }
    jt_str(t, "{\"board\":");
    put_board(t, &p->board);
    jt_str(t, ",\"guesses\":{\"hits\":");
    jt_squares(t, &p->guesses.hits);
    jt_str(t, ",\"misses\":");
    jt_squares(t, &p->guesses.misses);
    jt_str(t, p->islands_set ? "},\"islands_set\":true" : "},\"islands_set\":false");
    jt_str(t, ",\"name\":");
    jt_quoted(t, p->name);
    jt_str(t, ",\"token\":");
    jt_quoted(t, p->token);
    jt_put(t, "}", 1);
}

int isl_doc_text_append(const struct isl_game *g, struct isl_buf *out)
{
    const struct isl_player_state *p = g->players;
    for (int i = 0; i < 2; i++)
        if (p[i].joined && (!jt_plain_ascii(p[i].name) || !jt_plain_ascii(p[i].token)))
            return jt_append_dump(out, isl_codec_dump(g));
    if (!jt_plain_ascii(g->name))
        return jt_append_dump(out, isl_codec_dump(g));
    struct json_text t = jt_begin(out);
    jt_str(&t, "{\"changes\":");
    jt_uint(&t, g->changes);
    jt_str(&t, ",\"game\":");
    jt_quoted(&t, g->name);
    jt_str(&t, ",\"players\":[");
    put_player(&t, &p[ISL_PLAYER1]);
    jt_put(&t, ",", 1);
    put_player(&t, &p[ISL_PLAYER2]);
    jt_str(&t, "],\"rules\":");
    jt_quoted(&t, isl_rules_state_name(g->state));
    jt_str(&t, ",\"version\":");
    jt_uint(&t, ISL_CODEC_VERSION);
    jt_put(&t, "}", 1);
    return jt_end(&t);
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
