/* Time for deadlines and intervals: the monotonic clock, which neither
 * jumps with the wall clock nor goes back. The wall clock only for what
 * must outlive the host's boot (times kept in the store). */
#ifndef ISLANDS_CLOCK_H
#define ISLANDS_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (from an unspecified start). */
uint64_t isl_monotonic_ms(void);

/* Milliseconds of CLOCK_REALTIME since the epoch: it may jump. */
int64_t isl_wall_ms(void);

#endif
