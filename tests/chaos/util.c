/* Small shared pieces: seeded random streams, clocks, output, fault names. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chaos.h"

bool chaos_verbose;

/* splitmix64: tiny, fast, and every (seed, stream) pair gives its own
 * sequence, so the fault schedule does not depend on how many moves ran. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    r->state = seed ^ (stream * 0xD1B54A32D192ED03ull);
    rng_next(r);
}

uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

unsigned rng_below(struct rng *r, unsigned n)
{
    return n ? (unsigned)(rng_next(r) % n) : 0;
}

bool rng_chance(struct rng *r, unsigned percent)
{
    return rng_below(r, 100) < percent;
}

void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void vprint(const char *fmt, va_list ap)
{
    static uint64_t start;
    if (!start)
        start = isl_monotonic_ms();
    if (chaos_verbose)
        printf("[%7.3f] ", (double)(isl_monotonic_ms() - start) / 1000.0);
    fputs("islands-chaos: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    fflush(stdout);
}

void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

void debug(const char *fmt, ...)
{
    if (!chaos_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprint(fmt, ap);
    va_end(ap);
}

static const char *const fault_names[FAULT_KINDS] = {
    [FAULT_KILL] = "kill",     [FAULT_SEGV] = "segv",     [FAULT_ABRT] = "abrt",
    [FAULT_EXIT] = "exit",     [FAULT_SIGNAL] = "signal", [FAULT_STOP] = "stop",
    [FAULT_COMMIT] = "commit", [FAULT_DAEMON] = "daemon", [FAULT_REBOOT] = "reboot",
    [FAULT_FULL] = "full",     [FAULT_STORM] = "storm",
};

const char *fault_name(enum fault_kind k)
{
    return k < FAULT_KINDS ? fault_names[k] : "?";
}

int fault_parse_list(const char *text, unsigned *mask, char *err, size_t errlen)
{
    *mask = 0;
    char copy[256];
    if (snprintf(copy, sizeof copy, "%s", text) >= (int)sizeof copy) {
        snprintf(err, errlen, "--faults: list too long");
        return -1;
    }
    char *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        if (strcmp(name, "all") == 0) {
            *mask |= (1u << FAULT_KINDS) - 1;
            continue;
        }
        if (strcmp(name, "none") == 0)
            continue;
        int found = -1;
        for (int k = 0; k < FAULT_KINDS; k++)
            if (strcmp(name, fault_names[k]) == 0)
                found = k;
        if (found < 0) {
            snprintf(err, errlen, "--faults: unknown fault '%s' (kill, segv, abrt, exit, "
                     "signal, stop, commit, daemon, reboot, full, storm, all, none)", name);
            return -1;
        }
        *mask |= 1u << found;
    }
    return 0;
}
