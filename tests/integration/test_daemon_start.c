/* islandsd's start: what it refuses before it serves (a store another
 * islandsd holds, a program it could never start, a bad command line), and
 * how it says so. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "testd.h"

static void assert_usage_error(int status, const char *out, const char *expected)
{
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d: %s", status, out);
    ck_assert_msg(strncmp(out, "<3>islandsd: ", 13) == 0, "no error priority: %s", out);
    ck_assert_msg(strstr(out, expected), "'%s' not in: %s", expected, out);
}

/* A second islandsd on the same store would start its own writer, which
 * takes writer.sock from the first: both would acknowledge moves of one
 * game, and the first could start no worker any more. */
START_TEST(a_second_islandsd_on_the_same_store_is_refused)
{
    struct testd a = {0};
    testd_start(&a, NULL);
    json_t *r = testd_call(&a, "{s:s, s:s, s:s}", "op", "new_game", "game", "sea", "name", "Ann");
    ck_assert(testd_ok(r));
    json_decref(r);
    char other[320], out[4096], pid[32];
    snprintf(other, sizeof other, "%s/other.sock", a.dir);
    snprintf(pid, sizeof pid, "pid %ld", (long)a.pid);
    const char *const args[] = {"--config", "/dev/null", "--socket", other, "--store", a.store,
                                NULL};
    int status = testd_run_to_exit(args, out, sizeof out);
    assert_usage_error(status, out, "in use by another islandsd");
    ck_assert_msg(strstr(out, pid), "the holder's pid not named: %s", out);
    ck_assert_int_eq(access(other, F_OK), -1);
    /* The first still starts workers: its writer.sock is its own. */
    r = testd_call(&a, "{s:s, s:s, s:s}", "op", "new_game", "game", "bay", "name", "Bob");
    ck_assert_msg(testd_ok(r), "new_game after the refused start: %s", testd_error(r));
    json_decref(r);
    pid_t group = a.pid;
    int stopped = testd_stop(&a);
    ck_assert(WIFEXITED(stopped) && WEXITSTATUS(stopped) == 0);
    ck_assert_int_eq(testd_group_processes(group), 0);
    /* Released with its holder: the same store starts again. */
    testd_start(&a, NULL);
    r = testd_call(&a, "{s:s, s:s}", "op", "state", "game", "bay");
    ck_assert(testd_ok(r));
    json_decref(r);
    testd_stop(&a);
    testd_cleanup(&a);
}
END_TEST

START_TEST(a_worker_or_writer_that_cannot_run_stops_the_start)
{
    char dir[] = "/tmp/islandsd-start-dir-XXXXXX", sock[96], store[96], out[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sock, sizeof sock, "%s/s.sock", dir);
    snprintf(store, sizeof store, "%s/store", dir);
    static const char *const keys[] = {"ISLANDS_WORKER", "ISLANDS_WRITER"};
    for (int i = 0; i < 2; i++) {
        char saved[512] = "";
        if (getenv(keys[i]))
            snprintf(saved, sizeof saved, "%s", getenv(keys[i]));
        setenv(keys[i], "/nonexistent/islands-program", 1);
        const char *const args[] = {"--config", "/dev/null", "--socket", sock, "--store", store,
                                    NULL};
        int status = testd_run_to_exit(args, out, sizeof out);
        if (saved[0])
            setenv(keys[i], saved, 1);
        else
            unsetenv(keys[i]);
        assert_usage_error(status, out, "/nonexistent/islands-program: No such file");
        ck_assert_int_eq(access(sock, F_OK), -1);
    }
    rmdir(dir);
}
END_TEST

START_TEST(command_line_errors_are_usage_errors)
{
    char out[4096];
    const char *const unknown[] = {"--config", "/dev/null", "--bogus", NULL};
    assert_usage_error(testd_run_to_exit(unknown, out, sizeof out), out, "--bogus");
    const char *const missing[] = {"--config", "/dev/null", "--socket", NULL};
    assert_usage_error(testd_run_to_exit(missing, out, sizeof out), out, "--socket");
    /* A repeated option replaces its value (many of them once overran
     * the table of overrides): the last, bad one is what is refused. */
    const char *repeated[48] = {"--config", "/dev/null"};
    int n = 2;
    while (n < 42) {
        repeated[n++] = "--period";
        repeated[n++] = "5";
    }
    repeated[n++] = "--period";
    repeated[n++] = "soon";
    repeated[n] = NULL;
    assert_usage_error(testd_run_to_exit(repeated, out, sizeof out), out, "'soon'");
}
END_TEST

/* --check-config says whether islandsd would start with a configuration,
 * as it would say it at a start, and touches neither socket nor store:
 * it runs beside a daemon serving on the same ones, before a reload. */
START_TEST(check_config_checks_without_starting)
{
    struct testd d = {0};
    testd_start(&d, NULL);
    char command[2048], line[512] = "";
    snprintf(command, sizeof command, "%s --check-config --config %s --socket %s --store %s",
             testd_program("ISLANDSD", "islandsd"), d.config, d.socket, d.store);
    FILE *p = popen(command, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, p));
    int status = pclose(p);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    char want[512];
    snprintf(want, sizeof want, "islandsd: configuration OK: %s\n", d.config);
    ck_assert_str_eq(line, want);
    json_t *pong = testd_call(&d, "{s:s}", "op", "ping");   /* still serving */
    ck_assert(testd_ok(pong));
    json_decref(pong);

    char out[4096], bad[400];
    snprintf(bad, sizeof bad, "%s/bad.conf", d.dir);
    FILE *f = fopen(bad, "w");
    ck_assert_ptr_nonnull(f);
    fputs("intensity = 3\nstrategy = one_for_none\n", f);
    fclose(f);
    const char *const wrong[] = {"--check-config", "--config", bad, NULL};
    assert_usage_error(testd_run_to_exit(wrong, out, sizeof out), out,
                       "bad.conf:2: strategy: unknown value 'one_for_none'");
    const char *const no_worker[] = {"--check-config", "--config", "/dev/null", "--store",
                                     d.store, NULL};
    setenv("ISLANDS_WORKER", "/nonexistent/islands-worker", 1);
    int no_worker_status = testd_run_to_exit(no_worker, out, sizeof out);
    unsetenv("ISLANDS_WORKER");
    assert_usage_error(no_worker_status, out, "worker /nonexistent/islands-worker: No such file");
    ck_assert_int_eq(WEXITSTATUS(testd_stop(&d)), 0);
    testd_cleanup(&d);
}
END_TEST

/* Installed, the worker and the writer live in PREFIX/lib/islands, not
 * next to PREFIX/sbin/islandsd: with neither configured nor in the
 * environment, islandsd finds them there. */
START_TEST(installed_programs_are_found_without_configuration)
{
    char dir[] = "/tmp/islands-installed-XXXXXX", daemon[64], worker[512], writer[512];
    char command[2048], out[4096];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(daemon, sizeof daemon, "%s/sbin/islandsd", dir);
    snprintf(worker, sizeof worker, "%s", testd_program("ISLANDS_WORKER", "islands-worker"));
    snprintf(writer, sizeof writer, "%s", testd_program("ISLANDS_WRITER", "islands-writer"));
    snprintf(command, sizeof command,
             "mkdir -p %s/sbin %s/lib/islands && cp %s %s && cp %s %s %s/lib/islands/", dir, dir,
             testd_program("ISLANDSD", "islandsd"), daemon, worker, writer, dir);
    ck_assert_int_eq(system(command), 0);
    setenv("ISLANDSD", daemon, 1);
    unsetenv("ISLANDS_WORKER");
    unsetenv("ISLANDS_WRITER");
    const char *const args[] = {"--check-config", "--config", "/dev/null", NULL};
    int status = testd_run_to_exit(args, out, sizeof out);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, out);
    snprintf(command, sizeof command, "rm -r %s/lib", dir);
    ck_assert_int_eq(system(command), 0);
    assert_usage_error(testd_run_to_exit(args, out, sizeof out), out,
                       "/sbin/islands-worker: No such file");
    ck_assert(testd_remove_dir(dir));
}
END_TEST

static Suite *daemon_start_suite(void)
{
    Suite *s = suite_create("daemon_start");
    TCase *tc = tcase_create("start");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_second_islandsd_on_the_same_store_is_refused);
    tcase_add_test(tc, a_worker_or_writer_that_cannot_run_stops_the_start);
    tcase_add_test(tc, command_line_errors_are_usage_errors);
    tcase_add_test(tc, check_config_checks_without_starting);
    tcase_add_test(tc, installed_programs_are_found_without_configuration);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(daemon_start_suite)
