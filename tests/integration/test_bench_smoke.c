/* islands-bench runs short scenarios against the real islandsd and
 * reports their figures as JSON lines: a positive single-move latency and
 * the disk's own commit time beside it; an open load that keeps to its
 * rate. Speed is never asserted here (that is `make bench`'s job), only
 * that the program measures what it says and says so in its results file. */
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

/* The first result line of `scenario` naming `figure` (the test fails if
 * there is none), checked for the fields every line has: a number, in
 * `unit`, and whether its target is met when there is one, null when not. */
static json_t *result_line(const char *results, const char *scenario, const char *figure,
                           const char *unit, bool has_target)
{
    FILE *f = fopen(results, "r");
    ck_assert_msg(f != NULL, "no results file %s", results);
    char line[4096];
    json_t *found = NULL;
    while (!found && fgets(line, sizeof line, f)) {
        json_t *obj = json_loads(line, 0, NULL);
        ck_assert_msg(json_is_object(obj), "a result line is not a JSON object: %s", line);
        if (strcmp(json_string_value(json_object_get(obj, "scenario")), scenario) == 0 &&
            strcmp(json_string_value(json_object_get(obj, "figure")), figure) == 0) {
            ck_assert(json_is_number(json_object_get(obj, "value")));
            ck_assert_str_eq(json_string_value(json_object_get(obj, "unit")), unit);
            json_t *meets = json_object_get(obj, "meets");
            ck_assert(has_target ? json_is_boolean(meets) : json_is_null(meets));
            found = json_incref(obj);
        }
        json_decref(obj);
    }
    fclose(f);
    ck_assert_msg(found != NULL, "no %s %s in %s", scenario, figure, results);
    return found;
}

/* Its value, the line checked as above. */
static double figure_value(const char *results, const char *scenario, const char *figure,
                           const char *unit, bool has_target)
{
    json_t *line = result_line(results, scenario, figure, unit, has_target);
    double value = json_number_value(json_object_get(line, "value"));
    json_decref(line);
    return value;
}

/* islands-bench --quick on one scenario, its results file named in
 * `results`; its exit status. */
static int run_scenario(const char *scenario, char results[static 128])
{
    make_dir();
    snprintf(results, 128, "%s/results.jsonl", dir);
    const char *args[] = {"--scenario", scenario, "--quick", "--results", results,
                          "--islandsd", testd_program("ISLANDSD", "islandsd"), NULL};
    return run_bench(args);
}

START_TEST(idle_scenario_reports_a_positive_latency)
{
    char results[128];
    int status = run_scenario("idle", results);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "islands-bench failed (status 0x%x); see %s/out.txt", status, dir);
    ck_assert(figure_value(results, "idle", "move_p50", "ms", true) > 0);
    ck_assert(figure_value(results, "idle", "disk_commit_p50", "ms", false) > 0);
    testd_remove_dir(dir);
}
END_TEST

/* The open load keeps to its schedule: never ahead of its rate, whatever
 * the daemon's speed (a closed load would have run as fast as answers
 * came; behind it may be, and catch up), and its latencies are those of
 * acknowledged moves. */
START_TEST(open_scenario_sends_no_faster_than_its_rate)
{
    char results[128];
    int status = run_scenario("open", results);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "islands-bench failed (status 0x%x); see %s/out.txt", status, dir);
    json_t *moves = result_line(results, "open", "moves_per_s", "moves/s", false);
    double rate = json_number_value(json_object_get(moves, "rate"));
    double sent = json_number_value(json_object_get(moves, "sent_on_schedule"));
    double seconds = json_number_value(json_object_get(moves, "schedule_s"));
    unsigned conns = (unsigned)json_integer_value(json_object_get(moves, "conns"));
    ck_assert(rate > 0 && seconds > 0 && conns > 0);
    ck_assert(json_number_value(json_object_get(moves, "value")) > 0);
    /* At most one request per connection due at the start, then one per
     * period each. */
    ck_assert_msg(sent > 0 && sent <= rate * seconds + conns,
                  "%.0f requests sent in %.3f s at a rate of %.0f requests/s", sent, seconds, rate);
    json_decref(moves);
    double p50 = figure_value(results, "open", "latency_p50", "ms", false);
    double p99 = figure_value(results, "open", "latency_p99", "ms", false);
    ck_assert(p50 > 0 && p99 >= p50);
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
    tcase_add_test(tc, open_scenario_sends_no_faster_than_its_rate);
    tcase_add_test(tc, unknown_scenario_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(bench_smoke_suite)
