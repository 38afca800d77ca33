/* islands-bench: shared options and small helpers. The program measures a
 * real islandsd started on a temporary socket and store (docs/BENCHMARKS.md). */
#ifndef ISLANDS_BENCH_H
#define ISLANDS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_options {
    bool quick;                /* a small version of every scenario */
    char results[4096];        /* JSON lines are appended here */
    char islandsd[4096];       /* the daemon program */
    char git[64];              /* revision measured */
    char date[32];             /* start of the run, UTC */
    unsigned long nofile;      /* RLIMIT_NOFILE in effect (inherited by islandsd) */
};

extern struct bench_options bench;

uint64_t now_ns(void);
double ns_to_ms(uint64_t ns);
void sleep_ms(unsigned ms);
/* A progress or error line on stderr, prefixed "islands-bench: ". */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Pick: the quick value under --quick, else the full one. */
#define PICK(quick_value, full_value) (bench.quick ? (quick_value) : (full_value))

#endif
