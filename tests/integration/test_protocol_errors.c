/* Every error code of PROTOCOL.md, provoked through the raw wire. */
#include <signal.h>
#include <stdarg.h>

#include "check_main.h"
#include "protocol_harness.h"

static struct testd daemon_under_test;
static struct raw *conn;

static void start_plain(void)
{
    memset(&daemon_under_test, 0, sizeof daemon_under_test);
    testd_start(&daemon_under_test, "max_request = 200");
    conn = raw_open(&daemon_under_test);
}

static void stop_daemon(void)
{
    raw_close(conn);
    testd_stop(&daemon_under_test);
    testd_cleanup(&daemon_under_test);
}

/* Send `fmt` (printf-style) as one line; expect error `code`. */
static void expect_line_error(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect_line_error(const char *code, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    raw_expect_error(conn, line, code);
}

START_TEST(malformed_requests_are_bad_request_and_the_connection_goes_on)
{
    static const char *const lines[] = {
        "not json", "[1,2]", "42", "\"op\"", "null", "{}", "{\"op\":5}", "{\"op\":null}",
        "{\"op\":\"ping\"", "{\"op\":\"state\"}", "{\"op\":\"state\",\"game\":7}",
        "{\"op\":\"new_game\",\"game\":\"g\"}", "{\"op\":\"new_game\",\"game\":\"g\",\"name\":1}",
        "{\"op\":\"new_game\",\"game\":\"a/b\",\"name\":\"A\"}",
        "{\"op\":\"new_game\",\"game\":\"\",\"name\":\"A\"}",
        "{\"op\":\"new_game\",\"game\":\"sp ace\",\"name\":\"A\"}",
        "{\"op\":\"new_game\",\"game\":\"g\",\"name\":\"\"}",
        "{\"op\":\"new_game\",\"game\":\"g\",\"name\":\"a\\u0007b\"}",
        "{\"id\":[1],\"op\":\"ping\"}"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        raw_expect_error(conn, lines[i], "bad_request");
    char long_name[80];
    memset(long_name, 'n', 65);
    long_name[65] = '\0';
    expect_line_error("bad_request", "{\"op\":\"new_game\",\"game\":\"%s\",\"name\":\"A\"}",
                      long_name);
    expect_line_error("bad_request", "{\"op\":\"state\",\"game\":\"%s\"}", long_name);
    long_name[64] = '\0';
    expect_line_error("no_such_game", "{\"op\":\"state\",\"game\":\"%s\"}", long_name);
    /* Invalid UTF-8 inside a string, and the answer to an unparsable line
     * carries no id. */
    json_t *r = raw_call(conn, "{\"id\":3,\"op\":\"new_game\",\"game\":\"g\",\"name\":\"\xff\xfe\"}");
    ck_assert_str_eq(testd_error(r), "bad_request");
    ck_assert_ptr_null(json_object_get(r, "id"));
    json_decref(r);
    r = raw_call(conn, "{\"id\":4,");
    ck_assert_str_eq(testd_error(r), "bad_request");
    ck_assert_ptr_null(json_object_get(r, "id"));
    json_decref(r);
    /* No game was created by any of it, and the connection still serves. */
    raw_expect_error(conn, "{\"op\":\"state\",\"game\":\"g\"}", "no_such_game");
    raw_expect_ok(conn, "{\"op\":\"ping\"}");
}
END_TEST

START_TEST(dot_names_are_valid_games)
{
    raw_expect_ok(conn, "{\"op\":\"new_game\",\"game\":\".\",\"name\":\"A\"}");
    raw_expect_ok(conn, "{\"op\":\"new_game\",\"game\":\"..\",\"name\":\"B\"}");
    raw_expect_ok(conn, "{\"op\":\"new_game\",\"game\":\"Aa0_.-\",\"name\":\"C\"}");
    raw_expect_error(conn, "{\"op\":\"new_game\",\"game\":\"Aa0_.-\",\"name\":\"C\"}", "game_exists");
    raw_expect_ok(conn, "{\"op\":\"new_game\",\"game\":\"aA0_.-\",\"name\":\"C\"}");
    json_t *r = raw_call(conn, "{\"op\":\"state\",\"game\":\"..\"}");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "player1"), "name")),
                     "B");
    json_decref(r);
}
END_TEST

START_TEST(numbers_must_be_json_integers)
{
    char tok1[33], tok2[33];
    testd_setup_game(&daemon_under_test, "g", tok1, tok2);
    const char *shape = "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"token\":\"%s\","
                        "\"row\":%s,\"col\":1}";
    static const char *const bad_rows[] = {"5.0", "\"5\"", "null", "true", "[5]", "1e0"};
    char line[512];
    for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
        snprintf(line, sizeof line, shape, tok1, bad_rows[i]);
        raw_expect_error(conn, line, "bad_request");
    }
    snprintf(line, sizeof line, shape, tok1, "0");
    raw_expect_error(conn, line, "invalid_coordinate");
    snprintf(line, sizeof line, shape, tok1, "11");
    raw_expect_error(conn, line, "invalid_coordinate");
    snprintf(line, sizeof line, shape, tok1, "-3");
    raw_expect_error(conn, line, "invalid_coordinate");
    /* None of them used the turn: player 1 still guesses. */
    snprintf(line, sizeof line, shape, tok1, "10");
    raw_expect_ok(conn, line);
}
END_TEST

START_TEST(oversized_line_is_refused_before_its_newline_and_closes)
{
    struct raw *other = raw_open(&daemon_under_test);
    char line[300];
    /* Exactly max_request (200) bytes is served. */
    int n = snprintf(line, sizeof line, "{\"op\":\"ping\",\"pad\":\"");
    memset(line + n, 'x', (size_t)(200 - n - 2));
    memcpy(line + 198, "\"}", 3);
    ck_assert_uint_eq(strlen(line), 200);
    raw_expect_ok(conn, line);
    /* One more byte, with no newline sent: answered at once, then closed. */
    line[198] = 'x';
    memcpy(line + 199, "x\"", 3);
    raw_sends(conn, line);
    json_t *r = raw_recv(conn);
    ck_assert_str_eq(testd_error(r), "request_too_large");
    json_decref(r);
    ck_assert(raw_closed(conn, 5000));
    /* Nothing else was affected. */
    raw_expect_ok(other, "{\"op\":\"ping\"}");
    raw_close(other);
}
END_TEST

START_TEST(unknown_op_no_such_game_game_exists_unauthorized)
{
    raw_expect_error(conn, "{\"op\":\"fly\"}", "unknown_op");
    raw_expect_error(conn, "{\"op\":\"state\",\"game\":\"nope\"}", "no_such_game");
    raw_expect_error(conn, "{\"op\":\"add_player\",\"game\":\"nope\",\"name\":\"B\"}",
                     "no_such_game");
    char tok1[33], tok2[33];
    testd_setup_game(&daemon_under_test, "g", tok1, tok2);
    raw_expect_error(conn, "{\"op\":\"new_game\",\"game\":\"g\",\"name\":\"A\"}", "game_exists");
    raw_expect_error(conn, "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"row\":1,"
                           "\"col\":1}", "unauthorized");
    expect_line_error("unauthorized", "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\","
                      "\"token\":\"%s\",\"row\":1,\"col\":1}", tok2);
    expect_line_error("unauthorized", "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\","
                      "\"token\":\"%.31s\",\"row\":1,\"col\":1}", tok1);
    expect_line_error("bad_request", "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player3\","
                      "\"token\":\"%s\",\"row\":1,\"col\":1}", tok1);
}
END_TEST

static void position(const char *token, const char *player, const char *island, const char *row,
                     const char *col, const char *code)
{
    char line[512];
    snprintf(line, sizeof line,
             "{\"op\":\"position_island\",\"game\":\"p\",\"player\":\"%s\",\"token\":\"%s\","
             "\"island\":\"%s\",\"row\":%s,\"col\":%s}", player, token, island, row, col);
    if (code)
        raw_expect_error(conn, line, code);
    else
        raw_expect_ok(conn, line);
}

START_TEST(positioning_errors)
{
    json_t *r = raw_call(conn, "{\"op\":\"new_game\",\"game\":\"p\",\"name\":\"A\"}");
    char tok[33];
    snprintf(tok, sizeof tok, "%s", json_string_value(json_object_get(r, "token")));
    json_decref(r);
    raw_expect_ok(conn, "{\"op\":\"add_player\",\"game\":\"p\",\"name\":\"B\"}");
    position(tok, "player1", "dot", "0", "1", "invalid_coordinate");
    position(tok, "player1", "dot", "1", "11", "invalid_coordinate");
    position(tok, "player1", "atoll", "9", "1", "invalid_coordinate");
    position(tok, "player1", "square", "1", "10", "invalid_coordinate");
    position(tok, "player1", "boat", "11", "1", "invalid_coordinate");
    position(tok, "player1", "boat", "1", "1", "invalid_island_type");
    position(tok, "player1", "atoll", "8", "9", NULL);
    position(tok, "player1", "dot", "9", "10", "overlapping_island");
    position(tok, "player1", "dot", "9", "9", NULL);   /* the atoll's hole is free */
    raw_expect_error(conn, "{\"op\":\"set_islands\",\"game\":\"p\",\"player\":\"player1\","
                           "\"token\":\"x\"}", "unauthorized");
    char line[256];
    snprintf(line, sizeof line,
             "{\"op\":\"set_islands\",\"game\":\"p\",\"player\":\"player1\",\"token\":\"%s\"}",
             tok);
    raw_expect_error(conn, line, "not_all_islands_positioned");
}
END_TEST

START_TEST(moves_the_rules_forbid_are_not_allowed)
{
    struct testd *d = &daemon_under_test;
    char tok1[33], tok2[33];
    testd_setup_game(d, "g", tok1, tok2);
    raw_expect_error(conn, "{\"op\":\"add_player\",\"game\":\"g\",\"name\":\"Cy\"}", "not_allowed");
    expect_error_free(testd_call(d, "{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "op",
                                 "position_island", "game", "g", "player", "player1", "token",
                                 tok1, "island", "dot", "row", 10, "col", 10),
                      "not_allowed", "position after set");
    expect_error_free(guess(d, "g", 2, tok2, 1, 1), "not_allowed", "player 2 first");
    expect_error_free(guess(d, "g", 2, tok2, 99, 0), "not_allowed", "out of turn, bad square");
    play_moves(d, "g", tok1, tok2, 0, 18);
    expect_error_free(guess(d, "g", 2, tok2, 1, 1), "not_allowed", "after game over");
    expect_error_free(guess(d, "g", 1, tok1, 1, 1), "not_allowed", "winner after game over");
}
END_TEST

START_TEST(max_games_and_max_clients_give_busy)
{
    struct testd d = {0};
    testd_start(&d, "max_games = 2\nmax_clients = 3");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "a", "name", "A"),
                   "first game");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "b", "name", "A"),
                   "second game");
    expect_error_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "c", "name",
                                 "A"), "busy", "third game");
    json_t *r = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "a");
    ck_assert(testd_ok(r));
    json_decref(r);
    /* testd's own connection is one client; two more fit, the next is
     * answered busy, and served once a place frees. */
    struct raw *c1 = raw_open(&d), *c2 = raw_open(&d), *c3 = raw_open(&d);
    raw_expect_ok(c1, "{\"op\":\"ping\"}");
    raw_expect_ok(c2, "{\"op\":\"ping\"}");
    r = raw_call(c3, "{\"id\":9,\"op\":\"ping\"}");
    ck_assert_str_eq(testd_error(r), "busy");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 9);
    json_decref(r);
    raw_close(c1);
    bool served = false;
    for (int i = 0; i < 100 && !served; i++) {
        r = raw_call(c3, "{\"id\":10,\"op\":\"ping\"}");
        served = testd_ok(r);
        json_decref(r);
        if (!served)
            ms_sleep(10);
    }
    ck_assert_msg(served, "the waiting client was never served");
    raw_close(c3);
    raw_close(c2);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

START_TEST(hung_worker_gives_game_unavailable_with_unknown_outcome)
{
    struct testd d = {0};
    testd_start(&d, "request_timeout_ms = 300\nrestart = permanent\nintensity = 10");
    char tok1[33], tok2[33];
    testd_setup_game(&d, "g", tok1, tok2);
    long pid = testd_worker_pid(&d, "g");
    ck_assert_int_eq(kill((pid_t)pid, SIGSTOP), 0);
    json_t *r = guess(&d, "g", 1, tok1, 1, 1);
    ck_assert_str_eq(testd_error(r), "game_unavailable");
    ck_assert_str_eq(json_string_value(json_object_get(r, "outcome")), "unknown");
    json_decref(r);
    /* The game comes back; the guess either happened or not, and state says. */
    ck_assert_int_ne(testd_wait_new_pid(&d, "g", pid, 10000), 0);
    r = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "g");
    ck_assert(testd_ok(r));
    json_decref(r);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* A batch of games, pipelined: new_game then add_player for each, with
 * names of 64 four-byte characters so that few games fill the store.
 * Returns the index of the first game whose new_game failed with
 * store_error (-1 if none); *half_added gets a game whose add_player
 * failed with store_error (-1 if none). Other answers fail the test. */
static int create_batch(struct raw *c, int first, int count, int *half_added)
{
    char name[257] = "", line[1024];
    for (int i = 0; i < 64; i++)
        strcat(name, "\xf0\x9f\x98\x80");
    for (int g = first; g < first + count; g++) {
        snprintf(line, sizeof line, "{\"id\":%d,\"op\":\"new_game\",\"game\":\"g%d\",\"name\":\"%s\"}\n"
                 "{\"id\":%d,\"op\":\"add_player\",\"game\":\"g%d\",\"name\":\"%s\"}\n",
                 2 * g, g, name, 2 * g + 1, g, name);
        raw_sends(c, line);
    }
    int refused = -1;
    for (int i = 0; i < 2 * count; i++) {
        json_t *r = raw_recv(c);
        int id = (int)json_integer_value(json_object_get(r, "id"));
        const char *e = testd_error(r);
        int game = id / 2, new_game = id % 2 == 0;
        if (strcmp(e, "store_error") == 0 && new_game) {
            if (refused < 0 || game < refused)
                refused = game;
        }
        else if (strcmp(e, "store_error") == 0 && !new_game)
            *half_added = game;
        else
            ck_assert_msg(testd_ok(r) || (strcmp(e, "no_such_game") == 0 && !new_game),
                          "request %d: %s", id, e);
        json_decref(r);
    }
    return refused;
}

START_TEST(full_store_gives_store_error_and_changes_nothing)
{
    struct testd d = {0};
    testd_start(&d, "map_size = 1048576");
    struct raw *c = raw_open(&d);
    int refused = -1, half_added = -1, first = 0;
    while (refused < 0 && first < 4000) {
        refused = create_batch(c, first, 50, &half_added);
        first += 50;
    }
    ck_assert_msg(refused >= 0, "a 1 MiB store never filled up (%d games)", first);
    char name[32];
    snprintf(name, sizeof name, "g%d", refused);
    expect_error_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", name), "no_such_game",
                      "the refused game");
    if (half_added >= 0) {
        snprintf(name, sizeof name, "g%d", half_added);
        json_t *s = testd_call(&d, "{s:s, s:s}", "op", "state", "game", name);
        ck_assert(testd_ok(s));
        ck_assert(json_is_null(json_object_get(s, "player2")));
        json_decref(s);
    }
    expect_ok_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", "g0"), "an older game");
    expect_ok_free(testd_call(&d, "{s:s}", "op", "ping"), "ping");
    /* A refused new_game leaves no worker behind: every live child holds
     * a listed game (else each refusal would keep a process and a place
     * under max_children, and a full store could never be emptied). */
    long children = -1, holding = -2;
    for (int tries = 0; tries < 200 && children != holding; tries++) {
        testd_sleep_ms(10);
        json_t *st = testd_call(&d, "{s:s}", "op", "status");
        children = (long)json_integer_value(json_object_get(st, "children"));
        json_decref(st);
        json_t *l = testd_call(&d, "{s:s}", "op", "list"), *g;
        size_t i;
        holding = 0;
        json_array_foreach(json_object_get(l, "games"), i, g)
            holding += json_is_integer(json_object_get(g, "pid"));
        json_decref(l);
    }
    ck_assert_int_eq(children, holding);
    raw_close(c);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

static Suite *protocol_errors_suite(void)
{
    Suite *s = suite_create("protocol_errors");
    TCase *tc = tcase_create("errors");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, start_plain, stop_daemon);
    tcase_add_test(tc, malformed_requests_are_bad_request_and_the_connection_goes_on);
    tcase_add_test(tc, dot_names_are_valid_games);
    tcase_add_test(tc, numbers_must_be_json_integers);
    tcase_add_test(tc, oversized_line_is_refused_before_its_newline_and_closes);
    tcase_add_test(tc, unknown_op_no_such_game_game_exists_unauthorized);
    tcase_add_test(tc, positioning_errors);
    tcase_add_test(tc, moves_the_rules_forbid_are_not_allowed);
    suite_add_tcase(s, tc);
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, max_games_and_max_clients_give_busy);
    tcase_add_test(limits, hung_worker_gives_game_unavailable_with_unknown_outcome);
    tcase_add_test(limits, full_store_gives_store_error_and_changes_nothing);
    suite_add_tcase(s, limits);
    return s;
}

ISL_CHECK_MAIN(protocol_errors_suite)
