/* Time for deadlines and intervals: the monotonic clock, which neither
 * jumps with the wall clock nor goes back. */
#ifndef ISLANDS_CLOCK_H
#define ISLANDS_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (from an unspecified start). */
uint64_t isl_monotonic_ms(void);

#endif
