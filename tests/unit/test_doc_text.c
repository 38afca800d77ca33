/* isl_doc_text_append writes exactly isl_codec_dump's bytes, and
 * isl_state_text_append exactly the jansson `state` answer's in every view,
 * for games in every state, random whole games, names that need escaping
 * and names that take jansson's own path; isl_json_escape_append's escapes. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../support/check_main.h"
#include "../support/game_fixtures.h"
#include "islands/codec.h"
#include "islands/doc_text.h"
#include "islands/request.h"

/* The `state` answer as the worker built it before state_text.c. */
static char *state_by_jansson(const struct isl_game *g, enum isl_view view)
{
    json_t *answer = isl_response_ok(), *result = isl_codec_state_view(g, view);
    ck_assert_ptr_nonnull(result);
    ck_assert_int_eq(json_object_update(answer, result), 0);
    char *text = json_dumps(answer, JSON_COMPACT);
    json_decref(answer);
    json_decref(result);
    ck_assert_ptr_nonnull(text);
    return text;
}

static void assert_state_same_as_jansson(const struct isl_game *g)
{
    static const enum isl_view views[] = {ISL_VIEW_PLAYER1, ISL_VIEW_PLAYER2, ISL_VIEW_PUBLIC,
                                          ISL_VIEW_ADMIN};
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        char *expected = state_by_jansson(g, views[i]);
        struct isl_buf out;
        isl_buf_init(&out, 0);
        isl_buf_append(&out, "x", 1);
        ck_assert_int_eq(isl_state_text_append(g, views[i], &out), 0);
        isl_buf_append(&out, "", 1);
        ck_assert_str_eq(isl_buf_head(&out) + 1, expected);
        free(expected);
        isl_buf_free(&out);
    }
}

static void assert_same_as_codec(const struct isl_game *g)
{
    assert_state_same_as_jansson(g);
    char *expected = isl_codec_dump(g);
    ck_assert_ptr_nonnull(expected);
    struct isl_buf out;
    isl_buf_init(&out, 0);
    isl_buf_append(&out, "x", 1);   /* appends after what is there */
    ck_assert_int_eq(isl_doc_text_append(g, &out), 0);
    ck_assert_uint_eq(out.len, strlen(expected) + 1);
    ck_assert_mem_eq(isl_buf_head(&out) + 1, expected, strlen(expected));
    free(expected);
    isl_buf_free(&out);
}

START_TEST(every_fixture_state)
{
    struct isl_game g;
    fx_new_game(&g);
    assert_same_as_codec(&g);
    fx_players_set(&g);
    assert_same_as_codec(&g);
    fx_players_set(&g);
    fx_position_layout(&g, ISL_PLAYER1);
    assert_same_as_codec(&g);
    fx_game_started(&g);
    assert_same_as_codec(&g);
    fx_one_guess_from_win(&g);
    assert_same_as_codec(&g);
}
END_TEST

/* Random legal games to their end: every document on the way. */
START_TEST(random_games_move_by_move)
{
    srand(1234);
    for (int n = 0; n < 8; n++) {
        struct isl_game g;
        fx_game_started(&g);
        assert_same_as_codec(&g);
        for (int move = 0; g.state != ISL_RULES_GAME_OVER && move < 400; move++) {
            enum isl_player p = g.state == ISL_RULES_PLAYER1_TURN ? ISL_PLAYER1 : ISL_PLAYER2;
            struct isl_guess_result r;
            if (isl_game_guess(&g, p, 1 + rand() % 10, 1 + rand() % 10, &r) == ISL_OK)
                assert_same_as_codec(&g);
        }
    }
}
END_TEST

START_TEST(names_that_need_escaping)
{
    static const char *const names[] = {
        "quote \" and back\\slash", "slash / tilde ~ del \x7f", "tab\there", "new\nline",
        "\x01\x1f control", "caf\xc3\xa9 \xe2\x82\xac", "\xf0\x9f\x8f\x9d island", "",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct isl_game g;
        fx_game_started(&g);
        snprintf(g.players[ISL_PLAYER2].name, sizeof g.players[0].name, "%s", names[i]);
        assert_same_as_codec(&g);
        fx_new_game(&g);
        snprintf(g.players[ISL_PLAYER1].name, sizeof g.players[0].name, "%s", names[i]);
        assert_same_as_codec(&g);
    }
}
END_TEST

START_TEST(escape_decodes_back)
{
    static const char raw[] = "a\"b\\c\x01\x1f\n/\xc3\xa9z";
    struct isl_buf out;
    isl_buf_init(&out, 0);
    isl_buf_append(&out, "[\"", 2);
    ck_assert_int_eq(isl_json_escape_append(&out, raw, sizeof raw - 1), 0);
    isl_buf_append(&out, "\"]", 2);
    json_error_t error;
    json_t *back = json_loadb(isl_buf_head(&out), out.len, 0, &error);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(json_string_value(json_array_get(back, 0)), raw);
    json_decref(back);
    isl_buf_free(&out);
}
END_TEST

START_TEST(capped_buffer_fails_cleanly)
{
    struct isl_game g;
    fx_game_started(&g);
    struct isl_buf out;
    isl_buf_init(&out, 64);
    isl_buf_append(&out, "keep", 4);
    ck_assert_int_eq(isl_doc_text_append(&g, &out), -1);
    ck_assert_uint_eq(out.len, 4);
    ck_assert_int_eq(isl_state_text_append(&g, ISL_VIEW_ADMIN, &out), -1);
    ck_assert_uint_eq(out.len, 4);
    isl_buf_free(&out);
}
END_TEST

static Suite *doc_text_suite(void)
{
    Suite *s = suite_create("doc_text");
    TCase *tc = tcase_create("doc_text");
    tcase_add_test(tc, every_fixture_state);
    tcase_add_test(tc, random_games_move_by_move);
    tcase_add_test(tc, names_that_need_escaping);
    tcase_add_test(tc, escape_decodes_back);
    tcase_add_test(tc, capped_buffer_fails_cleanly);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(doc_text_suite)
