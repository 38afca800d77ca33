/* PROTOCOL.md, op by op, through the raw wire: every success field, the
 * state views for players, admins and other users, end_game, and the
 * admin ops. */
#include <signal.h>

#include "check_main.h"
#include "protocol_peer.h"


/* The token of a new_game / add_player response, checked and copied. */
static void take_token(json_t *r, const char *player, char *token)
{
    ck_assert_msg(testd_ok(r), "expected ok: %s", testd_error(r));
    ck_assert_str_eq(json_string_value(json_object_get(r, "player")), player);
    const char *t = json_string_value(json_object_get(r, "token"));
    ck_assert_msg(t && t[0] && strlen(t) < 33, "bad token");
    snprintf(token, 33, "%s", t);
    json_decref(r);
}

START_TEST(game_ops_return_their_success_fields)
{
    struct raw *c = raw_open(&testd_fixture);
    char tok1[33], tok2[33], line[512];
    json_t *r = raw_call(c, "{\"id\":1,\"op\":\"new_game\",\"game\":\"g\",\"name\":\"Ann\"}");
    ck_assert_str_eq(json_string_value(json_object_get(r, "game")), "g");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
    take_token(r, "player1", tok1);
    take_token(raw_call(c, "{\"op\":\"add_player\",\"game\":\"g\",\"name\":\"Bob\"}"), "player2",
               tok2);
    ck_assert_str_ne(tok1, tok2);

    static const char *const islands[] = {"atoll", "dot", "l_shape", "s_shape", "square"};
    static const int at[5][2] = {{1, 1}, {1, 4}, {1, 5}, {5, 1}, {5, 5}};
    const char *tokens[] = {tok1, tok2};
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < 5; i++) {
            snprintf(line, sizeof line,
                     "{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player%d\","
                     "\"token\":\"%s\",\"island\":\"%s\",\"row\":%d,\"col\":%d}",
                     p + 1, tokens[p], islands[i], at[i][0], at[i][1]);
            raw_expect_ok(c, line);
        }
        snprintf(line, sizeof line,
                 "{\"op\":\"set_islands\",\"game\":\"g\",\"player\":\"player%d\",\"token\":\"%s\"}",
                 p + 1, tokens[p]);
        r = raw_call(c, line);
        ck_assert(testd_ok(r));
        json_t *board = json_object_get(r, "board");
        ck_assert_int_eq(json_object_size(board), 5);
        json_t *atoll = json_object_get(board, "atoll");
        ck_assert_int_eq(json_array_size(json_object_get(atoll, "squares")), 5);
        ck_assert_int_eq(json_array_size(json_object_get(atoll, "hit")), 0);
        ck_assert(json_is_false(json_object_get(atoll, "forested")));
        json_decref(r);
    }
    /* A hit that forests the dot, then a miss. */
    snprintf(line, sizeof line,
             "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"token\":\"%s\","
             "\"row\":1,\"col\":4}", tok1);
    r = raw_call(c, line);
    ck_assert(testd_ok(r));
    ck_assert(json_is_true(json_object_get(r, "hit")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "forested")), "dot");
    ck_assert(json_is_false(json_object_get(r, "win")));
    json_decref(r);
    snprintf(line, sizeof line,
             "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player2\",\"token\":\"%s\","
             "\"row\":10,\"col\":10}", tok2);
    r = raw_call(c, line);
    ck_assert(json_is_false(json_object_get(r, "hit")));
    ck_assert(json_is_null(json_object_get(r, "forested")));
    ck_assert(json_is_false(json_object_get(r, "win")));
    json_decref(r);
    raw_close(c);
}
END_TEST

START_TEST(a_full_game_ends_in_a_win_and_game_over)
{
    struct testd *d = &testd_fixture;
    char tok1[33], tok2[33];
    testd_setup_game(d, "w", tok1, tok2);
    play_moves(d, "w", tok1, tok2, 0, 18);
    json_t *s = testd_call(d, "{s:s, s:s}", "op", "state", "game", "w");
    ck_assert_str_eq(rules_state(s), "game_over");
    json_decref(s);
}
END_TEST

static void check_boards(json_t *state, int board1, int board2)
{
    json_t *p1 = json_object_get(state, "player1"), *p2 = json_object_get(state, "player2");
    ck_assert_str_eq(json_string_value(json_object_get(p1, "name")), "Ann");
    ck_assert_str_eq(json_string_value(json_object_get(p2, "name")), "Bob");
    ck_assert_int_eq(json_object_get(p1, "board") != NULL, board1);
    ck_assert_int_eq(json_object_get(p2, "board") != NULL, board2);
    ck_assert(json_is_object(json_object_get(p1, "guesses")));
    ck_assert(json_is_array(json_object_get(json_object_get(p2, "guesses"), "misses")));
    ck_assert_str_eq(json_string_value(json_object_get(state, "game")), "v");
    json_t *rules = json_object_get(state, "rules");
    ck_assert_str_eq(json_string_value(json_object_get(rules, "player1")), "islands_set");
    ck_assert_str_eq(json_string_value(json_object_get(rules, "player2")), "islands_set");
    json_decref(state);
}

START_TEST(state_views_hide_boards_by_caller)
{
    struct testd *d = &testd_fixture;
    char tok1[33], tok2[33], line[256];
    testd_setup_game(d, "v", tok1, tok2);
    check_boards(testd_call(d, "{s:s, s:s}", "op", "state", "game", "v"), 1, 1);
    check_boards(testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "state", "game", "v", "player",
                            "player1", "token", tok1), 1, 0);
    check_boards(testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "state", "game", "v", "player",
                            "player2", "token", tok2), 0, 1);
    expect_error_free(testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "state", "game", "v", "player",
                                 "player2", "token", tok1), "unauthorized", "state wrong token");

    struct raw *nobody = raw_open_as_nobody(d);
    check_boards(raw_call(nobody, "{\"op\":\"state\",\"game\":\"v\"}"), 0, 0);
    snprintf(line, sizeof line,
             "{\"op\":\"state\",\"game\":\"v\",\"player\":\"player1\",\"token\":\"%s\"}", tok1);
    check_boards(raw_call(nobody, line), 1, 0);
    raw_close(nobody);
}
END_TEST

START_TEST(state_before_second_player_has_null_player2)
{
    struct testd *d = &testd_fixture;
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "one", "name", "Ann"),
                   "new_game");
    json_t *s = testd_call(d, "{s:s, s:s}", "op", "state", "game", "one");
    ck_assert_str_eq(rules_state(s), "initialized");
    ck_assert(json_is_null(json_object_get(s, "player2")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "rules"), "player1")),
                     "islands_not_set");
    json_decref(s);
}
END_TEST

START_TEST(end_game_stops_worker_removes_record_and_frees_name)
{
    struct testd *d = &testd_fixture;
    char tok1[33], tok2[33];
    testd_setup_game(d, "e", tok1, tok2);
    long pid = testd_worker_pid(d, "e");
    ck_assert_int_gt(pid, 0);
    expect_error_free(testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "end_game", "game", "e",
                                 "player", "player2", "token", tok1), "unauthorized", "wrong token");
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "end_game", "game", "e", "player",
                              "player2", "token", tok2), "end_game");
    /* Its worker leaves the game: with spares on (the default), it goes
     * back to the pool rather than exiting. */
    char line[96];
    snprintf(line, sizeof line, "event=worker_recycled game=e pid=%ld ", pid);
    ck_assert_msg(testd_wait_log_count(d, line, 1) == 1, "worker %ld did not leave game e", pid);
    expect_error_free(testd_call(d, "{s:s, s:s}", "op", "state", "game", "e"), "no_such_game",
                      "state after end");
    expect_error_free(guess(d, "e", 1, tok1, 1, 1), "no_such_game", "guess after end");
    json_t *l = testd_call(d, "{s:s}", "op", "list");
    ck_assert_int_eq(json_array_size(json_object_get(l, "games")), 0);
    json_decref(l);
    json_t *st = testd_call(d, "{s:s}", "op", "status");
    ck_assert_int_eq(json_integer_value(json_object_get(st, "games")), 0);
    json_decref(st);
    /* The name is free again, and an admin may end a game without a token. */
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "e", "name", "Cy"),
                   "new_game again");
    expect_ok_free(testd_call(d, "{s:s, s:s}", "op", "end_game", "game", "e"), "admin end_game");
    expect_error_free(testd_call(d, "{s:s, s:s}", "op", "state", "game", "e"), "no_such_game",
                      "state after admin end");
}
END_TEST

START_TEST(non_admin_needs_a_token_to_end_a_game)
{
    struct testd *d = &testd_fixture;
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "n", "name", "Ann"),
                   "new_game");
    struct raw *nobody = raw_open_as_nobody(d);
    raw_expect_error(nobody, "{\"op\":\"end_game\",\"game\":\"n\"}", "unauthorized");
    raw_close(nobody);
    json_t *s = testd_call(d, "{s:s, s:s}", "op", "state", "game", "n");
    ck_assert(testd_ok(s));
    json_decref(s);
}
END_TEST

START_TEST(ping_list_status_answer_with_their_fields)
{
    struct testd *d = &testd_fixture;
    char tok1[33], tok2[33];
    testd_setup_game(d, "a", tok1, tok2);
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "b", "name", "Ann"),
                   "new_game");
    json_t *r = testd_call(d, "{s:s}", "op", "ping");
    ck_assert(json_is_string(json_object_get(r, "version")));
    ck_assert(json_is_integer(json_object_get(r, "protocol")));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "protocol")), 1);
    json_decref(r);

    r = testd_call(d, "{s:s}", "op", "list");
    json_t *games = json_object_get(r, "games"), *g;
    ck_assert_int_eq(json_array_size(games), 2);
    size_t i;
    json_array_foreach(games, i, g) {
        const char *name = json_string_value(json_object_get(g, "game"));
        const char *state = json_string_value(json_object_get(g, "state"));
        ck_assert_str_eq(state, strcmp(name, "a") == 0 ? "player1_turn" : "initialized");
        json_t *pid = json_object_get(g, "pid");
        ck_assert(json_is_integer(pid) || json_is_null(pid));
        ck_assert(json_is_integer(json_object_get(g, "restarts")));
    }
    json_decref(r);

    r = testd_call(d, "{s:s}", "op", "status");
    ck_assert(json_is_string(json_object_get(r, "strategy")));
    static const char *const numbers[] = {"intensity", "period", "children", "games", "restarts",
                                          "uptime_s"};
    for (size_t k = 0; k < 6; k++)
        ck_assert_msg(json_is_integer(json_object_get(r, numbers[k])), "status.%s", numbers[k]);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "games")), 2);
    json_decref(r);
}
END_TEST

START_TEST(admin_ops_are_forbidden_to_other_users_but_ping)
{
    struct testd *d = &testd_fixture;
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "x", "name", "Ann"),
                   "new_game");
    struct raw *nobody = raw_open_as_nobody(d);
    json_t *r = raw_call(nobody, "{\"op\":\"ping\"}");
    ck_assert(testd_ok(r));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "protocol")), 1);
    json_decref(r);
    raw_expect_error(nobody, "{\"op\":\"list\"}", "forbidden");
    raw_expect_error(nobody, "{\"op\":\"status\"}", "forbidden");
    raw_expect_error(nobody, "{\"op\":\"crash\",\"game\":\"x\",\"signal\":\"KILL\"}", "forbidden");
    raw_close(nobody);
}
END_TEST

START_TEST(crash_is_forbidden_unless_enabled)
{
    struct testd *d = &testd_fixture;
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "x", "name", "Ann"),
                   "new_game");
    expect_error_free(testd_call(d, "{s:s, s:s, s:s}", "op", "crash", "game", "x", "signal",
                                 "KILL"), "forbidden", "crash while disabled");
}
END_TEST

START_TEST(crash_hits_the_worker_and_reports_its_pid)
{
    struct testd d = {0};
    testd_start(&d, "crash_injection = true\nrestart = permanent\nintensity = 10");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "x", "name", "Ann"),
                   "new_game");
    long pid = testd_worker_pid(&d, "x");
    json_t *r = testd_call(&d, "{s:s, s:s, s:s}", "op", "crash", "game", "x", "signal", "KILL");
    ck_assert(testd_ok(r));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "pid")), pid);
    json_decref(r);
    ck_assert_int_ne(testd_wait_new_pid(&d, "x", pid, 10000), 0);
    json_t *s = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "x");
    ck_assert_str_eq(rules_state(s), "initialized");
    json_decref(s);
    struct raw *nobody = raw_open_as_nobody(&d);
    raw_expect_error(nobody, "{\"op\":\"crash\",\"game\":\"x\",\"signal\":\"KILL\"}", "forbidden");
    raw_close(nobody);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

static Suite *protocol_ops_suite(void)
{
    Suite *s = suite_create("protocol_ops");
    TCase *tc = tcase_create("ops");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, testd_fixture_start, testd_fixture_stop);
    tcase_add_test(tc, game_ops_return_their_success_fields);
    tcase_add_test(tc, a_full_game_ends_in_a_win_and_game_over);
    tcase_add_test(tc, state_views_hide_boards_by_caller);
    tcase_add_test(tc, state_before_second_player_has_null_player2);
    tcase_add_test(tc, end_game_stops_worker_removes_record_and_frees_name);
    tcase_add_test(tc, non_admin_needs_a_token_to_end_a_game);
    tcase_add_test(tc, ping_list_status_answer_with_their_fields);
    tcase_add_test(tc, admin_ops_are_forbidden_to_other_users_but_ping);
    tcase_add_test(tc, crash_is_forbidden_unless_enabled);
    suite_add_tcase(s, tc);
    TCase *crash = tcase_create("crash");
    tcase_set_timeout(crash, 30);
    tcase_add_test(crash, crash_hits_the_worker_and_reports_its_pid);
    suite_add_tcase(s, crash);
    return s;
}

ISL_CHECK_MAIN(protocol_ops_suite)
