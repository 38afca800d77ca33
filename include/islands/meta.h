/* The value of a game's entry in the store's `meta` database: its rules
 * state and the wall-clock time of its last activity (its last committed
 * change, or a later request islandsd recorded: docs/STORE.md), as text,
 * "player1_turn 1767225600000" (milliseconds since the epoch). Stores
 * written before the time was kept hold the rules state alone. Pure. */
#ifndef ISLANDS_META_H
#define ISLANDS_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "islands/game.h"

/* Room for any value isl_meta_format writes (and then some). */
#define ISL_META_MAX 64

/* Times before 2020-01-01 cannot be a change islands made: a clock reset
 * to 1970 (a host without a battery-backed clock) wrote them. They count
 * as no time at all. */
#define ISL_META_EARLIEST_MS INT64_C(1577836800000)

struct isl_meta {
    enum isl_rules_state rules;
    bool has_time;             /* false: an entry without a time, or a time before 2020 */
    int64_t active_ms;         /* wall clock, ms since the epoch (when has_time) */
};

/* Write "RULES MS" into out (NUL-terminated); returns its length, or -1
 * when it does not fit. The rules text is taken as given. */
int isl_meta_format(char *out, size_t size, const char *rules, int64_t active_ms);

/* Read a stored value (len bytes, not NUL-terminated): 0 and *out, or -1
 * when it is neither "RULES" nor "RULES MS" with a known rules state and
 * a decimal time. */
int isl_meta_parse(const char *value, size_t len, struct isl_meta *out);

/* How long a game has been idle at now_ms (wall clock) when its last
 * activity was at active_ms: a time in the future counts as now (the clock
 * went back), so a clock jump never ends games early. */
uint64_t isl_meta_idle_ms(int64_t active_ms, int64_t now_ms);

#endif
