/* Game -> JSON: the stored document and the `state` view of PROTOCOL.md.
 * (JSON -> game, with its validation, is in codec_decode.c.)
 *
 * The stored document, version 2 (keys shown in the order of the canonical
 * dump, which sorts them):
 *
 *   {"changes": N,                        isl_game.changes (not in version 1)
 *    "game": NAME,
 *    "players": [PLAYER, PLAYER | null],   player2 is null until it joins
 *    "rules": STATE,                       "initialized" ... "game_over"
 *    "version": 2}
 *   PLAYER = {"board": {ISLAND: {"col": c, "hits": SQUARES, "row": r}, ...},
 *             "guesses": {"hits": SQUARES, "misses": SQUARES},
 *             "islands_set": bool, "name": TEXT, "token": 32 hex}
 *   SQUARES = [[row, col], ...] sorted by row, then col, without repeats.
 *
 * A board lists only positioned islands; an island's squares are derived
 * from its type and upper-left (row, col), so they are not stored. Player
 * guesses are those the player made against the other player's board. */
#include "islands/codec.h"

#include <stdio.h>
#include <stdlib.h>

json_t *isl_codec_squares(const struct isl_squares *s)
{
    json_t *list = json_array();
    if (list == NULL)
        return NULL;
    for (int row = 1; row <= ISL_BOARD_SIZE; row++) {
        for (int col = 1; col <= ISL_BOARD_SIZE; col++) {
            if (isl_squares_has(s, row, col) &&
                json_array_append_new(list, json_pack("[ii]", row, col)) != 0) {
                json_decref(list);
                return NULL;
            }
        }
    }
    return list;
}

static json_t *encode_guesses(const struct isl_guesses *g)
{
    return json_pack("{s:o, s:o}", "hits", isl_codec_squares(&g->hits),
                     "misses", isl_codec_squares(&g->misses));
}

/* An object with one member per positioned island, each made by fn. */
static json_t *encode_islands(const struct isl_board *b,
                              json_t *(*fn)(const struct isl_island *))
{
    json_t *board = json_object();
    if (board == NULL)
        return NULL;
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        const struct isl_island *island = &b->islands[t];
        if (island->positioned &&
            json_object_set_new(board, isl_island_name((enum isl_island_type)t),
                                fn(island)) != 0) {
            json_decref(board);
            return NULL;
        }
    }
    return board;
}

static json_t *stored_island(const struct isl_island *island)
{
    return json_pack("{s:i, s:i, s:o}", "row", island->row, "col", island->col,
                     "hits", isl_codec_squares(&island->hits));
}

static json_t *encode_player(const struct isl_player_state *p)
{
    if (!p->joined)
        return json_null();
    return json_pack("{s:s, s:s, s:b, s:o, s:o}", "name", p->name, "token", p->token,
                     "islands_set", p->islands_set,
                     "board", encode_islands(&p->board, stored_island),
                     "guesses", encode_guesses(&p->guesses));
}

json_t *isl_codec_encode(const struct isl_game *g)
{
    return json_pack("{s:i, s:I, s:s, s:s, s:[o, o]}", "version", ISL_CODEC_VERSION,
                     "changes", (json_int_t)g->changes, "game", g->name, "rules", isl_rules_state_name(g->state),
                     "players", encode_player(&g->players[ISL_PLAYER1]),
                     encode_player(&g->players[ISL_PLAYER2]));
}

char *isl_codec_dump(const struct isl_game *g)
{
    json_t *doc = isl_codec_encode(g);
    if (doc == NULL)
        return NULL;
    char *text = json_dumps(doc, ISL_CODEC_DUMP_FLAGS);
    json_decref(doc);
    return text;
}

int isl_codec_load(const char *text, size_t len, struct isl_game *out,
                   char *err, size_t errlen)
{
    if (isl_codec_read_canonical(text, len, out))
        return 0;
    json_error_t parse_error;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &parse_error);
    if (doc == NULL) {
        snprintf(err, errlen, "not a JSON document: %s (line %d, column %d)",
                 parse_error.text, parse_error.line, parse_error.column);
        return -1;
    }
    int rc = isl_codec_decode(doc, out, err, errlen);
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------ state view */

static json_t *view_island(const struct isl_island *island)
{
    return json_pack("{s:o, s:o, s:b}", "squares", isl_codec_squares(&island->squares),
                     "hit", isl_codec_squares(&island->hits),
                     "forested", isl_island_forested(island));
}

json_t *isl_codec_board(const struct isl_board *b)
{
    return encode_islands(b, view_island);
}

static bool board_visible(enum isl_view view, enum isl_player owner)
{
    switch (view) {
    case ISL_VIEW_ADMIN:
        return true;
    case ISL_VIEW_PLAYER1:
        return owner == ISL_PLAYER1;
    case ISL_VIEW_PLAYER2:
        return owner == ISL_PLAYER2;
    case ISL_VIEW_PUBLIC:
        return false;
    }
    return false;
}

/* Add value under key (stolen, as json_object_set_new does even when it
 * fails); on any failure drop obj too. */
static json_t *set_or_drop(json_t *obj, const char *key, json_t *value)
{
    if (obj == NULL) {
        json_decref(value);
        return NULL;
    }
    if (json_object_set_new(obj, key, value) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *view_player(const struct isl_player_state *p, bool show_board)
{
    if (!p->joined)
        return json_null();
    json_t *player = json_pack("{s:s}", "name", p->name);
    if (show_board)
        player = set_or_drop(player, "board", isl_codec_board(&p->board));
    return set_or_drop(player, "guesses", encode_guesses(&p->guesses));
}

static const char *islands_set_name(const struct isl_player_state *p)
{
    return p->joined && p->islands_set ? "islands_set" : "islands_not_set";
}

json_t *isl_codec_state_view(const struct isl_game *g, enum isl_view view)
{
    const struct isl_player_state *p1 = &g->players[ISL_PLAYER1];
    const struct isl_player_state *p2 = &g->players[ISL_PLAYER2];
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:I}", "game", g->name,
                     "rules", "state", isl_rules_state_name(g->state),
                     "player1", islands_set_name(p1), "player2", islands_set_name(p2),
                     "player1", view_player(p1, board_visible(view, ISL_PLAYER1)),
                     "player2", view_player(p2, board_visible(view, ISL_PLAYER2)),
                     "changes", (json_int_t)g->changes);
}
