/* Recycled workers: a worker whose game ended by end_game goes back to the
 * spare pool (islands-worker --recycle) instead of exiting, and so does one
 * whose game hibernates (released). The next game it serves, new or
 * stored, sees nothing of the old one; a worker serves
 * at most 64 games; the pool goes back to spare_workers once games stop
 * ending; a worker started before a reload is not kept; and without spares
 * the worker exits as it always did. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "testd.h"

#define WORKER "islands-worker"
#define GAMES_PER_WORKER_MAX 64

static json_t *call_ok(const char *what, json_t *r)
{
    ck_assert_msg(testd_ok(r), "%s: %s", what, testd_error(r));
    return r;
}

static void new_game(struct testd *d, const char *game, const char *name)
{
    json_decref(call_ok("new_game", testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game",
                                                    game, "name", name)));
}

/* As an admin (no token); waits until its worker has left the game. */
static void end_game(struct testd *d, const char *game, long pid, bool recycled)
{
    json_decref(call_ok("end_game", testd_call(d, "{s:s, s:s}", "op", "end_game", "game",
                                                    game)));
    char line[128];
    snprintf(line, sizeof line, "event=%s game=%s pid=%ld ",
             recycled ? "worker_recycled" : "worker_exit", game, pid);
    ck_assert_msg(testd_wait_log_count(d, line, 1) == 1, "no \"%s\"", line);
}

static json_t *state_of(struct testd *d, const char *game)
{
    json_t *r = call_ok("state", testd_call(d, "{s:s, s:s}", "op", "state", "game", game));
    json_object_del(r, "id");
    return r;
}

/* Exactly `want` live workers (spares included) within 10 s. */
static void expect_workers(struct testd *d, int want)
{
    int workers = -1;
    for (int waited = 0; waited < 10000 && workers != want; waited += 10) {
        workers = testd_children(d->pid, WORKER, NULL, 256);
        testd_sleep_ms(10);
    }
    ck_assert_int_eq(workers, want);
}

static bool among(long pid, const long *pids, int n)
{
    for (int i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* A recycled worker given a new game serves it fresh (one player, no
 * islands, no change counted), and one given a stored game after a crash serves
 * that game's state exactly; neither shows anything of the games the
 * process served before. */
START_TEST(a_recycled_worker_serves_its_next_game_with_nothing_of_the_old_one)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 1\ncrash_injection = true\nintensity = 100\n");
    new_game(&d, "keep", "Kim");
    json_decref(call_ok("add_player", testd_call(&d, "{s:s, s:s, s:s}", "op", "add_player",
                                                       "game", "keep", "name", "Lee")));
    json_t *kept = state_of(&d, "keep");
    long recycled[40];
    int n = 0;
    bool fresh_checked = false, stored_checked = false;
    for (int i = 0; i < 40 && !(fresh_checked && stored_checked); i++) {
        char old[16], tok1[33], tok2[33];
        snprintf(old, sizeof old, "old%d", i);
        testd_setup_game(&d, old, tok1, tok2);   /* both players, every island set */
        long pid = testd_worker_pid(&d, old);
        ck_assert_int_gt(pid, 0);
        end_game(&d, old, pid, true);
        recycled[n++] = pid;
        if (i % 2 == 0) {
            char fresh[16];
            snprintf(fresh, sizeof fresh, "new%d", i);
            new_game(&d, fresh, "Cy");
            if (!among(testd_worker_pid(&d, fresh), recycled, n))
                continue;
            json_t *s = state_of(&d, fresh);
            ck_assert_str_eq(json_string_value(json_object_get(s, "game")), fresh);
            ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(s, "player1"), "name")), "Cy");
            ck_assert(json_is_null(json_object_get(s, "player2")));
            ck_assert_str_eq(json_string_value(json_object_get(
                                 json_object_get(s, "rules"), "state")), "initialized");
            ck_assert_int_eq(json_integer_value(json_object_get(s, "changes")), 0);
            json_decref(s);
            fresh_checked = true;
        } else {
            long before = testd_worker_pid(&d, "keep");
            json_decref(call_ok("crash", testd_call(&d, "{s:s, s:s, s:s}", "op", "crash",
                                                          "game", "keep", "signal", "KILL")));
            long after = testd_wait_new_pid(&d, "keep", before, 10000);
            if (!among(after, recycled, n))
                continue;
            json_t *s = state_of(&d, "keep");
            ck_assert_msg(json_equal(s, kept), "keep's state changed in a recycled worker");
            json_decref(s);
            stored_checked = true;
        }
    }
    ck_assert_msg(fresh_checked, "no recycled worker was given a new game");
    ck_assert_msg(stored_checked, "no recycled worker was given a stored game");
    json_decref(kept);
    testd_stop_clean(&d);
}
END_TEST

/* With one spare wanted, the pool's one worker serves game after game,
 * and is stopped once it has served 64: no process serves a 65th. */
START_TEST(a_worker_serves_at_most_64_games)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 1\nlog_level = debug\n");
    struct { long pid; int games; } seen[16] = {{0}};
    int kinds = 0;
    long worn = 0;
    for (int i = 0; i < 3 * GAMES_PER_WORKER_MAX && !worn; i++) {
        char g[16];
        snprintf(g, sizeof g, "g%d", i);
        new_game(&d, g, "Ann");
        long pid = testd_worker_pid(&d, g);
        ck_assert_int_gt(pid, 0);
        int k = 0;
        while (k < kinds && seen[k].pid != pid)
            k++;
        if (k == kinds) {
            ck_assert_int_lt(kinds, 16);
            seen[kinds++].pid = pid;
        }
        seen[k].games++;
        ck_assert_msg(seen[k].games <= GAMES_PER_WORKER_MAX, "worker %ld serves game %d", pid,
                      seen[k].games);
        end_game(&d, g, pid, true);   /* back (or stopped) before the next game */
        if (seen[k].games == GAMES_PER_WORKER_MAX)
            worn = pid;
    }
    ck_assert_msg(worn, "no worker served 64 games");
    char line[96];
    snprintf(line, sizeof line, "event=spare_unwanted pid=%ld via=recycle reason=worn_out", worn);
    ck_assert_int_eq(testd_wait_log_count(&d, line, 1), 1);
    bool gone = false;
    for (int waited = 0; waited < 5000 && !gone; waited += 10) {
        gone = kill((pid_t)worn, 0) != 0;
        testd_sleep_ms(10);
    }
    ck_assert_msg(gone, "worker %ld still runs after its 64th game", worn);
    /* Games go on with the next worker. */
    new_game(&d, "next", "Ann");
    ck_assert_int_ne(testd_worker_pid(&d, "next"), worn);
    testd_stop_clean(&d);
}
END_TEST

/* Games ending together bring their workers back above spare_workers;
 * once none has come back for a second, the pool is back to spare_workers
 * and the others have exited. */
START_TEST(recycled_spares_above_spare_workers_are_stopped_once_games_stop_ending)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 1\nlog_level = debug\n");
    enum { GAMES = 6 };
    long pids[GAMES];
    for (int i = 0; i < GAMES; i++) {
        char g[8];
        snprintf(g, sizeof g, "g%d", i);
        new_game(&d, g, "Ann");
        pids[i] = testd_worker_pid(&d, g);
    }
    for (int i = 0; i < GAMES; i++) {
        char g[8];
        snprintf(g, sizeof g, "g%d", i);
        end_game(&d, g, pids[i], true);
    }
    ck_assert_int_ge(testd_log_count(&d, "event=spare_recycled"), GAMES);
    ck_assert_int_ge(testd_wait_log_count(&d, "event=spare_trimmed", GAMES), GAMES);
    testd_wait_spares(&d, 1);
    expect_workers(&d, 1);
    ck_assert_int_eq(testd_zombie_children(d.pid), 0);
    testd_stop_clean(&d);
}
END_TEST

/* Pipelined requests of one kind for games g0..g<n-1>, all answered ok. */
static void pipeline(struct testd *d, const char *op, int n)
{
    struct isl_client *c = testd_connect(d);
    ck_assert_ptr_nonnull(c);
    for (int i = 0; i < n; i++) {
        char g[8];
        snprintf(g, sizeof g, "g%d", i);
        json_t *req = strcmp(op, "new_game") == 0
                          ? json_pack("{s:s, s:s, s:s}", "op", op, "game", g, "name", "Ann")
                          : json_pack("{s:s, s:s}", "op", op, "game", g);
        ck_assert_int_eq(isl_client_send(c, req, 5000), ISL_CLIENT_OK);
        json_decref(req);
    }
    for (int i = 0; i < n; i++) {
        json_t *r = NULL;
        ck_assert_int_eq(isl_client_recv(c, &r, 20000), ISL_CLIENT_OK);
        ck_assert_msg(testd_ok(r), "%s: %s", op, testd_error(r));
        json_decref(r);
    }
    isl_client_close(c);
}

/* The pool at its most (spare_workers = 64): 64 games take every spare,
 * the pool asks for 64 more, and the 64 games end while those are coming.
 * The workers coming back take no place kept for them (the pool once grew
 * past its 64 places). */
START_TEST(recycled_workers_never_take_the_places_of_spares_coming)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 64\nlog_level = debug\n");
    testd_wait_spares(&d, 64);
    pipeline(&d, "new_game", 64);
    pipeline(&d, "end_game", 64);
    ck_assert_int_eq(testd_wait_log_count(&d, "event=worker_recycled", 64), 64);
    testd_wait_spares(&d, 64);
    expect_workers(&d, 64);
    ck_assert_int_eq(testd_log_count(&d, "via=spawner reason=pool_full"), 0);
    new_game(&d, "after", "Ann");
    testd_stop_clean(&d);
}
END_TEST

/* A reload that changes what workers start with (here game_timeout)
 * leaves a worker started before it out of the pool. */
START_TEST(a_worker_started_before_a_reload_is_not_kept)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 1\nlog_level = debug\ngame_timeout = 7200\n");
    new_game(&d, "g", "Ann");
    long pid = testd_worker_pid(&d, "g");
    testd_reload(&d, "spare_workers = 1\nlog_level = debug\ngame_timeout = 3600\n", 1);
    end_game(&d, "g", pid, true);
    char line[96];
    snprintf(line, sizeof line, "event=spare_unwanted pid=%ld via=recycle reason=reloaded", pid);
    ck_assert_int_eq(testd_wait_log_count(&d, line, 1), 1);
    testd_stop_clean(&d);
}
END_TEST

/* A hibernated game's worker comes back as a spare (released, not sent
 * SIGTERM); the game wakes with its state, in the same process, which the
 * pool hands out first; and with the pool unwilling (spare_workers = 0)
 * the worker exits as it always did. */
START_TEST(a_hibernated_games_worker_comes_back_and_the_game_wakes_intact)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 1\nhibernate_after = 1\nlog_level = debug\n");
    new_game(&d, "h", "Ann");
    json_decref(call_ok("add_player", testd_call(&d, "{s:s, s:s, s:s}", "op", "add_player",
                                                   "game", "h", "name", "Bob")));
    json_t *before = state_of(&d, "h");
    long pid = testd_worker_pid(&d, "h");
    char line[128];
    snprintf(line, sizeof line, "event=worker_recycled game=h pid=%ld reason=hibernate", pid);
    ck_assert_int_eq(testd_wait_log_count(&d, line, 1), 1);
    ck_assert_int_eq(kill((pid_t)pid, 0), 0);   /* alive, in the pool */
    json_t *after = state_of(&d, "h");
    ck_assert_msg(json_equal(after, before), "the game woke with another state");
    json_decref(after);
    json_decref(before);
    ck_assert_int_eq(testd_worker_pid(&d, "h"), pid);
    ck_assert_int_eq(testd_log_count(&d, "event=spare_exit"), 0);
    testd_stop_clean(&d);

    testd_start(&d, "spare_workers = 0\nhibernate_after = 1\n");
    new_game(&d, "h", "Ann");
    pid = testd_worker_pid(&d, "h");
    snprintf(line, sizeof line, "event=worker_exit game=h pid=%ld exit_status=0", pid);
    ck_assert_int_eq(testd_wait_log_count(&d, line, 1), 1);
    ck_assert_int_eq(testd_log_count(&d, "event=worker_recycled"), 0);
    testd_stop_clean(&d);
}
END_TEST

/* shutdown = brutal_kill kills workers being stopped at once, but not one
 * whose game ended: it comes back as a spare. */
START_TEST(under_brutal_kill_an_ended_games_worker_still_comes_back)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 1\nshutdown = brutal_kill\nlog_level = debug\n");
    for (int i = 0; i < 3; i++) {
        char g[8];
        snprintf(g, sizeof g, "g%d", i);
        new_game(&d, g, "Ann");
        end_game(&d, g, testd_worker_pid(&d, g), true);
    }
    ck_assert_int_eq(testd_log_count(&d, "event=spare_exit"), 0);
    testd_stop_clean(&d);
}
END_TEST

/* Without spares, a worker exits once its game ended. */
START_TEST(without_spares_a_worker_exits_when_its_game_ends)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 0\n");
    new_game(&d, "g", "Ann");
    long pid = testd_worker_pid(&d, "g");
    ck_assert_int_gt(pid, 0);
    end_game(&d, "g", pid, false);
    ck_assert_int_eq(testd_log_count(&d, "event=worker_recycled"), 0);
    ck_assert_int_ne(kill((pid_t)pid, 0), 0);   /* reaped before its exit was logged */
    testd_stop_clean(&d);
}
END_TEST

static Suite *recycle_suite(void)
{
    Suite *s = suite_create("recycle");
    TCase *tc = tcase_create("recycle");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_recycled_worker_serves_its_next_game_with_nothing_of_the_old_one);
    tcase_add_test(tc, a_worker_serves_at_most_64_games);
    tcase_add_test(tc, recycled_spares_above_spare_workers_are_stopped_once_games_stop_ending);
    tcase_add_test(tc, recycled_workers_never_take_the_places_of_spares_coming);
    tcase_add_test(tc, a_worker_started_before_a_reload_is_not_kept);
    tcase_add_test(tc, a_hibernated_games_worker_comes_back_and_the_game_wakes_intact);
    tcase_add_test(tc, under_brutal_kill_an_ended_games_worker_still_comes_back);
    tcase_add_test(tc, without_spares_a_worker_exits_when_its_game_ends);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(recycle_suite)
