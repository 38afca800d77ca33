/* Durable moves under an open load: requests at a fixed rate, whatever the
 * answers, each timed from when it was due. The closed load of `moves`
 * holds back new requests while the daemon stalls, so its percentiles
 * under-report a stall; these do not. */
#include <stdio.h>

#include "bench.h"
#include "report.h"
#include "scenarios.h"

#define OPEN_GAMES 100

static void report_open(const struct daemon_settings *s, double rate, struct load_result *r)
{
    struct figure f = {
        .scenario = "open", .name = "moves_per_s", .unit = "moves/s", .games = OPEN_GAMES,
        .sync = s->sync, .commit = daemon_commit_name(s), .conns = r->conns,
        .value = (double)r->moves / r->seconds,
    };
    f.extra = json_pack("{s:f, s:I, s:I, s:I, s:f}", "rate", rate, "sent_late",
                        (json_int_t)r->sent_late, "failures", (json_int_t)r->failures,
                        "sent_on_schedule", (json_int_t)r->sent_on_schedule, "schedule_s",
                        r->schedule_s);
    if (f.extra && r->cpu)
        json_object_update(f.extra, r->cpu);
    report(&f);
    json_t *rate_field = json_pack("{s:f}", "rate", rate);
    report_latencies(&f, &r->latency, false, rate_field);
    json_decref(rate_field);
    if (r->sent_late)
        report_note("%.0f requests/s: %llu requests left 1 ms or more after they were due "
                    "(timed from when they were due)", rate, (unsigned long long)r->sent_late);
    if (r->failures)
        report_note("%.0f requests/s: %llu failed responses; first: %s", rate,
                    (unsigned long long)r->failures, r->first_failure);
}

static int run_open(const struct daemon_settings *s, double rate)
{
    char title[160];
    snprintf(title, sizeof title, "open: %.0f requests/s on schedule, %d games, %d connections, "
             "sync=%s", rate, OPEN_GAMES, BENCH_CONNS, s->sync);
    report_title(title);
    struct bench_daemon d;
    if (bench_open(&d, s, OPEN_GAMES) != 0)
        return -1;
    struct load_config cfg = {
        .socket = d.socket, .games = OPEN_GAMES, .conns = BENCH_CONNS,
        .pipeline = BENCH_PIPELINE, .rate = rate, .settle_s = PICK(0.3, 1.0),
        .measure_s = PICK(1.0, 8.0), .watch_group = d.pid,
    };
    struct load_result r;
    int rc = load_run(&cfg, &r);
    daemon_destroy(&d);
    if (rc == 0 && r.moves == 0) {
        say("no move was acknowledged (%llu failures; first: %s)",
            (unsigned long long)r.failures, r.first_failure);
        rc = -1;
    }
    if (rc == 0)
        report_open(s, rate, &r);
    load_result_free(&r);
    return rc;
}

int scenario_open(void)
{
    static const double full_rates[] = {2000, 5000, 10000}, quick_rates[] = {5000};
    const double *rates = PICK(quick_rates, full_rates);
    size_t n = PICK(1u, 3u);
    struct daemon_settings s;
    daemon_settings_default(&s);
    int rc = 0;
    for (size_t i = 0; i < n && !bench_interrupted(); i++)
        if (run_open(&s, rates[i]) != 0)
            rc = -1;
    report_note("requests include the set-up of a new game when one ends (15 per 199 moves); "
                "this process shares the CPUs, and its own delays count as the daemon's");
    return rc;
}
