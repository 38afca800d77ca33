/* islands.conf: one table row per key (name, type, field, range, whether
 * SIGHUP re-reads it); libinih splits the lines, this file checks values. */
#include "islands/config.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "islands/log.h"

enum value_type { V_PATH, V_UNSIGNED, V_SIZE, V_ENUM, V_BOOL, V_SHUTDOWN };

static const char *const strategy_names[] = {
    [ISL_ONE_FOR_ONE] = "one_for_one", [ISL_ONE_FOR_ALL] = "one_for_all",
    [ISL_REST_FOR_ONE] = "rest_for_one", [ISL_SIMPLE_ONE_FOR_ONE] = "simple_one_for_one", NULL,
};
static const char *const restart_names[] = {
    [ISL_PERMANENT] = "permanent", [ISL_TRANSIENT] = "transient",
    [ISL_TEMPORARY] = "temporary", NULL,
};
static const char *const sync_names[] = {
    [ISL_SYNC_FULL] = "full", [ISL_SYNC_NOMETA] = "nometa", [ISL_SYNC_NONE] = "none", NULL,
};
static const char *const activation_names[] = {
    [ISL_ACTIVATION_LAZY] = "lazy", [ISL_ACTIVATION_EAGER] = "eager", NULL,
};
/* Indexed by syslog priority; the gaps are not accepted. */
static const char *const log_level_names[] = {
    "", "", "", [ISL_LOG_ERR] = "err", [ISL_LOG_WARNING] = "warning",
    [ISL_LOG_NOTICE] = "notice", [ISL_LOG_INFO] = "info", [ISL_LOG_DEBUG] = "debug", NULL,
};

struct key {
    const char *name;
    enum value_type type;
    size_t offset, size;
    uint64_t min, max;                /* numbers; for paths, the length */
    const char *const *names;         /* V_ENUM, NULL-terminated */
    bool reloadable;
};

#define FIELD(f) offsetof(struct isl_config, f), sizeof(((struct isl_config *)0)->f)
#define PATH(n, f, minlen, maxlen, r) { n, V_PATH, FIELD(f), minlen, maxlen, NULL, r }
#define NUM(n, f, lo, hi, r) { n, V_UNSIGNED, FIELD(f), lo, hi, NULL, r }
#define SIZE(n, f, lo, hi, r) { n, V_SIZE, FIELD(f), lo, hi, NULL, r }
#define ENUM(n, f, names, r) { n, V_ENUM, FIELD(f), 0, 0, names, r }
#define BOOL(n, f, r) { n, V_BOOL, FIELD(f), 0, 1, NULL, r }

enum { HOUR_MS = 3600 * 1000, TEN_YEARS_S = 10 * 365 * 24 * 3600 };
#define MIB (1024ULL * 1024)

static const struct key keys[] = {
    PATH("socket", socket, 1, sizeof(((struct sockaddr_un *)0)->sun_path) - 1, false),
    PATH("store", store, 1, ISL_PATH_MAX - 1, false),
    PATH("worker", worker, 0, ISL_PATH_MAX - 1, false),
    PATH("writer", writer, 0, ISL_PATH_MAX - 1, false),
    ENUM("strategy", strategy, strategy_names, false),
    ENUM("restart", restart, restart_names, true),
    NUM("intensity", intensity, 0, 1000000, true),
    NUM("period", period_s, 1, 86400, true),
    { "shutdown", V_SHUTDOWN, FIELD(shutdown_ms), 1, HOUR_MS, NULL, true },
    NUM("restart_delay_ms", restart_delay_ms, 0, HOUR_MS, true),
    NUM("restart_delay_max_ms", restart_delay_max_ms, 0, HOUR_MS, true),
    NUM("max_start_failures", max_start_failures, 1, 1000, true),
    NUM("max_children", max_children, 1, 1000000, true),
    NUM("spare_workers", spare_workers, 0, 1000, true),
    ENUM("activation", activation, activation_names, false),
    NUM("max_clients", max_clients, 1, 1000000, true),
    SIZE("max_request", max_request, 64, 16 * MIB, true),
    SIZE("max_output", max_output, 4096, 1024 * MIB, true),
    NUM("client_timeout", client_timeout_s, 0, TEN_YEARS_S, true),
    NUM("max_games", max_games, 1, 100000000, true),
    NUM("queue_limit", queue_limit, 1, 1000000, true),
    NUM("request_timeout_ms", request_timeout_ms, 1, HOUR_MS, true),
    NUM("game_timeout", game_timeout_s, 1, TEN_YEARS_S, true),
    NUM("hibernate_after", hibernate_after_s, 0, TEN_YEARS_S, true),
    BOOL("crash_injection", crash_injection, true),
    ENUM("sync", sync, sync_names, false),
    BOOL("group_commit", group_commit, false),
    SIZE("map_size", map_size, MIB, 16 * 1024 * 1024 * MIB, false),
    NUM("max_readers", max_readers, 1, 1000000, false),
    ENUM("log_level", log_level, log_level_names, true),
};
enum { KEY_COUNT = sizeof keys / sizeof *keys };

/* set_value writes enums through an int. */
_Static_assert(sizeof(enum isl_strategy) == sizeof(int) && sizeof(enum isl_restart) == sizeof(int) &&
               sizeof(enum isl_sync) == sizeof(int) && sizeof(enum isl_activation) == sizeof(int),
               "enums are int-sized");

void isl_config_defaults(struct isl_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->socket, "/run/islands/islandsd.sock");
    strcpy(c->store, "/var/lib/islands/store");
    c->strategy = ISL_SIMPLE_ONE_FOR_ONE;
    c->restart = ISL_TRANSIENT;
    c->intensity = 1;
    c->period_s = 5;
    c->shutdown_ms = 5000;
    c->restart_delay_ms = 0;
    c->restart_delay_max_ms = 5000;
    c->max_start_failures = 3;
    c->max_children = 10000;
    c->spare_workers = 4;
    c->activation = ISL_ACTIVATION_LAZY;
    c->max_clients = 1024;
    c->max_request = 65536;
    c->max_output = 4 * MIB;
    c->client_timeout_s = 300;
    c->max_games = 100000;
    c->queue_limit = 256;
    c->request_timeout_ms = 5000;
    c->game_timeout_s = 86400;
    c->hibernate_after_s = 300;
    c->crash_injection = false;
    c->sync = ISL_SYNC_FULL;
    c->group_commit = true;
    c->map_size = 4096 * MIB;
    c->max_readers = 16384;
    c->log_level = ISL_LOG_INFO;
}

static const struct key *find_key(const char *name)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A plain decimal integer within [min, max]. */
static int parse_number(const struct key *k, const char *value, uint64_t *out,
                        char *err, size_t errlen)
{
    const char *digits = value[0] == '-' ? value + 1 : value;
    bool all_digits = digits[0] != '\0';
    for (const char *p = digits; *p; p++)
        all_digits = all_digits && *p >= '0' && *p <= '9';
    if (!all_digits)
        return fail(err, errlen, "%s: not a number: '%s'", k->name, value);
    if (value[0] == '-')
        return fail(err, errlen, "%s: must not be negative: '%s'", k->name, value);
    errno = 0;
    unsigned long long n = strtoull(value, NULL, 10);
    if (errno == ERANGE || n < k->min || n > k->max)
        return fail(err, errlen, "%s: out of range %llu..%llu: '%s'", k->name,
                    (unsigned long long)k->min, (unsigned long long)k->max, value);
    *out = n;
    return 0;
}

static int parse_enum(const struct key *k, const char *value, int *out, char *err, size_t errlen)
{
    char choices[256] = "";
    for (int i = 0; k->names[i]; i++) {
        if (k->names[i][0] == '\0')
            continue;
        if (strcmp(k->names[i], value) == 0) {
            *out = i;
            return 0;
        }
        size_t len = strlen(choices);
        snprintf(choices + len, sizeof choices - len, "%s%s", len ? ", " : "", k->names[i]);
    }
    return fail(err, errlen, "%s: unknown value '%s' (expected one of: %s)", k->name, value,
                choices);
}

static int set_value(struct isl_config *c, const struct key *k, const char *value,
                     char *err, size_t errlen)
{
    char *field = (char *)c + k->offset;
    uint64_t n;
    int e;
    switch (k->type) {
    case V_PATH: {
        size_t len = strlen(value);
        if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
            value++;   /* worker = "" reads as the empty string */
            len -= 2;
        }
        if (len < k->min)
            return fail(err, errlen, "%s: must not be empty", k->name);
        if (len > k->max)
            return fail(err, errlen, "%s: too long (at most %llu bytes)", k->name,
                        (unsigned long long)k->max);
        memset(field, 0, k->size);   /* so that configs compare with memcmp */
        memcpy(field, value, len);
        return 0;
    }
    case V_UNSIGNED:
        if (parse_number(k, value, &n, err, errlen) != 0)
            return -1;
        *(unsigned *)(void *)field = (unsigned)n;
        return 0;
    case V_SIZE:
        if (parse_number(k, value, &n, err, errlen) != 0)
            return -1;
        *(size_t *)(void *)field = (size_t)n;
        return 0;
    case V_SHUTDOWN:
        if (strcmp(value, "brutal_kill") == 0) {
            *(int *)(void *)field = -1;
            return 0;
        }
        if (parse_number(k, value, &n, err, errlen) != 0)
            return -1;
        *(int *)(void *)field = (int)n;
        return 0;
    case V_ENUM:
        if (parse_enum(k, value, &e, err, errlen) != 0)
            return -1;
        *(int *)(void *)field = e;   /* the enums and log_level are int-sized */
        return 0;
    case V_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return fail(err, errlen, "%s: expected true or false: '%s'", k->name, value);
        *(bool *)(void *)field = value[0] == 't';
        return 0;
    }
    return -1;
}

int isl_config_set(struct isl_config *c, const char *key, const char *value,
                   char *err, size_t errlen)
{
    const struct key *k = find_key(key);
    if (!k)
        return fail(err, errlen, "unknown key '%s'", key);
    return set_value(c, k, value, err, errlen);
}

/* ---------------------------------------------------------------- files */

struct parse {
    FILE *file;
    struct isl_config *config;
    int line;                  /* the line being parsed */
    int first_seen[KEY_COUNT]; /* line of each key's first setting */
    int error_line;            /* first error found here (not by inih) */
    char error[512];
};

static void parse_error(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void parse_error(struct parse *p, const char *fmt, ...)
{
    if (p->error_line)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof p->error, fmt, ap);
    va_end(ap);
    p->error_line = p->line;
}

/* inih's line reader, counting lines so that the handler knows its line,
 * refusing lines longer than inih's buffer (it would split them), and
 * taking indentation off: inih would read an indented line as more of the
 * value above it (a continuation), and report an indented key as the key
 * above it "set twice". */
static char *read_line(char *buf, int size, void *stream)
{
    struct parse *p = stream;
    if (!fgets(buf, size, p->file))
        return NULL;
    p->line++;
    size_t len = strlen(buf);
    if (len == (size_t)size - 1 && buf[len - 1] != '\n') {
        int ch = fgetc(p->file);
        if (ch == EOF || ch == '\n')
            return buf;   /* it just fitted */
        parse_error(p, "line too long (at most %d characters)", size - 1);
        while ((ch = fgetc(p->file)) != EOF && ch != '\n')
            ;
        buf[0] = '\0';
    }
    size_t indent = strspn(buf, " \t");
    memmove(buf, buf + indent, strlen(buf + indent) + 1);
    return buf;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse *p = user;
    char msg[sizeof p->error];
    if (section[0] != '\0') {
        parse_error(p, "sections are not used: [%s]", section);
        return 0;
    }
    const struct key *k = find_key(name);
    if (!k) {
        parse_error(p, "unknown key '%s'", name);
        return 0;
    }
    int *seen = &p->first_seen[k - keys];
    if (*seen) {
        parse_error(p, "%s: set twice (first on line %d)", name, *seen);
        return 0;
    }
    *seen = p->line;
    if (set_value(p->config, k, value, msg, sizeof msg) != 0) {
        parse_error(p, "%s", msg);
        return 0;
    }
    return 1;
}

int isl_config_load(struct isl_config *c, const char *path, char *err, size_t errlen)
{
    struct isl_config *fresh = malloc(sizeof *fresh);
    if (!fresh)
        return fail(err, errlen, "%s: out of memory", path);
    memcpy(fresh, c, sizeof *fresh);   /* padding included: configs compare with memcmp */
    struct parse p = { .config = fresh };
    p.file = fopen(path, "r");
    if (!p.file) {
        int saved = errno;
        free(fresh);
        return fail(err, errlen, "%s: %s", path, strerror(saved));
    }
    int rc = ini_parse_stream(read_line, &p, on_key, &p);
    bool read_failed = ferror(p.file);
    fclose(p.file);
    int result = -1;
    if (read_failed)
        fail(err, errlen, "%s: read error", path);
    else if (rc < 0)
        fail(err, errlen, "%s: out of memory", path);
    else if (rc > 0 && (p.error_line == 0 || rc < p.error_line))
        fail(err, errlen, "%s:%d: syntax error: expected key = value", path, rc);
    else if (p.error_line)
        fail(err, errlen, "%s:%d: %s", path, p.error_line, p.error);
    else {
        memcpy(c, fresh, sizeof *c);
        result = 0;
    }
    free(fresh);
    return result;
}

/* ---------------------------------------------------------------- SIGHUP */

void isl_config_apply_reloadable(struct isl_config *running, const struct isl_config *fresh)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (keys[i].reloadable)
            memcpy((char *)running + keys[i].offset, (const char *)fresh + keys[i].offset,
                   keys[i].size);
}

size_t isl_config_fixed_changes(const struct isl_config *running,
                                const struct isl_config *fresh, char *names, size_t size)
{
    size_t count = 0, used = 0;
    if (size > 0)
        names[0] = '\0';
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct key *k = &keys[i];
        const char *a = (const char *)running + k->offset, *b = (const char *)fresh + k->offset;
        bool differs = k->type == V_PATH ? strcmp(a, b) != 0 : memcmp(a, b, k->size) != 0;
        if (k->reloadable || !differs)
            continue;
        int n = snprintf(names + used, size > used ? size - used : 0, "%s%s",
                         count ? "," : "", k->name);
        if (n > 0 && used + (size_t)n < size)
            used += (size_t)n;
        else if (used < size)
            names[used] = '\0';   /* no part of a name that did not fit */
        count++;
    }
    return count;
}

bool isl_config_key_reloadable(const char *key)
{
    const struct key *k = find_key(key);
    return k && k->reloadable;
}

/* ---------------------------------------------------------------- names */

static const char *name_of(const char *const *names, size_t count, int value)
{
    return value >= 0 && (size_t)value < count && names[value] && names[value][0]
               ? names[value] : "?";
}
#define NAME_OF(table, v) name_of(table, sizeof table / sizeof *table - 1, (int)(v))

const char *isl_strategy_name(enum isl_strategy s) { return NAME_OF(strategy_names, s); }
const char *isl_restart_name(enum isl_restart r) { return NAME_OF(restart_names, r); }
const char *isl_sync_name(enum isl_sync s) { return NAME_OF(sync_names, s); }
const char *isl_activation_name(enum isl_activation a) { return NAME_OF(activation_names, a); }
const char *isl_log_level_name(int priority) { return NAME_OF(log_level_names, priority); }
