/* islands-chaos against the real daemon: short seeded runs of every fault
 * kind and every strategy must find nothing lost and no violation, and
 * deliberately broken daemons must make it fail. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "check_main.h"
#include "testd.h"

#define RUN_TIMEOUT_S 150

struct chaos_result {
    int exit_status;           /* -1: did not exit normally */
    json_t *report;            /* the last JSON line, or NULL */
    char output[256];          /* where its output was kept */
    char tmpdir[256];          /* its TMPDIR: the daemons' directories it kept */
};

static const char *chaos_program(void)
{
    static char path[512];
    const char *build = getenv("ISLANDS_BUILD");
    snprintf(path, sizeof path, "%s/islands-chaos", build && build[0] ? build : "build");
    return path;
}

/* The last line of the output that is a JSON object. */
static json_t *last_report(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    static char line[1 << 16];
    json_t *report = NULL;
    while (fgets(line, sizeof line, f))
        if (line[0] == '{') {
            json_decref(report);
            report = json_loads(line, 0, NULL);
        }
    fclose(f);
    return report;
}

static void run_chaos(struct chaos_result *r, const char *const args[])
{
    snprintf(r->output, sizeof r->output, "/tmp/islands-test-chaos-XXXXXX");
    int fd = mkstemp(r->output);
    ck_assert_int_ge(fd, 0);
    /* A run that finds violations keeps its daemons' directories (logs,
     * stores) for whoever looks into it: here, not in /tmp itself. */
    snprintf(r->tmpdir, sizeof r->tmpdir, "/tmp/islands-test-chaos-dirs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->tmpdir));
    const char *argv[32];
    int n = 0;
    argv[n++] = "islands-chaos";
    for (int i = 0; args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("TMPDIR", r->tmpdir, 1);
        execv(chaos_program(), (char *const *)argv);
        _exit(127);
    }
    close(fd);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->report = last_report(r->output);
}

/* Remove what a run left once the test has what it needs from it. */
static void remove_run(struct chaos_result *r)
{
    json_decref(r->report);
    r->report = NULL;
    unlink(r->output);
    ck_assert(testd_remove_dir(r->tmpdir));
}

/* A failed run's own words, for whoever reads the test log (CI included). */
static void show_output(const struct chaos_result *r)
{
    FILE *f = fopen(r->output, "r");
    if (!f)
        return;
    fprintf(stderr, "---- islands-chaos output (%s), without the daemon's info lines:\n",
            r->output);
    static char line[1 << 16];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "<6>", 3) != 0 && strncmp(line, "<7>", 3) != 0)
            fputs(line, stderr);
    fprintf(stderr, "---- end of islands-chaos output\n");
    fclose(f);
}

static json_int_t field(const struct chaos_result *r, const char *key)
{
    json_t *v = json_object_get(r->report, key);
    ck_assert_msg(json_is_integer(v), "report has no integer %s (output in %s)", key, r->output);
    return json_integer_value(v);
}

/* A run that must pass: exit 0, moves made, every kind in `kinds` (NULL
 * terminated) injected at least once, nothing lost. */
static void expect_clean(const char *const args[], const char *const kinds[])
{
    struct chaos_result r;
    run_chaos(&r, args);
    if (r.report == NULL || r.exit_status != 0)
        show_output(&r);
    ck_assert_msg(r.report != NULL, "no JSON report (output in %s)", r.output);
    ck_assert_msg(r.exit_status == 0, "islands-chaos exited %d (output in %s)", r.exit_status,
                  r.output);
    ck_assert_int_gt(field(&r, "moves_acknowledged"), 0);
    ck_assert_int_gt(field(&r, "faults"), 0);
    json_t *by_kind = json_object_get(r.report, "faults_by_kind");
    for (size_t i = 0; kinds[i]; i++)
        ck_assert_msg(json_integer_value(json_object_get(by_kind, kinds[i])) > 0,
                      "no %s fault landed (output in %s)", kinds[i], r.output);
    ck_assert_int_eq(field(&r, "lost"), 0);
    ck_assert_int_eq(field(&r, "violations"), 0);
    remove_run(&r);
}

START_TEST(every_fault_kind_loses_nothing)
{
    const char *const args[] = {"--seed", "11", "--duration", "2", "--games", "6",
                                "--strategy", "simple_one_for_one", "--faults", "all", NULL};
    const char *const kinds[] = {"kill", "segv", "abrt", "exit", "signal", "stop", "commit",
                                 "daemon", "reboot", "full", "storm", NULL};
    expect_clean(args, kinds);
}
END_TEST

static const char *const strategies[] = {"one_for_one", "one_for_all", "rest_for_one"};

START_TEST(worker_faults_restart_what_the_strategy_says)
{
    const char *const args[] = {"--seed", "12", "--duration", "1", "--games", "5",
                                "--strategy", strategies[_i],
                                "--faults", "kill,segv,abrt,exit,signal,stop", NULL};
    const char *const kinds[] = {"kill", "segv", "abrt", "exit", "signal", "stop", NULL};
    expect_clean(args, kinds);
}
END_TEST

/* A run against a broken daemon: it must fail, with violations, and
 * (when want_lost) acknowledged moves found lost. */
static void expect_caught_as(const char *const args[], bool want_lost)
{
    struct chaos_result r;
    run_chaos(&r, args);
    ck_assert_msg(r.report != NULL, "no JSON report (output in %s)", r.output);
    ck_assert_msg(r.exit_status == 1, "islands-chaos exited %d, expected 1 (output in %s)",
                  r.exit_status, r.output);
    if (want_lost)
        ck_assert_int_gt(field(&r, "lost"), 0);
    ck_assert_int_gt(field(&r, "violations"), 0);
    remove_run(&r);
}

static void expect_caught(const char *const args[])
{
    expect_caught_as(args, true);
}

START_TEST(a_daemon_that_acknowledges_before_committing_fails_the_run)
{
    const char *const args[] = {"--seed", "13", "--duration", "1", "--games", "4",
                                "--faults", "none", "--break", "ack-before-commit", NULL};
    expect_caught(args);
}
END_TEST

/* A writer that passes answers on 20 ms before it commits loses nothing
 * unless a crash lands in that window: the harness must catch the moves
 * its daemon and reboot faults lose, not only a total loss. */
START_TEST(a_writer_that_relays_before_committing_fails_the_run_under_crashes)
{
    const char *const args[] = {"--seed", "14", "--duration", "2", "--games", "4",
                                "--faults", "daemon,reboot", "--break", "relay-before-commit",
                                NULL};
    expect_caught(args);
}
END_TEST

/* A store that logs its `committed` point before mdb_txn_commit (and
 * `commit` after it): the commit phase kills or freezes a process at the
 * point it names, so it must find moves it was told were committed
 * missing (a violation; none was acknowledged, so none is lost). */
START_TEST(a_store_naming_its_commit_points_wrongly_fails_the_run)
{
    const char *const args[] = {"--seed", "15", "--duration", "1", "--games", "2",
                                "--faults", "commit", "--break", "swapped-commit-points", NULL};
    expect_caught_as(args, false);
}
END_TEST

/* A store that keeps the games end_game deleted: islandsd's tables say
 * they are gone until it reads the store again, which with worker faults
 * alone only the store read back at the end of the phase does. */
START_TEST(a_store_that_keeps_deleted_games_fails_the_run)
{
    const char *const args[] = {"--seed", "16", "--duration", "1", "--games", "4",
                                "--faults", "kill", "--break", "keep-deleted", NULL};
    expect_caught_as(args, false);
}
END_TEST

START_TEST(bad_command_lines_are_refused)
{
    static const char *const bad[][4] = {
        {"--faults", "meteor", NULL}, {"--strategy", "one_for_none", NULL},
        {"--games", "0", NULL},       {"--break", "everything", NULL},
        {"--duration", "soon", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct chaos_result r;
        run_chaos(&r, bad[i]);
        ck_assert_msg(r.exit_status == 2, "%s %s: exit %d, expected 2", bad[i][0], bad[i][1],
                      r.exit_status);
        ck_assert_ptr_null(r.report);
        remove_run(&r);
    }
}
END_TEST

static Suite *chaos_suite(void)
{
    Suite *s = suite_create("chaos");
    TCase *tc = tcase_create("chaos");
    tcase_set_timeout(tc, RUN_TIMEOUT_S);
    tcase_add_test(tc, bad_command_lines_are_refused);
    tcase_add_test(tc, every_fault_kind_loses_nothing);
    tcase_add_loop_test(tc, worker_faults_restart_what_the_strategy_says, 0,
                        (int)(sizeof strategies / sizeof strategies[0]));
    tcase_add_test(tc, a_daemon_that_acknowledges_before_committing_fails_the_run);
    tcase_add_test(tc, a_writer_that_relays_before_committing_fails_the_run_under_crashes);
    tcase_add_test(tc, a_store_naming_its_commit_points_wrongly_fails_the_run);
    tcase_add_test(tc, a_store_that_keeps_deleted_games_fails_the_run);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(chaos_suite)
