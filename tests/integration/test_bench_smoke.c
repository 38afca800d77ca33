/* islands-bench runs its shortest scenario against the real islandsd and
 * reports its figures: a positive single-move latency, and the disk's own
 * commit time beside it, as JSON lines. Speed is
 * never asserted here (that is `make bench`'s job), only that the program
 * measures something and says so in its results file. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/check_main.h"
#include "../support/testd.h"

#define BENCH_LIMIT_S 90

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/islands-bench-smoke-XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static const char *bench_program(void)
{
    static char path[512];
    const char *build = getenv("ISLANDS_BUILD");
    snprintf(path, sizeof path, "%s/islands-bench", build && build[0] ? build : "build");
    return path;
}

/* Run islands-bench with args (NULL-terminated, after the program name),
 * output into DIR/out.txt; returns its wait status. */
static int run_bench(const char *const *args)
{
    char out_path[128];
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    const char *argv[16] = {bench_program()};
    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0)
            _exit(127);
        dup2(out, 1);
        dup2(out, 2);
        setenv("TMPDIR", dir, 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    for (int waited_ms = 0; waitpid(pid, &status, WNOHANG) == 0; waited_ms += 50) {
        if (waited_ms > BENCH_LIMIT_S * 1000) {
            kill(pid, SIGTERM);   /* it kills its daemon's process group */
            waitpid(pid, &status, 0);
            ck_abort_msg("islands-bench did not finish within %d s; see %s", BENCH_LIMIT_S,
                         out_path);
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return status;
}

/* The value of the first result line naming `figure`, or -1; the line says
 * whether the target is met when there is one, and null when not. */
static double figure_value(const char *results, const char *figure, bool has_target)
{
    FILE *f = fopen(results, "r");
    ck_assert_msg(f != NULL, "no results file %s", results);
    char line[4096];
    double value = -1;
    while (value < 0 && fgets(line, sizeof line, f)) {
        json_t *obj = json_loads(line, 0, NULL);
        ck_assert_msg(json_is_object(obj), "a result line is not a JSON object: %s", line);
        if (strcmp(json_string_value(json_object_get(obj, "figure")), figure) == 0) {
            ck_assert(json_is_number(json_object_get(obj, "value")));
            ck_assert_str_eq(json_string_value(json_object_get(obj, "scenario")), "idle");
            ck_assert_str_eq(json_string_value(json_object_get(obj, "unit")), "ms");
            json_t *meets = json_object_get(obj, "meets");
            ck_assert(has_target ? json_is_boolean(meets) : json_is_null(meets));
            value = json_number_value(json_object_get(obj, "value"));
        }
        json_decref(obj);
    }
    fclose(f);
    return value;
}

START_TEST(idle_scenario_reports_a_positive_latency)
{
    make_dir();
    char results[128];
    snprintf(results, sizeof results, "%s/results.jsonl", dir);
    const char *args[] = {"--scenario", "idle", "--quick", "--results", results,
                          "--islandsd", testd_program("ISLANDSD", "islandsd"), NULL};
    int status = run_bench(args);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "islands-bench failed (status 0x%x); see %s/out.txt", status, dir);
    ck_assert_msg(figure_value(results, "move_p50", true) > 0, "no positive move_p50 in %s", results);
    ck_assert_msg(figure_value(results, "disk_commit_p50", false) > 0,
                  "no positive disk_commit_p50 in %s", results);
    testd_remove_dir(dir);
}
END_TEST

START_TEST(unknown_scenario_is_refused)
{
    make_dir();
    const char *args[] = {"--scenario", "nonesuch", NULL};
    int status = run_bench(args);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    testd_remove_dir(dir);
}
END_TEST

static Suite *bench_smoke_suite(void)
{
    Suite *s = suite_create("bench_smoke");
    TCase *tc = tcase_create("smoke");
    tcase_set_timeout(tc, BENCH_LIMIT_S + 30);
    tcase_add_test(tc, idle_scenario_reports_a_positive_latency);
    tcase_add_test(tc, unknown_scenario_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(bench_smoke_suite)
