/* SIGKILL against islands-worker: at random points of a long stream of
 * moves (some inside mdb_txn_commit, through the commit-sleep fault hook),
 * the reloaded game is always the last acknowledged one (or that plus the
 * move in flight, whose outcome is unknown); and workers killed inside a
 * read transaction leave no growing reader table. */
#include <sys/stat.h>

#include "check_main.h"
#include "game_script.h"
#include "islands/exit_status.h"
#include "worker_harness.h"

#define KILLS 1000

static const char *const FAULT_ENV[] = { "ISLANDS_FAULT_INJECTION=1",
                                         "ISLANDS_FAULT_COMMIT_SLEEP_MS=1",
                                         "ISLANDS_FAULT_COMMITTED_SLEEP_MS=1", NULL };
static const char *const ARGS[] = { "--direct-commit", "--crash-injection", NULL };

/* Kill the worker with a guess in flight, at one of four kinds of moment. */
static void kill_in_flight(struct child *c, const struct script_game *g, int guess,
                           long long *seq)
{
    child_err_drain(c);
    send_frame_or_fail(c->chan, json_pack("{s:s, s:I, s:o}", "t", "req", "seq",
                                          (json_int_t)(*seq)++, "req",
                                          script_guess_req(g, guess)));
    switch (rand() % 4) {
    case 0:
        break;                                      /* at once */
    case 1:
        child_err_wait(c, "point=commit", 2000);    /* holding the write lock */
        break;
    case 2:
        child_err_wait(c, "point=committed", 2000); /* stored, not answered */
        break;
    default:
        usleep((useconds_t)(rand() % 1500));        /* anywhere */
    }
    child_kill(c);
}

START_TEST(reload_after_kill_is_the_acknowledged_state)
{
    unsigned seed = (unsigned)time(NULL);
    srand(seed);
    struct script_game g = { .game = "k" };
    bool exists = false, in_flight = false;
    int guesses = 0, kills = 0, in_flight_landed = 0, in_flight_dropped = 0;
    while (kills < KILLS) {
        struct child c;
        char rules[32];
        long long seq = 1;
        worker_start(&c, g.game, ARGS, FAULT_ENV, STDERR_PIPE);
        const char *r = worker_ready(&c, rules);
        if (!exists) {
            ck_assert_ptr_null(r);
            script_setup(&c, &seq, &g, 7);
            exists = true;
            guesses = 0;
        } else {
            json_t *got = script_admin_state(&c, &seq, g.game);
            json_t *acked = script_expected(&g, guesses);
            if (!json_equal(got, acked) && in_flight) {
                json_t *landed = script_expected(&g, guesses + 1);
                ck_assert_msg(json_equal(got, landed), "seed %u: reload after kill %d is "
                              "neither the acknowledged state nor the move in flight",
                              seed, kills);
                json_decref(landed);
                guesses++;
                in_flight_landed++;
            } else {
                ck_assert_msg(json_equal(got, acked), "seed %u: state lost at kill %d",
                              seed, kills);
                in_flight_dropped += in_flight;
            }
            json_decref(got);
            json_decref(acked);
        }
        if (guesses == SCRIPT_GUESSES) {   /* game over: end it, start again */
            json_t *end = script_req("end_game", g.game);
            json_object_set_new(end, "admin", json_true());
            script_call_ok(&c, &seq, end, NULL);
            ck_assert_int_eq(exit_code(child_wait(&c)), ISL_EXIT_GAME_ENDED);
            exists = in_flight = false;
            continue;
        }
        for (int k = rand() % 5; k > 0 && guesses < SCRIPT_GUESSES - 1; k--)
            script_call_ok(&c, &seq, script_guess_req(&g, guesses++), NULL);
        kill_in_flight(&c, &g, guesses, &seq);
        in_flight = true;
        kills++;
    }
    /* Both outcomes of the move in flight happen; neither is lost. */
    ck_assert_int_gt(in_flight_landed, 0);
    ck_assert_int_gt(in_flight_dropped, 0);
}
END_TEST

/* Workers killed while their load holds a read transaction: each new
 * worker's open clears the slots of the dead, so the table never grows
 * and pages are reused (the data file stays small) while we keep writing. */
START_TEST(reader_table_stays_bounded)
{
    static const char *const env[] = { "ISLANDS_FAULT_INJECTION=1",
                                       "ISLANDS_FAULT_LOAD_SLEEP_MS=20000", NULL };
    struct isl_store *s = test_store_open(0);   /* kept open, as the writer does */
    static char filler[3000];
    memset(filler, 'f', sizeof filler);
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", store_dir);
    struct stat st;
    struct isl_store_stats stats;
    char err[256];
    for (int i = 0; i < 300; i++) {
        struct child c;
        char game[32];
        snprintf(game, sizeof game, "r%d", i % 7);
        worker_start(&c, game, ARGS, env, STDERR_PIPE);
        ck_assert(child_err_wait(&c, "point=load", 20000));
        child_kill(&c);
        filler[i % sizeof filler] = (char)('a' + i % 26);
        test_store_put(s, "filler", filler, sizeof filler);
        ck_assert_int_eq(isl_store_stats(s, &stats, err, sizeof err), ISL_STORE_OK);
        ck_assert_uint_le(stats.readers_live, 1);   /* only the latest dead one */
    }
    ck_assert_int_eq(stat(path, &st), 0);
    /* 300 rewrites of a 3 KB record with pinned pages would need > 2 MB. */
    ck_assert_int_lt(st.st_size, 512 * 1024);
    ck_assert_int_eq(isl_store_reader_check(s), 1);
    ck_assert_int_eq(isl_store_stats(s, &stats, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_eq(stats.readers_live, 0);
    isl_store_close(s);
}
END_TEST

static Suite *kills_suite(void)
{
    Suite *su = suite_create("worker_kills");
    TCase *tc = tcase_create("kills");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, reload_after_kill_is_the_acknowledged_state);
    tcase_add_test(tc, reader_table_stays_bounded);
    suite_add_tcase(su, tc);
    return su;
}

ISL_CHECK_MAIN(kills_suite)
