/* A scripted game for the worker tests: the same islands for both
 * players, player 1 hits every square of player 2's islands in order while
 * player 2 misses, so move n of the script is always known. The local
 * engine replays the script to give the expected `state`. */
#ifndef ISLANDS_GAME_SCRIPT_H
#define ISLANDS_GAME_SCRIPT_H

#include "child_harness.h"
#include "islands/codec.h"
#include "islands/game.h"

#define SCRIPT_GUESSES 35   /* 18 hits of player 1, 17 misses of player 2 */

static const struct { const char *island; int row, col; } script_islands[ISL_ISLAND_KINDS] = {
    { "atoll", 1, 1 }, { "dot", 1, 5 }, { "l_shape", 5, 1 }, { "s_shape", 5, 5 },
    { "square", 9, 9 },
};
static const int script_hits[18][2] = {
    { 1, 1 }, { 1, 2 }, { 2, 2 }, { 3, 1 }, { 3, 2 }, { 1, 5 }, { 5, 1 }, { 6, 1 }, { 7, 1 },
    { 7, 2 }, { 5, 6 }, { 5, 7 }, { 6, 5 }, { 6, 6 }, { 9, 9 }, { 9, 10 }, { 10, 9 }, { 10, 10 },
};

/* Guess n (0-based): the player and the square. */
HARNESS_UNUSED static enum isl_player script_guess(int n, int *row, int *col)
{
    if (n % 2 == 0) {
        *row = script_hits[n / 2][0];
        *col = script_hits[n / 2][1];
        return ISL_PLAYER1;
    }
    int miss = n / 2;   /* row 4, then row 8 */
    *row = miss < 10 ? 4 : 8;
    *col = miss < 10 ? miss + 1 : miss - 9;
    return ISL_PLAYER2;
}

struct script_game {
    char game[ISL_GAME_NAME_MAX + 1];
    char token[2][ISL_TOKEN_LEN + 1];
};

HARNESS_UNUSED static json_t *script_req(const char *op, const char *game)
{
    return json_pack("{s:s, s:s, s:b}", "op", op, "game", game, "admin", 0);
}

HARNESS_UNUSED static json_t *script_player_req(const struct script_game *g, const char *op,
                                                enum isl_player p)
{
    json_t *r = script_req(op, g->game);
    json_object_set_new(r, "player", json_string(isl_player_name(p)));
    json_object_set_new(r, "token", json_string(g->token[p]));
    return r;
}

HARNESS_UNUSED static json_t *script_guess_req(const struct script_game *g, int n)
{
    int row, col;
    enum isl_player p = script_guess(n, &row, &col);
    json_t *r = script_player_req(g, "guess", p);
    json_object_set_new(r, "row", json_integer(row));
    json_object_set_new(r, "col", json_integer(col));
    return r;
}

/* Call and insist on success; returns the resp object (owned by frame,
 * which is released: copy what you need before the next call). */
HARNESS_UNUSED static void script_call_ok(struct child *c, long long *seq, json_t *req,
                                          json_t **resp_out)
{
    json_t *f = worker_call(c, (*seq)++, req);
    ck_assert_msg(resp_ok(f), "request failed: %s", resp_error(f));
    if (resp_out)
        *resp_out = json_incref(json_object_get(f, "resp"));
    json_decref(f);
}

/* Play the set-up: stop after `steps` of new_game, add_player, both
 * players' islands and set_islands (7 = all done: player1_turn). */
HARNESS_UNUSED static void script_setup(struct child *c, long long *seq, struct script_game *g,
                                        int steps)
{
    json_t *resp;
    json_t *r = script_req("new_game", g->game);
    json_object_set_new(r, "name", json_string("Ann"));
    script_call_ok(c, seq, r, &resp);
    snprintf(g->token[0], sizeof g->token[0], "%s",
             json_string_value(json_object_get(resp, "token")));
    json_decref(resp);
    if (steps < 2)
        return;
    r = script_req("add_player", g->game);
    json_object_set_new(r, "name", json_string("Bob"));
    script_call_ok(c, seq, r, &resp);
    snprintf(g->token[1], sizeof g->token[1], "%s",
             json_string_value(json_object_get(resp, "token")));
    json_decref(resp);
    for (int p = 0; p < 2 && steps >= 3 + 2 * p; p++) {
        for (int i = 0; i < ISL_ISLAND_KINDS; i++) {
            r = script_player_req(g, "position_island", (enum isl_player)p);
            json_object_set_new(r, "island", json_string(script_islands[i].island));
            json_object_set_new(r, "row", json_integer(script_islands[i].row));
            json_object_set_new(r, "col", json_integer(script_islands[i].col));
            script_call_ok(c, seq, r, NULL);
        }
        if (steps >= 4 + 2 * p)
            script_call_ok(c, seq, script_player_req(g, "set_islands", (enum isl_player)p), NULL);
    }
}

/* The admin view after the whole set-up and `guesses` script guesses. */
HARNESS_UNUSED static json_t *script_expected(const struct script_game *g, int guesses)
{
    struct isl_game m;
    isl_game_new(&m, g->game, "Ann", g->token[0]);
    ck_assert_int_eq(isl_game_add_player(&m, "Bob", g->token[1]), ISL_OK);
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < ISL_ISLAND_KINDS; i++)
            ck_assert_int_eq(isl_game_position_island(&m, (enum isl_player)p,
                                                      script_islands[i].island,
                                                      script_islands[i].row,
                                                      script_islands[i].col), ISL_OK);
        ck_assert_int_eq(isl_game_set_islands(&m, (enum isl_player)p), ISL_OK);
    }
    for (int n = 0; n < guesses; n++) {
        int row, col;
        struct isl_guess_result res;
        enum isl_player p = script_guess(n, &row, &col);
        ck_assert_int_eq(isl_game_guess(&m, p, row, col, &res), ISL_OK);
    }
    return isl_codec_state_view(&m, ISL_VIEW_ADMIN);
}

/* The admin `state` of the worker's game, without "ok". */
HARNESS_UNUSED static json_t *script_admin_state(struct child *c, long long *seq,
                                                 const char *game)
{
    json_t *r = script_req("state", game);
    json_object_set_new(r, "admin", json_true());
    json_t *resp;
    script_call_ok(c, seq, r, &resp);
    json_object_del(resp, "ok");
    return resp;
}

#endif
