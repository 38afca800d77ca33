/* islands.conf: every key, its default, parsing (libinih) and validation.
 * islands.conf at the top of the tree documents each key.
 *
 * Syntax: "key = value" lines at the top level (no [sections]); comment
 * lines start with '#' or ';'. Each key is named as its field below except
 * period (period_s), shutdown (shutdown_ms: "brutal_kill" or milliseconds),
 * game_timeout (game_timeout_s), hibernate_after (hibernate_after_s) and
 * client_timeout (client_timeout_s).
 * Numbers are plain decimal integers (sizes in bytes); booleans are true or
 * false; log_level is err, warning, notice, info or debug.
 *
 * SIGHUP re-reads: intensity, period, restart, shutdown, restart_delay_ms,
 * restart_delay_max_ms, max_start_failures, the limits (max_children,
 * spare_workers, max_clients, max_request, max_output, max_games,
 * queue_limit), the timeouts (request_timeout_ms, game_timeout,
 * client_timeout), hibernate_after, log_level and crash_injection.
 * Fixed until restart: socket, store, worker, writer, strategy, activation,
 * sync, group_commit, map_size, max_readers. */
#ifndef ISLANDS_CONFIG_H
#define ISLANDS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISL_PATH_MAX 4096
/* islandsd reads it when started without --config; the client reads its
 * `socket` key. */
#define ISL_CONFIG_DEFAULT_PATH "/etc/islands/islands.conf"

enum isl_strategy { ISL_ONE_FOR_ONE, ISL_ONE_FOR_ALL, ISL_REST_FOR_ONE, ISL_SIMPLE_ONE_FOR_ONE };
enum isl_restart { ISL_PERMANENT, ISL_TRANSIENT, ISL_TEMPORARY };
enum isl_sync { ISL_SYNC_FULL, ISL_SYNC_NOMETA, ISL_SYNC_NONE };
enum isl_activation { ISL_ACTIVATION_LAZY, ISL_ACTIVATION_EAGER };

struct isl_config {
    /* where */
    char socket[ISL_PATH_MAX];      /* socket = /run/islands/islandsd.sock */
    char store[ISL_PATH_MAX];       /* store = /var/lib/islands/store (LMDB dir) */
    char worker[ISL_PATH_MAX];      /* worker = "" (next to islandsd) */
    char writer[ISL_PATH_MAX];      /* writer = "" (next to islandsd) */
    /* supervision */
    enum isl_strategy strategy;     /* simple_one_for_one */
    enum isl_restart restart;       /* transient */
    unsigned intensity;             /* 1 */
    unsigned period_s;              /* 5 */
    int shutdown_ms;                /* 5000; -1 = brutal_kill */
    unsigned restart_delay_ms;      /* 0 (OTP: immediate) */
    unsigned restart_delay_max_ms;  /* 5000 */
    unsigned max_start_failures;    /* 3 */
    unsigned max_children;          /* 10000 live workers */
    unsigned spare_workers;         /* 4 warm spares (islandsd keeps at most 64) */
    enum isl_activation activation; /* lazy */
    /* front door */
    unsigned max_clients;           /* 1024 */
    size_t max_request;             /* 65536 bytes */
    size_t max_output;              /* 4 MiB unsent per connection */
    unsigned client_timeout_s;      /* 300; 0 = never */
    unsigned max_games;             /* 100000 stored games */
    unsigned queue_limit;           /* 256 waiting requests per game */
    unsigned request_timeout_ms;    /* 5000 */
    unsigned game_timeout_s;        /* 86400 */
    unsigned hibernate_after_s;     /* 300; 0 = never */
    bool crash_injection;           /* false */
    /* store */
    enum isl_sync sync;             /* full */
    bool group_commit;              /* true */
    size_t map_size;                /* 4 GiB */
    unsigned max_readers;           /* 16384 */
    /* logging */
    int log_level;                  /* info (syslog priority 6) */
};

void isl_config_defaults(struct isl_config *c);

/* Read FILE over the current values. Unknown keys and bad values are
 * errors: returns -1 and writes "FILE:LINE: message" into err. */
int isl_config_load(struct isl_config *c, const char *path, char *err, size_t errlen);

/* Set one key from its text (command-line overrides use the same parser).
 * Returns -1 with a message in err for an unknown key or bad value. */
int isl_config_set(struct isl_config *c, const char *key, const char *value,
                   char *err, size_t errlen);

/* SIGHUP: copy the keys SIGHUP re-reads from fresh into running. */
void isl_config_apply_reloadable(struct isl_config *running, const struct isl_config *fresh);
/* How many keys fixed until restart differ; their names, comma-separated,
 * in names (what fits of size bytes): to say which changes wait for a
 * restart. */
size_t isl_config_fixed_changes(const struct isl_config *running,
                                const struct isl_config *fresh, char *names, size_t size);
bool isl_config_key_reloadable(const char *key);

/* Names of enum values as written in islands.conf. */
const char *isl_strategy_name(enum isl_strategy s);
const char *isl_restart_name(enum isl_restart r);
const char *isl_sync_name(enum isl_sync s);
const char *isl_activation_name(enum isl_activation a);
const char *isl_log_level_name(int priority);   /* "info" for 6 */

#endif
