/* A restarted game's new worker waits for the writer (its fence) only
 * when the dead worker may have left a write there: not when it was
 * killed between requests, and always when it died with a move sent. The
 * writer is stopped (SIGSTOP) to tell the two apart. */
#include <dirent.h>
#include <signal.h>

#include "check_main.h"
#include "protocol_harness.h"

/* islandsd's child named islands-writer. */
static pid_t writer_of(pid_t daemon)
{
    DIR *dir = opendir("/proc");
    ck_assert_ptr_nonnull(dir);
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(dir)) != NULL) {
        char path[300], comm[32] = "";
        long ppid = 0;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fscanf(f, "%*d (%31[^)]) %*c %ld", comm, &ppid) == 2 && ppid == daemon &&
            strcmp(comm, "islands-writer") == 0)
            found = (pid_t)atol(e->d_name);
        fclose(f);
    }
    closedir(dir);
    ck_assert_int_gt(found, 0);
    return found;
}

static bool line_within(struct raw *c, int ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return c->len > 0 || poll(&p, 1, ms) == 1;
}

START_TEST(a_worker_killed_between_requests_is_replaced_without_the_writer)
{
    struct testd d = {0};
    testd_start(&d, "crash_injection = true");
    char tok1[33], tok2[33];
    testd_setup_game(&d, "b", tok1, tok2);
    play_moves(&d, "b", tok1, tok2, 0, 2);
    char *before = admin_state(&d, "b");
    long old = testd_worker_pid(&d, "b");
    pid_t writer = writer_of(d.pid);
    ck_assert_int_eq(kill(writer, SIGSTOP), 0);
    json_t *r = testd_call(&d, "{s:s, s:s, s:s}", "op", "crash", "game", "b", "signal", "KILL");
    ck_assert(testd_ok(r));
    json_decref(r);
    testd_wait_new_pid(&d, "b", old, 10000);   /* a new worker, not the old one, answers */
    /* Reads need no writer: the new worker loads and answers at once. */
    char *after = admin_state(&d, "b");
    ck_assert_str_eq(after, before);
    ck_assert_int_eq(kill(writer, SIGCONT), 0);
    play_moves(&d, "b", tok1, tok2, 2, 4);
    free(before), free(after);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

START_TEST(a_worker_killed_with_a_move_sent_is_replaced_after_the_writer)
{
    struct testd d = {0};
    testd_start(&d, "request_timeout_ms = 20000");
    char tok1[33], tok2[33];
    testd_setup_game(&d, "m", tok1, tok2);
    pid_t writer = writer_of(d.pid);
    long worker = testd_worker_pid(&d, "m");
    struct raw *c = raw_open(&d);
    ck_assert_int_eq(kill(writer, SIGSTOP), 0);
    char line[256];
    snprintf(line, sizeof line, "{\"id\":1,\"op\":\"guess\",\"game\":\"m\",\"player\":\"player1\","
             "\"token\":\"%s\",\"row\":1,\"col\":1}\n", tok1);
    raw_sends(c, line);
    /* The move's commit waits in the stopped writer's socket (nothing to
     * watch for: a generous wait for one request on a loaded machine). */
    ms_sleep(300);
    ck_assert_int_eq(kill((pid_t)worker, SIGKILL), 0);
    json_t *r = raw_recv(c);
    ck_assert_str_eq(testd_error(r), "game_unavailable");
    ck_assert_str_eq(json_string_value(json_object_get(r, "outcome")), "unknown");
    json_decref(r);
    raw_sends(c, "{\"id\":2,\"op\":\"state\",\"game\":\"m\"}\n");
    /* The new worker waits for the writer to have read the dead one's move. */
    ck_assert_msg(!line_within(c, 500), "state answered while the writer was stopped");
    ck_assert_int_eq(kill(writer, SIGCONT), 0);
    r = raw_recv(c);
    ck_assert(testd_ok(r));
    json_t *hits = json_object_get(json_object_get(json_object_get(r, "player1"), "guesses"),
                                   "hits");
    ck_assert_uint_eq(json_array_size(hits), 1);   /* the move landed, and is seen */
    json_decref(r);
    raw_close(c);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* The pid of game's latest worker_start in islandsd's log. */
static long started_worker(struct testd *d, const char *game)
{
    char needle[96], line[1024];
    snprintf(needle, sizeof needle, "event=worker_start game=%s pid=", game);
    FILE *f = fopen(d->log, "r");
    long pid = 0;
    while (f && fgets(line, sizeof line, f)) {
        const char *at = strstr(line, needle);
        if (at)
            pid = atol(at + strlen(needle));
    }
    if (f)
        fclose(f);
    return pid;
}

/* A new_game whose worker dies with its commit sent has an unknown
 * outcome, and the game is not known to be stored: the game's list of
 * dead workers must outlive that, so that the retried new_game's worker
 * waits for the first one's commit (which lands) and answers game_exists,
 * instead of creating the game again with its first commit still to come. */
START_TEST(a_new_game_retried_after_an_unknown_outcome_waits_for_the_first)
{
    struct testd d = {0};
    /* temporary: the core forgets the dead worker's game at once. */
    testd_start(&d, "request_timeout_ms = 20000\nrestart = temporary\nspare_workers = 2\n");
    testd_wait_spares(&d, 2);   /* spares connect to the writer as they start */
    pid_t writer = writer_of(d.pid);
    struct raw *c = raw_open(&d);
    ck_assert_int_eq(kill(writer, SIGSTOP), 0);
    raw_sends(c, "{\"id\":1,\"op\":\"new_game\",\"game\":\"n\",\"name\":\"Ann\"}\n");
    ck_assert_int_eq(testd_wait_log_count(&d, "event=worker_ready game=n ", 1), 1);
    ms_sleep(300);   /* its commit waits in the stopped writer's socket */
    long first = started_worker(&d, "n");
    ck_assert_int_gt(first, 0);
    ck_assert_int_eq(kill((pid_t)first, SIGKILL), 0);
    json_t *r = raw_recv(c);
    ck_assert_str_eq(testd_error(r), "game_unavailable");
    ck_assert_str_eq(json_string_value(json_object_get(r, "outcome")), "unknown");
    json_decref(r);
    ms_sleep(50);   /* past the turn of islandsd's loop that frees unused games */
    raw_sends(c, "{\"id\":2,\"op\":\"new_game\",\"game\":\"n\",\"name\":\"Bob\"}\n");
    ms_sleep(300);
    ck_assert_int_eq(kill(writer, SIGCONT), 0);
    r = raw_recv(c);
    ck_assert_str_eq(testd_error(r), "game_exists");
    json_decref(r);
    ck_assert_int_eq(testd_log_count(&d, "event=worker_start game=n pid=") , 2);
    ck_assert_int_eq(testd_log_count(&d, "fence=1"), 1);
    raw_close(c);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

static Suite *restart_fence_suite(void)
{
    Suite *s = suite_create("restart_fence");
    TCase *tc = tcase_create("restart_fence");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_worker_killed_between_requests_is_replaced_without_the_writer);
    tcase_add_test(tc, a_worker_killed_with_a_move_sent_is_replaced_after_the_writer);
    tcase_add_test(tc, a_new_game_retried_after_an_unknown_outcome_waits_for_the_first);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(restart_fence_suite)
