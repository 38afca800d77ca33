/* Move throughput and latency: the idle single move, every sync mode at
 * 1 to 1,000 games, group commit on and off. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "disk.h"
#include "games.h"
#include "report.h"
#include "scenarios.h"

int bench_open(struct bench_daemon *d, const struct daemon_settings *s, unsigned games)
{
    if (daemon_create(d) != 0)
        return -1;
    if ((games && bench_prefill(d->store, 0, games) != 0) || daemon_launch(d, s) != 0) {
        daemon_destroy(d);
        return -1;
    }
    return 0;
}

static int play(const struct bench_daemon *d, const struct load_config *shape, double seconds,
                struct load_result *out)
{
    struct load_config cfg = *shape;
    cfg.socket = d->socket;
    cfg.settle_s = PICK(0.3, 1.0);
    cfg.measure_s = seconds;
    cfg.watch_group = d->pid;
    int rc = load_run(&cfg, out);
    if (rc == 0 && out->moves == 0) {
        say("no move was acknowledged (%llu failures; first: %s)",
            (unsigned long long)out->failures, out->first_failure);
        rc = -1;
    }
    return rc;
}

int bench_play(const struct bench_daemon *d, unsigned games, unsigned conns, unsigned pipeline,
               double seconds, struct load_result *out)
{
    struct load_config shape = {.games = games, .conns = conns, .pipeline = pipeline};
    return play(d, &shape, seconds, out);
}

void report_latencies(struct figure *f, struct samples *latency, bool p99_target,
                      const json_t *extra)
{
    static const struct { const char *name; double p; } cuts[] = {
        {"latency_p50", 50}, {"latency_p99", 99}, {"latency_p99_9", 99.9}};
    for (int i = 0; i < 3; i++) {
        f->name = cuts[i].name;
        f->unit = "ms";
        f->value = samples_percentile_ms(latency, cuts[i].p);
        f->target_kind = p99_target && cuts[i].p == 99 ? TARGET_BELOW : TARGET_NONE;
        f->target = 10;
        f->extra = extra ? json_deep_copy(extra) : NULL;
        report(f);
    }
}

/* Targets apply to the configurations PROTOCOL.md's readers care about:
 * 100 games, 8 connections, pipelining 4. */
static void report_moves(const char *scenario, const struct daemon_settings *s, unsigned games,
                         struct load_result *r, bool targets)
{
    bool durable = targets && s->group_commit && strcmp(s->sync, "full") == 0;
    bool nosync = targets && s->group_commit && strcmp(s->sync, "none") == 0;
    struct figure f = {
        .scenario = scenario, .games = games, .sync = s->sync,
        .commit = daemon_commit_name(s), .conns = r->conns, .pipeline = BENCH_PIPELINE,
    };
    f.name = "moves_per_s";
    f.unit = "moves/s";
    f.value = (double)r->moves / r->seconds;
    f.target_kind = durable || nosync ? TARGET_AT_LEAST : TARGET_NONE;
    f.target = durable ? 15000 : 20000;
    f.extra = json_pack("{s:I, s:I, s:I, s:f, s:s, s:i, s:i}", "moves", (json_int_t)r->moves,
                        "failures", (json_int_t)r->failures, "games_won",
                        (json_int_t)r->games_won, "warmup_s", r->warmup_s, "first_failure",
                        r->first_failure, "games_lost", (int)r->games_lost, "warm_failures",
                        (int)r->warm_failures);
    if (r->games_lost || r->warm_failures)
        report_note("%s, %u games: %u games could not be set up again and stopped playing, "
                    "%u first requests failed: fewer games played than said", scenario, games,
                    r->games_lost, r->warm_failures);
    if (f.extra && r->cpu)
        json_object_update(f.extra, r->cpu);
    report(&f);
    report_latencies(&f, &r->latency, durable, NULL);
    if (r->failures)
        report_note("%llu failed responses; first: %s", (unsigned long long)r->failures,
                    r->first_failure);
}

/* One daemon, one load, the four figures. */
static int run_moves(const char *scenario, const struct daemon_settings *s, unsigned games,
                     unsigned conns, unsigned pipeline, bool targets, double *moves_per_s)
{
    struct bench_daemon d;
    struct load_result r;
    if (bench_open(&d, s, games) != 0)
        return -1;
    int rc = bench_play(&d, games, conns, pipeline, PICK(1.0, 8.0), &r);
    daemon_destroy(&d);
    if (rc == 0) {
        report_moves(scenario, s, games, &r, targets);
        if (moves_per_s)
            *moves_per_s = (double)r.moves / r.seconds;
    }
    load_result_free(&r);
    return rc;
}

/* One game, one request at a time: `hot` sends each move as soon as the
 * last is answered (the daemon never rests), the idle figure waits
 * IDLE_PAUSE_MS after each answer first, so that every move finds the
 * daemon's processes asleep, as a player's move does. */
#define IDLE_PAUSE_MS 50

/* The p50 and p99 of `samples` as two rows like `f` (the p50 against f's
 * target, if any), each JSON line with the fields of `extra` (stolen). */
static void report_p50_p99(struct figure f, struct samples *samples, const char *p50_name,
                           const char *p99_name, json_t *extra)
{
    const char *names[] = {p50_name, p99_name};
    const double cuts[] = {50, 99};
    for (int i = 0; i < 2; i++) {
        f.name = names[i];
        f.value = samples_percentile_ms(samples, cuts[i]);
        f.extra = extra ? json_deep_copy(extra) : NULL;   /* report() takes it */
        report(&f);
        f.target_kind = TARGET_NONE;
    }
    json_decref(extra);
}

static void report_single_moves(const struct daemon_settings *s, struct load_result *r,
                                const char *p50_name, const char *p99_name, bool target)
{
    struct figure f = {
        .scenario = "idle", .unit = "ms", .games = 1, .sync = s->sync,
        .commit = daemon_commit_name(s), .conns = 1, .pipeline = 1,
        .target_kind = target ? TARGET_BELOW : TARGET_NONE, .target = 0.6,
    };
    json_t *extra = json_pack("{s:I, s:i}", "moves", (json_int_t)r->moves, "pause_ms",
                              target ? IDLE_PAUSE_MS : 0);
    if (extra && r->cpu)
        json_object_update(extra, r->cpu);
    report_p50_p99(f, &r->latency, p50_name, p99_name, extra);
}

static void report_disk_floor(struct samples *disk, const char *p50_name, const char *p99_name,
                              unsigned pause_ms)
{
    struct figure f = {.scenario = "idle", .unit = "ms", .sync = "full"};
    report_p50_p99(f, disk, p50_name, p99_name,
                   json_pack("{s:I, s:i}", "commits", (json_int_t)disk->n, "pause_ms",
                             (int)pause_ms));
}

int scenario_idle(void)
{
    report_title("idle: a single move on an idle server (1 connection, 1 game, 1 in flight)");
    struct daemon_settings s;
    daemon_settings_default(&s);
    struct bench_daemon d;
    struct load_result hot = {0}, idle = {0};
    if (bench_open(&d, &s, 2) != 0)
        return -1;
    struct load_config back_to_back = {.first_game = 0, .games = 1, .conns = 1, .pipeline = 1};
    struct load_config paced = {.first_game = 1, .games = 1, .conns = 1, .pipeline = 1,
                                .pause_ms = IDLE_PAUSE_MS};
    struct samples disk = {0}, hot_disk = {0};
    int rc = play(&d, &back_to_back, PICK(1.0, 5.0), &hot);
    if (rc == 0)
        rc = play(&d, &paced, PICK(3.0, 20.0), &idle);
    /* The disk's floor, beside the store, with the daemon asleep. */
    if (rc == 0)
        rc = disk_commit_floor(d.dir, IDLE_PAUSE_MS, PICK(60u, 300u), &disk);
    if (rc == 0)
        rc = disk_commit_floor(d.dir, 0, PICK(300u, 2000u), &hot_disk);
    daemon_destroy(&d);
    if (rc == 0) {
        report_single_moves(&s, &idle, "move_p50", "move_p99", true);
        report_single_moves(&s, &hot, "hot_move_p50", "hot_move_p99", false);
        report_disk_floor(&disk, "disk_commit_p50", "disk_commit_p99", IDLE_PAUSE_MS);
        report_disk_floor(&hot_disk, "hot_disk_commit_p50", "hot_disk_commit_p99", 0);
        report_note("disk_commit: the two synced writes of one LMDB commit (data page and "
                    "fdatasync, then the meta page through O_DSYNC), timed alone in the store's "
                    "directory; a move cannot be acknowledged faster");
    }
    samples_free(&disk);
    samples_free(&hot_disk);
    load_result_free(&hot);
    load_result_free(&idle);
    return rc;
}

int scenario_moves(void)
{
    report_title("moves: valid guesses, 8 connections, pipelining 4, group commit");
    static const char *const syncs[] = {"full", "nometa", "none"};
    static const unsigned full_sizes[] = {1, 10, 100, 1000}, quick_sizes[] = {10, 100};
    const unsigned *sizes = PICK(quick_sizes, full_sizes);
    size_t n_sizes = PICK(2u, 4u);
    int rc = 0;
    for (size_t i = 0; i < 3 && !bench_interrupted(); i++)
        for (size_t j = 0; j < n_sizes && !bench_interrupted(); j++) {
            struct daemon_settings s;
            daemon_settings_default(&s);
            s.sync = syncs[i];
            if (run_moves("moves", &s, sizes[j], BENCH_CONNS, BENCH_PIPELINE, sizes[j] == 100,
                          NULL) != 0)
                rc = -1;
        }
    report_note("with 1 game only 1 of the 8 connections carries requests (a game is played "
                "on one connection, to keep its order)");
    return rc;
}

int scenario_group_commit(void)
{
    report_title("group: group_commit true vs false, sync=full, 100 games");
    double with = 0, without = 0;
    struct daemon_settings s;
    daemon_settings_default(&s);
    s.group_commit = false;
    int rc = run_moves("group", &s, 100, BENCH_CONNS, BENCH_PIPELINE, false, &without);
    s.group_commit = true;
    if (run_moves("group", &s, 100, BENCH_CONNS, BENCH_PIPELINE, false, &with) != 0)
        rc = -1;
    if (rc == 0 && without > 0) {
        struct figure f = {
            .scenario = "group", .name = "group_commit_gain", .unit = "x", .games = 100,
            .sync = "full", .value = with / without, .conns = BENCH_CONNS,
            .pipeline = BENCH_PIPELINE,
        };
        report(&f);
    }
    return rc;
}
