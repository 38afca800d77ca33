/* The load generator: prefilled games played over several connections
 * with pipelining, from one thread with poll().
 *
 * Games are dealt to connections round-robin; a connection keeps up to
 * `pipeline` requests in flight, taking the next request of each of its
 * games in turn (several may be for one game: the daemon keeps a game's
 * order). Every game first answers a `state` (its worker starts: warm-up),
 * then plays valid guesses; a game played to its end is ended and set up
 * again through the protocol, and play goes on. After a settling time,
 * only acknowledged guesses received within the measuring window count.
 * With measure_s = 0 a run is only the warm-up: every game answers once.
 *
 * The load is closed by default (a connection sends when an answer frees a
 * place in its pipeline), so a stall also holds back the requests that
 * would have come meanwhile and the percentiles under-report it. With a
 * rate it is open: requests are due on a fixed schedule, and each one's
 * latency runs from when it was due, sent or not (no coordinated
 * omission). */
#ifndef ISLANDS_BENCH_LOAD_H
#define ISLANDS_BENCH_LOAD_H

#include <stdint.h>
#include <sys/types.h>

#include "stats.h"

struct load_config {
    const char *socket;
    unsigned first_game, games;  /* prefilled game indexes (games.h) */
    unsigned conns, pipeline;
    double settle_s, measure_s;
    pid_t watch_group;           /* islandsd's process group: its CPU is measured
                                    over the window too (0: not) */
    double pause_ms;             /* after each answer a connection sends nothing
                                    for this long, so that the daemon is idle
                                    when the next request comes (0: at once) */
    double rate;                 /* open load: requests per second in all, sent on
                                    schedule from the end of warm-up whatever the
                                    answers, each timed from when it was due;
                                    `pipeline` applies to warm-up only (0: the
                                    closed load) */
    void (*tick)(void *arg);     /* called about every 250 ms of the run (NULL: not) */
    void *tick_arg;
};

struct load_result {
    struct samples latency;      /* acknowledged guesses in the window */
    struct samples warm_latency; /* each game's first `state` (warm-up) */
    unsigned warm_failures;      /* first `state`s that failed */
    uint64_t moves;
    uint64_t failures;           /* failed responses in the window, any op */
    uint64_t games_won;          /* games played to their end in the window */
    unsigned games_lost;         /* games that could not be set up again */
    double seconds;              /* the window */
    double warmup_s;             /* until every game had answered */
    double cpu_bench;            /* this process during the window, in cores */
    unsigned conns;              /* connections used (no more than games) */
    uint64_t sent_late;          /* open load: requests sent 1 ms or more after
                                    they were due (the daemon or this process
                                    behind) */
    uint64_t sent_on_schedule;   /* open load: requests sent from the schedule's
                                    start to the window's end ... */
    double schedule_s;           /* ... which lasted this long */
    char first_failure[200];
    struct json_t *cpu;          /* CPU of this process and islandsd's roles
                                    over the window (JSON fields), or NULL */
};

/* 0, or -1 (said why) when a connection broke or warm-up never ended. */
int load_run(const struct load_config *cfg, struct load_result *out);
void load_result_free(struct load_result *r);

#endif
