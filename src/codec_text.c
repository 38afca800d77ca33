/* isl_codec_load's fast path: a stored document in exactly its canonical
 * layout (what doc_text.c and isl_codec_dump write), read without building
 * a jansson tree. A game coming back after a crash or a reboot is loaded
 * by a process that has not run for a while, where each page jansson
 * touches is a fault or a cache miss on the way to the game's first
 * answer.
 *
 * Only the current version is read here (a version 1 document goes
 * through jansson). It accepts only text it can read exactly (keys, islands and squares in
 * canonical order, printable ASCII strings) and builds the game through
 * the same checks as the jansson decoder (codec_decode.c), so it accepts
 * a subset of what that path accepts and builds the same game; anything
 * else, valid or not, is left to that path, whose messages stay the only
 * ones. test_codec holds the two paths to that. */
#include <string.h>

#include "codec_fields.h"
#include "islands/codec.h"
#include "islands/request.h"
#include "islands/text_scan.h"

#define lit isl_scan_literal

/* 1 to 10, written as JSON writes it. */
static bool coordinate(struct isl_scan *c, int *out)
{
    if (c->p == c->end || *c->p < '1' || *c->p > '9')
        return false;
    *out = *c->p++ - '0';
    if (*out == 1 && c->p < c->end && *c->p == '0') {
        *out = 10;
        c->p++;
    }
    return true;
}

/* [[row,col],...] strictly ascending by row, then col. */
static bool squares(struct isl_scan *c, struct isl_squares *out)
{
    memset(out, 0, sizeof *out);
    if (!lit(c, "["))
        return false;
    if (lit(c, "]"))
        return true;
    int previous = -1;
    do {
        int row, col;
        if (!lit(c, "[") || !coordinate(c, &row) || !lit(c, ",") || !coordinate(c, &col) ||
            !lit(c, "]"))
            return false;
        int order = row * (ISL_BOARD_SIZE + 1) + col;
        if (order <= previous)
            return false;
        previous = order;
        isl_squares_add(out, row, col);
    } while (lit(c, ","));
    return lit(c, "]");
}

/* {"atoll":{"col":C,"hits":[...],"row":R},...}: islands in the byte order
 * of their names, each placed as the jansson decoder places it. */
static bool board(struct isl_scan *c, struct isl_board *b)
{
    if (!lit(c, "{"))
        return false;
    if (lit(c, "}"))
        return true;
    const char *previous = "";
    do {
        char name[32];
        size_t len;
        enum isl_island_type type;
        int row, col;
        struct isl_squares hits;
        if (!lit(c, "\"") || !isl_scan_string(c, name, sizeof name, &len) ||
            isl_island_from_name(name, &type) != 0 ||
            strcmp(isl_island_name(type), previous) <= 0)
            return false;
        previous = isl_island_name(type);
        if (!lit(c, ":{\"col\":") || !coordinate(c, &col) || !lit(c, ",\"hits\":") ||
            !squares(c, &hits) || !lit(c, ",\"row\":") || !coordinate(c, &row) ||
            !lit(c, "}") || codec_place_island(NULL, "", type, row, col, b) != 0 ||
            codec_set_island_hits(NULL, "", type, &hits, b) != 0)
            return false;
    } while (lit(c, ","));
    return lit(c, "}");
}

static bool player(struct isl_scan *c, struct isl_player_state *p)
{
    if (lit(c, "null"))
        return true;
    char name[sizeof p->name], token[sizeof p->token];
    size_t name_len, token_len;
    bool islands_set;
    if (!lit(c, "{\"board\":") || !board(c, &p->board) ||
        !lit(c, ",\"guesses\":{\"hits\":") || !squares(c, &p->guesses.hits) ||
        !lit(c, ",\"misses\":") || !squares(c, &p->guesses.misses) ||
        !lit(c, "},\"islands_set\":"))
        return false;
    if (lit(c, "true"))
        islands_set = true;
    else if (lit(c, "false"))
        islands_set = false;
    else
        return false;
    return lit(c, ",\"name\":\"") && isl_scan_string(c, name, sizeof name, &name_len) &&
           codec_player_name(NULL, "", name, name_len) == 0 &&
           lit(c, ",\"token\":\"") && isl_scan_string(c, token, sizeof token, &token_len) &&
           codec_player_token(NULL, "", token, token_len) == 0 && lit(c, "}") &&
           codec_join_player(NULL, "", name, name_len, token, token_len, islands_set, p) == 0;
}

int isl_codec_read_canonical(const char *text, size_t len, struct isl_game *out)
{
    struct isl_scan c = {text, text + len};
    struct isl_game g;   /* built here, copied out only when all is valid */
    memset(&g, 0, sizeof g);
    char rules[32];
    size_t n;
    long long changes;
    bool ok = lit(&c, "{\"changes\":") && isl_scan_integer(&c, &changes) && changes >= 0 &&
              lit(&c, ",\"game\":\"") && isl_scan_string(&c, g.name, sizeof g.name, &n) &&
              isl_game_name_valid(g.name, n) && lit(&c, ",\"players\":[") &&
              player(&c, &g.players[ISL_PLAYER1]) && g.players[ISL_PLAYER1].joined &&
              lit(&c, ",") && player(&c, &g.players[ISL_PLAYER2]) &&
              lit(&c, "],\"rules\":\"") && isl_scan_string(&c, rules, sizeof rules, &n) &&
              isl_rules_state_from_name(rules, &g.state) == 0 &&
              lit(&c, ",\"version\":2}") && c.p == c.end && codec_check_game(NULL, &g) == 0;
    g.changes = ok ? (uint64_t)changes : 0;
    if (ok)
        memcpy(out, &g, sizeof *out);
    return ok;
}
