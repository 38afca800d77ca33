/* The full-store phase and the restart-storm phase: each has a daemon of
 * its own, with a tiny map or a tiny restart intensity. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "checks.h"
#include "islands/codec.h"
#include "islands/store.h"
#include "faults.h"
#include "phases.h"

#define FULL_MAP_SIZE "1048576"  /* the smallest map islands.conf accepts */
#define FULL_MAX_GAMES 1000
#define FULL_FILL_MS 90000
#define FULL_EXTRA_MOVES 20
#define BALLAST_SHARE 0.9        /* of the map laid before islandsd starts */
#define BALLAST_BATCH 16         /* games per transaction */
#define BALLAST_TOKEN "0123456789abcdef0123456789abcdef"
#define STORM_GAMES 3
#define STORM_INTENSITY 2
#define STORM_PERIOD_S 3

static void check_slots(struct chaos_run *run, struct slot *slots, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (slot_has_game(&slots[i]))
            check_slot(run, &slots[i]);
}

static bool playable(const struct slot *s)
{
    return s->created && !s->abandon && s->model.state != ISL_RULES_GAME_OVER;
}

/* A game set up by the model alone (no slot plays it), encoded. */
static char *ballast_doc(struct chaos_run *run, unsigned index, struct isl_game *out)
{
    struct slot s;
    slot_init(&s, index, run->opt->seed, "ballast");
    while (!s.created || s.model.state < ISL_RULES_PLAYER1_TURN) {
        slot_choose(&s, 0, true);
        if (s.expect.error != ISL_OK)
            return NULL;
        s.model = s.predicted;
        s.created = true;
    }
    for (int p = 0; p < 2; p++)
        snprintf(s.model.players[p].token, sizeof s.model.players[p].token, BALLAST_TOKEN);
    *out = s.model;
    return isl_codec_dump(out);
}

static int commit_ballast(struct isl_store *store, struct isl_store_write *w, size_t n)
{
    char err[256];
    int rc = isl_store_commit(store, w, n, err, sizeof err);
    for (size_t i = 0; i < n; i++) {
        free((char *)w[i].doc);
        free((char *)w[i].game);
    }
    if (rc != ISL_STORE_OK)
        say("full: laying ballast: %s", err);
    return rc;
}

/* Most of the map is laid straight into the store before islandsd starts:
 * filled through the protocol alone, a 1 MiB map takes 800-odd games
 * (minutes under the sanitizers). The ballast games are valid, stored,
 * and played by no slot; the protocol fills what is left. */
static int lay_ballast(struct chaos_run *run)
{
    struct isl_store_options o = {
        .path = run->daemon.store, .map_size = strtoull(FULL_MAP_SIZE, NULL, 10),
        .sync = ISL_SYNC_NONE,
    };
    struct isl_store *store;
    struct isl_store_stats st;
    char err[256];
    if (isl_store_open(&o, &store, err, sizeof err) != ISL_STORE_OK) {
        say("full: cannot open %s: %s", o.path, err);
        return -1;
    }
    struct isl_store_write w[BALLAST_BATCH];
    unsigned laid = 0;
    int rc = 0;
    while (rc == 0 && isl_store_stats(store, &st, err, sizeof err) == ISL_STORE_OK &&
           (double)st.map_used < BALLAST_SHARE * (double)st.map_size) {
        size_t n = 0;
        for (; n < BALLAST_BATCH; n++, laid++) {
            struct isl_game g;
            char *doc = ballast_doc(run, laid, &g);
            if (!doc) {
                say("full: cannot make ballast game %u", laid);
                rc = -1;
                break;
            }
            w[n] = (struct isl_store_write){
                .kind = ISL_WRITE_PUT, .game = strdup(g.name), .doc = doc,
                .doc_len = strlen(doc), .rules = isl_rules_state_name(g.state),
            };
        }
        if (commit_ballast(store, w, n) != ISL_STORE_OK)
            rc = -1;
    }
    debug("full: %u ballast games laid, %zu of %zu bytes used", laid, st.map_used, st.map_size);
    isl_store_close(store);
    return rc;
}

/* Fill the map with games until a commit is refused. */
static unsigned fill(struct chaos_run *run, struct slot *slots, bool *full)
{
    uint64_t until = isl_monotonic_ms() + FULL_FILL_MS;
    unsigned n = 0;
    *full = false;
    while (!*full && n < FULL_MAX_GAMES && isl_monotonic_ms() < until && !daemon_died(run)) {
        struct slot *s = &slots[n];
        slot_init(s, n, run->opt->seed, run->prefix);
        n++;
        play_setup(run, s);
        *full = strcmp(s->answer, "store_error") == 0;
    }
    return n;
}

/* end_game of every other game: deleting records frees pages. */
static unsigned free_space(struct chaos_run *run, struct slot *slots, unsigned n)
{
    unsigned freed = 0;
    for (unsigned i = 0; i < n; i += 2) {
        if (!slots[i].created || slots[i].unknown)
            continue;
        slot_choose_end(&slots[i]);
        play_chosen(run, &slots[i]);
        freed += strcmp(slots[i].answer, "ok") == 0;
    }
    return freed;
}

int phase_full(struct chaos_run *run)
{
    run->phase = "full";
    if (phase_start_daemon_after(run, 1, "map_size = " FULL_MAP_SIZE "\nsync = none\n", 0,
                                 lay_ballast) != 0)
        return -1;
    run->step++;
    run->stats.faults[FAULT_FULL]++;
    struct slot *slots = calloc(FULL_MAX_GAMES, sizeof *slots);
    if (!slots)
        return -1;
    bool full;
    unsigned n = fill(run, slots, &full);
    unsigned long refused_before = run->stats.store_errors;
    int rc = 0;
    if (!full) {
        violation(run, "a %s-byte map did not fill up with %u games", FULL_MAP_SIZE, n);
        goto out;
    }
    debug("full: store_error after %u games", n);
    /* More moves while full: each refused one must leave no trace. */
    struct rng r;
    rng_seed(&r, run->opt->seed, 0xF011);
    for (int k = 0; k < FULL_EXTRA_MOVES; k++) {
        struct slot *s = &slots[rng_below(&r, n)];
        if (playable(s))
            play_blocking(run, s);
    }
    check_slots(run, slots, n);
    /* What is on disk, not in the workers' memory. */
    if (fault_restart_daemon(run, NULL, false) != 0) {
        rc = -1;
        goto out;
    }
    check_slots(run, slots, n);
    unsigned freed = free_space(run, slots, n);
    if (freed == 0)
        violation(run, "no end_game succeeded in a full store: space cannot be freed");
    unsigned resumed = 0, tried = 0;
    for (unsigned i = 0; i < n; i++)
        if (playable(&slots[i]) && !slots[i].unknown) {
            play_blocking(run, &slots[i]);
            tried++;
            resumed += strcmp(slots[i].answer, "ok") == 0;
        }
    debug("full: %lu store_error answers, %u games ended, %u of %u moves ok after",
          run->stats.store_errors, freed, resumed, tried);
    if (tried && resumed == 0)
        violation(run, "play did not resume after %u games were ended (%lu store_error while "
                  "full)", freed, run->stats.store_errors - refused_before);
    check_slots(run, slots, n);
    if (fault_audit_store(run, NULL) != 0) {
        rc = -1;
        goto out;
    }
    check_slots(run, slots, n);
out:
    for (unsigned i = 0; i < n; i++)
        slot_free(&slots[i]);
    free(slots);
    phase_stop_daemon(run);
    return rc;
}

/* ---------------------------------------------------------------- storm */

static bool daemon_alive(struct chaos_run *run)
{
    return run->daemon.pid && daemon_wait(&run->daemon, 0) == -1;
}

/* crash KILL one game's worker; then wait for every restart to finish. */
static void storm_crash(struct chaos_run *run, struct slot *s, bool expect_give_up)
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "op", "crash", "game", s->name, "signal", "KILL");
    json_t *r = admin_call(run, req, 15000);
    if (!answer_ok(r) && !expect_give_up)
        violation(run, "crash %s answered %s", s->name, r ? answer_error(r) : "nothing");
    json_decref(r);
    if (!expect_give_up)
        json_decref(settle_list(run));
}

static void expect_restarts(struct chaos_run *run, long want)
{
    if (!daemon_alive(run)) {
        violation(run, "islandsd gave up after %ld restarts in %u s; intensity is %u", want,
                  STORM_PERIOD_S, STORM_INTENSITY);
        return;
    }
    long got = status_restarts(run);
    if (got != want)
        violation(run, "status shows %ld restarts, expected %ld", got, want);
}

static void expect_give_up(struct chaos_run *run, pid_t pid)
{
    int status = daemon_wait(&run->daemon, 15000);
    admin_disconnect(run);
    if (status == -1) {
        violation(run, "islandsd did not give up on %d restarts within %u s (intensity %u)",
                  STORM_INTENSITY + 1, STORM_PERIOD_S, STORM_INTENSITY);
        daemon_stop(&run->daemon);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) {
        violation(run, "islandsd gave up with wait status %d, expected exit status 1", status);
    }
    expect_group_gone(run, pid, "gave up");
}

int phase_storm(struct chaos_run *run)
{
    run->phase = "storm";
    if (daemon_prepare(&run->daemon, run->opt->islandsd) != 0)
        return -1;
    run_forget_ended(run);   /* a new store */
    phase_config(run, STORM_INTENSITY, STORM_PERIOD_S, 0, 0, "");
    snprintf(run->socket, sizeof run->socket, "%s", run->daemon.socket);
    admin_disconnect(run);
    if (daemon_start(&run->daemon) != 0) {
        violation(run, "islandsd did not start (see %s)", run->daemon.log);
        return -1;
    }
    run->step++;
    run->stats.faults[FAULT_STORM]++;
    struct slot slots[STORM_GAMES];
    for (unsigned i = 0; i < STORM_GAMES; i++) {
        slot_init(&slots[i], i, run->opt->seed, run->prefix);
        play_setup(run, &slots[i]);
    }
    pid_t pid = run->daemon.pid;
    /* intensity restarts within the period are allowed ... */
    storm_crash(run, &slots[0], false);
    storm_crash(run, &slots[1], false);
    expect_restarts(run, 2);
    /* ... and restarts older than the period no longer count ... */
    sleep_ms(STORM_PERIOD_S * 1000 + 1000);
    storm_crash(run, &slots[2], false);
    storm_crash(run, &slots[0], false);
    expect_restarts(run, 4);
    /* ... but one more within the period is too many. */
    storm_crash(run, &slots[1], true);
    expect_give_up(run, pid);
    /* Every stored game comes back. */
    phase_config(run, NO_GIVE_UP_INTENSITY, 1, 0, 0, "");
    int rc = 0;
    if (daemon_start(&run->daemon) != 0) {
        violation(run, "islandsd did not start again after giving up");
        rc = -1;
    } else {
        check_slots(run, slots, STORM_GAMES);
        check_processes(run);
    }
    for (unsigned i = 0; i < STORM_GAMES; i++)
        slot_free(&slots[i]);
    phase_stop_daemon(run);
    return rc;
}
