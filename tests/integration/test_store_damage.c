/* A damaged data.mdb. LMDB trusts its file: a page cut off or scribbled on
 * makes it crash (SIGBUS, SIGSEGV) rather than report, so the process that
 * was reading names the store in its last log line (src/fault_note.c), and
 * islandsd goes on as supervision says: the game left alone, or, when the
 * writer cannot read the store at all, a clean exit. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/codec.h"
#include "islands/game.h"
#include "islands/store.h"
#include "protocol_harness.h"

#define GAMES 300

/* GAMES new games in d's store, one transaction each: the same pages
 * every time (the daemon's group commit would batch them as it goes). */
static void create_games(struct testd *d)
{
    testd_prepare(d);
    struct isl_store_options o = { .path = d->store };
    struct isl_store *s;
    char err[256];
    ck_assert_msg(isl_store_open(&o, &s, err, sizeof err) == ISL_STORE_OK, "%s", err);
    for (int i = 0; i < GAMES; i++) {
        char game[16];
        snprintf(game, sizeof game, "g%d", i);
        struct isl_game g;
        isl_game_new(&g, game, "Ann", "0123456789abcdef0123456789abcdef");
        char *doc = isl_codec_dump(&g);
        struct isl_store_write w = { .kind = ISL_WRITE_PUT, .game = game, .doc = doc,
                                     .doc_len = strlen(doc), .rules = "initialized" };
        ck_assert_msg(isl_store_commit(s, &w, 1, err, sizeof err) == ISL_STORE_OK, "%s", err);
        free(doc);
    }
    isl_store_close(s);
}

/* Spares that have the store open (their `spare` frame heard). */
static void wait_for_spares(struct testd *d, int want)
{
    for (int i = 0; i < 1000 && testd_log_count(d, "event=spare_ready") < want; i++)
        ms_sleep(10);
    ck_assert_int_ge(testd_log_count(d, "event=spare_ready"), want);
}

static void data_file(const struct testd *d, char *path, size_t size)
{
    snprintf(path, size, "%s/data.mdb", d->store);
}

/* Cut under a running islandsd, whose warm spares have the store mapped:
 * the first to load a game reads past the end of the file. */
START_TEST(a_data_file_cut_short_under_a_worker_is_named_and_the_game_left_alone)
{
    struct testd d = {0};
    create_games(&d);
    testd_start(&d, "spare_workers = 2\nlog_level = debug\n");
    wait_for_spares(&d, 2);
    char path[400];
    data_file(&d, path, sizeof path);
    ck_assert_int_eq(truncate(path, 8192), 0);   /* LMDB's two meta pages */

    expect_error_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", "g150"),
                      "game_unavailable", "a game read from a cut file");
    /* Left alone after max_start_failures (3) starts, and not started again
     * by the next request, which comes well within the retry delay. */
    ck_assert_int_eq(testd_log_count(&d, "event=worker_start game=g150 "), 3);
    ck_assert_int_eq(testd_log_count(&d, "event=game_failed game=g150 "), 1);
    expect_error_free(testd_call(&d, "{s:s, s:s}", "op", "state", "game", "g150"),
                      "game_unavailable", "a game left alone");
    ck_assert_int_eq(testd_log_count(&d, "event=worker_start game=g150 "), 3);
    json_t *list = testd_call(&d, "{s:s}", "op", "list");
    json_t *games = json_object_get(list, "games"), *entry;
    size_t i;
    bool failed = false;
    json_array_foreach(games, i, entry)
        if (strcmp(json_string_value(json_object_get(entry, "game")), "g150") == 0)
            failed = json_is_true(json_object_get(entry, "failed"));
    json_decref(list);
    ck_assert_msg(failed, "g150 not listed as failed");
    ck_assert_int_ge(testd_log_count(&d, "event=store_fault signal=BUS"), 1);
    ck_assert_int_ge(testd_log_count(&d, "during=read note=\"reading the store's data.mdb "
                                         "failed"), 1);
    expect_ok_free(testd_call(&d, "{s:s}", "op", "ping"), "islandsd serves on");
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* Cut while the writer reads the index (held there by a fault hook): it
 * names the store as it dies, the next writer finds the file truncated,
 * and islandsd gives up with both reasons in its log. */
START_TEST(a_data_file_cut_under_the_writer_stops_islandsd_with_the_reason)
{
    struct testd d = {0};
    create_games(&d);
    setenv("ISLANDS_FAULT_INJECTION", "1", 1);
    setenv("ISLANDS_FAULT_SCAN_SLEEP_MS", "1000", 1);
    testd_start(&d, "crash_injection = true\n");   /* `ping` is answered before the index */
    for (int i = 0; i < 1000 && testd_log_count(&d, "event=fault point=scan") == 0; i++)
        ms_sleep(10);
    ck_assert_msg(testd_log_count(&d, "event=fault point=scan") == 1, "no writer in its scan");
    char path[400];
    data_file(&d, path, sizeof path);
    ck_assert_int_eq(truncate(path, 8192), 0);   /* LMDB's two meta pages */
    int status = testd_wait_exit(&d, 10000);
    if (status == -1)
        testd_stop(&d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
    /* The writer's fault: only the writer scans. */
    ck_assert_int_eq(testd_log_count(&d, "event=store_fault signal=BUS"), 1);
    ck_assert_int_eq(testd_log_count(&d, "during=scan note=\"reading the store's data.mdb"), 1);
    ck_assert_int_ge(testd_log_count(&d, "store truncated"), 1);   /* the next writer's reason */
    ck_assert_int_eq(testd_log_count(&d, "event=give_up supervisor=top child=writer"), 1);
    testd_cleanup(&d);
}
END_TEST

static Suite *store_damage_suite(void)
{
    Suite *s = suite_create("store_damage");
    TCase *tc = tcase_create("damage");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_data_file_cut_short_under_a_worker_is_named_and_the_game_left_alone);
    tcase_add_test(tc, a_data_file_cut_under_the_writer_stops_islandsd_with_the_reason);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(store_damage_suite)
