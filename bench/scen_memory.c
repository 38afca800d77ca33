/* Memory: per live idle worker and of islandsd, with many live games; and
 * the whole daemon for 100,000 stored games with hibernation. */
#include <stdbool.h>
#include <stdio.h>

#include "bench.h"
#include "procmem.h"
#include "report.h"
#include "scenarios.h"

#define CHUNK 5000               /* games woken by one run of the load generator */

/* The most the daemon's group held, read while games wake. */
struct peak {
    pid_t group;
    unsigned long total_kib;
    size_t workers;
};

static void read_peak(void *arg)
{
    struct peak *p = arg;
    struct group_memory m;
    if (group_memory_read(p->group, &m) == 0) {
        p->total_kib = m.total.pss_kib > p->total_kib ? m.total.pss_kib : p->total_kib;
        p->workers = m.worker_count > p->workers ? m.worker_count : p->workers;
    }
}

/* Every game of [first, first+count) answers one `state` (and is sent
 * nothing else): its worker starts and loads it. peak, if not NULL, is
 * updated about every 250 ms meanwhile. 0 or -1. */
static int wake_games(const struct bench_daemon *d, unsigned first, unsigned count,
                      double *seconds, unsigned *failures, struct peak *peak)
{
    struct load_config cfg = {.socket = d->socket, .first_game = first, .games = count,
                              .conns = BENCH_CONNS, .pipeline = BENCH_PIPELINE,
                              .tick = peak ? read_peak : NULL, .tick_arg = peak};
    struct load_result r;
    int rc = load_run(&cfg, &r);
    *seconds = r.warmup_s;
    *failures = r.warm_failures;
    load_result_free(&r);
    return rc;
}

static void report_kib(const char *name, unsigned games, double kib, enum target_kind kind,
                       double target, json_t *extra)
{
    struct figure f = {.scenario = "memory", .name = name, .unit = "KiB", .games = games,
                       .value = kib, .target_kind = kind, .target = target, .extra = extra};
    report(&f);
}

static int measure_live(unsigned games)
{
    struct daemon_settings s;
    daemon_settings_default(&s);
    struct bench_daemon d;
    if (bench_open(&d, &s, games) != 0)
        return -1;
    long available_before = meminfo_available_kib();
    double seconds;
    unsigned failures;
    int rc = wake_games(&d, 0, games, &seconds, &failures, NULL);
    sleep_ms(1000);              /* let the last workers go idle */
    struct group_memory m;
    if (rc == 0 && group_memory_read(d.pid, &m) == 0 && m.worker_count) {
        long system_kib = available_before - meminfo_available_kib();
        double n = (double)m.worker_count;
        report_kib("worker_private_dirty", games, (double)m.workers.private_dirty_kib / n,
                   games == 10000 ? TARGET_BELOW : TARGET_NONE, 250,
                   json_pack("{s:i, s:i, s:f}", "workers", (int)m.worker_count, "failures",
                             (int)failures, "wake_s", seconds));
        report_kib("worker_pss", games, (double)m.workers.pss_kib / n, TARGET_NONE, 0, NULL);
        report_kib("worker_page_tables", games, (double)m.workers.page_tables_kib / n,
                   TARGET_NONE, 0, NULL);
        report_kib("islandsd_pss", games, (double)m.daemon.pss_kib, TARGET_NONE, 0, NULL);
        report_kib("islandsd_private_dirty", games, (double)m.daemon.private_dirty_kib,
                   TARGET_NONE, 0, NULL);
        report_kib("writer_pss", games, (double)m.writer.pss_kib, TARGET_NONE, 0, NULL);
        report_kib("system_per_game", games, (double)system_kib / games, TARGET_NONE, 0, NULL);
        report_kib("total_pss", games, (double)m.total.pss_kib, TARGET_NONE, 0, NULL);
    } else {
        say("memory: %u games could not all be woken", games);
        rc = -1;
    }
    daemon_destroy(&d);
    return rc;
}

int scenario_memory(void)
{
    report_title("memory: live idle workers (hibernate_after 0), averages over every worker");
    static const unsigned quick_sizes[] = {100, 1000}, full_sizes[] = {100, 1000, 10000};
    const unsigned *sizes = PICK(quick_sizes, full_sizes);
    size_t count = PICK(sizeof quick_sizes, sizeof full_sizes) / sizeof *sizes;
    int rc = 0;
    for (size_t i = 0; i < count && !bench_interrupted(); i++)
        if (measure_live(sizes[i]) != 0)
            rc = -1;
    report_note("system_per_game: the drop of MemAvailable per game (kernel memory included); "
                "worker_page_tables: VmPTE, kernel memory each worker costs beyond its pages");
    return rc;
}

int scenario_hibernate(void)
{
    report_title("hibernate: every stored game served once, hibernate_after = 1 s");
    unsigned games = PICK(10000u, 100000u);
    struct daemon_settings s;
    daemon_settings_default(&s);
    s.hibernate_after = 1;
    struct bench_daemon d;
    if (bench_open(&d, &s, games) != 0)
        return -1;
    unsigned long unanswered = 0;
    struct peak peak = {.group = d.pid};
    uint64_t start = now_ns();
    int rc = 0;
    struct group_memory m;
    for (unsigned first = 0; first < games && rc == 0 && !bench_interrupted(); first += CHUNK) {
        double seconds;
        unsigned failures;
        unsigned count = games - first < CHUNK ? games - first : CHUNK;
        rc = wake_games(&d, first, count, &seconds, &failures, &peak);
        unanswered += failures;
    }
    double served_s = (double)(now_ns() - start) / 1e9;
    /* Hibernation is swept about once a second. */
    bool settled = false;
    for (int i = 0; i < 30 && rc == 0 && group_memory_read(d.pid, &m) == 0 &&
                    !(settled = m.worker_count <= s.spare_workers + 1);
         i++)
        sleep_ms(500);
    daemon_destroy(&d);
    if (rc != 0)
        return -1;
    struct figure f = {.scenario = "hibernate", .games = games, .sync = "full",
                       .commit = "group", .name = "games_served", .unit = "games",
                       .value = games - (double)unanswered, .target_kind = TARGET_AT_LEAST,
                       .target = games};
    f.extra = json_pack("{s:f, s:i}", "seconds", served_s, "hibernate_after_s", 1);
    report(&f);
    f.target_kind = TARGET_NONE;
    f.name = "served_per_s", f.unit = "games/s", f.value = games / served_s;
    report(&f);
    f.name = "peak_total_pss", f.unit = "MiB", f.value = (double)peak.total_kib / 1024;
    report(&f);
    f.name = "peak_live_workers", f.unit = "workers", f.value = (double)peak.workers;
    report(&f);
    f.name = "settled_total_pss", f.unit = "MiB", f.value = (double)m.total.pss_kib / 1024;
    report(&f);
    f.name = "settled_live_workers", f.unit = "workers", f.value = (double)m.worker_count;
    report(&f);
    report_note("peak figures: the most read, every 250 ms, while games were woken (the "
                "readings take part of served_per_s's time)");
    if (!settled)
        report_note("hibernation had not settled 15 s after the last game: the settled "
                    "figures are the last reading");
    return 0;
}
