/* What outlives a request: games across a clean restart and a SIGKILL of
 * islandsd, requests queued behind a crash, the idle game timeout,
 * hibernation of idle workers, and a move in its commit when islandsd is
 * stopped. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "check_main.h"
#include "islands/clock.h"
#include "protocol_harness.h"

#define GAMES 3

static const char *const game_names[GAMES] = {"r0", "r1", "r2"};

/* Start GAMES games and play `moves` hits of each; returns tokens. */
static void start_games(struct testd *d, char tok[GAMES][2][33], int moves)
{
    for (int g = 0; g < GAMES; g++) {
        testd_setup_game(d, game_names[g], tok[g][0], tok[g][1]);
        play_moves(d, game_names[g], tok[g][0], tok[g][1], 0, moves);
    }
}

static void finish_games(struct testd *d, char tok[GAMES][2][33], int moves)
{
    for (int g = 0; g < GAMES; g++) {
        play_moves(d, game_names[g], tok[g][0], tok[g][1], moves, 18);
        json_t *s = testd_call(d, "{s:s, s:s}", "op", "state", "game", game_names[g]);
        ck_assert_str_eq(rules_state(s), "game_over");
        json_decref(s);
    }
}

START_TEST(games_survive_a_clean_restart)
{
    struct testd d = {0};
    char tok[GAMES][2][33];
    testd_start(&d, NULL);
    start_games(&d, tok, 7);
    char *before = admin_state(&d, "r1");
    int status = testd_stop(&d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d", status);
    testd_start(&d, NULL);
    char *after = admin_state(&d, "r1");
    ck_assert_str_eq(after, before);
    free(before), free(after);
    finish_games(&d, tok, 7);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

START_TEST(every_acknowledged_move_survives_kill_9)
{
    struct testd d = {0};
    char tok[GAMES][2][33];
    testd_start(&d, NULL);
    start_games(&d, tok, 9);
    char *before[GAMES];
    for (int g = 0; g < GAMES; g++)
        before[g] = admin_state(&d, game_names[g]);
    /* The whole process group: islandsd, its writer and its workers. */
    ck_assert_int_eq(kill(-d.pid, SIGKILL), 0);
    int status;
    waitpid(d.pid, &status, 0);
    for (int i = 0; i < 500 && testd_group_processes(d.pid) > 0; i++)
        ms_sleep(10);
    isl_client_close(d.client);
    d.client = NULL;
    testd_start(&d, NULL);
    for (int g = 0; g < GAMES; g++) {
        char *after = admin_state(&d, game_names[g]);
        ck_assert_str_eq(after, before[g]);
        free(after);
        free(before[g]);
    }
    finish_games(&d, tok, 9);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* Requests pipelined for one game behind a `crash` wait for the next
 * worker, which has reloaded every acknowledged move: none is lost,
 * refused or answered out of order, and each crash hits its own worker. */
START_TEST(requests_pipelined_behind_a_crash_are_served_by_the_next_worker)
{
    struct testd d = {0};
    char tok1[33], tok2[33];
    testd_start(&d, "crash_injection = true\nintensity = 10\nperiod = 60\n");
    testd_setup_game(&d, "q", tok1, tok2);
    json_t *st = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "q");
    json_int_t changes = json_integer_value(json_object_get(st, "changes"));
    json_decref(st);
    ck_assert_int_gt(changes, 0);
    json_t *reqs[8];
    for (int i = 0; i < 3; i++) {
        const int *hit = layout_squares[i];
        reqs[3 * i] = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i}", "id", 3 * i, "op", "guess",
                                "game", "q", "player", "player1", "token", tok1, "row", hit[0],
                                "col", hit[1]);
        if (i == 2)
            break;
        reqs[3 * i + 1] = json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i}", "id", 3 * i + 1, "op",
                                    "guess", "game", "q", "player", "player2", "token", tok2,
                                    "row", 10, "col", 1 + i);
        reqs[3 * i + 2] = json_pack("{s:i, s:s, s:s, s:s}", "id", 3 * i + 2, "op", "crash", "game",
                                    "q", "signal", "KILL");
    }
    reqs[7] = json_pack("{s:i, s:s, s:s}", "id", 7, "op", "state", "game", "q");
    struct isl_client *c = testd_connect(&d);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(isl_client_send(c, reqs[i], 5000), ISL_CLIENT_OK);
        json_decref(reqs[i]);
    }
    json_int_t crashed[2] = {0, 0};
    for (int i = 0; i < 8; i++) {
        json_t *r = NULL;
        ck_assert_int_eq(isl_client_recv(c, &r, 20000), ISL_CLIENT_OK);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), i);   /* in order */
        ck_assert_msg(testd_ok(r), "request %d: %s", i, testd_error(r));
        if (i % 3 == 0 && i < 7)
            ck_assert(json_is_true(json_object_get(r, "hit")));
        if (i % 3 == 2)
            crashed[i / 3] = json_integer_value(json_object_get(r, "pid"));
        if (i == 7) {
            ck_assert_str_eq(rules_state(r), "player2_turn");
            ck_assert_int_eq(json_integer_value(json_object_get(r, "changes")), changes + 5);
        }
        json_decref(r);
    }
    isl_client_close(c);
    ck_assert_int_gt(crashed[0], 0);
    ck_assert_int_gt(crashed[1], 0);
    ck_assert_int_ne(crashed[0], crashed[1]);
    ck_assert_int_eq(testd_log_count(&d, "event=worker_exit game=q "), 2);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

START_TEST(idle_game_times_out_and_frees_its_name)
{
    struct testd d = {0};
    testd_start(&d, "game_timeout = 2");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "idle", "name",
                              "A"), "new_game");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "busy", "name",
                              "A"), "new_game");
    /* "busy" keeps being asked for, "idle" is left alone. */
    int gone = 0;
    for (int i = 0; i < 80 && !gone; i++) {
        ms_sleep(100);
        expect_ok_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", "busy"), "busy");
        json_t *l = testd_call(&d, "{s:s}", "op", "list");
        gone = json_array_size(json_object_get(l, "games")) == 1;
        json_decref(l);
    }
    ck_assert_msg(gone, "the idle game did not end within 8 s of game_timeout = 2");
    expect_error_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", "idle"), "no_such_game",
                      "idle game");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "idle", "name",
                              "B"), "name reused");
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* A request that reaches the worker as it deletes its timed-out game is
 * not applied there: it is served as if it came just after, so a
 * `new_game` of that name creates the game (the name is free) rather than
 * being told `no_such_game`, which new_game never answers. The writer is
 * held so that the deletion is still going on when the request arrives. */
START_TEST(a_request_racing_the_timeout_is_served_after_it)
{
    struct testd d = {0};
    testd_start(&d, "game_timeout = 1\nrequest_timeout_ms = 60000\n");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "t", "name", "A"),
                   "new_game");
    long writer;
    ck_assert_int_eq(testd_children(d.pid, "islands-writer", &writer, 1), 1);
    ms_sleep(500);
    kill((pid_t)writer, SIGSTOP);
    ms_sleep(1000);   /* the worker's timer fired: its deletion waits for the writer */
    struct raw *r = raw_open(&d);
    raw_sends(r, "{\"id\":1,\"op\":\"new_game\",\"game\":\"t\",\"name\":\"B\"}\n");
    ms_sleep(300);
    kill((pid_t)writer, SIGCONT);
    json_t *answer = raw_recv(r);
    ck_assert_msg(json_is_true(json_object_get(answer, "ok")), "new_game answered %s",
                  json_string_value(json_object_get(answer, "error")));
    json_decref(answer);
    raw_close(r);
    json_t *s = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "t");
    ck_assert_str_eq(rules_state(s), "initialized");
    json_decref(s);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* game_timeout runs from the game's last request, not from its worker's
 * last start: a one_for_all restart caused by another game must not give
 * an idle game more time. */
START_TEST(a_sibling_restart_does_not_extend_the_timeout)
{
    struct testd d = {0};
    testd_start(&d, "strategy = one_for_all\nhibernate_after = 0\ngame_timeout = 4\n"
                    "crash_injection = true\nintensity = 10\n");
    uint64_t t0_ms = isl_monotonic_ms();
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "x", "name", "A"),
                   "new_game x");
    uint64_t answered_ms = isl_monotonic_ms();
    ms_sleep(2500);
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "y", "name", "A"),
                   "new_game y");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "crash", "game", "y", "signal", "KILL"),
                   "crash y");   /* x's worker restarts too, its own timer with it */
    long elapsed_ms = 0, since_answer_ms = 0;
    while (game_listed(&d, "x") && elapsed_ms < 10000) {
        ms_sleep(50);
        elapsed_ms = (long)(isl_monotonic_ms() - t0_ms);
        since_answer_ms = (long)(isl_monotonic_ms() - answered_ms);
    }
    /* islandsd's count ends it by 4 s + its 1 s sweep after new_game
     * came (between t0 and its answer, which a slow machine may keep
     * apart); the restarted worker's timer alone would have waited 4 s
     * from the restart, at least 6.5 s after that answer. */
    ck_assert_msg(elapsed_ms >= 3900 && since_answer_ms < 6300,
                  "x ended %ld ms after new_game was sent, %ld ms after its answer", elapsed_ms,
                  since_answer_ms);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* A game ended by its own game_timeout (its worker's timer, or islandsd's
 * sweep) is gone: even with restart = permanent nothing restarts its
 * worker, so games ending together count no restart (with intensity 1,
 * two such restarts made islandsd give up). */
START_TEST(games_that_time_out_are_not_restarted_even_when_permanent)
{
    struct testd d = {0};
    testd_start(&d, "restart = permanent\nhibernate_after = 0\ngame_timeout = 2\n"
                    "intensity = 1\nperiod = 60\n");
    const char *const games[] = {"t1", "t2", "t3"};
    for (int i = 0; i < 3; i++)
        expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", games[i],
                                  "name", "A"), games[i]);
    for (int i = 0; i < 3; i++)
        for (int waited = 0; game_listed(&d, games[i]) && waited < 8000; waited += 50)
            ms_sleep(50);
    ms_sleep(500);   /* a restart, if any, would have come by now */
    json_t *st = testd_call(&d, "{s:s}", "op", "status");
    ck_assert_msg(testd_ok(st), "islandsd is gone: %s", testd_error(st));
    ck_assert_int_eq(json_integer_value(json_object_get(st, "games")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "children")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "restarts")), 0);
    json_decref(st);
    ck_assert_int_eq(testd_log_count(&d, "event=give_up"), 0);
    /* Their deletes were committed before their workers exited: a new
     * game of the same name waits for no writer (and islandsd keeps no
     * list of dead workers for a game that is gone). */
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", games[0],
                              "name", "B"), "new_game t1 again");
    ck_assert_int_eq(testd_log_count(&d, "fence=0"), 4);
    int status = testd_stop(&d);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    testd_cleanup(&d);
}
END_TEST

/* game_timeout raised by a reload reaches the workers already running:
 * a game idle for longer than the old timeout but not the new one stays
 * (its worker's own timer used to end it by the old one). */
START_TEST(a_game_timeout_raised_by_reload_reaches_running_workers)
{
    struct testd d = {0};
    testd_start(&d, "hibernate_after = 0\ngame_timeout = 3\n");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "rl", "name", "A"),
                   "new_game rl");
    testd_reload(&d, "hibernate_after = 0\ngame_timeout = 100\n", 1);
    ms_sleep(5000);
    ck_assert_msg(game_listed(&d, "rl"), "rl ended by the timeout before the reload");
    /* Lowered again, the game ends by the new one (islandsd's count). */
    testd_reload(&d, "hibernate_after = 0\ngame_timeout = 2\n", 2);
    for (int waited = 0; game_listed(&d, "rl") && waited < 5000; waited += 50)
        ms_sleep(50);
    ck_assert(!game_listed(&d, "rl"));
    int status = testd_stop(&d);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    testd_cleanup(&d);
}
END_TEST

START_TEST(hibernated_game_keeps_its_state_and_answers)
{
    struct testd d = {0};
    testd_start(&d, "hibernate_after = 1");
    char tok1[33], tok2[33];
    testd_setup_game(&d, "h", tok1, tok2);
    play_moves(&d, "h", tok1, tok2, 0, 3);
    char *before = admin_state(&d, "h");
    long pid = testd_worker_pid(&d, "h");
    ck_assert_int_gt(pid, 0);
    /* list shows pid null once the worker has gone to sleep. */
    int asleep = 0;
    for (int i = 0; i < 60 && !asleep; i++) {
        ms_sleep(100);
        json_t *l = testd_call(&d, "{s:s}", "op", "list");
        json_t *entry = json_array_get(json_object_get(l, "games"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(entry, "state")), "player1_turn");
        asleep = json_is_null(json_object_get(entry, "pid"));
        json_decref(l);
    }
    ck_assert_msg(asleep, "the worker did not hibernate within 6 s of hibernate_after = 1");
    /* With spares on (the default), the process went back to the pool. */
    char recycled[96];
    snprintf(recycled, sizeof recycled, "event=worker_recycled game=h pid=%ld reason=hibernate",
             pid);
    ck_assert_int_eq(testd_wait_log_count(&d, recycled, 1), 1);
    char *after = admin_state(&d, "h");
    ck_assert_str_eq(after, before);
    free(before), free(after);
    play_moves(&d, "h", tok1, tok2, 3, 18);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* islandsd stopped while a move waits in a slow commit: its worker waits
 * for the commit before exiting, so the client hears the real answer,
 * not "outcome unknown", and the move is there after a restart. */
START_TEST(a_clean_stop_answers_the_move_in_its_commit)
{
    setenv("ISLANDS_FAULT_INJECTION", "1", 1);
    setenv("ISLANDS_FAULT_COMMIT_SLEEP_MS", "300", 1);
    struct testd d = {0};
    testd_start(&d, "crash_injection = true");
    struct raw *c = raw_open(&d);
    raw_expect_ok(c, "{\"id\":1,\"op\":\"new_game\",\"game\":\"s\",\"name\":\"A\"}");
    raw_sends(c, "{\"id\":2,\"op\":\"add_player\",\"game\":\"s\",\"name\":\"B\"}\n");
    ms_sleep(100);   /* the writer sleeps inside its commit */
    ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
    json_t *r = raw_recv(c);
    ck_assert_msg(testd_ok(r), "add_player: %s", testd_error(r));
    json_decref(r);
    raw_close(c);
    int status = testd_wait_exit(&d, 10000);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d", status);
    unsetenv("ISLANDS_FAULT_COMMIT_SLEEP_MS");
    testd_start(&d, NULL);
    json_t *st = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "s");
    ck_assert_str_eq(rules_state(st), "players_set");
    json_decref(st);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

static Suite *protocol_durability_suite(void)
{
    Suite *s = suite_create("protocol_durability");
    TCase *tc = tcase_create("durability");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, games_survive_a_clean_restart);
    tcase_add_test(tc, every_acknowledged_move_survives_kill_9);
    tcase_add_test(tc, requests_pipelined_behind_a_crash_are_served_by_the_next_worker);
    tcase_add_test(tc, idle_game_times_out_and_frees_its_name);
    tcase_add_test(tc, a_request_racing_the_timeout_is_served_after_it);
    tcase_add_test(tc, a_sibling_restart_does_not_extend_the_timeout);
    tcase_add_test(tc, games_that_time_out_are_not_restarted_even_when_permanent);
    tcase_add_test(tc, a_game_timeout_raised_by_reload_reaches_running_workers);
    tcase_add_test(tc, hibernated_game_keeps_its_state_and_answers);
    tcase_add_test(tc, a_clean_stop_answers_the_move_in_its_commit);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(protocol_durability_suite)
