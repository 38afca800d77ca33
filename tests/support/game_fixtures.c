/* Games in known states for the engine and codec tests. */
#include "game_fixtures.h"

const int fx_layout_squares[FX_LAYOUT_SQUARES][2] = {
    {1, 1}, {1, 2}, {1, 4}, {1, 5}, {2, 2}, {2, 5}, {3, 1}, {3, 2}, {3, 5},
    {3, 6}, {5, 2}, {5, 3}, {5, 5}, {5, 6}, {6, 1}, {6, 2}, {6, 5}, {6, 6},
};

void fx_new_game(struct isl_game *g)
{
    isl_game_new(g, "g1", "Ann", FX_TOKEN1);
}

void fx_players_set(struct isl_game *g)
{
    fx_new_game(g);
    ck_assert_int_eq(isl_game_add_player(g, "Bob", FX_TOKEN2), ISL_OK);
}

void fx_position_layout(struct isl_game *g, enum isl_player p)
{
    ck_assert_int_eq(isl_game_position_island(g, p, "atoll", 1, 1), ISL_OK);
    ck_assert_int_eq(isl_game_position_island(g, p, "dot", 1, 4), ISL_OK);
    ck_assert_int_eq(isl_game_position_island(g, p, "l_shape", 1, 5), ISL_OK);
    ck_assert_int_eq(isl_game_position_island(g, p, "s_shape", 5, 1), ISL_OK);
    ck_assert_int_eq(isl_game_position_island(g, p, "square", 5, 5), ISL_OK);
}

void fx_game_started(struct isl_game *g)
{
    fx_players_set(g);
    fx_position_layout(g, ISL_PLAYER1);
    fx_position_layout(g, ISL_PLAYER2);
    ck_assert_int_eq(isl_game_set_islands(g, ISL_PLAYER1), ISL_OK);
    ck_assert_int_eq(isl_game_set_islands(g, ISL_PLAYER2), ISL_OK);
    ck_assert_int_eq(g->state, ISL_RULES_PLAYER1_TURN);
}

void fx_one_guess_from_win(struct isl_game *g)
{
    struct isl_guess_result r;
    for (int i = 0; i < FX_LAYOUT_SQUARES - 1; i++) {
        const int *sq = fx_layout_squares[i];
        ck_assert_int_eq(isl_game_guess(g, ISL_PLAYER1, sq[0], sq[1], &r), ISL_OK);
        ck_assert(r.hit);
        ck_assert(!r.win);
        /* Row 10 holds no island of the layout. */
        ck_assert_int_eq(isl_game_guess(g, ISL_PLAYER2, 10, 1 + i % 10, &r), ISL_OK);
        ck_assert(!r.hit);
    }
    ck_assert_int_eq(g->state, ISL_RULES_PLAYER1_TURN);
}
