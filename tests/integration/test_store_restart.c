/* What islandsd takes from the store when it starts again: how long each
 * game has been idle (game_timeout counts across restarts). */
#include <string.h>

#include "check_main.h"
#include "islands/clock.h"
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
    testd_stop(&d);
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
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* A store from before the time was kept: its games count as changed when
 * islandsd starts, not as idle since forever. */
START_TEST(an_entry_without_a_time_counts_from_the_start)
{
    static const char config[] = "game_timeout = 3\n";
    struct testd d = {0};
    testd_start(&d, config);
    new_game(&d, "legacy");
    testd_stop(&d);
    store_raw_put(d.store, "meta", "legacy", "initialized");
    ms_sleep(3500);   /* longer than game_timeout since its creation */
    start_with_index(&d, config);
    uint64_t restarted_ms = isl_monotonic_ms();
    ms_sleep(1500);   /* a sweep or more */
    ck_assert_msg(game_listed(&d, "legacy"),
                  "a game without a stored time ended at the restart");
    ck_assert_msg(wait_gone(&d, "legacy", restarted_ms + 3000 + SLACK_MS),
                  "legacy did not end within game_timeout of the restart");
    testd_stop(&d);
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
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(store_restart_suite)
