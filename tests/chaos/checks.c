/* State, process and supervision checks. */
#include "checks.h"

#include <stdio.h>
#include <string.h>

#define SETTLE_INTERVAL_MS 100
#define SETTLE_TIMEOUT_MS 15000
#define STATE_RETRY_MS 15000
#define PROCESS_GRACE_MS 3000

static json_t *list_games(struct chaos_run *run)
{
    json_t *r = admin_op(run, "list", NULL);
    json_t *games = json_incref(json_object_get(r, "games"));
    if (r && !games)
        violation(run, "list answered %s", answer_error(r));
    json_decref(r);
    return games;
}

static bool same_workers(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return false;
    size_t i;
    json_t *g;
    json_array_foreach(a, i, g) {
        const char *name = json_string_value(json_object_get(g, "game"));
        json_t *pid = json_object_get(g, "pid");
        if (!name || listed_pid(b, name) != (json_is_integer(pid) ? json_integer_value(pid) : 0))
            return false;
    }
    return true;
}

json_t *settle_list(struct chaos_run *run)
{
    uint64_t deadline = isl_monotonic_ms() + SETTLE_TIMEOUT_MS;
    json_t *last = list_games(run);
    while (isl_monotonic_ms() < deadline && !run->aborted) {
        sleep_ms(SETTLE_INTERVAL_MS);
        json_t *next = list_games(run);
        bool same = last && next && same_workers(last, next);
        json_decref(last);
        last = next;
        if (same)
            return last;
    }
    if (!run->aborted)
        violation(run, "the workers did not settle within %d s (list keeps changing)",
                  SETTLE_TIMEOUT_MS / 1000);
    return last;
}

static json_t *listed(const json_t *games, const char *game)
{
    size_t i;
    json_t *g;
    json_array_foreach(games, i, g) {
        const char *name = json_string_value(json_object_get(g, "game"));
        if (name && strcmp(name, game) == 0)
            return g;
    }
    return NULL;
}

long listed_pid(const json_t *games, const char *game)
{
    json_t *g = listed(games, game);
    if (!g)
        return -1;
    json_t *pid = json_object_get(g, "pid");
    return json_is_integer(pid) ? (long)json_integer_value(pid) : 0;
}

long listed_restarts(const json_t *games, const char *game)
{
    json_t *g = listed(games, game);
    return g ? (long)json_integer_value(json_object_get(g, "restarts")) : -1;
}

long status_restarts(struct chaos_run *run)
{
    json_t *r = admin_op(run, "status", NULL);
    json_t *n = json_object_get(r, "restarts");
    long v = json_is_integer(n) ? (long)json_integer_value(n) : -1;
    json_decref(r);
    return v;
}

/* ---------------------------------------------------------------- games */

void check_slot(struct chaos_run *run, struct slot *s)
{
    uint64_t deadline = isl_monotonic_ms() + STATE_RETRY_MS;
    for (;;) {
        json_t *r = admin_op(run, "state", s->name);
        if (!r) {
            if (!run->aborted)
                violation(run, "%s: no answer to state (islandsd unreachable)", s->name);
            return;
        }
        int again = slot_reconcile(run, s, r);
        json_decref(r);
        if (!again)
            return;
        if (isl_monotonic_ms() >= deadline) {
            violation(run, "%s: still unavailable %d s after the fault", s->name,
                      STATE_RETRY_MS / 1000);
            return;
        }
        sleep_ms(50);
    }
}

/* Our games that `list` shows but no slot plays: an ended game came back. */
static void check_no_ghosts(struct chaos_run *run, struct driver *d, const json_t *games)
{
    size_t prefix_len = strlen(run->prefix);
    size_t i;
    json_t *g;
    json_array_foreach(games, i, g) {
        const char *name = json_string_value(json_object_get(g, "game"));
        if (!name || strncmp(name, run->prefix, prefix_len) != 0 || name[prefix_len] != '-')
            continue;
        struct slot *s = driver_find(d, name);
        if (!s || !slot_has_game(s))
            violation(run, "%s: listed, but the game was ended or never made", name);
    }
}

void check_games(struct chaos_run *run, struct driver *d, const json_t *games)
{
    for (unsigned i = 0; i < d->count; i++) {
        struct slot *s = &d->slots[i];
        if (!slot_has_game(s) || s->in_flight)
            continue;
        bool cold = listed_pid(games, s->name) <= 0;
        if (cold)
            order_remove(d, s->name);
        check_slot(run, s);
        /* The state request started its worker, after every live one. */
        if (cold && slot_has_game(s))
            order_append(d, s->name);
    }
    check_no_ghosts(run, d, games);
}

void check_ended(struct chaos_run *run)
{
    for (size_t i = 0; i < run->ended_count && !run->aborted; i++) {
        const char *name = run->ended[i];
        uint64_t deadline = isl_monotonic_ms() + STATE_RETRY_MS;
        for (;;) {
            json_t *r = admin_op(run, "state", name);
            if (!r) {
                if (!run->aborted)
                    violation(run, "%s: no answer to state (islandsd unreachable)", name);
                return;
            }
            bool ok = answer_ok(r), gone = strcmp(answer_error(r), "no_such_game") == 0;
            if (ok)
                violation(run, "%s: end_game took effect, but the game is back", name);
            json_decref(r);
            if (ok || gone)
                break;
            if (isl_monotonic_ms() >= deadline) {
                violation(run, "%s (ended): state still unavailable after %d s", name,
                          STATE_RETRY_MS / 1000);
                break;
            }
            sleep_ms(50);
        }
    }
}

/* ---------------------------------------------------------------- processes */

/* The daemon's pid: ours, or the parent of a listed worker. */
static pid_t daemon_pid(struct chaos_run *run, pid_t *pgid)
{
    if (run->own) {
        *pgid = run->daemon.pid;
        return run->daemon.pid;
    }
    json_t *games = list_games(run);
    size_t i;
    json_t *g;
    pid_t found = 0;
    json_array_foreach(games, i, g) {
        json_t *pid = json_object_get(g, "pid");
        pid_t parent;
        if (!found && json_is_integer(pid) &&
            proc_parent((pid_t)json_integer_value(pid), &parent, pgid) == 0)
            found = parent;
    }
    json_decref(games);
    return found;
}

void check_processes(struct chaos_run *run)
{
    pid_t pgid = 0, pid = daemon_pid(run, &pgid);
    if (pid <= 0)
        return;
    uint64_t deadline = isl_monotonic_ms() + PROCESS_GRACE_MS;
    int zombies, orphans;
    /* A child that just died is a zombie until islandsd reaps it: only one
     * that stays is a fault. */
    for (;;) {
        zombies = proc_zombies(pid);
        orphans = pgid > 1 ? proc_group_orphans(pgid, pid) : 0;
        if ((zombies == 0 && orphans == 0) || isl_monotonic_ms() >= deadline)
            break;
        sleep_ms(50);
    }
    if (zombies)
        violation(run, "%d zombie children of islandsd (pid %ld) for %d s", zombies, (long)pid,
                  PROCESS_GRACE_MS / 1000);
    if (orphans)
        violation(run, "%d processes in islandsd's process group are not its children "
                  "(orphaned workers)", orphans);
}

/* ---------------------------------------------------------------- strategy */

/* The daemon's start order of a listed game (`start_order` in `list`),
 * or -1 when it is not a child. */
static long listed_start_order(const json_t *games, const char *name)
{
    size_t i;
    json_t *g;
    json_array_foreach(games, i, g) {
        const char *listed = json_string_value(json_object_get(g, "game"));
        json_t *order = json_object_get(g, "start_order");
        if (listed && strcmp(listed, name) == 0 && json_is_integer(order))
            return (long)json_integer_value(order);
    }
    return -1;
}

/* Must the strategy restart `game` when `target` dies? -1: cannot tell
 * (its start order is not known). Under rest_for_one the daemon's own
 * start order decides when it lists one: games re-activated after a normal
 * exit go last, which the harness cannot always see. */
static int strategy_restarts(struct chaos_run *run, struct driver *d, const char *target,
                             const char *game, const json_t *before)
{
    if (run->strategy == ISL_REST_FOR_ONE && strcmp(game, target) != 0) {
        long t = listed_start_order(before, target), g = listed_start_order(before, game);
        if (t >= 0 && g >= 0)
            return g > t;
    }
    if (strcmp(game, target) == 0)
        return 1;
    switch (run->strategy) {
    case ISL_ONE_FOR_ALL:
        return 1;
    case ISL_REST_FOR_ONE: {
        int t = order_index(d, target), g = order_index(d, game);
        if (t < 0 || g < 0)
            return -1;
        return g > t;
    }
    default:
        return 0;
    }
}

void check_restarts(struct chaos_run *run, struct driver *d, const char *fault,
                    const char *target, bool restarted, const json_t *before,
                    const json_t *after, long status_before, long status_after)
{
    const char *strategy = isl_strategy_name(run->strategy);
    unsigned changed_count = 0, expected_count = 0;
    size_t i;
    json_t *g;
    json_array_foreach(before, i, g) {
        const char *name = json_string_value(json_object_get(g, "game"));
        struct slot *s = name ? driver_find(d, name) : NULL;
        long was = name ? listed_pid(before, name) : -1, now = listed_pid(after, name);
        if (!s || was <= 0 || now < 0)
            continue;   /* not ours, not live, or gone */
        int want = restarted ? strategy_restarts(run, d, target, name, before) : 0;
        if (want < 0) {
            debug("%s: start order unknown, not checked", name);
            continue;
        }
        bool changed = now != was;
        changed_count += changed;
        expected_count += want == 1;
        if (changed != (want == 1))
            violation(run, "%s fault on %s under %s: the worker of %s %s (pid %ld -> %ld)",
                      fault, target, strategy, name,
                      changed ? "was restarted, but should not have been" :
                                "should have been restarted, but was not", was, now);
        long delta = listed_restarts(after, name) - listed_restarts(before, name);
        if (delta != want)
            violation(run, "%s fault on %s under %s: list shows %ld restarts of %s, expected %d",
                      fault, target, strategy, delta, name, want);
    }
    debug("%s fault on %s under %s: %u workers restarted, %u expected", fault, target, strategy,
          changed_count, expected_count);
    long delta = status_after - status_before;
    if (status_before >= 0 && status_after >= 0 && delta != (restarted ? 1 : 0))
        violation(run, "%s fault on %s under %s: status restarts went up by %ld, expected %d",
                  fault, target, strategy, delta, restarted ? 1 : 0);
}

/* ---------------------------------------------------------------- log */

static bool sanitizer_report(const char *line)
{
    return strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
           strstr(line, "runtime error:");
}

/* islandsd's line about its writer's death (the writer logs its own
 * orderly exit as event=writer_exit status=0 batches=...). */
static bool unexpected_writer_exit(const char *line)
{
    return strstr(line, "event=writer_exit pid=") && !strstr(line, "signal=TERM") &&
           !strstr(line, "exit_status=0");
}

void check_daemon_log(struct chaos_run *run, bool writer_faults)
{
    FILE *f = fopen(run->daemon.log, "r");
    if (!f)
        return;
    static char line[4096];
    bool sanitizer = false, writer = false;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!sanitizer && sanitizer_report(line)) {
            sanitizer = true;
            violation(run, "a sanitizer reported an error in islandsd's group: %s (see %s)",
                      line, run->daemon.log);
        }
        if (!writer && !writer_faults && unexpected_writer_exit(line)) {
            writer = true;
            violation(run, "islands-writer died with no fault aimed at it: %s", line);
        }
    }
    fclose(f);
}
