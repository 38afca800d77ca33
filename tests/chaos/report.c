/* The end of a run: a summary for people and one JSON line for programs. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_VIOLATIONS 20
#define JSON_VIOLATIONS 100      /* the count says how many there were */

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the recovery times (0 when there are none). */
static double percentile(const struct chaos_stats *s, double p)
{
    if (s->recovery_count == 0)
        return 0;
    size_t rank = (size_t)(p / 100.0 * (double)s->recovery_count + 0.999999);
    if (rank < 1)
        rank = 1;
    return s->recovery_ms[rank - 1];
}

static unsigned faults_total(const struct chaos_stats *s)
{
    unsigned n = 0;
    for (int k = 0; k < FAULT_KINDS; k++)
        n += s->faults[k];
    return n;
}

bool report_passed(const struct chaos_run *run)
{
    return run->violation_count == 0 && run->stats.moves_lost == 0;
}

static json_t *json_report(const struct chaos_run *run, double duration_s)
{
    const struct chaos_stats *s = &run->stats;
    json_t *kinds = json_object();
    for (int k = 0; k < FAULT_KINDS; k++)
        if (s->faults[k])
            json_object_set_new(kinds, fault_name((enum fault_kind)k), json_integer(s->faults[k]));
    json_t *list = json_array();
    for (size_t i = 0; i < run->violation_count && i < JSON_VIOLATIONS; i++) {
        const struct violation *v = &run->violations[i];
        json_array_append_new(list, json_pack("{s:I, s:s, s:i, s:s}", "seed",
                                              (json_int_t)run->opt->seed, "phase", v->phase,
                                              "step", (int)v->step, "text", v->text));
    }
    return json_pack("{s:I, s:f, s:s, s:b, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:i, s:o,"
                     " s:i, s:{s:f, s:f}, s:I, s:i, s:o, s:b}",
                     "seed", (json_int_t)run->opt->seed, "duration_s", duration_s,
                     "strategy", isl_strategy_name(run->strategy), "attached", !run->own,
                     "games_started", (int)s->games_started,
                     "games_finished", (int)s->games_finished,
                     "games_abandoned", (int)s->games_abandoned,
                     "moves_sent", (json_int_t)s->moves_sent,
                     "moves_acknowledged", (json_int_t)s->moves_acked,
                     "moves_refused", (json_int_t)s->moves_refused,
                     "unknown_outcomes", (json_int_t)s->unknown,
                     "unknown_applied", (json_int_t)s->unknown_applied,
                     "faults", (int)faults_total(s), "faults_by_kind", kinds,
                     "recoveries", (int)s->recoveries,
                     "recovery_ms", "p50", percentile(s, 50), "p99", percentile(s, 99),
                     "lost", (json_int_t)s->moves_lost,
                     "violations", (int)run->violation_count, "violation_list", list,
                     "passed", report_passed(run));
}

static void summary(const struct chaos_run *run, double duration_s)
{
    const struct chaos_stats *s = &run->stats;
    printf("\n== islands-chaos: strategy %s, seed %llu, %.1f s%s\n",
           isl_strategy_name(run->strategy), (unsigned long long)run->opt->seed, duration_s,
           run->own ? "" : " (attached)");
    printf("games      %u started, %u played to a win, %u ended unfinished\n",
           s->games_started, s->games_finished, s->games_abandoned);
    printf("moves      %lu sent, %lu acknowledged, %lu refused (%lu store_error)\n",
           s->moves_sent, s->moves_acked, s->moves_refused, s->store_errors);
    printf("unknown    %lu outcomes unknown, %lu of them made\n", s->unknown, s->unknown_applied);
    printf("faults     %u:", faults_total(s));
    for (int k = 0; k < FAULT_KINDS; k++)
        if (s->faults[k])
            printf(" %s %u", fault_name((enum fault_kind)k), s->faults[k]);
    printf("\nrecovery   %u recoveries, p50 %.0f ms, p99 %.0f ms\n", s->recoveries,
           percentile(s, 50), percentile(s, 99));
    printf("lost       %lu acknowledged moves\n", s->moves_lost);
    printf("violations %zu\n", run->violation_count);
    for (size_t i = 0; i < run->violation_count && i < SHOWN_VIOLATIONS; i++)
        printf("  [%s phase, step %u] %s\n", run->violations[i].phase, run->violations[i].step,
               run->violations[i].text);
    if (run->violation_count > SHOWN_VIOLATIONS)
        printf("  ... and %zu more (see the JSON line)\n",
               run->violation_count - SHOWN_VIOLATIONS);
    if (run->violation_count)
        printf("reproduce  islands-chaos --seed %llu --strategy %s (the step is the fault count)\n",
               (unsigned long long)run->opt->seed, isl_strategy_name(run->strategy));
    printf("result     %s\n", report_passed(run) ? "PASS" : "FAIL");
}

void report_print(struct chaos_run *run, double duration_s)
{
    struct chaos_stats *s = &run->stats;
    if (s->recovery_count)
        qsort(s->recovery_ms, s->recovery_count, sizeof *s->recovery_ms, by_value);
    summary(run, duration_s);
    json_t *j = json_report(run, duration_s);
    char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!line)
        return;
    printf("%s\n", line);
    fflush(stdout);
    if (run->opt->json_path) {
        FILE *f = fopen(run->opt->json_path, "a");
        if (!f || fprintf(f, "%s\n", line) < 0 || fclose(f) != 0)
            say("cannot append the report to %s", run->opt->json_path);
    }
    free(line);
}
