/* Every figure is printed as a table row beside its target and appended
 * as one JSON line to the results file. */
#ifndef ISLANDS_BENCH_REPORT_H
#define ISLANDS_BENCH_REPORT_H

#include <jansson.h>
#include <stdbool.h>

enum target_kind { TARGET_NONE, TARGET_AT_LEAST, TARGET_BELOW };

struct figure {
    const char *scenario;
    const char *name;            /* "moves_per_s", "latency_p99" */
    double value;
    const char *unit;            /* "moves/s", "ms", "KiB" */
    enum target_kind target_kind;
    double target;
    unsigned long games;         /* 0: not about a number of games */
    const char *sync;            /* NULL: not applicable */
    const char *commit;          /* "group", "direct" or NULL */
    unsigned conns, pipeline;    /* 0: not applicable */
    json_t *extra;               /* more fields for the JSON line (stolen), or NULL */
};

/* A heading and the column names for the rows that follow. */
void report_title(const char *title);
/* Print the row and append the JSON line; returns whether the target is
 * met (true when there is none). */
bool report(struct figure *f);
/* A note under the table (what a figure means, what was skipped). */
void report_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Figures reported and targets missed so far. */
void report_totals(unsigned *figures, unsigned *missed);

#endif
