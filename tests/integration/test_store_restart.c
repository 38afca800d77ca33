/* What islandsd takes from the store when it starts again: how long each
 * game has been idle (game_timeout counts across restarts), and games
 * whose `meta` entry is bad. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "check_main.h"
#include "game_fixtures.h"
#include "islands/codec.h"
#include "islands/clock.h"
#include "islands/store.h"
#include "protocol_harness.h"
#include "store_raw.h"

/* Poll `list` (which touches no game) until game is gone; returns when,
 * by the monotonic clock, or 0 if it is still there at limit_ms. */
static uint64_t wait_gone(struct testd *d, const char *game, uint64_t limit_ms)
{
    while (isl_monotonic_ms() < limit_ms) {
        if (!game_listed(d, game))
            return isl_monotonic_ms();
        ms_sleep(50);
    }
    return 0;
}

/* testd_start, then wait until islandsd has the store's index: `list`
 * is answered before that. */
static void start_with_index(struct testd *d, const char *config)
{
    int before = d->log[0] ? testd_log_count(d, "event=ready socket=") : 0;
    testd_start(d, config);
    for (int i = 0; i < 500 && testd_log_count(d, "event=ready socket=") == before; i++)
        ms_sleep(10);
    ck_assert_int_gt(testd_log_count(d, "event=ready socket="), before);
}

/* Under ASan, a leak makes islandsd's exit status non-zero. */
static void stop_cleanly(struct testd *d)
{
    int status = testd_stop(d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d; see %s",
                  status, d->log);
}

static void new_game(struct testd *d, const char *game)
{
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", game, "name", "A"),
                   game);
}

#define TIMEOUT_MS 8000
/* islandsd's sweep runs every second; then the end goes to a worker. */
#define SLACK_MS 3000

/* Two games created together; "fresh" changes 2 s later, then islandsd
 * is stopped for 3 s. Started again, "stale" ends once 8 s have passed
 * since its creation (about 2.5 s after the restart, not 8), and "fresh"
 * lives on until 8 s after its change. */
START_TEST(idle_time_counts_from_the_last_change_across_a_restart)
{
    static const char config[] = "game_timeout = 8\n";
    struct testd d = {0};
    testd_start(&d, config);
    uint64_t created_ms = isl_monotonic_ms();
    new_game(&d, "stale");
    new_game(&d, "fresh");
    ms_sleep(2000);
    uint64_t changed_ms = isl_monotonic_ms();
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "add_player", "game", "fresh", "name",
                              "B"), "add_player");
    stop_cleanly(&d);
    ms_sleep(3000);
    start_with_index(&d, config);
    uint64_t restarted_ms = isl_monotonic_ms();
    ck_assert_msg(game_listed(&d, "stale") && game_listed(&d, "fresh"),
                  "a game ended at the restart");

    uint64_t stale_gone = wait_gone(&d, "stale", restarted_ms + TIMEOUT_MS + SLACK_MS);
    ck_assert_msg(stale_gone, "stale did not end within game_timeout of the restart");
    ck_assert_msg(stale_gone - created_ms < TIMEOUT_MS + SLACK_MS,
                  "stale ended %ld ms after its creation, %ld ms after the restart: its idle "
                  "time started over", (long)(stale_gone - created_ms),
                  (long)(stale_gone - restarted_ms));
    ck_assert_msg(stale_gone - created_ms >= TIMEOUT_MS - 100, "stale ended early, after %ld ms",
                  (long)(stale_gone - created_ms));
    ck_assert_msg(game_listed(&d, "fresh"), "fresh ended with stale: its change did not count");

    uint64_t fresh_gone = wait_gone(&d, "fresh", changed_ms + TIMEOUT_MS + SLACK_MS);
    ck_assert_msg(fresh_gone, "fresh still there %d ms after its change", TIMEOUT_MS + SLACK_MS);
    ck_assert_msg(fresh_gone - changed_ms >= TIMEOUT_MS - 100, "fresh ended %ld ms after its "
                  "change", (long)(fresh_gone - changed_ms));
    expect_error_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", "stale"),
                      "no_such_game", "stale");
    stop_cleanly(&d);
    testd_cleanup(&d);
}
END_TEST

/* The whole process group, as a power cut or the OOM killer would: no
 * shutdown runs. */
static void kill_hard(struct testd *d)
{
    ck_assert_int_eq(kill(-d->pid, SIGKILL), 0);
    int status;
    waitpid(d->pid, &status, 0);
    for (int i = 0; i < 500 && testd_group_processes(d->pid) > 0; i++)
        ms_sleep(10);
    isl_client_close(d->client);
    d->client = NULL;
}

static void look_at(struct testd *d, const char *game)
{
    expect_ok_free(testd_call(d, "{s:s, s:s}", "op", "state", "game", game), game);
}

#define SEEN_TIMEOUT_MS 6000

/* A request that changes nothing (`state`) restarts a game's idle count,
 * and islandsd stores that (a touch, at most a second later with this
 * game_timeout): killed without a shutdown and started again, "seen"
 * lives until game_timeout after it was looked at, while "unseen",
 * created with it, ends game_timeout after its creation. */
START_TEST(a_request_that_changes_nothing_counts_across_a_crash)
{
    static const char config[] = "game_timeout = 6\n";
    struct testd d = {0};
    testd_start(&d, config);
    uint64_t created_ms = isl_monotonic_ms();
    new_game(&d, "seen");
    new_game(&d, "unseen");
    ms_sleep(3000);
    uint64_t seen_ms = isl_monotonic_ms();
    look_at(&d, "seen");
    ms_sleep(2000);   /* a sweep or more: the touch is stored */
    kill_hard(&d);
    start_with_index(&d, config);

    uint64_t unseen_gone = wait_gone(&d, "unseen", created_ms + SEEN_TIMEOUT_MS + SLACK_MS);
    ck_assert_msg(unseen_gone, "unseen did not end within game_timeout of its creation");
    ck_assert_msg(game_listed(&d, "seen"), "seen ended %ld ms after it was looked at",
                  (long)(isl_monotonic_ms() - seen_ms));
    uint64_t seen_gone = wait_gone(&d, "seen", seen_ms + SEEN_TIMEOUT_MS + SLACK_MS);
    ck_assert_msg(seen_gone, "seen still there %d ms after it was looked at",
                  SEEN_TIMEOUT_MS + SLACK_MS);
    ck_assert_msg(seen_gone - seen_ms >= SEEN_TIMEOUT_MS - 100,
                  "seen ended %ld ms after it was looked at", (long)(seen_gone - seen_ms));
    stop_cleanly(&d);
    testd_cleanup(&d);
}
END_TEST

static int64_t stored_time(const char *store, const char *game);

/* With a long game_timeout islandsd stores such requests only once a
 * minute, and its shutdown stores the rest: after a clean stop the
 * store's time is the last `state`'s, not the game's creation. With
 * direct commits too (where only the stop stores them: the workers are
 * stopped by then, so the writer waits on no worker's write lock). */
START_TEST(a_clean_stop_stores_the_last_request_of_every_game)
{
    static const char *const configs[] = {"game_timeout = 86400\n",
                                          "game_timeout = 86400\ngroup_commit = false\n"};
    for (int i = 0; i < 2; i++) {
        struct testd d = {0};
        testd_start(&d, configs[i]);
        new_game(&d, "seen");
        new_game(&d, "unseen");
        ms_sleep(1500);
        int64_t before_ms = isl_wall_ms();
        look_at(&d, "seen");
        stop_cleanly(&d);
        int64_t seen = stored_time(d.store, "seen"), unseen = stored_time(d.store, "unseen");
        ck_assert_msg(seen >= before_ms - 5, "%sseen's stored time %lld is before its last "
                      "request at %lld", configs[i], (long long)seen, (long long)before_ms);
        ck_assert_msg(unseen < before_ms - 1000, "%sunseen's stored time moved: %lld, looked "
                      "at %lld", configs[i], (long long)unseen, (long long)before_ms);
        testd_cleanup(&d);
    }
}
END_TEST

struct lateness {
    int64_t since_ms;
    int games, late;
};

static int count_late(void *arg, const struct isl_store_entry *e)
{
    struct lateness *l = arg;
    l->games++;
    l->late += !e->has_time || e->active_ms < l->since_ms;
    return 0;
}

#define MANY_GAMES 3000   /* three touch frames, ~250 KB: more than a socket's buffer */

static void many_name(char *out, size_t size, int i)
{
    snprintf(out, size, "%.60s%04d", "a-game-with-a-name-long-enough-to-fill-the-channel-quickly-x", i);
}

/* Every game's touch reaches the writer at a clean stop, also when they
 * are more than the channel holds at once: 3,000 stored games, each asked
 * for by a request that changes nothing (a `new_game` refused, answered
 * without a worker), with touches due only a minute later, and a writer
 * that stops reading for 300 ms as islandsd stops (SIGSTOP). islandsd
 * must let them all go out before the writer's SIGTERM, which would
 * otherwise end it as soon as it runs again. */
START_TEST(a_clean_stop_stores_the_touches_of_many_games)
{
    static const char config[] = "game_timeout = 86400\n";
    struct testd d = {0};
    testd_prepare(&d);
    struct isl_store_options o = { .path = d.store, .map_size = 1u << 30 };
    struct isl_store *store;
    char err[256];
    ck_assert_int_eq(isl_store_open(&o, &store, err, sizeof err), ISL_STORE_OK);
    static char names[MANY_GAMES][ISL_GAME_NAME_MAX + 1];
    static char *docs[MANY_GAMES];
    static struct isl_store_write writes[MANY_GAMES];
    struct isl_game g;
    fx_new_game(&g);
    for (int i = 0; i < MANY_GAMES; i++) {
        many_name(names[i], sizeof names[i], i);
        memcpy(g.name, names[i], strlen(names[i]) + 1);
        docs[i] = isl_codec_dump(&g);
        writes[i] = (struct isl_store_write){ .kind = ISL_WRITE_PUT, .game = names[i],
                                              .doc = docs[i], .doc_len = strlen(docs[i]),
                                              .rules = "initialized" };
    }
    for (int i = 0; i < MANY_GAMES; i += 500) {
        size_t n = MANY_GAMES - i < 500 ? (size_t)(MANY_GAMES - i) : 500;
        ck_assert_msg(isl_store_commit(store, writes + i, n, err, sizeof err) == ISL_STORE_OK,
                      "commit: %s", err);
    }
    isl_store_close(store);
    for (int i = 0; i < MANY_GAMES; i++)
        free(docs[i]);
    start_with_index(&d, config);
    ms_sleep(1100);
    int64_t before_ms = isl_wall_ms();
    /* Pipelined, 100 at a time. */
    struct raw *r = raw_open(&d);
    char line[200];
    for (int i = 0; i < MANY_GAMES; i += 100) {
        for (int j = i; j < i + 100; j++) {
            snprintf(line, sizeof line, "{\"op\":\"new_game\",\"game\":\"%s\",\"name\":\"A\"}\n",
                     names[j]);
            raw_sends(r, line);
        }
        for (int j = i; j < i + 100; j++) {
            json_t *answer = raw_recv(r);
            ck_assert_str_eq(testd_error(answer), "game_exists");
            json_decref(answer);
        }
    }
    raw_close(r);
    ck_assert_int_eq(testd_log_count(&d, "event=worker_start"), 0);
    long writer;
    ck_assert_int_eq(testd_children(d.pid, "islands-writer", &writer, 1), 1);
    ck_assert_int_eq(kill((pid_t)writer, SIGSTOP), 0);
    pid_t waker = fork();
    ck_assert_int_ge(waker, 0);
    if (waker == 0) {
        ms_sleep(300);
        kill((pid_t)writer, SIGCONT);
        _exit(0);
    }
    stop_cleanly(&d);
    waitpid(waker, NULL, 0);
    struct lateness l = { before_ms - 5, 0, 0 };
    ck_assert_int_eq(isl_store_open(&(struct isl_store_options){ .path = d.store,
                                                                .read_only = true },
                                    &store, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(isl_store_scan(store, count_late, &l, err, sizeof err), ISL_STORE_OK);
    isl_store_close(store);
    ck_assert_int_eq(l.games, MANY_GAMES);
    ck_assert_msg(l.late == 0, "%d of %d games kept a time before their last request", l.late,
                  MANY_GAMES);
    testd_cleanup(&d);
}
END_TEST

struct time_of {
    const char *game;
    int64_t ms;
};

static int find_time(void *arg, const struct isl_store_entry *e)
{
    struct time_of *t = arg;
    if (strcmp(e->game, t->game) == 0 && e->has_time)
        t->ms = e->active_ms;
    return 0;
}

/* The stored time of game, read from the store itself (-1: none). */
static int64_t stored_time(const char *store, const char *game)
{
    struct isl_store_options o = { .path = store, .read_only = true };
    struct isl_store *s;
    char err[256];
    ck_assert_msg(isl_store_open(&o, &s, err, sizeof err) == ISL_STORE_OK, "open: %s", err);
    struct time_of t = { game, -1 };
    ck_assert_int_eq(isl_store_scan(s, find_time, &t, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);
    return t.ms;
}

/* A store from before the time was kept: its games count as changed when
 * islandsd starts, not as idle since forever. */
START_TEST(an_entry_without_a_time_counts_from_the_start)
{
    static const char config[] = "game_timeout = 3\n";
    struct testd d = {0};
    testd_start(&d, config);
    new_game(&d, "legacy");
    stop_cleanly(&d);
    store_raw_put(d.store, "meta", "legacy", "initialized");
    ms_sleep(3500);   /* longer than game_timeout since its creation */
    start_with_index(&d, config);
    uint64_t restarted_ms = isl_monotonic_ms();
    ms_sleep(1500);   /* a sweep or more */
    ck_assert_msg(game_listed(&d, "legacy"),
                  "a game without a stored time ended at the restart");
    ck_assert_msg(wait_gone(&d, "legacy", restarted_ms + 3000 + SLACK_MS),
                  "legacy did not end within game_timeout of the restart");
    stop_cleanly(&d);
    testd_cleanup(&d);
}
END_TEST

/* The `state` of game in `list`: its rules state, or NULL (null, or not
 * listed). */
static char *listed_state(struct testd *d, const char *game)
{
    json_t *l = testd_call(d, "{s:s}", "op", "list");
    char *state = NULL;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(l, "games"), i, g)
        if (strcmp(json_string_value(json_object_get(g, "game")), game) == 0 &&
            json_is_string(json_object_get(g, "state")))
            state = strdup(json_string_value(json_object_get(g, "state")));
    json_decref(l);
    return state;
}

/* A `meta` value that is not a rules state (damage, a tool) no longer
 * hides a game whose record is fine: islandsd takes the state from the
 * record, the game is served as before, and its next move mends `meta`. */
START_TEST(a_bad_meta_value_takes_the_rules_state_from_the_record)
{
    struct testd d = {0};
    char tok1[33], tok2[33];
    testd_start(&d, NULL);
    testd_setup_game(&d, "bent", tok1, tok2);
    char *before = admin_state(&d, "bent");
    stop_cleanly(&d);
    store_raw_put(d.store, "meta", "bent", "player1_turn; or so");
    start_with_index(&d, NULL);
    char *state = listed_state(&d, "bent");
    ck_assert_msg(state && strcmp(state, "player1_turn") == 0, "bent listed as %s",
                  state ? state : "nothing");
    free(state);
    char *after = admin_state(&d, "bent");
    ck_assert_str_eq(after, before);
    free(before), free(after);
    ck_assert_int_eq(testd_log_count(&d, "event=store_meta_bad game=bent rules_from=record"), 1);
    play_moves(&d, "bent", tok1, tok2, 0, 1);
    stop_cleanly(&d);
    start_with_index(&d, NULL);
    ck_assert_int_eq(testd_log_count(&d, "event=store_meta_bad"), 1);
    play_moves(&d, "bent", tok1, tok2, 1, 18);
    stop_cleanly(&d);
    testd_cleanup(&d);
}
END_TEST

/* Is game listed with `"failed": true`? */
static bool listed_failed(struct testd *d, const char *game)
{
    json_t *l = testd_call(d, "{s:s}", "op", "list");
    bool failed = false;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(l, "games"), i, g)
        if (strcmp(json_string_value(json_object_get(g, "game")), game) == 0)
            failed = json_is_true(json_object_get(g, "failed"));
    json_decref(l);
    return failed;
}

/* Neither the `meta` value nor the record makes sense: the game is
 * indexed all the same, failed from the start (`list` says so before any
 * request), its record set aside by the writer once, as a worker would
 * have; its requests are answered `game_unavailable`, and no worker is
 * started for it. */
START_TEST(a_bad_meta_value_over_a_corrupt_record_is_set_aside_at_start)
{
    struct testd d = {0};
    testd_start(&d, NULL);
    new_game(&d, "wreck");
    stop_cleanly(&d);
    static const char garbage[] = "{\"version\":1,\"game\":\"wreck\",\"rules\":\"nonsense\"}";
    store_raw_put(d.store, "games", "wreck", garbage);
    store_raw_put(d.store, "meta", "wreck", "nonsense");
    int started_before = testd_log_count(&d, "event=worker_start game=wreck");
    for (int start = 0; start < 2; start++) {
        start_with_index(&d, NULL);
        ck_assert_msg(game_listed(&d, "wreck"), "the game is hidden");
        ck_assert_ptr_null(listed_state(&d, "wreck"));
        ck_assert_msg(listed_failed(&d, "wreck"), "not listed as failed before its first request");
        json_t *r = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "wreck");
        ck_assert_str_eq(testd_error(r), "game_unavailable");
        const char *message = json_string_value(json_object_get(r, "message"));
        ck_assert_msg(strstr(message ? message : "", "corrupt"), "message: %s", message);
        json_decref(r);
        stop_cleanly(&d);
    }
    ck_assert_int_eq(testd_log_count(&d, "event=corrupt_record game=wreck found=index"), 1);
    ck_assert_int_eq(testd_log_count(&d, "event=worker_start game=wreck"), started_before);

    struct isl_store *store;
    struct isl_store_options o = {.path = d.store, .read_only = true};
    char err[256], *q;
    size_t len;
    ck_assert_int_eq(isl_store_open(&o, &store, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(isl_store_load_quarantine(store, "wreck", &q, &len, err, sizeof err),
                     ISL_STORE_OK);
    ck_assert_ptr_nonnull(strstr(q, "nonsense"));
    free(q);
    isl_store_close(store);
    testd_cleanup(&d);
}
END_TEST

static Suite *store_restart_suite(void)
{
    Suite *s = suite_create("store_restart");
    TCase *tc = tcase_create("store_restart");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, idle_time_counts_from_the_last_change_across_a_restart);
    tcase_add_test(tc, an_entry_without_a_time_counts_from_the_start);
    tcase_add_test(tc, a_request_that_changes_nothing_counts_across_a_crash);
    tcase_add_test(tc, a_clean_stop_stores_the_last_request_of_every_game);
    tcase_add_test(tc, a_clean_stop_stores_the_touches_of_many_games);
    tcase_add_test(tc, a_bad_meta_value_takes_the_rules_state_from_the_record);
    tcase_add_test(tc, a_bad_meta_value_over_a_corrupt_record_is_set_aside_at_start);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(store_restart_suite)
