/* The cost curve: how each figure grows from 10 to 10,000 games, with one
 * daemon per size (sync=full, group commit, 8 connections, pipelining 4). */
#include <stdbool.h>
#include <stdio.h>

#include "bench.h"
#include "procmem.h"
#include "report.h"
#include "scenarios.h"

enum { F_MOVES, F_P50, F_P99, F_WORKER_DIRTY, F_ISLANDSD_PSS, F_PING, F_FIRST_P50,
       F_FIRST_P99, FIGURES };
static const struct { const char *name, *unit; } figure_names[FIGURES] = {
    {"moves_per_s", "moves/s"},  {"latency_p50", "ms"},     {"latency_p99", "ms"},
    {"worker_private_dirty", "KiB"}, {"islandsd_pss", "KiB"}, {"ping_after_start", "ms"},
    {"first_request_p50", "ms"}, {"first_request_p99", "ms"},
};
#define MAX_SIZES 4

/* One size: play, read memory, restart. values[] gets every figure. */
static int measure_size(unsigned games, double *values)
{
    struct daemon_settings s;
    daemon_settings_default(&s);
    struct bench_daemon d;
    if (bench_open(&d, &s, games) != 0)
        return -1;
    struct load_result r;
    struct group_memory m = {0};
    struct restart_times t = {0};
    int rc = bench_play(&d, games, BENCH_CONNS, BENCH_PIPELINE, PICK(1.0, 4.0), &r);
    if (rc == 0) {
        values[F_MOVES] = (double)r.moves / r.seconds;
        values[F_P50] = samples_percentile_ms(&r.latency, 50);
        values[F_P99] = samples_percentile_ms(&r.latency, 99);
        group_memory_read(d.pid, &m);
        values[F_WORKER_DIRTY] =
            m.worker_count ? (double)m.workers.private_dirty_kib / (double)m.worker_count : 0;
        values[F_ISLANDSD_PSS] = (double)m.daemon.pss_kib;
        unsigned sample = games < PICK(100u, 300u) ? games : PICK(100u, 300u);
        rc = bench_restart(&d, &s, games, sample, &t);
        values[F_PING] = t.ping_ms;
        values[F_FIRST_P50] = samples_percentile_ms(&t.first_request, 50);
        values[F_FIRST_P99] = samples_percentile_ms(&t.first_request, 99);
    }
    load_result_free(&r);
    samples_free(&t.first_request);
    daemon_destroy(&d);
    for (int f = 0; rc == 0 && f < FIGURES; f++) {
        struct figure fig = {.scenario = "curve", .name = figure_names[f].name,
                             .unit = figure_names[f].unit, .value = values[f], .games = games,
                             .sync = "full", .commit = "group", .conns = BENCH_CONNS,
                             .pipeline = BENCH_PIPELINE};
        report(&fig);
    }
    return rc;
}

static void print_curve(const unsigned *sizes, unsigned n, double values[][FIGURES],
                        const bool *measured)
{
    printf("\n  cost curve (sync=full, group commit, 8 connections, pipelining 4)\n");
    printf("  %-22s %-8s", "figure", "unit");
    for (unsigned i = 0; i < n; i++)
        printf(" %11u", sizes[i]);
    printf("\n");
    for (int f = 0; f < FIGURES; f++) {
        printf("  %-22s %-8s", figure_names[f].name, figure_names[f].unit);
        for (unsigned i = 0; i < n; i++)
            if (measured[i])
                printf(" %11.3f", values[i][f]);
            else
                printf(" %11s", "-");
        printf("\n");
    }
    fflush(stdout);
}

int scenario_curve(void)
{
    report_title("curve: every figure from 10 to 10,000 games (one daemon per size)");
    static const unsigned quick_sizes[] = {10, 100, 1000}, full_sizes[] = {10, 100, 1000, 10000};
    const unsigned *sizes = PICK(quick_sizes, full_sizes);
    unsigned n = PICK(3u, 4u);
    double values[MAX_SIZES][FIGURES] = {{0}};
    bool measured[MAX_SIZES] = {0};
    int rc = 0;
    for (unsigned i = 0; i < n && !bench_interrupted(); i++) {
        measured[i] = measure_size(sizes[i], values[i]) == 0;
        if (!measured[i])
            rc = -1;
    }
    print_curve(sizes, n, values, measured);
    return rc;
}
