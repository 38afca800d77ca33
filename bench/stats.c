/* Latency samples and their percentiles. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

void samples_add(struct samples *s, uint64_t ns)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint64_t *grown = realloc(s->ns, cap * sizeof *grown);
        if (!grown) {
            say("out of memory for %zu samples", cap);
            exit(1);
        }
        s->ns = grown;
        s->cap = cap;
    }
    s->ns[s->n++] = ns;
    s->sorted = 0;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

double samples_percentile_ms(struct samples *s, double p)
{
    if (!s->n)
        return 0;
    if (!s->sorted) {
        qsort(s->ns, s->n, sizeof *s->ns, compare_u64);
        s->sorted = 1;
    }
    /* The nearest-rank percentile, ceil(p/100 * n), in integers: in
     * floating point 99.9/100 * 1000 is 999.0000000000001, whose ceiling
     * took the maximum for the p99.9 of 1,000 samples. */
    unsigned long long milli = (unsigned long long)(p * 1000.0 + 0.5);   /* p in 1/1000 % */
    size_t rank = (size_t)((milli * s->n + 99999) / 100000);
    if (rank < 1)
        rank = 1;
    if (rank > s->n)
        rank = s->n;
    return ns_to_ms(s->ns[rank - 1]);
}

double samples_mean_ms(const struct samples *s)
{
    if (!s->n)
        return 0;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += (double)s->ns[i];
    return sum / (double)s->n / 1e6;
}

void samples_clear(struct samples *s)
{
    s->n = 0;
    s->sorted = 0;
}

void samples_free(struct samples *s)
{
    free(s->ns);
    *s = (struct samples){0};
}
