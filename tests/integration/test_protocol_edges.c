/* The edge cases PROTOCOL.md spells out: repeated guesses, forested on a
 * repeat, set_islands and turn order, the id echo, and line framing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "protocol_harness.h"


static json_t *guesses_of(json_t *state, const char *player, const char *kind)
{
    return json_object_get(json_object_get(json_object_get(state, player), "guesses"), kind);
}

START_TEST(repeated_guess_gives_the_same_answer_and_uses_the_turn)
{
    struct testd *d = &testd_fixture;
    char tok1[33], tok2[33];
    testd_setup_game(d, "g", tok1, tok2);
    for (int round = 0; round < 2; round++) {
        json_t *r = guess(d, "g", 1, tok1, 1, 4);   /* the dot: hit and forested */
        ck_assert(json_is_true(json_object_get(r, "hit")));
        ck_assert_str_eq(json_string_value(json_object_get(r, "forested")), "dot");
        ck_assert(json_is_false(json_object_get(r, "win")));
        json_decref(r);
        /* The turn was used: player 1 may not guess again. */
        expect_error_free(guess(d, "g", 1, tok1, 1, 1), "not_allowed", "twice in a row");
        r = guess(d, "g", 2, tok2, 10, 10);
        ck_assert(json_is_false(json_object_get(r, "hit")));
        ck_assert(json_is_null(json_object_get(r, "forested")));
        json_decref(r);
    }
    /* A repeated hit on an island not yet covered: not forested. */
    for (int round = 0; round < 2; round++) {
        json_t *r = guess(d, "g", 1, tok1, 1, 1);
        ck_assert(json_is_true(json_object_get(r, "hit")));
        ck_assert(json_is_null(json_object_get(r, "forested")));
        json_decref(r);
        expect_ok_free(guess(d, "g", 2, tok2, 10, 10), "player 2 miss");
    }
    json_t *s = testd_call(d, "{s:s, s:s}", "op", "state", "game", "g");
    ck_assert_int_eq(json_array_size(guesses_of(s, "player1", "hits")), 2);
    ck_assert_int_eq(json_array_size(guesses_of(s, "player1", "misses")), 0);
    ck_assert_int_eq(json_array_size(guesses_of(s, "player2", "misses")), 1);
    ck_assert_str_eq(rules_state(s), "player1_turn");
    json_decref(s);
}
END_TEST

static void place_all(struct testd *d, int player, const char *token)
{
    static const struct { const char *island; int row, col; } layout[] = {
        {"atoll", 1, 1}, {"dot", 1, 4}, {"l_shape", 1, 5}, {"s_shape", 5, 1}, {"square", 5, 5}};
    for (int i = 0; i < 5; i++)
        expect_ok_free(testd_call(d, "{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "op",
                                  "position_island", "game", "t", "player",
                                  player == 1 ? "player1" : "player2", "token", token, "island",
                                  layout[i].island, "row", layout[i].row, "col", layout[i].col),
                       "position_island");
}

static json_t *set_islands(struct testd *d, int player, const char *token)
{
    return testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "set_islands", "game", "t", "player",
                      player == 1 ? "player1" : "player2", "token", token);
}

START_TEST(set_islands_repeats_until_the_other_sets_and_player1_starts)
{
    struct testd *d = &testd_fixture;
    json_t *r = testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "t", "name", "Ann");
    char tok1[33], tok2[33];
    snprintf(tok1, sizeof tok1, "%s", json_string_value(json_object_get(r, "token")));
    json_decref(r);
    r = testd_call(d, "{s:s, s:s, s:s}", "op", "add_player", "game", "t", "name", "Bob");
    snprintf(tok2, sizeof tok2, "%s", json_string_value(json_object_get(r, "token")));
    json_decref(r);
    place_all(d, 1, tok1);
    place_all(d, 2, tok2);
    /* Player 2 sets first, twice; then may not position any more. */
    expect_ok_free(set_islands(d, 2, tok2), "set 2");
    expect_ok_free(set_islands(d, 2, tok2), "set 2 again");
    expect_error_free(testd_call(d, "{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "op",
                                 "position_island", "game", "t", "player", "player2", "token",
                                 tok2, "island", "dot", "row", 10, "col", 10),
                      "not_allowed", "position after own set");
    /* Player 1 may still move an island (positioning again moves it). */
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "op", "position_island",
                              "game", "t", "player", "player1", "token", tok1, "island", "dot",
                              "row", 10, "col", 10), "move the dot");
    json_t *s = testd_call(d, "{s:s, s:s}", "op", "state", "game", "t");
    ck_assert_str_eq(rules_state(s), "players_set");
    json_t *dot = json_object_get(json_object_get(json_object_get(s, "player1"), "board"), "dot");
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(
                         json_object_get(dot, "squares"), 0), 0)), 10);
    json_decref(s);
    expect_ok_free(set_islands(d, 1, tok1), "set 1");
    expect_error_free(set_islands(d, 2, tok2), "not_allowed", "set after both set");
    s = testd_call(d, "{s:s, s:s}", "op", "state", "game", "t");
    ck_assert_str_eq(rules_state(s), "player1_turn");
    json_decref(s);
    expect_error_free(guess(d, "t", 2, tok2, 1, 1), "not_allowed", "player 2 first");
    expect_ok_free(guess(d, "t", 1, tok1, 1, 1), "player 1 first");
}
END_TEST

START_TEST(id_is_echoed_unchanged_or_left_out)
{
    struct raw *c = raw_open(&testd_fixture);
    static const char *const ids[] = {"\"abc\"", "\"\"", "\"\\u00e9\\n\"", "0", "-7",
                                      "12345678901", "2.5"};
    char line[256];
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        json_t *want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
        for (int err = 0; err < 2; err++) {
            snprintf(line, sizeof line, "{\"id\":%s,\"op\":\"%s\"}", ids[i], err ? "fly" : "ping");
            json_t *r = raw_call(c, line);
            ck_assert_msg(json_equal(json_object_get(r, "id"), want), "id %s not echoed", ids[i]);
            json_decref(r);
        }
        json_decref(want);
    }
    json_t *r = raw_call(c, "{\"op\":\"ping\"}");
    ck_assert_ptr_null(json_object_get(r, "id"));
    json_decref(r);
    r = raw_call(c, "{\"op\":\"fly\"}");
    ck_assert_ptr_null(json_object_get(r, "id"));
    json_decref(r);
    raw_close(c);
}
END_TEST

/* Any JSON string or number comes back as written, also those jansson
 * alone would refuse or write back otherwise. */
START_TEST(id_is_echoed_as_written)
{
    struct raw *c = raw_open(&testd_fixture);
    static const char *const ids[] = {
        "123456789012345678901234567890", "9223372036854775808", "-9223372036854775809",
        "1.00000000000000000001", "1E2", "1e400", "-0.0", "0.1e-400", "\"a\\u0000b\"",
        "\"\\u00e9\"", "\"\u00e9\"", "\"x\\\"y\""};
    char line[256], want[256];
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        for (int err = 0; err < 2; err++) {
            snprintf(line, sizeof line, "{\"id\" : %s ,\"op\":\"%s\"}\n", ids[i],
                     err ? "fly" : "ping");
            raw_sends(c, line);
            char *got = raw_line(c, RAW_TIMEOUT_MS);
            ck_assert_ptr_nonnull(got);
            snprintf(want, sizeof want, "{\"id\":%s,\"ok\":%s", ids[i], err ? "false" : "true");
            ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "sent id %s, got %s", ids[i], got);
            free(got);
        }
    }
    raw_close(c);
}
END_TEST

/* Valid JSON beyond jansson's range: an unknown argument is ignored (a
 * number, a NUL, nesting of any depth), an integer row far outside 1 to
 * 10 is invalid_coordinate, and a NUL in a name is a bad request, each
 * answered with its id. */
START_TEST(numbers_and_nuls_beyond_jansson_are_judged_as_json)
{
    char tok1[33], tok2[33];
    testd_setup_game(&testd_fixture, "big", tok1, tok2);
    struct raw *c = raw_open(&testd_fixture);
    raw_expect_ok(c, "{\"id\":1,\"op\":\"ping\",\"x\":123456789012345678901234567890,"
                     "\"y\":[1e400,-1e999],\"z\":\"a\\u0000b\",\"w\\u0000\":0}");
    char line[256];
    snprintf(line, sizeof line, "{\"id\":2,\"op\":\"guess\",\"game\":\"big\",\"player\":"
             "\"player1\",\"token\":\"%s\",\"row\":99999999999999999999999,\"col\":1}", tok1);
    json_t *r = raw_call(c, line);
    ck_assert_str_eq(testd_error(r), "invalid_coordinate");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 2);
    json_decref(r);
    snprintf(line, sizeof line, "{\"id\":3,\"op\":\"guess\",\"game\":\"big\",\"player\":"
             "\"player1\",\"token\":\"%s\",\"row\":1e400,\"col\":1}", tok1);
    r = raw_call(c, line);
    ck_assert_str_eq(testd_error(r), "bad_request");   /* a real, not an integer */
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 3);
    json_decref(r);
    r = raw_call(c, "{\"id\":4,\"op\":\"new_game\",\"game\":\"nul\",\"name\":\"A\\u0000\"}");
    ck_assert_str_eq(testd_error(r), "bad_request");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 4);
    json_decref(r);
    r = raw_call(c, "{\"id\":5,\"op\":\"state\",\"game\":\"nul\"}");
    ck_assert_str_eq(testd_error(r), "no_such_game");
    json_decref(r);
    /* Invalid JSON stays invalid: answered without id. */
    r = raw_call(c, "{\"id\":6,\"op\":\"ping\",\"x\":1e400x}");
    ck_assert_str_eq(testd_error(r), "bad_request");
    ck_assert_ptr_null(json_object_get(r, "id"));
    json_decref(r);
    /* Deeper than jansson goes (2,048 levels): ignored where unknown,
     * mistyped where known, refused where not JSON. */
    enum { LEVELS = 3000 };
    static char deep[2 * LEVELS + 128];
    static const char *const heads[] = { "{\"id\":7,\"op\":\"ping\",\"x\":",
                                         "{\"id\":8,\"op\":\"state\",\"game\":",
                                         "{\"id\":9,\"op\":\"ping\",\"x\":" };
    for (int k = 0; k < 3; k++) {
        int n = snprintf(deep, sizeof deep, "%s", heads[k]);
        memset(deep + n, '[', LEVELS);
        memset(deep + n + LEVELS, ']', LEVELS - (k == 2));   /* k = 2: one short */
        snprintf(deep + n + 2 * LEVELS - (k == 2), sizeof deep - (size_t)(n + 2 * LEVELS), "}");
        r = raw_call(c, deep);
        if (k == 0)
            ck_assert(json_is_true(json_object_get(r, "ok")));
        else
            ck_assert_str_eq(testd_error(r), "bad_request");
        if (k == 1)
            ck_assert_str_eq(json_string_value(json_object_get(r, "message")),
                             "game must be a string");
        if (k < 2)
            ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 7 + k);
        else
            ck_assert_ptr_null(json_object_get(r, "id"));
        json_decref(r);
    }
    /* Nearly max_request bytes of '[': refused at once. Checking it level
     * by level cost islandsd 4 s of CPU per line (the square of its
     * length), a stall for every client: 2 s is a bound with room. */
    static char open_only[60000 + 64];
    int n = snprintf(open_only, sizeof open_only, "{\"id\":10,\"op\":\"ping\",\"x\":");
    memset(open_only + n, '[', sizeof open_only - 1 - (size_t)n);
    raw_sends(c, open_only);
    raw_sends(c, "\n");
    char *refused = raw_line(c, 2000);
    ck_assert_msg(refused != NULL, "no answer within 2 s");
    ck_assert_ptr_nonnull(strstr(refused, "\"error\":\"bad_request\""));
    free(refused);
    raw_expect_ok(c, "{\"id\":11,\"op\":\"ping\"}");
    raw_close(c);
}
END_TEST

START_TEST(crlf_empty_lines_and_half_close_are_framed_as_specified)
{
    struct raw *c = raw_open(&testd_fixture);
    raw_sends(c, "\n\r\n{\"id\":1,\"op\":\"ping\"}\r\n\n{\"id\":2,\"op\":\"ping\"}\n");
    json_t *r = raw_recv(c);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
    json_decref(r);
    r = raw_recv(c);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 2);
    json_decref(r);
    /* Requests then shutdown(SHUT_WR): every response still comes; the
     * unterminated tail is not executed. */
    raw_sends(c, "{\"id\":3,\"op\":\"new_game\",\"game\":\"h\",\"name\":\"A\"}\n"
                 "{\"id\":4,\"op\":\"state\",\"game\":\"h\"}\n"
                 "{\"id\":5,\"op\":\"new_game\",\"game\":\"tail\",\"name\":\"A\"}");
    shutdown(c->fd, SHUT_WR);
    for (int id = 3; id <= 4; id++) {
        r = raw_recv(c);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id);
        ck_assert(testd_ok(r));
        json_decref(r);
    }
    ck_assert(raw_closed(c, 5000));
    raw_close(c);
    expect_error_free(testd_call(&testd_fixture, "{s:s, s:s}", "op", "state", "game", "tail"),
                      "no_such_game", "unterminated request");
}
END_TEST

/* Answers for one game come in the order of its requests, also for those
 * refused before they reach the game (bad arguments, a full queue). */
START_TEST(answers_of_one_game_keep_request_order_even_when_refused)
{
    expect_ok_free(testd_call(&testd_fixture, "{s:s, s:s, s:s}", "op", "new_game", "game", "o",
                              "name", "A"), "new_game");
    struct raw *c = raw_open(&testd_fixture);
    raw_sends(c, "{\"id\":1,\"op\":\"state\",\"game\":\"o\"}\n"
                 "{\"id\":2,\"op\":\"guess\",\"game\":\"o\",\"player\":\"player1\","
                 "\"token\":\"t\",\"row\":\"x\",\"col\":1}\n"
                 "{\"id\":3,\"op\":\"state\",\"game\":\"o\"}\n"
                 "{\"id\":4,\"op\":\"position_island\",\"game\":\"o\"}\n"
                 "{\"id\":5,\"op\":\"fly\",\"game\":\"o\"}\n"
                 "{\"id\":[6],\"op\":\"state\",\"game\":\"o\"}\n");
    static const char *const want[] = {NULL, "ok", "bad_request", "ok", "bad_request", "unknown_op"};
    for (int id = 1; id <= 5; id++) {
        json_t *r = raw_recv(c);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id);
        const char *error = json_string_value(json_object_get(r, "error"));
        ck_assert_str_eq(testd_ok(r) ? "ok" : error, want[id]);
        json_decref(r);
    }
    /* A bad id cannot be echoed: the answer's place is all that tells. */
    json_t *bad_id = raw_recv(c);
    ck_assert_ptr_null(json_object_get(bad_id, "id"));
    ck_assert_str_eq(testd_error(bad_id), "bad_request");
    json_decref(bad_id);
    /* More than queue_limit (256) at once: the busy ones after the rest. */
    enum { REQUESTS = 400 };
    size_t cap = REQUESTS * 64, len = 0;
    char *text = malloc(cap);
    for (int id = 1; id <= REQUESTS; id++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"id\":%d,\"op\":\"state\",\"game\":\"o\"}\n", id);
    raw_send(c, text, len);
    free(text);
    int busy = 0;
    for (int id = 1; id <= REQUESTS; id++) {
        json_t *r = raw_recv(c);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id);
        bool refused = !testd_ok(r);
        ck_assert_msg(!refused || strcmp(testd_error(r), "busy") == 0, "request %d: %s", id,
                      testd_error(r));
        busy += refused;
        json_decref(r);
    }
    ck_assert_int_gt(busy, 0);
    raw_close(c);
}
END_TEST

static Suite *protocol_edges_suite(void)
{
    Suite *s = suite_create("protocol_edges");
    TCase *tc = tcase_create("edges");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, testd_fixture_start, testd_fixture_stop);
    tcase_add_test(tc, repeated_guess_gives_the_same_answer_and_uses_the_turn);
    tcase_add_test(tc, set_islands_repeats_until_the_other_sets_and_player1_starts);
    tcase_add_test(tc, id_is_echoed_unchanged_or_left_out);
    tcase_add_test(tc, id_is_echoed_as_written);
    tcase_add_test(tc, numbers_and_nuls_beyond_jansson_are_judged_as_json);
    tcase_add_test(tc, crlf_empty_lines_and_half_close_are_framed_as_specified);
    tcase_add_test(tc, answers_of_one_game_keep_request_order_even_when_refused);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(protocol_edges_suite)
