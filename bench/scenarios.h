/* The scenarios of `make bench` (docs/BENCHMARKS.md), and what they share. */
#ifndef ISLANDS_BENCH_SCENARIOS_H
#define ISLANDS_BENCH_SCENARIOS_H

#include <stdbool.h>

#include "daemon.h"
#include "load.h"
#include "report.h"

/* Each returns 0, or -1 when it could not measure (said why). */
int scenario_idle(void);
int scenario_moves(void);
int scenario_open(void);
int scenario_group_commit(void);
int scenario_recovery(void);
int scenario_reboot(void);
int scenario_memory(void);
int scenario_hibernate(void);
int scenario_curve(void);

/* latency_p50, _p99 and _p99_9 of `latency` as rows like `f` (the p99
 * against the durable target of 10 ms when p99_target), each JSON line
 * with the fields of `extra` (NULL: none) added. */
void report_latencies(struct figure *f, struct samples *latency, bool p99_target,
                      const json_t *extra);

/* The load every throughput figure uses. */
#define BENCH_CONNS 8
#define BENCH_PIPELINE 4

/* A temporary store filled with `games` set-up games, and islandsd started
 * on it and answering. 0, or -1 with everything cleaned up. */
int bench_open(struct bench_daemon *d, const struct daemon_settings *s, unsigned games);

/* Play games 0 .. games-1 of the running daemon for `seconds` after
 * warm-up and settling. 0 or -1. */
int bench_play(const struct bench_daemon *d, unsigned games, unsigned conns, unsigned pipeline,
               double seconds, struct load_result *out);

/* Kill islandsd with everything, start it again and time it: until it
 * answers `ping`, and each `state` of `sample` random games (one at a
 * time, each a first request) until all have answered. */
struct restart_times {
    double ping_ms;              /* from the start of islandsd */
    double sample_ms;            /* from the start until the last game answered */
    struct samples first_request;
    unsigned failures;
};
int bench_restart(struct bench_daemon *d, const struct daemon_settings *s, unsigned games,
                  unsigned sample, struct restart_times *out);

#endif
