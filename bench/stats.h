/* Latency samples and their percentiles. */
#ifndef ISLANDS_BENCH_STATS_H
#define ISLANDS_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct samples {
    uint64_t *ns;
    size_t n, cap;
    int sorted;
};

/* Exits the program on allocation failure: a benchmark without memory
 * has nothing useful left to say. */
void samples_add(struct samples *s, uint64_t ns);
/* The p-th percentile (0 < p <= 100) in milliseconds, nearest rank;
 * 0 when there are no samples. */
double samples_percentile_ms(struct samples *s, double p);
double samples_mean_ms(const struct samples *s);
void samples_clear(struct samples *s);
void samples_free(struct samples *s);

#endif
