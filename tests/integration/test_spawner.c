/* The spawner: islandsd's spares are started by it, yet are islandsd's
 * own children; it is started again when it dies, and games start
 * meanwhile; it and every worker die with islandsd. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "testd.h"

#define SPAWNER "islands-spawner"
#define WORKER "islands-worker"

/* The spawner's pid, once there is one other than `not` (0: none in time). */
static long wait_spawner(struct testd *d, long not)
{
    for (int waited = 0; waited < 10000; waited += 10) {
        long pid;
        if (testd_children(d->pid, SPAWNER, &pid, 1) == 1 && pid != not)
            return pid;
        testd_sleep_ms(10);
    }
    return 0;
}

static void new_game(struct testd *d, const char *game)
{
    json_t *r = testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", game, "name", "Ann");
    ck_assert_msg(testd_ok(r), "new_game %s: %s", game, testd_error(r));
    json_decref(r);
}

START_TEST(spares_come_from_the_spawner_as_children_of_islandsd)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 3\nlog_level = debug\n");
    long spawner = wait_spawner(&d, 0);
    ck_assert_int_gt(spawner, 0);
    int spawned = 0, spares = 0;
    for (int waited = 0; waited < 10000 && (spawned < 3 || spares < 3); waited += 10) {
        spawned = testd_log_count(&d, "event=spare_spawned");
        spares = testd_children(d.pid, WORKER, NULL, 64);
        testd_sleep_ms(10);
    }
    ck_assert_int_ge(spawned, 3);
    ck_assert_int_eq(spares, 3);
    /* CLONE_PARENT: islandsd reaps and signals them; the spawner has none. */
    ck_assert_int_eq(testd_children(spawner, NULL, NULL, 64), 0);
    new_game(&d, "g1");
    ck_assert_int_gt(testd_worker_pid(&d, "g1"), 0);
    testd_stop_clean(&d);
}
END_TEST

START_TEST(a_dead_spawner_is_started_again_and_games_start_meanwhile)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 2\n");
    long spawner = wait_spawner(&d, 0);
    ck_assert_int_gt(spawner, 0);
    ck_assert_int_eq(kill((pid_t)spawner, SIGKILL), 0);
    /* More games than spares, asked for at once: the rest islandsd starts
     * itself, at once, not after the spawner's restart (its backoff, 1 s). */
    struct isl_client *c = testd_connect(&d);
    ck_assert_ptr_nonnull(c);
    const char *games[] = {"g1", "g2", "g3", "g4"};
    for (int i = 0; i < 4; i++) {
        json_t *req = json_pack("{s:s, s:s, s:s}", "op", "new_game", "game", games[i], "name",
                                "Ann");
        ck_assert_int_eq(isl_client_send(c, req, 5000), ISL_CLIENT_OK);
        json_decref(req);
    }
    for (int i = 0; i < 4; i++) {
        json_t *r = NULL;
        ck_assert_int_eq(isl_client_recv(c, &r, 10000), ISL_CLIENT_OK);
        ck_assert_msg(testd_ok(r), "new_game: %s", testd_error(r));
        json_decref(r);
    }
    isl_client_close(c);
    long again = wait_spawner(&d, spawner);
    ck_assert_int_gt(again, 0);
    char restarted[64];
    snprintf(restarted, sizeof restarted, "event=spawner_start pid=%ld", again);
    ck_assert_int_eq(testd_log_count_after(&d, restarted, "event=worker_start"), 0);
    ck_assert_int_eq(testd_log_count(&d, "event=spawner_exit"), 1);
    ck_assert_int_eq(testd_zombie_children(d.pid), 0);
    testd_stop_clean(&d);
}
END_TEST

START_TEST(the_spawner_and_every_worker_die_with_islandsd)
{
    struct testd d = {0};
    testd_start(&d, "spare_workers = 2\n");
    new_game(&d, "g1");
    new_game(&d, "g2");
    ck_assert_int_gt(wait_spawner(&d, 0), 0);
    pid_t group = d.pid;
    ck_assert_int_gt(testd_live_group_processes(group), 4);   /* writer, spawner, workers */
    ck_assert_int_eq(kill(d.pid, SIGKILL), 0);
    ck_assert_int_ne(testd_wait_exit(&d, 5000), -1);
    int left = -1;
    for (int waited = 0; waited < 5000 && left != 0; waited += 10) {
        left = testd_live_group_processes(group);
        testd_sleep_ms(10);
    }
    ck_assert_msg(left == 0, "%d processes outlived islandsd", left);
    testd_cleanup(&d);
}
END_TEST

/* A worker program that exits at once: every spare the spawner starts is
 * gone, often reaped before its `spawned` answer is read. Each counts as
 * a failed start (refilled with a growing delay), none is tracked as
 * live, so islandsd still stops. */
START_TEST(spares_that_exit_at_once_are_not_kept)
{
    struct testd d = {0};
    testd_start(&d, "worker = /bin/false\nspare_workers = 64\n");
    ck_assert_int_gt(wait_spawner(&d, 0), 0);
    int failed = 0;
    for (int waited = 0; waited < 10000 && failed < 64; waited += 10) {
        failed = testd_log_count(&d, "event=spawn_exited_at_once") +
                 testd_log_count(&d, "event=spare_exit");
        testd_sleep_ms(10);
    }
    ck_assert_int_ge(failed, 64);
    /* Every one reaped (a refill may be dying right now: give it time). */
    int zombies = -1;
    for (int waited = 0; waited < 2000 && zombies != 0; waited += 10) {
        zombies = testd_zombie_children(d.pid);
        testd_sleep_ms(10);
    }
    ck_assert_int_eq(zombies, 0);
    /* A reaped child tracked as live would hold the stop forever. */
    testd_stop_clean(&d);
}
END_TEST

static Suite *spawner_suite(void)
{
    Suite *s = suite_create("spawner");
    TCase *tc = tcase_create("spawner");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, spares_come_from_the_spawner_as_children_of_islandsd);
    tcase_add_test(tc, a_dead_spawner_is_started_again_and_games_start_meanwhile);
    tcase_add_test(tc, the_spawner_and_every_worker_die_with_islandsd);
    tcase_add_test(tc, spares_that_exit_at_once_are_not_kept);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(spawner_suite)
