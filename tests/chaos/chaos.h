/* islands-chaos: shared types. The harness starts (or attaches to)
 * islandsd, drives games through the protocol, injects faults from a seeded
 * schedule, and checks after every fault that nothing acknowledged was lost
 * (docs/CHAOS.md). */
#ifndef ISLANDS_CHAOS_H
#define ISLANDS_CHAOS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "islands/client.h"
#include "islands/clock.h"
#include "islands/config.h"

#define CHAOS_MAX_GAMES 64

enum fault_kind {
    FAULT_KILL,    /* crash op, SIGKILL */
    FAULT_SEGV,    /* crash op, SIGSEGV */
    FAULT_ABRT,    /* crash op, SIGABRT */
    FAULT_EXIT,    /* crash op, EXIT (_exit 68) */
    FAULT_SIGNAL,  /* kill(pid from `list`) directly, mid-request */
    FAULT_STOP,    /* SIGSTOP, thawed before the request timeout or not */
    FAULT_COMMIT,  /* writer or worker killed, or writer frozen, inside an LMDB commit */
    FAULT_DAEMON,  /* islandsd SIGKILLed, restarted on the same store */
    FAULT_REBOOT,  /* the whole process group SIGKILLed at once */
    FAULT_FULL,    /* tiny map: store_error, then space freed */
    FAULT_STORM,   /* restarts beyond the intensity: islandsd gives up */
    FAULT_KINDS
};

const char *fault_name(enum fault_kind k);
/* "kill,segv" or "all" -> bit mask; -1 with a message on a bad name. */
int fault_parse_list(const char *text, unsigned *mask, char *err, size_t errlen);

struct chaos_options {
    uint64_t seed;
    double duration_s;          /* the main phase */
    unsigned games;             /* games driven at once */
    enum isl_strategy strategies[4];
    unsigned strategy_count;
    unsigned faults;            /* mask of 1u << enum fault_kind */
    const char *socket;         /* attach to this socket */
    bool attach;
    const char *json_path;      /* append the JSON line here too */
    const char *islandsd;
    unsigned request_timeout_ms;
    bool break_ack_before_commit;
    bool break_relay_before_commit;
    bool break_swapped_commit_points;
    bool break_keep_deleted;
    bool keep;                  /* keep the temporary directory */
    bool verbose;
};

/* ---- random numbers: one stream per purpose, all from the seed ---- */
struct rng { uint64_t state; };
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
unsigned rng_below(struct rng *r, unsigned n);   /* 0 .. n-1 (0 if n == 0) */
bool rng_chance(struct rng *r, unsigned percent);

/* ---- time ---- */
void sleep_ms(unsigned ms);

/* ---- output ---- */
extern bool chaos_verbose;
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
