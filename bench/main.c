/* islands-bench: measure a real islandsd (docs/BENCHMARKS.md).
 *
 *   islands-bench [--quick] [--scenario NAME[,NAME...]] [--results FILE]
 *                 [--islandsd PATH]
 *
 * Every figure is printed beside its target and appended as a JSON line to
 * the results file. The daemon, its workers and its writer run in their own
 * process group in a temporary directory, and are killed and removed
 * whatever happens. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "report.h"
#include "scenarios.h"

#define DEFAULT_RESULTS "bench/results/results.jsonl"
/* Enough descriptors for 10,000 live games (islandsd holds two per game). */
#define WANTED_NOFILE 65536

struct bench_options bench;

static const struct {
    const char *name;
    int (*run)(void);
    const char *what;
} scenarios[] = {
    {"idle", scenario_idle, "a single move on an idle server, beside the disk's own commit"},
    {"moves", scenario_moves, "moves/s and latency, every sync mode, 1 to 1,000 games"},
    {"open", scenario_open, "durable moves at fixed rates, timed from when each was due"},
    {"group", scenario_group_commit, "group_commit true vs false"},
    {"recovery", scenario_recovery, "a SIGKILLed worker until its game answers again"},
    {"reboot", scenario_reboot, "islandsd restarted on 10,000 and 100,000 stored games"},
    {"memory", scenario_memory, "PSS and private memory per live idle worker"},
    {"hibernate", scenario_hibernate, "memory for 100,000 stored games with hibernation"},
    {"curve", scenario_curve, "how the figures grow from 10 to 10,000 games"},
};
enum { SCENARIO_COUNT = sizeof scenarios / sizeof scenarios[0] };

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double ns_to_ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "islands-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: islands-bench [--quick] [--scenario NAME[,NAME...]] [--results FILE]\n"
                 "                     [--islandsd PATH]\n"
                 "Measure islandsd; print each figure beside its target and append it as a JSON\n"
                 "line to FILE (default " DEFAULT_RESULTS ").\n\n"
                 "  --quick            a small version of every scenario (under two minutes)\n"
                 "  --islandsd PATH    the daemon (default $ISLANDSD, else next to this program);\n"
                 "                     its worker and writer come from $ISLANDS_WORKER and\n"
                 "                     $ISLANDS_WRITER, else from next to islandsd\n\n"
                 "Scenarios (all by default):\n");
    for (int i = 0; i < SCENARIO_COUNT; i++)
        fprintf(out, "  %-10s %s\n", scenarios[i].name, scenarios[i].what);
}

/* Soft limit up to the hard one, and both up to WANTED_NOFILE where we
 * may: islandsd inherits them. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < WANTED_NOFILE) {
        struct rlimit wider = {WANTED_NOFILE, WANTED_NOFILE};
        if (setrlimit(RLIMIT_NOFILE, &wider) == 0)
            rl = wider;
    }
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    bench.nofile = (unsigned long)rl.rlim_cur;
}

static void find_islandsd(const char *option)
{
    const char *env = getenv("ISLANDSD");
    if (option || (env && env[0])) {
        snprintf(bench.islandsd, sizeof bench.islandsd, "%s", option ? option : env);
        return;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    snprintf(bench.islandsd, sizeof bench.islandsd, "%s/islandsd", n > 0 ? dirname(self) : ".");
}

static void describe_run(void)
{
    time_t t = time(NULL);
    strftime(bench.date, sizeof bench.date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    snprintf(bench.git, sizeof bench.git, "unknown");
    FILE *git = popen("git rev-parse --short HEAD 2>/dev/null && "
                      "git status --porcelain --untracked-files=no 2>/dev/null | head -1",
                      "r");
    if (!git)
        return;
    char rev[48] = "", dirty[8] = "";
    if (fgets(rev, sizeof rev, git)) {
        rev[strcspn(rev, "\n")] = '\0';
        bool changed = fgets(dirty, sizeof dirty, git) != NULL;
        snprintf(bench.git, sizeof bench.git, "%s%s", rev, changed ? "+changes" : "");
    }
    pclose(git);
}

static int make_parent_dirs(const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", file);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            say("cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

/* Mark the scenarios named in a comma-separated list. */
static int select_scenarios(const char *list, bool *chosen)
{
    char copy[512], *save = NULL;
    snprintf(copy, sizeof copy, "%s", list);
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int i = 0;
        while (i < SCENARIO_COUNT && strcmp(scenarios[i].name, name) != 0)
            i++;
        if (i == SCENARIO_COUNT) {
            say("unknown scenario '%s' (see --help)", name);
            return -1;
        }
        chosen[i] = true;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"quick", no_argument, NULL, 'q'},       {"scenario", required_argument, NULL, 's'},
        {"results", required_argument, NULL, 'r'}, {"islandsd", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    bool chosen[SCENARIO_COUNT] = {0}, any = false;
    const char *islandsd = NULL;
    snprintf(bench.results, sizeof bench.results, "%s", DEFAULT_RESULTS);
    int opt;
    while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (opt) {
        case 'q': bench.quick = true; break;
        case 's':
            if (select_scenarios(optarg, chosen) != 0)
                return 2;
            any = true;
            break;
        case 'r': snprintf(bench.results, sizeof bench.results, "%s", optarg); break;
        case 'd': islandsd = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        say("unexpected argument '%s' (see --help)", argv[optind]);
        return 2;
    }
    find_islandsd(islandsd);
    if (access(bench.islandsd, X_OK) != 0) {
        say("cannot run %s: %s (build it, or give --islandsd)", bench.islandsd, strerror(errno));
        return 2;
    }
    if (make_parent_dirs(bench.results) != 0)
        return 2;
    raise_nofile();
    describe_run();
    daemon_install_signal_handlers();
    printf("islands-bench %s: git %s, %s, %ld cores, open files %lu, results in %s\n",
           bench.quick ? "(quick)" : "(full)", bench.git, bench.date,
           sysconf(_SC_NPROCESSORS_ONLN), bench.nofile, bench.results);
    int failed = 0;
    for (int i = 0; i < SCENARIO_COUNT && !bench_interrupted(); i++) {
        if (any && !chosen[i])
            continue;
        uint64_t start = now_ns();
        if (scenarios[i].run() != 0) {
            say("scenario %s could not be measured", scenarios[i].name);
            failed++;
        }
        printf("  (%s took %.1f s)\n", scenarios[i].name, (double)(now_ns() - start) / 1e9);
    }
    unsigned figures, missed;
    report_totals(&figures, &missed);
    printf("\n%u figures, %u below target, %d scenario(s) failed%s\n", figures, missed, failed,
           bench_interrupted() ? ", interrupted" : "");
    return bench_interrupted() ? 130 : failed ? 1 : 0;
}
