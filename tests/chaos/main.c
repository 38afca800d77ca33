/* islands-chaos: command line, and one run per strategy. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "phases.h"
#include "report.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: islands-chaos [OPTION]...\n"
        "Drive games through islandsd while injecting crashes; check that no acknowledged\n"
        "move is ever lost and that supervision behaves as configured.\n\n"
        "  --seed N           seed of the fault schedule and the moves (default: random;\n"
        "                     the same seed replays the same faults)\n"
        "  --duration SECONDS length of the main phase (default 60; at least one round\n"
        "                     of every enabled fault kind runs)\n"
        "  --games N          games played at once, 1 to %d (default 8)\n"
        "  --strategy NAME    one_for_one, one_for_all, rest_for_one, simple_one_for_one,\n"
        "                     or all (each in turn, one report each; default\n"
        "                     simple_one_for_one)\n"
        "  --faults LIST      comma-separated: kill, segv, abrt, exit (the crash op),\n"
        "                     signal (kill(2) of the worker pid), stop (SIGSTOP), commit\n"
        "                     (writer/worker killed, or writer frozen, inside an LMDB\n"
        "                     commit), daemon\n"
        "                     (islandsd SIGKILLed), reboot (its whole group), full (tiny\n"
        "                     map), storm (restarts beyond the intensity), all, none\n"
        "                     (default all)\n"
        "  --socket PATH      attach to the islandsd listening on PATH (implies --attach)\n"
        "  --attach           attach to a running islandsd (socket: --socket, $%s,\n"
        "                     the daemon's configuration, or %s); only kill,\n"
        "                     segv, abrt and exit are used,\n"
        "                     paced to stay within its restart intensity\n"
        "  --islandsd PATH    the islandsd to start (default: $ISLANDSD, else next to\n"
        "                     islands-chaos)\n"
        "  --request-timeout MS  request_timeout_ms of the daemons started (default 500)\n"
        "  --break ack-before-commit  start islandsd with ISLANDS_FAULT_ACK_BEFORE_COMMIT=1:\n"
        "                     every worker answers, then dies before committing\n"
        "  --break relay-before-commit  ... with ISLANDS_FAULT_RELAY_BEFORE_COMMIT_MS=20:\n"
        "                     the writer passes answers on 20 ms before it commits,\n"
        "                     so only a crash in that window loses them\n"
        "  --break swapped-commit-points  the commit phase's daemon with\n"
        "                     ISLANDS_FAULT_SWAP_COMMIT_POINTS=1: its store says\n"
        "                     \"committed\" before mdb_txn_commit and \"commit\" after\n"
        "  --break keep-deleted  ... with ISLANDS_FAULT_KEEP_DELETED=1: its store\n"
        "                     keeps the games end_game deleted\n"
        "                     (broken daemons: the run must fail)\n"
        "  --json FILE        also append the JSON report line to FILE\n"
        "  --keep             keep the temporary directories (logs, stores)\n"
        "  --verbose          say what happens at each step\n"
        "  --help             show this help\n\n"
        "Output: a summary and one JSON line per strategy run. Exit status: 0 no\n"
        "violation and nothing lost, 1 otherwise, 2 bad command line.\n",
        CHAOS_MAX_GAMES, ISL_CLIENT_SOCKET_ENV, ISL_CLIENT_DEFAULT_SOCKET);
}

static void fail_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "islands-chaos: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see --help)\n");
    exit(EXIT_USAGE);
}

static unsigned long long parse_number(const char *text, const char *option,
                                       unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max)
        fail_usage(option, text);
    return v;
}

static void parse_strategy(struct chaos_options *o, const char *name)
{
    o->strategy_count = 0;
    for (int s = 0; s < 4; s++)
        if (strcmp(name, "all") == 0 || strcmp(name, isl_strategy_name((enum isl_strategy)s)) == 0)
            o->strategies[o->strategy_count++] = (enum isl_strategy)s;
    if (o->strategy_count == 0)
        fail_usage("--strategy: unknown strategy '%s'", name);
}

static const char *default_islandsd(void)
{
    const char *env = getenv("ISLANDSD");
    if (env && env[0])
        return env;
    static char path[ISL_PATH_MAX];
    char self[ISL_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return "islandsd";
    self[n] = '\0';
    snprintf(path, sizeof path, "%s/islandsd", dirname(self));
    return access(path, X_OK) == 0 ? path : "islandsd";
}

static void parse_args(int argc, char **argv, struct chaos_options *o)
{
    static const struct option options[] = {
        {"seed", required_argument, NULL, 's'},     {"duration", required_argument, NULL, 'd'},
        {"games", required_argument, NULL, 'g'},    {"strategy", required_argument, NULL, 'S'},
        {"faults", required_argument, NULL, 'f'},   {"socket", required_argument, NULL, 'k'},
        {"attach", no_argument, NULL, 'a'},         {"json", required_argument, NULL, 'j'},
        {"islandsd", required_argument, NULL, 'i'}, {"request-timeout", required_argument, NULL, 't'},
        {"break", required_argument, NULL, 'b'},    {"keep", no_argument, NULL, 'K'},
        {"verbose", no_argument, NULL, 'v'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    bool seeded = false;
    char err[256];
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 's': o->seed = parse_number(optarg, "--seed: not a number: '%s'", UINT64_MAX);
                  seeded = true; break;
        case 'd': {
            char *end;
            o->duration_s = strtod(optarg, &end);
            if (end == optarg || *end || !(o->duration_s >= 0) || o->duration_s > 1e7)
                fail_usage("--duration: not a number of seconds: '%s'", optarg);
            break;
        }
        case 'g': o->games = (unsigned)parse_number(optarg, "--games: 1 to 64, not '%s'",
                                                     CHAOS_MAX_GAMES);
                  if (o->games == 0) fail_usage("--games: 1 to 64, not '%s'", optarg);
                  break;
        case 'S': parse_strategy(o, optarg); break;
        case 'f': if (fault_parse_list(optarg, &o->faults, err, sizeof err) != 0)
                      fail_usage("%s", err);
                  break;
        case 'k': o->socket = optarg; o->attach = true; break;
        case 'a': o->attach = true; break;
        case 'j': o->json_path = optarg; break;
        case 'i': o->islandsd = optarg; break;
        case 't': o->request_timeout_ms = (unsigned)parse_number(
                      optarg, "--request-timeout: milliseconds, 1 to 3600000, not '%s'", 3600000);
                  if (!o->request_timeout_ms) fail_usage("--request-timeout: not 0%s", "");
                  break;
        case 'b': if (strcmp(optarg, "ack-before-commit") == 0)
                      o->break_ack_before_commit = true;
                  else if (strcmp(optarg, "relay-before-commit") == 0)
                      o->break_relay_before_commit = true;
                  else if (strcmp(optarg, "swapped-commit-points") == 0)
                      o->break_swapped_commit_points = true;
                  else if (strcmp(optarg, "keep-deleted") == 0)
                      o->break_keep_deleted = true;
                  else
                      fail_usage("--break: ack-before-commit, relay-before-commit, "
                                 "swapped-commit-points or keep-deleted, not '%s'", optarg);
                  break;
        case 'K': o->keep = true; break;
        case 'v': o->verbose = true; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(EXIT_USAGE);
        }
    }
    if (optind < argc)
        fail_usage("unexpected argument '%s'", argv[optind]);
    if (o->attach && (o->break_ack_before_commit || o->break_relay_before_commit ||
                      o->break_swapped_commit_points || o->break_keep_deleted))
        fail_usage("--break needs a daemon of our own, not --attach%s", "");
    if (!seeded && getrandom(&o->seed, sizeof o->seed, 0) != sizeof o->seed)
        o->seed = (uint64_t)isl_monotonic_ms() ^ ((uint64_t)getpid() << 32);
    o->seed %= 1000000000000ull;   /* short enough to type */
    if (o->attach) {
        static char buf[ISL_PATH_MAX];
        char warning[512];
        o->socket = isl_client_socket_path(o->socket, NULL, buf, warning, sizeof warning);
        if (warning[0])
            fprintf(stderr, "islands-chaos: warning: %s; trying %s\n", warning, o->socket);
    }
    if (!o->islandsd)
        o->islandsd = default_islandsd();
}

/* Daemons run in their own process groups: take them down with us. */
static void on_interrupt(int sig)
{
    daemon_kill_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

static bool run_strategy(const struct chaos_options *o, enum isl_strategy strategy)
{
    struct chaos_run run;
    memset(&run, 0, sizeof run);
    run.opt = o;
    run.strategy = strategy;
    run.own = !o->attach;
    run.phase = "main";
    run.started_ms = isl_monotonic_ms();
    if (run.own)
        snprintf(run.prefix, sizeof run.prefix, "c%llu", (unsigned long long)(o->seed % 100000));
    else
        snprintf(run.prefix, sizeof run.prefix, "chaos%ld", (long)getpid());
    if (!run.own)
        snprintf(run.socket, sizeof run.socket, "%s", o->socket);
    char kinds[128] = "";
    for (int k = 0; k < FAULT_KINDS; k++)
        if (o->faults & (1u << k))
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s",
                     kinds[0] ? "," : "", fault_name((enum fault_kind)k));
    say("%s: seed %llu, %u games, faults %s", run.own ? isl_strategy_name(strategy) : "attached",
        (unsigned long long)o->seed, o->games, kinds[0] ? kinds : "none");
    int rc = phase_main(&run);
    if (run.own && rc == 0 && (o->faults & (1u << FAULT_COMMIT)))
        rc = phase_commit(&run);
    if (run.own && rc == 0 && (o->faults & (1u << FAULT_FULL)))
        rc = phase_full(&run);
    if (run.own && rc == 0 && (o->faults & (1u << FAULT_STORM)))
        rc = phase_storm(&run);
    if (rc != 0 && run.violation_count == 0)
        violation(&run, "the run stopped early");
    report_print(&run, (double)(isl_monotonic_ms() - run.started_ms) / 1000.0);
    bool passed = report_passed(&run);
    run_free(&run);
    return passed;
}

int main(int argc, char **argv)
{
    struct chaos_options o = {
        .duration_s = 60, .games = 8, .strategy_count = 1,
        .strategies = {ISL_SIMPLE_ONE_FOR_ONE}, .request_timeout_ms = 500,
        .faults = (1u << FAULT_KINDS) - 1,
    };
    parse_args(argc, argv, &o);
    chaos_verbose = o.verbose;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    signal(SIGHUP, on_interrupt);
    bool passed = true;
    unsigned runs = o.attach ? 1 : o.strategy_count;
    for (unsigned i = 0; i < runs; i++)
        passed = run_strategy(&o, o.strategies[i]) && passed;
    return passed ? 0 : EXIT_FAILED;
}
