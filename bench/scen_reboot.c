/* Reboot recovery: a store of many games, everything killed, islandsd
 * started again; how soon it answers, and how soon each game does. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "games.h"
#include "proto.h"
#include "report.h"
#include "scenarios.h"

/* `sample` distinct game indexes below `games`, in random order (a fixed
 * seed: runs are comparable). */
static unsigned *random_sample(unsigned games, unsigned sample)
{
    unsigned *all = malloc((size_t)games * sizeof *all);
    if (!all)
        return NULL;
    for (unsigned i = 0; i < games; i++)
        all[i] = i;
    unsigned seed = 12345;
    for (unsigned i = 0; i < sample && i < games; i++) {
        unsigned j = i + (unsigned)(rand_r(&seed) % (int)(games - i));
        unsigned t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    return all;
}

int bench_restart(struct bench_daemon *d, const struct daemon_settings *s, unsigned games,
                  unsigned sample, struct restart_times *out)
{
    *out = (struct restart_times){0};
    daemon_kill(d);
    uint64_t start = now_ns(), answered;
    if (daemon_start(d, s) != 0 || daemon_wait_ping(d, 60000, &answered) != 0)
        return -1;
    out->ping_ms = ns_to_ms(answered - start);
    unsigned *order = random_sample(games, sample);
    struct isl_client *c = isl_client_connect(d->socket, 5000);
    int rc = order && c ? 0 : -1;
    for (unsigned i = 0; i < sample && i < games && rc == 0; i++) {
        char name[16];
        bench_game_name(order[i], name, sizeof name);
        uint64_t sent = now_ns();
        json_t *r = call(c, req_state(1, name), 30000);
        if (r && resp_ok(r))
            samples_add(&out->first_request, now_ns() - sent);
        else
            out->failures++;
        rc = r ? 0 : -1;
        json_decref(r);
    }
    out->sample_ms = ns_to_ms(now_ns() - start);
    if (c)
        isl_client_close(c);
    free(order);
    return rc;
}

static void report_restart(const char *scenario, unsigned games, struct restart_times *t,
                           bool targets)
{
    struct figure f = {.scenario = scenario, .games = games, .sync = "full", .commit = "group",
                       .unit = "ms", .conns = 1, .pipeline = 1};
    f.name = "ping_after_start";
    f.value = t->ping_ms;
    f.target_kind = targets ? TARGET_BELOW : TARGET_NONE;
    f.target = 100;
    report(&f);
    f.name = "sample_answered";
    f.value = t->sample_ms;
    f.target_kind = TARGET_NONE;
    f.extra = json_pack("{s:i, s:i}", "sample", (int)t->first_request.n, "failures",
                        (int)t->failures);
    report(&f);
    f.name = "first_request_p50";
    f.value = samples_percentile_ms(&t->first_request, 50);
    report(&f);
    f.name = "first_request_p99";
    f.value = samples_percentile_ms(&t->first_request, 99);
    f.target_kind = targets ? TARGET_BELOW : TARGET_NONE;
    f.target = 5;
    report(&f);
    if (t->failures)
        report_note("%u of the sampled games did not answer `state` with ok", t->failures);
}

int scenario_reboot(void)
{
    report_title("reboot: islandsd killed with everything, started again on a full store");
    static const unsigned quick_sizes[] = {1000}, full_sizes[] = {10000, 100000};
    const unsigned *sizes = PICK(quick_sizes, full_sizes);
    unsigned n_sizes = PICK(1u, 2u), sample = PICK(200u, 1000u);
    int rc = 0;
    for (unsigned i = 0; i < n_sizes && !bench_interrupted(); i++) {
        struct daemon_settings s;
        daemon_settings_default(&s);
        struct bench_daemon d;
        uint64_t fill = now_ns();
        /* The first start reads the new store once (as a real host would
         * have); the measured start is the one after the kill. */
        if (bench_open(&d, &s, sizes[i]) != 0) {
            rc = -1;
            continue;
        }
        printf("  (%u games stored and a first start in %.1f s)\n", sizes[i],
               (double)(now_ns() - fill) / 1e9);
        struct restart_times t;
        if (bench_restart(&d, &s, sizes[i], sample, &t) == 0)
            report_restart("reboot", sizes[i], &t, true);
        else
            rc = -1;
        samples_free(&t.first_request);
        daemon_destroy(&d);
    }
    report_note("first requests are sent one at a time, each to a game no worker holds yet");
    return rc;
}
