#include "islands/fault_sleep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "islands/log.h"

bool isl_faults_enabled(bool crash_injection)
{
    const char *fi = getenv("ISLANDS_FAULT_INJECTION");
    return crash_injection && fi && strcmp(fi, "1") == 0;
}

long isl_fault_ms(bool enabled, const char *name)
{
    const char *v = enabled ? getenv(name) : NULL;
    long ms = v ? strtol(v, NULL, 10) : 0;
    return ms > 0 ? ms : 0;
}

void isl_fault_sleep(bool enabled, const char *name, const char *point)
{
    long ms = isl_fault_ms(enabled, name);
    if (ms == 0)
        return;
    isl_log(ISL_LOG_INFO, "event=fault point=%s sleep_ms=%ld", point, ms);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}
