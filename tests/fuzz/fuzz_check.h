/* What every fuzz target shares: a failed check is a crash, which
 * libFuzzer reports with the input that caused it. */
#ifndef ISLANDS_FUZZ_CHECK_H
#define ISLANDS_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, what)                                                  \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: %s (%s)\n", __FILE__, __LINE__, what, #cond); \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* Chunk sizes from 1 to max for the stream targets, from a small
 * generator seeded by the input: each input is also its own chunking. */
static inline size_t fuzz_next_chunk(uint32_t *state, size_t max)
{
    *state = *state * 1103515245u + 12345u;
    return 1 + (*state >> 16) % max;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
