/* The `state` answer written directly (see doc_text.h): a recovered game's
 * first request and every `state` poll, without a jansson tree built and
 * dumped for each. Keys in the order isl_codec_state_view inserts them;
 * the unit test test_doc_text checks every byte against that path. */
#include <stdlib.h>
#include <string.h>

#include "islands/codec.h"
#include "islands/doc_text.h"
#include "islands/request.h"
#include "json_text.h"

static void put_board(struct json_text *t, const struct isl_board *b)
{
    bool first = true;
    jt_put(t, "{", 1);
    for (int i = 0; i < ISL_ISLAND_KINDS; i++) {   /* enum order, as inserted */
        const struct isl_island *island = &b->islands[i];
        if (!island->positioned)
            continue;
        if (!first)
            jt_put(t, ",", 1);
        first = false;
        jt_quoted(t, isl_island_name((enum isl_island_type)i));
        jt_str(t, ":{\"squares\":");
        jt_squares(t, &island->squares);
        jt_str(t, ",\"hit\":");
        jt_squares(t, &island->hits);
        jt_str(t, isl_island_forested(island) ? ",\"forested\":true}" : ",\"forested\":false}");
    }
    jt_put(t, "}", 1);
}

static void put_player(struct json_text *t, const struct isl_player_state *p, bool show_board)
{
    if (!p->joined) {
        jt_str(t, "null");
        return;
    }
    jt_str(t, "{\"name\":");
    jt_quoted(t, p->name);
    if (show_board) {
        jt_str(t, ",\"board\":");
        put_board(t, &p->board);
    }
    jt_str(t, ",\"guesses\":{\"hits\":");
    jt_squares(t, &p->guesses.hits);
    jt_str(t, ",\"misses\":");
    jt_squares(t, &p->guesses.misses);
    jt_str(t, "}}");
}

static const char *islands_set_name(const struct isl_player_state *p)
{
    return p->joined && p->islands_set ? "\"islands_set\"" : "\"islands_not_set\"";
}

static bool shows_board(enum isl_view view, enum isl_player owner)
{
    return view == ISL_VIEW_ADMIN || (view == ISL_VIEW_PLAYER1 && owner == ISL_PLAYER1) ||
           (view == ISL_VIEW_PLAYER2 && owner == ISL_PLAYER2);
}

static int append_via_codec(const struct isl_game *g, enum isl_view view, struct isl_buf *out)
{
    json_t *answer = isl_response_ok(), *result = isl_codec_state_view(g, view);
    int rc = -1;
    if (answer && result && json_object_update(answer, result) == 0)
        rc = jt_append_dump(out, json_dumps(answer, JSON_COMPACT));
    json_decref(answer);
    json_decref(result);
    return rc;
}

int isl_state_text_append(const struct isl_game *g, enum isl_view view, struct isl_buf *out)
{
    const struct isl_player_state *p = g->players;
    if (!jt_plain_ascii(g->name) || (p[0].joined && !jt_plain_ascii(p[0].name)) ||
        (p[1].joined && !jt_plain_ascii(p[1].name)))
        return append_via_codec(g, view, out);
    struct json_text t = jt_begin(out);
    jt_str(&t, "{\"ok\":true,\"game\":");
    jt_quoted(&t, g->name);
    jt_str(&t, ",\"rules\":{\"state\":");
    jt_quoted(&t, isl_rules_state_name(g->state));
    jt_str(&t, ",\"player1\":");
    jt_str(&t, islands_set_name(&p[ISL_PLAYER1]));
    jt_str(&t, ",\"player2\":");
    jt_str(&t, islands_set_name(&p[ISL_PLAYER2]));
    jt_str(&t, "},\"player1\":");
    put_player(&t, &p[ISL_PLAYER1], shows_board(view, ISL_PLAYER1));
    jt_str(&t, ",\"player2\":");
    put_player(&t, &p[ISL_PLAYER2], shows_board(view, ISL_PLAYER2));
    jt_str(&t, ",\"changes\":");
    jt_uint(&t, g->changes);
    jt_put(&t, "}", 1);
    return jt_end(&t);
}
