/* The rules state machine and the order of checks of PROTOCOL.md, through
 * the game operations; every failure must leave the game unchanged. */
#include <check.h>
#include <string.h>

#include "../support/check_main.h"
#include "../support/game_fixtures.h"
#include "islands/game.h"

START_TEST(new_game_zero_fills)
{
    struct isl_game a, b;
    memset(&a, 0xAA, sizeof a);
    memset(&b, 0x55, sizeof b);
    isl_game_new(&a, "g1", "Ann", FX_TOKEN1);
    isl_game_new(&b, "g1", "Ann", FX_TOKEN1);
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
    ck_assert_str_eq(a.name, "g1");
    ck_assert_int_eq(a.state, ISL_RULES_INITIALIZED);
    ck_assert(a.players[ISL_PLAYER1].joined && !a.players[ISL_PLAYER2].joined);
    ck_assert_str_eq(a.players[ISL_PLAYER1].name, "Ann");
    ck_assert_str_eq(a.players[ISL_PLAYER1].token, FX_TOKEN1);
}
END_TEST

/* Every successful operation counts one change, a repeated island or
 * guess too; failures count none (FX_ASSERT_FAILS_UNCHANGED elsewhere). */
START_TEST(every_success_counts_one_change)
{
    struct isl_game g;
    fx_new_game(&g);
    ck_assert_uint_eq(g.changes, 0);
    fx_players_set(&g);
    ck_assert_uint_eq(g.changes, 1);
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER1, "dot", 2, 3), ISL_OK);
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER1, "dot", 2, 3), ISL_OK);
    ck_assert_uint_eq(g.changes, 3);
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER1), ISL_E_NOT_ALL_ISLANDS_POSITIONED);
    ck_assert_uint_eq(g.changes, 3);
    fx_game_started(&g);
    uint64_t started = g.changes;   /* add_player, 2 x 5 islands, 2 set_islands */
    ck_assert_uint_eq(started, 13);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 9, 9, NULL), ISL_OK);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 9, 9, NULL), ISL_E_NOT_ALLOWED);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 9, 9, NULL), ISL_OK);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 9, 9, NULL), ISL_OK);
    ck_assert_uint_eq(g.changes, started + 3);
    g.changes = ISL_CHANGES_MAX;   /* stops at what a JSON integer holds */
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 9, 9, NULL), ISL_OK);
    ck_assert_uint_eq(g.changes, ISL_CHANGES_MAX);
}
END_TEST

START_TEST(state_and_player_names)
{
    static const char *states[] = {"initialized", "players_set", "player1_turn",
                                   "player2_turn", "game_over"};
    for (int s = 0; s < 5; s++) {
        enum isl_rules_state parsed;
        ck_assert_str_eq(isl_rules_state_name((enum isl_rules_state)s), states[s]);
        ck_assert_int_eq(isl_rules_state_from_name(states[s], &parsed), 0);
        ck_assert_int_eq(parsed, s);
    }
    enum isl_rules_state state;
    ck_assert_int_eq(isl_rules_state_from_name("over", &state), -1);
    ck_assert_ptr_null(isl_rules_state_name((enum isl_rules_state)5));
    enum isl_player p;
    ck_assert_int_eq(isl_player_from_name("player2", &p), 0);
    ck_assert_int_eq(p, ISL_PLAYER2);
    ck_assert_str_eq(isl_player_name(ISL_PLAYER1), "player1");
    ck_assert_int_eq(isl_player_from_name("player3", &p), -1);
    ck_assert_int_eq(isl_player_from_name(NULL, &p), -1);
}
END_TEST

START_TEST(add_player_once)
{
    struct isl_game g;
    fx_new_game(&g);
    ck_assert_int_eq(isl_game_add_player(&g, "Bob", FX_TOKEN2), ISL_OK);
    ck_assert_int_eq(g.state, ISL_RULES_PLAYERS_SET);
    ck_assert_str_eq(g.players[ISL_PLAYER2].name, "Bob");
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_add_player(&g, "Cy", FX_TOKEN1));
    fx_game_started(&g);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_add_player(&g, "Cy", FX_TOKEN1));
}
END_TEST

START_TEST(nothing_but_add_player_in_initialized)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_new_game(&g);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED,
                              isl_game_position_island(&g, ISL_PLAYER1, "dot", 1, 1));
    /* The state is checked before the coordinate and the island. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED,
                              isl_game_position_island(&g, ISL_PLAYER1, "volcano", 0, 11));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED,
                              isl_game_position_island(&g, ISL_PLAYER2, "dot", 1, 1));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_set_islands(&g, ISL_PLAYER1));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_guess(&g, ISL_PLAYER1, 1, 1, &r));
}
END_TEST

START_TEST(position_island_order_of_checks)
{
    struct isl_game g;
    fx_players_set(&g);
    /* Row/col range before the island type. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_position_island(&g, ISL_PLAYER1, "volcano", 0, 1));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_position_island(&g, ISL_PLAYER1, "volcano", 1, 11));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_position_island(&g, ISL_PLAYER1, "dot", -5, 3));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_ISLAND_TYPE,
                              isl_game_position_island(&g, ISL_PLAYER1, "volcano", 1, 1));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_ISLAND_TYPE,
                              isl_game_position_island(&g, ISL_PLAYER1, NULL, 1, 1));
    /* Then squares off the board, then overlap. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_position_island(&g, ISL_PLAYER1, "l_shape", 10, 10));
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER1, "dot", 2, 2), ISL_OK);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_OVERLAPPING_ISLAND,
                              isl_game_position_island(&g, ISL_PLAYER1, "square", 1, 1));
    /* Off the board wins over overlapping (the shape is built first). */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_position_island(&g, ISL_PLAYER1, "atoll", 2, 10));
    /* The other player's board is separate. */
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER2, "square", 1, 1), ISL_OK);
}
END_TEST

START_TEST(book_layout_and_moves)
{
    struct isl_game g;
    fx_players_set(&g);
    fx_position_layout(&g, ISL_PLAYER1);
    const struct isl_board *b = &g.players[ISL_PLAYER1].board;
    ck_assert(isl_board_all_positioned(b));
    ck_assert_int_eq(b->islands[ISL_S_SHAPE].row, 5);
    ck_assert_int_eq(b->islands[ISL_S_SHAPE].col, 1);
    /* Moving the dot from (1,4) to (9,9); (1,4) is then free for nobody's overlap. */
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER1, "dot", 9, 9), ISL_OK);
    ck_assert(isl_squares_has(&b->islands[ISL_DOT].squares, 9, 9));
    ck_assert(!isl_squares_has(&b->islands[ISL_DOT].squares, 1, 4));
    ck_assert_int_eq(isl_squares_count(&b->islands[ISL_DOT].squares), 1);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_OVERLAPPING_ISLAND,
                              isl_game_position_island(&g, ISL_PLAYER1, "dot", 1, 5));
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER1, "dot", 1, 4), ISL_OK);
}
END_TEST

START_TEST(set_islands_rules)
{
    struct isl_game g;
    fx_players_set(&g);
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER2, "atoll", 1, 1), ISL_OK);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALL_ISLANDS_POSITIONED,
                              isl_game_set_islands(&g, ISL_PLAYER2));
    fx_position_layout(&g, ISL_PLAYER2);
    /* Player 2 sets first, and may set again while player 1 has not. */
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER2), ISL_OK);
    ck_assert(g.players[ISL_PLAYER2].islands_set);
    ck_assert_int_eq(g.state, ISL_RULES_PLAYERS_SET);
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER2), ISL_OK);
    ck_assert_int_eq(g.state, ISL_RULES_PLAYERS_SET);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED,
                              isl_game_position_island(&g, ISL_PLAYER2, "dot", 9, 9));
    /* Even bad arguments are not_allowed first. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED,
                              isl_game_position_island(&g, ISL_PLAYER2, "volcano", 0, 0));
    /* Player 1 is still free to position. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALL_ISLANDS_POSITIONED,
                              isl_game_set_islands(&g, ISL_PLAYER1));
    fx_position_layout(&g, ISL_PLAYER1);
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER1), ISL_OK);
    /* Player 1 guesses first, whoever set first. */
    ck_assert_int_eq(g.state, ISL_RULES_PLAYER1_TURN);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_set_islands(&g, ISL_PLAYER1));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED,
                              isl_game_position_island(&g, ISL_PLAYER1, "dot", 9, 9));
}
END_TEST

START_TEST(guess_turn_before_coordinate)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_players_set(&g);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_guess(&g, ISL_PLAYER1, 1, 1, &r));
    fx_position_layout(&g, ISL_PLAYER1);
    fx_position_layout(&g, ISL_PLAYER2);
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER1), ISL_OK);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_guess(&g, ISL_PLAYER1, 1, 1, &r));
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER2), ISL_OK);
    /* Out of turn: not_allowed whatever the coordinate. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_guess(&g, ISL_PLAYER2, 1, 1, &r));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_guess(&g, ISL_PLAYER2, 0, 99, &r));
    /* On your turn a bad coordinate does not use up the turn. */
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_guess(&g, ISL_PLAYER1, 11, 1, &r));
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_INVALID_COORDINATE,
                              isl_game_guess(&g, ISL_PLAYER1, 1, 0, &r));
    ck_assert_int_eq(g.state, ISL_RULES_PLAYER1_TURN);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 10, 10, &r), ISL_OK);
    ck_assert(!r.hit && !r.forested_any && !r.win);
    ck_assert_int_eq(g.state, ISL_RULES_PLAYER2_TURN);
    FX_ASSERT_FAILS_UNCHANGED(&g, ISL_E_NOT_ALLOWED, isl_game_guess(&g, ISL_PLAYER1, 1, 1, &r));
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 1, 1, &r), ISL_OK);
    ck_assert(r.hit && !r.forested_any);
    ck_assert_int_eq(g.state, ISL_RULES_PLAYER1_TURN);
}
END_TEST

START_TEST(repeated_guess_uses_the_turn_and_records_nothing)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_game_started(&g);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 1, 4, &r), ISL_OK);   /* the dot */
    ck_assert(r.hit && r.forested_any && !r.win);
    ck_assert_int_eq(r.forested, ISL_DOT);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 9, 9, &r), ISL_OK);
    ck_assert(!r.hit);
    struct isl_game before = g;
    /* Same answer again, forested named again, turn passes, sets unchanged. */
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 1, 4, &r), ISL_OK);
    ck_assert(r.hit && r.forested_any && !r.win);
    ck_assert_int_eq(r.forested, ISL_DOT);
    ck_assert_int_eq(g.state, ISL_RULES_PLAYER2_TURN);
    ck_assert(memcmp(&before.players, &g.players, sizeof g.players) == 0);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 9, 9, &r), ISL_OK);
    ck_assert(!r.hit && !r.forested_any);
    /* Back to player1_turn: only the count of changes tells the two apart. */
    ck_assert_uint_eq(g.changes, before.changes + 2);
    before.changes = g.changes;
    ck_assert(memcmp(&before, &g, sizeof g) == 0);
    ck_assert_int_eq(isl_squares_count(&g.players[ISL_PLAYER1].guesses.hits), 1);
    ck_assert_int_eq(isl_squares_count(&g.players[ISL_PLAYER2].guesses.misses), 1);
}
END_TEST

/* A hit on a partly covered island names nothing; once covered, every
 * further hit on it names it. */
START_TEST(forested_names_the_island_hit)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_game_started(&g);
    static const int square[4][2] = {{5, 5}, {5, 6}, {6, 5}, {6, 6}};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, square[i][0], square[i][1], &r), ISL_OK);
        ck_assert(r.hit);
        ck_assert_int_eq(r.forested_any, i == 3);
        ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 10, 1 + i, &r), ISL_OK);
    }
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 5, 5, &r), ISL_OK);
    ck_assert(r.hit && r.forested_any);
    ck_assert_int_eq(r.forested, ISL_SQUARE);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, 10, 9, &r), ISL_OK);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 1, 1, &r), ISL_OK);   /* atoll, partly */
    ck_assert(r.hit && !r.forested_any);
}
END_TEST

static void assert_everything_not_allowed(struct isl_game *g)
{
    struct isl_guess_result r;
    for (int p = 0; p < 2; p++) {
        enum isl_player player = (enum isl_player)p;
        FX_ASSERT_FAILS_UNCHANGED(g, ISL_E_NOT_ALLOWED, isl_game_guess(g, player, 9, 9, &r));
        FX_ASSERT_FAILS_UNCHANGED(g, ISL_E_NOT_ALLOWED, isl_game_guess(g, player, 0, 0, &r));
        FX_ASSERT_FAILS_UNCHANGED(g, ISL_E_NOT_ALLOWED, isl_game_set_islands(g, player));
        FX_ASSERT_FAILS_UNCHANGED(g, ISL_E_NOT_ALLOWED,
                                  isl_game_position_island(g, player, "dot", 9, 9));
    }
    FX_ASSERT_FAILS_UNCHANGED(g, ISL_E_NOT_ALLOWED, isl_game_add_player(g, "Cy", FX_TOKEN1));
}

START_TEST(player1_wins)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_game_started(&g);
    fx_one_guess_from_win(&g);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 6, 6, &r), ISL_OK);
    ck_assert(r.hit && r.win && r.forested_any);
    ck_assert_int_eq(r.forested, ISL_SQUARE);
    ck_assert_int_eq(g.state, ISL_RULES_GAME_OVER);
    ck_assert(isl_board_all_forested(&g.players[ISL_PLAYER2].board));
    ck_assert_int_eq(isl_squares_count(&g.players[ISL_PLAYER1].guesses.hits), FX_LAYOUT_SQUARES);
    assert_everything_not_allowed(&g);
}
END_TEST

START_TEST(player2_wins)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_game_started(&g);
    for (int i = 0; i < FX_LAYOUT_SQUARES; i++) {
        ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 10, 1 + i % 10, &r), ISL_OK);
        const int *sq = fx_layout_squares[i];
        ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER2, sq[0], sq[1], &r), ISL_OK);
        ck_assert(r.hit);
        ck_assert_int_eq(r.win, i == FX_LAYOUT_SQUARES - 1);
    }
    ck_assert_int_eq(g.state, ISL_RULES_GAME_OVER);
    ck_assert(isl_board_all_forested(&g.players[ISL_PLAYER1].board));
    ck_assert(!isl_board_all_forested(&g.players[ISL_PLAYER2].board));
    assert_everything_not_allowed(&g);
}
END_TEST

START_TEST(token_matches)
{
    struct isl_game g;
    fx_new_game(&g);
    ck_assert(isl_game_token_matches(&g, ISL_PLAYER1, FX_TOKEN1));
    ck_assert(!isl_game_token_matches(&g, ISL_PLAYER1, FX_TOKEN2));
    ck_assert(!isl_game_token_matches(&g, ISL_PLAYER1, NULL));
    /* Player 2 has not joined: nothing matches, not even the empty token. */
    ck_assert(!isl_game_token_matches(&g, ISL_PLAYER2, ""));
    ck_assert(!isl_game_token_matches(&g, ISL_PLAYER2, FX_TOKEN2));
    ck_assert_int_eq(isl_game_add_player(&g, "Bob", FX_TOKEN2), ISL_OK);
    ck_assert(isl_game_token_matches(&g, ISL_PLAYER2, FX_TOKEN2));
    ck_assert(!isl_game_token_matches(&g, ISL_PLAYER2, FX_TOKEN1));
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("setup");
    tcase_add_test(tc, new_game_zero_fills);
    tcase_add_test(tc, state_and_player_names);
    tcase_add_test(tc, add_player_once);
    tcase_add_test(tc, nothing_but_add_player_in_initialized);
    tcase_add_test(tc, position_island_order_of_checks);
    tcase_add_test(tc, book_layout_and_moves);
    tcase_add_test(tc, set_islands_rules);
    tcase_add_test(tc, token_matches);
    tcase_add_test(tc, every_success_counts_one_change);
    suite_add_tcase(s, tc);
    tc = tcase_create("play");
    tcase_add_test(tc, guess_turn_before_coordinate);
    tcase_add_test(tc, repeated_guess_uses_the_turn_and_records_nothing);
    tcase_add_test(tc, forested_names_the_island_hit);
    tcase_add_test(tc, player1_wins);
    tcase_add_test(tc, player2_wins);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(rules_suite)
