/* Moves, their predicted outcome, and the comparison of answers and
 * `state` with the model. */
#include "model.h"

#include <stdio.h>
#include <string.h>

#include "islands/codec.h"

#define WRONG_TOKEN "00000000000000000000000000000000"

static const char *const player_names[2] = {"Ann", "Bob"};

void model_plan_layout(struct rng *r, struct layout *out)
{
    struct isl_board board;
    memset(&board, 0, sizeof board);
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        /* A 10x10 board always has room: retry until the island fits. */
        for (;;) {
            int row = 1 + (int)rng_below(r, ISL_BOARD_SIZE);
            int col = 1 + (int)rng_below(r, ISL_BOARD_SIZE);
            if (isl_board_position_island(&board, (enum isl_island_type)t, row, col) == ISL_OK) {
                out->row[t] = row;
                out->col[t] = col;
                break;
            }
        }
    }
}

static bool at_plan(const struct isl_board *b, const struct layout *plan, int t)
{
    const struct isl_island *i = &b->islands[t];
    return i->positioned && i->row == plan->row[t] && i->col == plan->col[t];
}

/* Square (row, col) of the other board worth guessing: usually an island
 * square not hit yet, sometimes anything (misses and repeats too). */
static void pick_guess(const struct isl_board *target, struct rng *r, int *row, int *col)
{
    if (rng_chance(r, 75)) {
        int candidates[ISL_BOARD_SIZE * ISL_BOARD_SIZE][2];
        int n = 0;
        for (int t = 0; t < ISL_ISLAND_KINDS; t++)
            for (int rr = 1; rr <= ISL_BOARD_SIZE; rr++)
                for (int cc = 1; cc <= ISL_BOARD_SIZE; cc++)
                    if (isl_squares_has(&target->islands[t].squares, rr, cc) &&
                        !isl_squares_has(&target->islands[t].hits, rr, cc)) {
                        candidates[n][0] = rr;
                        candidates[n][1] = cc;
                        n++;
                    }
        if (n > 0) {
            unsigned k = rng_below(r, (unsigned)n);
            *row = candidates[k][0];
            *col = candidates[k][1];
            return;
        }
    }
    *row = 1 + (int)rng_below(r, ISL_BOARD_SIZE);
    *col = 1 + (int)rng_below(r, ISL_BOARD_SIZE);
}

void model_choose_valid(const struct isl_game *m, bool created, const struct layout plan[2],
                        struct rng *r, struct move *out)
{
    memset(out, 0, sizeof *out);
    if (!created) {
        out->kind = MOVE_NEW_GAME;
        return;
    }
    switch (m->state) {
    case ISL_RULES_INITIALIZED:
        out->kind = MOVE_ADD_PLAYER;
        out->player = ISL_PLAYER2;
        return;
    case ISL_RULES_PLAYERS_SET: {
        enum isl_player p = ISL_PLAYER1;
        if (m->players[ISL_PLAYER1].islands_set ||
            (!m->players[ISL_PLAYER2].islands_set && rng_chance(r, 50)))
            p = ISL_PLAYER2;
        out->player = p;
        const struct isl_board *b = &m->players[p].board;
        for (int t = 0; t < ISL_ISLAND_KINDS; t++)
            if (!at_plan(b, &plan[p], t)) {
                out->kind = MOVE_POSITION;
                snprintf(out->island, sizeof out->island, "%s",
                         isl_island_name((enum isl_island_type)t));
                out->row = plan[p].row[t];
                out->col = plan[p].col[t];
                return;
            }
        out->kind = MOVE_SET_ISLANDS;
        return;
    }
    case ISL_RULES_PLAYER1_TURN:
    case ISL_RULES_PLAYER2_TURN:
        out->kind = MOVE_GUESS;
        out->player = m->state == ISL_RULES_PLAYER1_TURN ? ISL_PLAYER1 : ISL_PLAYER2;
        pick_guess(&m->players[isl_other_player(out->player)].board, r, &out->row, &out->col);
        return;
    case ISL_RULES_GAME_OVER:
        out->kind = MOVE_END_GAME;
        out->as_admin = rng_chance(r, 30);
        out->player = rng_chance(r, 50) ? ISL_PLAYER1 : ISL_PLAYER2;
        return;
    }
}

/* A move the rules refuse in most states: the engine decides the exact
 * answer, so it may also turn out valid (then it is simply a move). */
static void choose_invalid(const struct isl_game *m, struct rng *r, struct move *out)
{
    memset(out, 0, sizeof *out);
    bool two = m->players[ISL_PLAYER2].joined;
    out->player = two && rng_chance(r, 50) ? ISL_PLAYER2 : ISL_PLAYER1;
    switch (rng_below(r, 7)) {
    case 0:
        out->kind = MOVE_GUESS;
        out->wrong_token = true;
        out->row = out->col = 1;
        break;
    case 1:   /* out of turn, or before the islands are set */
        out->kind = MOVE_GUESS;
        if (m->state == ISL_RULES_PLAYER1_TURN && two)
            out->player = ISL_PLAYER2;
        else if (m->state == ISL_RULES_PLAYER2_TURN)
            out->player = ISL_PLAYER1;
        out->row = 1 + (int)rng_below(r, 10);
        out->col = 1 + (int)rng_below(r, 10);
        break;
    case 2:   /* off the board */
        out->kind = MOVE_GUESS;
        if (m->state == ISL_RULES_PLAYER2_TURN && two)
            out->player = ISL_PLAYER2;
        out->row = rng_chance(r, 50) ? 0 : 11;
        out->col = 1 + (int)rng_below(r, 10);
        break;
    case 3: {   /* off the board, unknown island, or onto another island */
        out->kind = MOVE_POSITION;
        enum isl_island_type t = (enum isl_island_type)rng_below(r, ISL_ISLAND_KINDS);
        snprintf(out->island, sizeof out->island, "%s", isl_island_name(t));
        unsigned how = rng_below(r, 3);
        out->row = how == 0 ? 10 : 1 + (int)rng_below(r, 10);
        out->col = how == 0 ? 10 : 1 + (int)rng_below(r, 10);
        if (how == 1)
            snprintf(out->island, sizeof out->island, "volcano");
        break;
    }
    case 4:
        out->kind = MOVE_SET_ISLANDS;
        break;
    case 5:
        out->kind = MOVE_ADD_PLAYER;
        out->player = ISL_PLAYER2;
        break;
    default:
        out->kind = MOVE_NEW_GAME;   /* the game exists */
        break;
    }
}

void model_choose(const struct isl_game *m, bool created, const struct layout plan[2],
                  struct rng *r, unsigned invalid_percent, struct move *out)
{
    if (!created || m->state == ISL_RULES_GAME_OVER || !rng_chance(r, invalid_percent)) {
        model_choose_valid(m, created, plan, r, out);
        return;
    }
    choose_invalid(m, r, out);
    if (out->kind != MOVE_POSITION || out->wrong_token)
        return;
    /* A refused position must stay refused: a random island placed off
     * the plan could block the plan for good. */
    struct isl_game after;
    struct expect e;
    model_predict(m, m->name, out, &after, &e);
    if (e.error == ISL_OK) {
        out->row = 11;
        out->col = 1;
    }
}

static bool token_known(const struct isl_game *m, const struct move *mv)
{
    return !mv->wrong_token && m->players[mv->player].joined;
}

void model_predict(const struct isl_game *m, const char *game, const struct move *mv,
                   struct isl_game *after, struct expect *e)
{
    memset(e, 0, sizeof *e);
    if (mv->kind == MOVE_NEW_GAME) {
        if (m && m->name[0]) {
            *after = *m;
            e->error = ISL_E_GAME_EXISTS;
        } else {
            isl_game_new(after, game, player_names[0], "");
        }
        return;
    }
    *after = *m;
    switch (mv->kind) {
    case MOVE_ADD_PLAYER:
        e->error = isl_game_add_player(after, player_names[1], "");
        return;
    case MOVE_END_GAME:
        e->error = mv->as_admin || token_known(m, mv) ? ISL_OK : ISL_E_UNAUTHORIZED;
        return;
    default:
        break;
    }
    if (!token_known(m, mv)) {
        e->error = ISL_E_UNAUTHORIZED;
        return;
    }
    if (mv->kind == MOVE_POSITION)
        e->error = isl_game_position_island(after, mv->player, mv->island, mv->row, mv->col);
    else if (mv->kind == MOVE_SET_ISLANDS)
        e->error = isl_game_set_islands(after, mv->player);
    else
        e->error = isl_game_guess(after, mv->player, mv->row, mv->col, &e->guess);
}

static const char *op_name(enum move_kind k)
{
    static const char *const names[] = {"new_game", "add_player", "position_island",
                                        "set_islands", "guess", "end_game"};
    return names[k];
}

json_t *model_request(const char *game, const struct isl_game *m, const struct move *mv,
                      json_int_t id)
{
    json_t *req = json_pack("{s:I, s:s, s:s}", "id", id, "op", op_name(mv->kind), "game", game);
    if (!req)
        return NULL;
    if (mv->kind == MOVE_NEW_GAME || mv->kind == MOVE_ADD_PLAYER) {
        json_object_set_new(req, "name", json_string(player_names[mv->kind == MOVE_ADD_PLAYER]));
        return req;
    }
    if (mv->as_admin)
        return req;
    const char *token = WRONG_TOKEN;
    if (!mv->wrong_token && m && m->players[mv->player].joined)
        token = m->players[mv->player].token;
    json_object_set_new(req, "player", json_string(isl_player_name(mv->player)));
    json_object_set_new(req, "token", json_string(token));
    if (mv->kind == MOVE_POSITION)
        json_object_set_new(req, "island", json_string(mv->island));
    if (mv->kind == MOVE_POSITION || mv->kind == MOVE_GUESS) {
        json_object_set_new(req, "row", json_integer(mv->row));
        json_object_set_new(req, "col", json_integer(mv->col));
    }
    return req;
}

static int differs(char *why, size_t len, const char *field, const json_t *got,
                   const json_t *want)
{
    char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *w = want ? json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(why, len, "%s is %s, the engine says %s", field, g ? g : "missing",
             w ? w : "nothing");
    free(g);
    free(w);
    return -1;
}

static bool token_valid(const json_t *t)
{
    const char *s = json_string_value(t);
    return s && strlen(s) == ISL_TOKEN_LEN;
}

int model_check_result(const struct move *mv, const struct expect *e,
                       const struct isl_game *after, const json_t *resp, char *why, size_t len)
{
    json_t *want = NULL;
    int rc = 0;
    switch (mv->kind) {
    case MOVE_NEW_GAME:
    case MOVE_ADD_PLAYER: {
        const char *player = mv->kind == MOVE_NEW_GAME ? "player1" : "player2";
        const char *got = json_string_value(json_object_get(resp, "player"));
        if (!got || strcmp(got, player) != 0) {
            want = json_string(player);
            rc = differs(why, len, "player", json_object_get(resp, "player"), want);
        } else if (!token_valid(json_object_get(resp, "token"))) {
            snprintf(why, len, "no %d-character token", ISL_TOKEN_LEN);
            rc = -1;
        }
        break;
    }
    case MOVE_SET_ISLANDS:
        want = isl_codec_board(&after->players[mv->player].board);
        if (!json_equal(json_object_get(resp, "board"), want))
            rc = differs(why, len, "board", json_object_get(resp, "board"), want);
        break;
    case MOVE_GUESS:
        want = json_pack("{s:b, s:b}", "hit", e->guess.hit, "win", e->guess.win);
        json_object_set_new(want, "forested", e->guess.forested_any ?
                            json_string(isl_island_name(e->guess.forested)) : json_null());
        for (const char *const *k = (const char *const[]){"hit", "forested", "win", NULL}; *k;
             k++)
            if (!json_equal(json_object_get(resp, *k), json_object_get(want, *k))) {
                rc = differs(why, len, *k, json_object_get(resp, *k), json_object_get(want, *k));
                break;
            }
        break;
    default:
        break;
    }
    json_decref(want);
    return rc;
}

void model_accept(struct isl_game *after, const struct move *mv, const json_t *resp)
{
    const char *token = json_string_value(json_object_get(resp, "token"));
    if (!token)
        return;
    if (mv->kind == MOVE_NEW_GAME || mv->kind == MOVE_ADD_PLAYER) {
        struct isl_player_state *p = &after->players[mv->kind == MOVE_ADD_PLAYER];
        snprintf(p->token, sizeof p->token, "%s", token);
    }
}

bool model_state_equal(const struct isl_game *m, const json_t *state)
{
    json_t *view = isl_codec_state_view(m, ISL_VIEW_ADMIN);
    const char *key;
    json_t *value;
    bool equal = view != NULL;
    json_object_foreach(view, key, value)
        if (!json_equal(value, json_object_get(state, key)))
            equal = false;
    json_decref(view);
    return equal;
}

void model_describe(const struct move *mv, char *out, size_t len)
{
    const char *who = mv->as_admin ? "admin" : isl_player_name(mv->player);
    const char *token = mv->wrong_token ? " (wrong token)" : "";
    switch (mv->kind) {
    case MOVE_POSITION:
        snprintf(out, len, "position_island %s %s (%d,%d)%s", who, mv->island, mv->row, mv->col,
                 token);
        break;
    case MOVE_GUESS:
        snprintf(out, len, "guess %s (%d,%d)%s", who, mv->row, mv->col, token);
        break;
    case MOVE_NEW_GAME:
    case MOVE_ADD_PLAYER:
        snprintf(out, len, "%s", op_name(mv->kind));
        break;
    default:
        snprintf(out, len, "%s %s%s", op_name(mv->kind), who, token);
        break;
    }
}
