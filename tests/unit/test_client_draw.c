/* client/draw.c: boards and turn sentences from `state` results, compared
 * as exact text without colour; colour codes only when asked for. */
#include <stdlib.h>
#include <string.h>

#include "../support/check_main.h"
#include "../../client/cli.h"

/* Ann (player1) has set her islands, Bob has guessed twice on them (the
 * atoll's (1,1) and the dot, forested) and missed (5,1); Ann hit (4,4) and
 * missed twice. Bob's board is hidden: this is Ann's view. */
static const char *const ann_view =
    "{\"game\":\"g1\",\"rules\":{\"state\":\"player2_turn\",\"player1\":\"islands_set\","
    "\"player2\":\"islands_set\"},"
    "\"player1\":{\"name\":\"Ann\",\"board\":{"
    "\"atoll\":{\"squares\":[[1,1],[1,2],[2,2],[3,1],[3,2]],\"hit\":[[1,1]],\"forested\":false},"
    "\"dot\":{\"squares\":[[10,10]],\"hit\":[[10,10]],\"forested\":true},"
    "\"l_shape\":{\"squares\":[[5,5],[6,5],[7,5],[7,6]],\"hit\":[],\"forested\":false},"
    "\"s_shape\":{\"squares\":[[1,6],[1,7],[2,5],[2,6]],\"hit\":[],\"forested\":false},"
    "\"square\":{\"squares\":[[9,1],[9,2],[10,1],[10,2]],\"hit\":[],\"forested\":false}},"
    "\"guesses\":{\"hits\":[[4,4]],\"misses\":[[1,1],[10,10]]}},"
    "\"player2\":{\"name\":\"Bob\",\"guesses\":{\"hits\":[[1,1],[10,10]],\"misses\":[[5,1]]}}}";

static const char *const ann_view_wide =
    "Game g1: Ann vs Bob (you are Ann, player1)\n"
    "\n"
    "Your board                            Your guesses at Bob's board\n"
    "    1  2  3  4  5  6  7  8  9 10          1  2  3  4  5  6  7  8  9 10\n"
    " 1  X  A  .  .  .  S  S  .  .  .       1  o  .  .  .  .  .  .  .  .  .\n"
    " 2  .  A  .  .  S  S  .  .  .  .       2  .  .  .  .  .  .  .  .  .  .\n"
    " 3  A  A  .  .  .  .  .  .  .  .       3  .  .  .  .  .  .  .  .  .  .\n"
    " 4  .  .  .  .  .  .  .  .  .  .       4  .  .  .  X  .  .  .  .  .  .\n"
    " 5  o  .  .  .  L  .  .  .  .  .       5  .  .  .  .  .  .  .  .  .  .\n"
    " 6  .  .  .  .  L  .  .  .  .  .       6  .  .  .  .  .  .  .  .  .  .\n"
    " 7  .  .  .  .  L  L  .  .  .  .       7  .  .  .  .  .  .  .  .  .  .\n"
    " 8  .  .  .  .  .  .  .  .  .  .       8  .  .  .  .  .  .  .  .  .  .\n"
    " 9  Q  Q  .  .  .  .  .  .  .  .       9  .  .  .  .  .  .  .  .  .  .\n"
    "10  Q  Q  .  .  .  .  .  .  .  ^      10  .  .  .  .  .  .  .  .  .  o\n"
    "\n"
    "Legend:  . water  o miss  X hit  ^ forested island\n"
    "         A atoll  D dot  L l_shape  S s_shape  Q square\n"
    "\n"
    "Waiting for Bob\n";

static const char *const ann_view_narrow =
    "Game g1: Ann vs Bob (you are Ann, player1)\n"
    "\n"
    "Your board\n"
    "    1  2  3  4  5  6  7  8  9 10\n"
    " 1  X  A  .  .  .  S  S  .  .  .\n"
    " 2  .  A  .  .  S  S  .  .  .  .\n"
    " 3  A  A  .  .  .  .  .  .  .  .\n"
    " 4  .  .  .  .  .  .  .  .  .  .\n"
    " 5  o  .  .  .  L  .  .  .  .  .\n"
    " 6  .  .  .  .  L  .  .  .  .  .\n"
    " 7  .  .  .  .  L  L  .  .  .  .\n"
    " 8  .  .  .  .  .  .  .  .  .  .\n"
    " 9  Q  Q  .  .  .  .  .  .  .  .\n"
    "10  Q  Q  .  .  .  .  .  .  .  ^\n"
    "\n"
    "Your guesses at Bob's board\n"
    "    1  2  3  4  5  6  7  8  9 10\n"
    " 1  o  .  .  .  .  .  .  .  .  .\n"
    " 2  .  .  .  .  .  .  .  .  .  .\n"
    " 3  .  .  .  .  .  .  .  .  .  .\n"
    " 4  .  .  .  X  .  .  .  .  .  .\n"
    " 5  .  .  .  .  .  .  .  .  .  .\n"
    " 6  .  .  .  .  .  .  .  .  .  .\n"
    " 7  .  .  .  .  .  .  .  .  .  .\n"
    " 8  .  .  .  .  .  .  .  .  .  .\n"
    " 9  .  .  .  .  .  .  .  .  .  .\n"
    "10  .  .  .  .  .  .  .  .  .  o\n"
    "\n"
    "Legend:  . water  o miss  X hit  ^ forested island\n"
    "         A atoll  D dot  L l_shape  S s_shape  Q square\n"
    "\n"
    "Waiting for Bob\n";

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, 0, &err);
    ck_assert_msg(v != NULL, "%s", err.text);
    return v;
}

static char *draw(const char *state_text, const char *me, bool colour, int width)
{
    json_t *state = parse(state_text);
    struct cli_draw_opts o = { .color = colour, .width = width };
    char *text = cli_draw_state(state, me, &o);
    json_decref(state);
    ck_assert_ptr_nonnull(text);
    return text;
}

static char *turn(const char *state_text, const char *me)
{
    json_t *state = parse(state_text);
    char *text = cli_turn_sentence(state, me);
    json_decref(state);
    ck_assert_ptr_nonnull(text);
    return text;
}

START_TEST(boards_side_by_side_when_wide)
{
    char *text = draw(ann_view, "player1", false, 80);
    ck_assert_str_eq(text, ann_view_wide);
    free(text);
    text = draw(ann_view, "player1", false, CLI_DRAW_WIDE);
    ck_assert_str_eq(text, ann_view_wide);
    free(text);
}
END_TEST

START_TEST(boards_stacked_when_narrow)
{
    char *text = draw(ann_view, "player1", false, CLI_DRAW_WIDE - 1);
    ck_assert_str_eq(text, ann_view_narrow);
    free(text);
}
END_TEST

START_TEST(colour_only_when_enabled)
{
    char *plain = draw(ann_view, "player1", false, 80);
    ck_assert_ptr_null(strchr(plain, '\033'));
    free(plain);
    char *coloured = draw(ann_view, "player1", true, 80);
    ck_assert_ptr_nonnull(strstr(coloured, "\033[1;31mX\033[0m"));   /* the hit on the atoll */
    ck_assert_ptr_nonnull(strstr(coloured, "\033[32mA\033[0m"));     /* the atoll */
    ck_assert_ptr_nonnull(strstr(coloured, "\033[33m^\033[0m"));     /* the forested dot */
    ck_assert_ptr_nonnull(strstr(coloured, "\033[36mo\033[0m"));     /* a miss */
    ck_assert_ptr_null(strstr(coloured, "\033[32m.\033[0m"));        /* water stays plain */
    free(coloured);
}
END_TEST

START_TEST(an_admin_view_shows_both_boards)
{
    const char *state =
        "{\"game\":\"g2\",\"rules\":{\"state\":\"player1_turn\",\"player1\":\"islands_set\","
        "\"player2\":\"islands_set\"},"
        "\"player1\":{\"name\":\"Ann\",\"board\":{\"dot\":{\"squares\":[[2,3]],\"hit\":[],"
        "\"forested\":false}},\"guesses\":{\"hits\":[],\"misses\":[[7,7]]}},"
        "\"player2\":{\"name\":\"Bob\",\"board\":{\"square\":{\"squares\":[[1,1],[1,2],[2,1],[2,2]],"
        "\"hit\":[[2,2]],\"forested\":false}},\"guesses\":{\"hits\":[],\"misses\":[[4,4]]}}}";
    char *text = draw(state, NULL, false, 30);
    ck_assert_ptr_nonnull(strstr(text, "Game g2: Ann vs Bob\n\nAnn's board\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nBob's board\n"));
    /* Ann's board: her dot, and Bob's miss at (4,4). */
    ck_assert_ptr_nonnull(strstr(text, " 2  .  .  D  .  .  .  .  .  .  .\n"
                                       " 3  .  .  .  .  .  .  .  .  .  .\n"
                                       " 4  .  .  .  o  .  .  .  .  .  .\n"));
    /* Bob's board: his square hit at (2,2), and Ann's miss at (7,7). */
    ck_assert_ptr_nonnull(strstr(text, " 1  Q  Q  .  .  .  .  .  .  .  .\n"
                                       " 2  Q  X  .  .  .  .  .  .  .  .\n"));
    ck_assert_ptr_nonnull(strstr(text, " 7  .  .  .  .  .  .  o  .  .  .\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nAnn's turn\n"));
    free(text);
}
END_TEST

START_TEST(a_public_view_has_no_boards)
{
    const char *state = "{\"game\":\"g3\",\"rules\":{\"state\":\"initialized\","
                        "\"player1\":\"islands_not_set\",\"player2\":\"islands_not_set\"},"
                        "\"player1\":{\"name\":\"Ann\"},\"player2\":null}";
    char *text = draw(state, NULL, false, 80);
    ck_assert_str_eq(text, "Game g3: Ann vs (nobody yet)\n\nWaiting for a second player\n");
    free(text);
}
END_TEST

/* Without a token both boards are hidden, but the guesses are public: a
 * spectator sees where each player guessed, hit or missed. */
START_TEST(a_public_view_shows_both_players_guesses)
{
    const char *state =
        "{\"game\":\"g4\",\"rules\":{\"state\":\"player1_turn\",\"player1\":\"islands_set\","
        "\"player2\":\"islands_set\"},"
        "\"player1\":{\"name\":\"Ann\",\"guesses\":{\"hits\":[[4,4]],\"misses\":[[1,1]]}},"
        "\"player2\":{\"name\":\"Bob\",\"guesses\":{\"hits\":[],\"misses\":[[10,10]]}}}";
    char *text = draw(state, NULL, false, 80);
    ck_assert_str_eq(text,
        "Game g4: Ann vs Bob\n"
        "\n"
        "Ann's guesses                         Bob's guesses\n"
        "    1  2  3  4  5  6  7  8  9 10          1  2  3  4  5  6  7  8  9 10\n"
        " 1  o  .  .  .  .  .  .  .  .  .       1  .  .  .  .  .  .  .  .  .  .\n"
        " 2  .  .  .  .  .  .  .  .  .  .       2  .  .  .  .  .  .  .  .  .  .\n"
        " 3  .  .  .  .  .  .  .  .  .  .       3  .  .  .  .  .  .  .  .  .  .\n"
        " 4  .  .  .  X  .  .  .  .  .  .       4  .  .  .  .  .  .  .  .  .  .\n"
        " 5  .  .  .  .  .  .  .  .  .  .       5  .  .  .  .  .  .  .  .  .  .\n"
        " 6  .  .  .  .  .  .  .  .  .  .       6  .  .  .  .  .  .  .  .  .  .\n"
        " 7  .  .  .  .  .  .  .  .  .  .       7  .  .  .  .  .  .  .  .  .  .\n"
        " 8  .  .  .  .  .  .  .  .  .  .       8  .  .  .  .  .  .  .  .  .  .\n"
        " 9  .  .  .  .  .  .  .  .  .  .       9  .  .  .  .  .  .  .  .  .  .\n"
        "10  .  .  .  .  .  .  .  .  .  .      10  .  .  .  .  .  .  .  .  .  o\n"
        "\n"
        "Legend:  . water  o miss  X hit  ^ forested island\n"
        "         A atoll  D dot  L l_shape  S s_shape  Q square\n"
        "\n"
        "Ann's turn\n");
    free(text);
}
END_TEST

START_TEST(the_board_after_ready)
{
    json_t *board = parse("{\"dot\":{\"squares\":[[10,1]],\"hit\":[],\"forested\":false}}");
    struct cli_draw_opts o = { .color = false, .width = 80 };
    char *text = cli_draw_board(board, &o);
    json_decref(board);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text,
        "Your board\n"
        "    1  2  3  4  5  6  7  8  9 10\n"
        " 1  .  .  .  .  .  .  .  .  .  .\n"
        " 2  .  .  .  .  .  .  .  .  .  .\n"
        " 3  .  .  .  .  .  .  .  .  .  .\n"
        " 4  .  .  .  .  .  .  .  .  .  .\n"
        " 5  .  .  .  .  .  .  .  .  .  .\n"
        " 6  .  .  .  .  .  .  .  .  .  .\n"
        " 7  .  .  .  .  .  .  .  .  .  .\n"
        " 8  .  .  .  .  .  .  .  .  .  .\n"
        " 9  .  .  .  .  .  .  .  .  .  .\n"
        "10  D  .  .  .  .  .  .  .  .  .\n"
        "\n"
        "Legend:  . water  o miss  X hit  ^ forested island\n"
        "         A atoll  D dot  L l_shape  S s_shape  Q square\n");
    free(text);
}
END_TEST

START_TEST(bad_squares_and_control_characters_are_harmless)
{
    const char *state =
        "{\"game\":\"g4\",\"rules\":{\"state\":\"player1_turn\"},"
        "\"player1\":{\"name\":\"A\\u001b[2Jn\\u0085n\",\"board\":{\"dot\":{\"squares\":"
        "[[0,1],[11,3],[1],\"x\",[3,3,3],[-5,2],[1,1]],\"hit\":[[99,99]],\"forested\":false}},"
        "\"guesses\":{\"hits\":[[1,2,3]],\"misses\":{}}},"
        "\"player2\":{\"name\":\"Bob\",\"guesses\":[]}}";
    char *text = draw(state, "player1", false, 80);
    ck_assert_ptr_null(strchr(text, '\033'));
    ck_assert_ptr_nonnull(strstr(text, "Game g4: A?[2Jn?n vs Bob"));
    ck_assert_ptr_nonnull(strstr(text, " 1  D  .  .  ."));
    ck_assert_ptr_nonnull(strstr(text, " 3  .  .  .  .  .  .  .  .  .  .  "));
    free(text);
}
END_TEST

START_TEST(sanitize_replaces_controls_in_place)
{
    char s[] = "ok\x01\x7f\xc2\x85\xc3\xa9\n";
    cli_sanitize(s);
    ck_assert_str_eq(s, "ok???\xc3\xa9?");
}
END_TEST

/* ---------------------------------------------------------------- turns */

#define RULES(state, p1, p2) \
    "\"rules\":{\"state\":\"" state "\",\"player1\":\"" p1 "\",\"player2\":\"" p2 "\"}"
#define PLAYERS "\"player1\":{\"name\":\"Ann\"},\"player2\":{\"name\":\"Bob\"}"

static void check_turn(const char *state, const char *me, const char *expected)
{
    char *text = turn(state, me);
    ck_assert_str_eq(text, expected);
    free(text);
}

START_TEST(turn_before_the_second_player)
{
    const char *s = "{\"game\":\"g\"," RULES("initialized", "islands_not_set", "islands_not_set")
                    ",\"player1\":{\"name\":\"Ann\",\"board\":{}},\"player2\":null}";
    check_turn(s, "player1", "Waiting for a second player");
    check_turn(s, NULL, "Waiting for a second player");
}
END_TEST

START_TEST(turn_while_positioning)
{
    const char *three = "{\"game\":\"g\"," RULES("players_set", "islands_not_set", "islands_set")
        ",\"player1\":{\"name\":\"Ann\",\"board\":{\"dot\":{},\"atoll\":{},\"square\":{}}},"
        "\"player2\":{\"name\":\"Bob\"}}";
    check_turn(three, "player1", "Position your islands (3 of 5 placed)");
    check_turn(three, "player2", "Waiting for Ann to set their islands");
    check_turn(three, NULL, "The players are positioning their islands");
    const char *five = "{\"game\":\"g.1\"," RULES("players_set", "islands_not_set", "islands_not_set")
        ",\"player1\":{\"name\":\"Ann\"},\"player2\":{\"name\":\"Bob\",\"board\":{\"dot\":{},"
        "\"atoll\":{},\"square\":{},\"l_shape\":{},\"s_shape\":{}}}}";
    check_turn(five, "player2",
               "Position your islands (5 of 5 placed; set them with: islands ready g.1)");
    check_turn(five, "player1", "Position your islands (0 of 5 placed)");
}
END_TEST

START_TEST(turn_during_play)
{
    const char *p1 = "{" RULES("player1_turn", "islands_set", "islands_set") "," PLAYERS "}";
    check_turn(p1, "player1", "Your turn");
    check_turn(p1, "player2", "Waiting for Ann");
    check_turn(p1, NULL, "Ann's turn");
    const char *p2 = "{" RULES("player2_turn", "islands_set", "islands_set") "," PLAYERS "}";
    check_turn(p2, "player2", "Your turn");
    check_turn(p2, "player1", "Waiting for Bob");
}
END_TEST

START_TEST(turn_after_a_win)
{
    /* Bob has hit all 18 island squares. */
    char hits[512] = "";
    for (int i = 0; i < 18; i++)
        snprintf(hits + strlen(hits), sizeof hits - strlen(hits), "%s[%d,%d]",
                 i > 0 ? "," : "", i / 10 + 1, i % 10 + 1);
    char state[1024];
    snprintf(state, sizeof state,
             "{" RULES("game_over", "islands_set", "islands_set") ","
             "\"player1\":{\"name\":\"Ann\",\"guesses\":{\"hits\":[[1,1]],\"misses\":[]}},"
             "\"player2\":{\"name\":\"Bob\",\"guesses\":{\"hits\":[%s],\"misses\":[]}}}", hits);
    check_turn(state, "player2", "You won!");
    check_turn(state, "player1", "Bob won");
    check_turn(state, NULL, "Bob won");
    check_turn("{" RULES("game_over", "islands_set", "islands_set") "," PLAYERS "}", "player1",
               "The game is over");
}
END_TEST

START_TEST(turn_in_an_unknown_state)
{
    check_turn("{" RULES("sleeping", "islands_set", "islands_set") "," PLAYERS "}", "player1",
               "The game is in an unknown state (sleeping)");
    check_turn("{}", NULL, "The game is in an unknown state (none)");
}
END_TEST

static Suite *client_draw_suite(void)
{
    Suite *s = suite_create("client_draw");
    TCase *tc = tcase_create("boards");
    tcase_add_test(tc, boards_side_by_side_when_wide);
    tcase_add_test(tc, boards_stacked_when_narrow);
    tcase_add_test(tc, colour_only_when_enabled);
    tcase_add_test(tc, an_admin_view_shows_both_boards);
    tcase_add_test(tc, a_public_view_has_no_boards);
    tcase_add_test(tc, a_public_view_shows_both_players_guesses);
    tcase_add_test(tc, the_board_after_ready);
    tcase_add_test(tc, bad_squares_and_control_characters_are_harmless);
    tcase_add_test(tc, sanitize_replaces_controls_in_place);
    suite_add_tcase(s, tc);
    TCase *turns = tcase_create("turns");
    tcase_add_test(turns, turn_before_the_second_player);
    tcase_add_test(turns, turn_while_positioning);
    tcase_add_test(turns, turn_during_play);
    tcase_add_test(turns, turn_after_a_win);
    tcase_add_test(turns, turn_in_an_unknown_state);
    suite_add_tcase(s, turns);
    return s;
}

ISL_CHECK_MAIN(client_draw_suite)
