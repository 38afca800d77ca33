/* The `meta` value: "RULES" (stores from before the time was kept) or
 * "RULES MS". See include/islands/meta.h. */
#include "islands/meta.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int isl_meta_format(char *out, size_t size, const char *rules, int64_t active_ms)
{
    int n = snprintf(out, size, "%s %" PRId64, rules, active_ms);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* Digits only, no sign, no overflow. */
static int parse_ms(const char *p, size_t len, int64_t *out)
{
    if (len == 0 || len > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

int isl_meta_parse(const char *value, size_t len, struct isl_meta *out)
{
    char rules[ISL_META_MAX];
    const char *space = memchr(value, ' ', len);
    size_t rules_len = space ? (size_t)(space - value) : len;
    if (rules_len >= sizeof rules || memchr(value, '\0', rules_len))
        return -1;
    memcpy(rules, value, rules_len);
    rules[rules_len] = '\0';
    struct isl_meta m = {0};
    if (isl_rules_state_from_name(rules, &m.rules) != 0)
        return -1;
    if (space) {
        if (parse_ms(space + 1, len - rules_len - 1, &m.active_ms) != 0)
            return -1;
        m.has_time = m.active_ms >= ISL_META_EARLIEST_MS;
        if (!m.has_time)
            m.active_ms = 0;
    }
    *out = m;
    return 0;
}

uint64_t isl_meta_idle_ms(int64_t active_ms, int64_t now_ms)
{
    return active_ms < now_ms ? (uint64_t)(now_ms - active_ms) : 0;
}
