/* The engine's pieces: island shapes, square sets, boards, error codes and
 * tokens. (The rules and whole games are in test_rules.c.) */
#include <limits.h>
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/check_main.h"
#include "../support/game_fixtures.h"
#include "islands/errors.h"
#include "islands/game.h"
#include "islands/token.h"

/* Assert that shape t at (row, col) covers exactly the listed squares. */
static void assert_shape(enum isl_island_type t, int row, int col, int n, const int sq[][2])
{
    struct isl_squares s;
    ck_assert_int_eq(isl_island_shape(t, row, col, &s), ISL_OK);
    ck_assert_int_eq(isl_squares_count(&s), n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(isl_squares_has(&s, sq[i][0], sq[i][1]), "%s at (%d,%d) lacks (%d,%d)",
                      isl_island_name(t), row, col, sq[i][0], sq[i][1]);
}

START_TEST(shapes_at_the_origin)
{
    assert_shape(ISL_ATOLL, 1, 1, 5, (const int[][2]){{1, 1}, {1, 2}, {2, 2}, {3, 1}, {3, 2}});
    assert_shape(ISL_DOT, 1, 1, 1, (const int[][2]){{1, 1}});
    assert_shape(ISL_L_SHAPE, 1, 1, 4, (const int[][2]){{1, 1}, {2, 1}, {3, 1}, {3, 2}});
    assert_shape(ISL_S_SHAPE, 1, 1, 4, (const int[][2]){{1, 2}, {1, 3}, {2, 1}, {2, 2}});
    assert_shape(ISL_SQUARE, 1, 1, 4, (const int[][2]){{1, 1}, {1, 2}, {2, 1}, {2, 2}});
}
END_TEST

START_TEST(shapes_elsewhere)
{
    assert_shape(ISL_ATOLL, 4, 6, 5, (const int[][2]){{4, 6}, {4, 7}, {5, 7}, {6, 6}, {6, 7}});
    assert_shape(ISL_DOT, 10, 10, 1, (const int[][2]){{10, 10}});
    assert_shape(ISL_L_SHAPE, 8, 9, 4, (const int[][2]){{8, 9}, {9, 9}, {10, 9}, {10, 10}});
    assert_shape(ISL_S_SHAPE, 9, 8, 4, (const int[][2]){{9, 9}, {9, 10}, {10, 8}, {10, 9}});
    assert_shape(ISL_SQUARE, 9, 9, 4, (const int[][2]){{9, 9}, {9, 10}, {10, 9}, {10, 10}});
    assert_shape(ISL_ATOLL, 8, 9, 5, (const int[][2]){{8, 9}, {8, 10}, {9, 10}, {10, 9}, {10, 10}});
}
END_TEST

START_TEST(shapes_off_the_board)
{
    static const struct { enum isl_island_type t; int row, col; } off[] = {
        {ISL_ATOLL, 9, 1}, {ISL_ATOLL, 8, 10}, {ISL_DOT, 11, 1}, {ISL_DOT, 1, 11},
        {ISL_DOT, 0, 5}, {ISL_DOT, 5, 0}, {ISL_L_SHAPE, 9, 9}, {ISL_L_SHAPE, 8, 10},
        {ISL_L_SHAPE, 10, 10}, {ISL_S_SHAPE, 9, 9}, {ISL_S_SHAPE, 10, 1},
        {ISL_SQUARE, 10, 9}, {ISL_SQUARE, 9, 10}, {ISL_SQUARE, -1, -1},
        {ISL_S_SHAPE, 1, INT_MAX}, {ISL_S_SHAPE, INT_MAX, 1}, {ISL_ATOLL, INT_MIN, INT_MIN},
    };
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        struct isl_squares s = {{7, 7}};
        ck_assert_int_eq(isl_island_shape(off[i].t, off[i].row, off[i].col, &s),
                         ISL_E_INVALID_COORDINATE);
        ck_assert(s.bits[0] == 7 && s.bits[1] == 7);   /* untouched */
    }
    struct isl_squares s;
    ck_assert_int_eq(isl_island_shape((enum isl_island_type)ISL_ISLAND_KINDS, 1, 1, &s),
                     ISL_E_INVALID_ISLAND_TYPE);
}
END_TEST

START_TEST(island_names)
{
    static const char *names[] = {"atoll", "dot", "l_shape", "s_shape", "square"};
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        enum isl_island_type parsed;
        ck_assert_str_eq(isl_island_name((enum isl_island_type)t), names[t]);
        ck_assert_int_eq(isl_island_from_name(names[t], &parsed), 0);
        ck_assert_int_eq(parsed, t);
    }
    enum isl_island_type parsed = ISL_DOT;
    ck_assert_int_eq(isl_island_from_name("volcano", &parsed), -1);
    ck_assert_int_eq(isl_island_from_name("Atoll", &parsed), -1);
    ck_assert_int_eq(isl_island_from_name("", &parsed), -1);
    ck_assert_int_eq(isl_island_from_name(NULL, &parsed), -1);
    ck_assert_int_eq(parsed, ISL_DOT);
    ck_assert_ptr_null(isl_island_name((enum isl_island_type)9));
}
END_TEST

START_TEST(square_sets)
{
    struct isl_squares a = {{0, 0}}, b = {{0, 0}};
    isl_squares_add(&a, 1, 1);
    isl_squares_add(&a, 7, 5);     /* bit 64: the second word */
    isl_squares_add(&a, 10, 10);
    isl_squares_add(&a, 10, 10);   /* sets: adding again changes nothing */
    isl_squares_add(&a, 0, 3);     /* off the board: ignored */
    ck_assert_int_eq(isl_squares_count(&a), 3);
    ck_assert(isl_squares_has(&a, 7, 5));
    ck_assert(!isl_squares_has(&a, 5, 7));
    ck_assert(!isl_squares_has(&a, 11, 1));
    isl_squares_add(&b, 7, 5);
    ck_assert(isl_squares_intersect(&a, &b));
    ck_assert(isl_squares_subset(&b, &a));
    ck_assert(!isl_squares_subset(&a, &b));
    ck_assert(!isl_squares_equal(&a, &b));
    isl_squares_add(&b, 1, 1);
    isl_squares_add(&b, 10, 10);
    ck_assert(isl_squares_equal(&a, &b));
    ck_assert(isl_coordinate_valid(1, 10));
    ck_assert(!isl_coordinate_valid(0, 10));
    ck_assert(!isl_coordinate_valid(10, 11));
}
END_TEST

/* ------------------------------------------------------------------ board */

START_TEST(board_overlap_is_checked_against_other_islands)
{
    struct isl_board b;
    memset(&b, 0, sizeof b);
    ck_assert_int_eq(isl_board_position_island(&b, ISL_DOT, 2, 2), ISL_OK);
    struct isl_board before = b;
    ck_assert_int_eq(isl_board_position_island(&b, ISL_SQUARE, 1, 1), ISL_E_OVERLAPPING_ISLAND);
    ck_assert(memcmp(&before, &b, sizeof b) == 0);
    ck_assert_int_eq(isl_board_position_island(&b, ISL_DOT, 3, 3), ISL_OK);   /* moved */
    ck_assert_int_eq(isl_board_position_island(&b, ISL_SQUARE, 1, 1), ISL_OK);
    ck_assert(!isl_squares_has(&b.islands[ISL_DOT].squares, 2, 2));
    /* Moving onto squares it covers itself is no overlap. */
    ck_assert_int_eq(isl_board_position_island(&b, ISL_SQUARE, 1, 2), ISL_OK);
    ck_assert_int_eq(b.islands[ISL_SQUARE].row, 1);
    ck_assert_int_eq(b.islands[ISL_SQUARE].col, 2);
    ck_assert(!isl_squares_has(&b.islands[ISL_SQUARE].squares, 1, 1));
    before = b;
    ck_assert_int_eq(isl_board_position_island(&b, ISL_L_SHAPE, 9, 9), ISL_E_INVALID_COORDINATE);
    ck_assert(memcmp(&before, &b, sizeof b) == 0);
}
END_TEST

START_TEST(board_all_positioned)
{
    struct isl_game g;
    fx_players_set(&g);
    struct isl_board *b = &g.players[ISL_PLAYER1].board;
    ck_assert(!isl_board_all_positioned(b));
    fx_position_layout(&g, ISL_PLAYER1);
    ck_assert(isl_board_all_positioned(b));
    ck_assert(!isl_board_all_forested(b));
    b->islands[ISL_DOT].positioned = false;
    ck_assert(!isl_board_all_positioned(b));
}
END_TEST

START_TEST(board_guesses_hit_miss_forest_and_win)
{
    struct isl_game g;
    fx_players_set(&g);
    fx_position_layout(&g, ISL_PLAYER2);
    struct isl_board *b = &g.players[ISL_PLAYER2].board;
    struct isl_guess_result r;
    isl_board_guess(b, 10, 10, &r);
    ck_assert(!r.hit && !r.forested_any && !r.win);
    isl_board_guess(b, 1, 4, &r);                      /* the dot */
    ck_assert(r.hit && r.forested_any && !r.win);
    ck_assert_int_eq(r.forested, ISL_DOT);
    isl_board_guess(b, 5, 5, &r);                      /* a corner of the square */
    ck_assert(r.hit && !r.forested_any);
    ck_assert(isl_squares_has(&b->islands[ISL_SQUARE].hits, 5, 5));
    for (int i = 0; i < FX_LAYOUT_SQUARES; i++) {
        isl_board_guess(b, fx_layout_squares[i][0], fx_layout_squares[i][1], &r);
        ck_assert(r.hit);
        ck_assert_int_eq(r.win, i == FX_LAYOUT_SQUARES - 1);
    }
    ck_assert(isl_board_all_forested(b));
    ck_assert_int_eq(r.forested, ISL_SQUARE);          /* (6,6) finished the square */
}
END_TEST

/* ----------------------------------------------------------------- errors */

START_TEST(error_codes_are_the_wire_codes)
{
    static const char *codes[ISL_ERROR_COUNT] = {
        "ok", "bad_request", "request_too_large", "unknown_op", "no_such_game",
        "game_exists", "unauthorized", "forbidden", "invalid_coordinate",
        "invalid_island_type", "overlapping_island", "not_all_islands_positioned",
        "not_allowed", "game_unavailable", "store_error", "busy", "internal",
    };
    for (int e = 0; e < ISL_ERROR_COUNT; e++) {
        enum isl_error parsed;
        ck_assert_str_eq(isl_error_code((enum isl_error)e), codes[e]);
        ck_assert_int_eq(isl_error_from_code(codes[e], &parsed), 0);
        ck_assert_int_eq(parsed, e);
        ck_assert(strlen(isl_error_message((enum isl_error)e)) > 5);
    }
    enum isl_error parsed = ISL_E_BUSY;
    ck_assert_int_eq(isl_error_from_code("no_such_thing", &parsed), -1);
    ck_assert_int_eq(isl_error_from_code(NULL, &parsed), -1);
    ck_assert_int_eq(parsed, ISL_E_BUSY);
    ck_assert_ptr_null(isl_error_code(ISL_ERROR_COUNT));
    ck_assert_ptr_null(isl_error_code((enum isl_error)-1));
    ck_assert_str_eq(isl_error_message(ISL_ERROR_COUNT), "Unknown error.");
}
END_TEST

/* docs/PROTOCOL.md ships with the daemon: its "Error codes" section names
 * exactly the codes islandsd sends (every one but "ok"). */
START_TEST(the_shipped_protocol_lists_exactly_these_error_codes)
{
    const char *src = getenv("ISLANDS_SRC");
    char path[512];
    snprintf(path, sizeof path, "%s/docs/PROTOCOL.md", src && src[0] ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[1024];
    bool in_section = false;
    int listed[ISL_ERROR_COUNT] = {0};
    int unknown = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "## ", 3) == 0) {
            in_section = strncmp(line, "## Error codes", 14) == 0;
            continue;
        }
        /* Only a code in backticks opens an entry: `code` (explanation). */
        for (char *p = in_section ? strchr(line, '`') : NULL; p; p = strchr(p, '`')) {
            char *end = strchr(p + 1, '`');
            if (!end)
                break;
            *end = '\0';
            enum isl_error e;
            if (isl_error_from_code(p + 1, &e) == 0)
                listed[e]++;
            else if (strchr(p + 1, '"') == NULL)   /* a quoted field, not a code */
                unknown++;
            p = end + 1;
        }
    }
    fclose(f);
    ck_assert_int_eq(unknown, 0);
    for (int e = ISL_OK + 1; e < ISL_ERROR_COUNT; e++)
        ck_assert_msg(listed[e] == 1, "%s listed %d times", isl_error_code((enum isl_error)e),
                      listed[e]);
}
END_TEST

/* ----------------------------------------------------------------- tokens */

START_TEST(token_generate)
{
    char a[ISL_TOKEN_LEN + 1], b[ISL_TOKEN_LEN + 1];
    ck_assert_int_eq(isl_token_generate(a), 0);
    ck_assert_int_eq(isl_token_generate(b), 0);
    ck_assert_uint_eq(strlen(a), ISL_TOKEN_LEN);
    for (int i = 0; i < ISL_TOKEN_LEN; i++)
        ck_assert(isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]));
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(token_equal)
{
    ck_assert(isl_token_equal(FX_TOKEN1, FX_TOKEN1));
    ck_assert(!isl_token_equal(FX_TOKEN1, FX_TOKEN2));
    ck_assert(!isl_token_equal(FX_TOKEN1, "0123456789abcdef0123456789abcdeF"));
    ck_assert(!isl_token_equal(FX_TOKEN1, "0123456789abcdef0123456789abcde"));   /* shorter */
    ck_assert(!isl_token_equal(FX_TOKEN1, FX_TOKEN1 "0"));                       /* longer */
    ck_assert(!isl_token_equal(FX_TOKEN1, ""));
    ck_assert(!isl_token_equal("", FX_TOKEN1));
    ck_assert(isl_token_equal("", ""));
}
END_TEST

static Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("islands");
    tcase_add_test(tc, shapes_at_the_origin);
    tcase_add_test(tc, shapes_elsewhere);
    tcase_add_test(tc, shapes_off_the_board);
    tcase_add_test(tc, island_names);
    tcase_add_test(tc, square_sets);
    suite_add_tcase(s, tc);
    tc = tcase_create("board");
    tcase_add_test(tc, board_overlap_is_checked_against_other_islands);
    tcase_add_test(tc, board_all_positioned);
    tcase_add_test(tc, board_guesses_hit_miss_forest_and_win);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors_and_tokens");
    tcase_add_test(tc, error_codes_are_the_wire_codes);
    tcase_add_test(tc, the_shipped_protocol_lists_exactly_these_error_codes);
    tcase_add_test(tc, token_generate);
    tcase_add_test(tc, token_equal);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(engine_suite)
