#include "islands/clock.h"

#include <time.h>

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t isl_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

int64_t isl_wall_ms(void)
{
    return (int64_t)clock_ms(CLOCK_REALTIME);
}
