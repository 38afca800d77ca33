/* islands-worker, driven through its fd 3 with frames: serving, exits,
 * persistence, store errors, corrupt records, game timeout. */
#include "check_main.h"
#include "game_script.h"
#include "islands/exit_status.h"
#include "worker_harness.h"

static const char *const DIRECT[] = { "--direct-commit", NULL };

static int expect_exit(struct child *c)
{
    return exit_code(child_wait(c));
}

/* A worker without a game: it reports "spare" once it is warm. */
static void spare_start(struct child *c)
{
    worker_start(c, NULL, DIRECT, NULL, STDERR_INHERIT);
    json_t *f = recv_frame(c->chan);
    ck_assert_str_eq(frame_type(f), "spare");
    json_decref(f);
}

START_TEST(serves_a_game_and_ends_it)
{
    struct child c;
    struct script_game g = { .game = "g1" };
    char rules[32];
    long long seq = 1;
    worker_start(&c, "g1", DIRECT, NULL, STDERR_INHERIT);
    ck_assert_ptr_null(worker_ready(&c, rules));

    /* No game yet: only new_game works. */
    json_t *f = worker_call(&c, seq++, script_req("state", "g1"));
    ck_assert_str_eq(resp_error(f), "no_such_game");
    ck_assert(json_is_null(json_object_get(f, "rules")));
    json_decref(f);

    script_setup(&c, &seq, &g, 7);
    json_t *r = script_req("new_game", "g1");
    json_object_set_new(r, "name", json_string("Eve"));
    f = worker_call(&c, seq++, r);
    ck_assert_str_eq(resp_error(f), "game_exists");
    ck_assert_str_eq(json_string_value(json_object_get(f, "rules")), "player1_turn");
    json_decref(f);

    /* A wrong or missing token is unauthorized before anything else. */
    r = script_guess_req(&g, 0);
    json_object_set_new(r, "token", json_string("0123"));
    f = worker_call(&c, seq++, r);
    ck_assert_str_eq(resp_error(f), "unauthorized");
    json_decref(f);
    r = script_req("state", "g1");
    json_object_set_new(r, "player", json_string("player2"));
    f = worker_call(&c, seq++, r);
    ck_assert_str_eq(resp_error(f), "unauthorized");
    json_decref(f);
    /* An engine error is answered and nothing changes. */
    f = worker_call(&c, seq++, script_guess_req(&g, 1));   /* player 2 out of turn */
    ck_assert_str_eq(resp_error(f), "not_allowed");
    json_decref(f);

    f = worker_call(&c, seq++, script_guess_req(&g, 0));
    ck_assert(resp_ok(f));
    json_t *resp = json_object_get(f, "resp");
    ck_assert(json_is_true(json_object_get(resp, "hit")));
    ck_assert(json_is_null(json_object_get(resp, "forested")));
    ck_assert(json_is_false(json_object_get(resp, "win")));
    ck_assert_str_eq(json_string_value(json_object_get(f, "rules")), "player2_turn");
    json_decref(f);

    /* The player's own view, and the public one without boards. */
    f = worker_call(&c, seq++, script_player_req(&g, "state", ISL_PLAYER1));
    ck_assert(resp_ok(f));
    ck_assert_ptr_nonnull(json_object_get(json_object_get(json_object_get(f, "resp"),
                                                          "player1"), "board"));
    json_decref(f);
    json_t *admin = script_admin_state(&c, &seq, "g1");
    json_t *expected = script_expected(&g, 1);
    ck_assert(json_equal(admin, expected));
    json_decref(admin);
    json_decref(expected);

    /* end_game without a token is only for admins. */
    f = worker_call(&c, seq++, script_req("end_game", "g1"));
    ck_assert_str_eq(resp_error(f), "unauthorized");
    json_decref(f);
    f = worker_call(&c, seq++, script_player_req(&g, "end_game", ISL_PLAYER2));
    ck_assert(resp_ok(f));
    ck_assert(json_is_null(json_object_get(f, "rules")));
    json_decref(f);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_GAME_ENDED);

    struct isl_store *s = test_store_open(0);
    ck_assert_ptr_null(test_store_get(s, "g1", NULL));
    isl_store_close(s);
}
END_TEST

START_TEST(pipelined_requests_are_answered_in_order)
{
    struct child c;
    char rules[32];
    spare_start(&c);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:s}", "t", "adopt", "game", "p1"));
    ck_assert_ptr_null(worker_ready(&c, rules));
    json_t *r = script_req("new_game", "p1");
    json_object_set_new(r, "name", json_string("Ann"));
    send_frame_or_fail(c.chan, json_pack("{s:s, s:i, s:o}", "t", "req", "seq", 10, "req", r));
    for (int i = 11; i < 20; i++)
        send_frame_or_fail(c.chan, json_pack("{s:s, s:i, s:o}", "t", "req", "seq", i, "req",
                                             script_req("state", "p1")));
    for (int i = 10; i < 20; i++) {
        json_t *f = recv_frame(c.chan);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "seq")), i);
        ck_assert(resp_ok(f));
        json_decref(f);
    }
    /* SIGTERM while idle: exit 0, the game stays stored. */
    kill(c.pid, SIGTERM);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_NORMAL);
    struct isl_store *s = test_store_open(0);
    char *doc = test_store_get(s, "p1", NULL);
    ck_assert_ptr_nonnull(doc);
    free(doc);
    isl_store_close(s);
}
END_TEST

START_TEST(bad_frames_and_crash_frames)
{
    struct child c;
    char rules[32];
    /* A request for another game is a broken supervisor: exit. */
    worker_start(&c, "b1", DIRECT, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:i, s:o}", "t", "req", "seq", 1, "req",
                                         script_req("state", "other")));
    ck_assert_int_eq(expect_exit(&c), EXIT_FAILURE);

    worker_start(&c, "b1", DIRECT, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    send_frame_or_fail(c.chan, json_pack("{s:s}", "t", "bogus"));
    ck_assert_int_eq(expect_exit(&c), EXIT_FAILURE);

    /* A timeout frame with no number of seconds is a broken supervisor. */
    worker_start(&c, "b1", DIRECT, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:i}", "t", "timeout", "game_timeout", -1));
    ck_assert_int_eq(expect_exit(&c), EXIT_FAILURE);

    /* A crash frame is obeyed with or without --crash-injection: islandsd
     * sends it only while crash_injection is on, perhaps since a reload. */
    worker_start(&c, "b1", DIRECT, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:s}", "t", "crash", "how", "EXIT"));
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_CRASH);
    const char *const crash[] = { "--direct-commit", "--crash-injection", NULL };
    worker_start(&c, "b1", crash, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:s}", "t", "crash", "how", "EXIT"));
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_CRASH);

    /* Usage errors. */
    const char *const bad[] = { "--sync", "sometimes", NULL };
    worker_start(&c, "b1", bad, NULL, STDERR_NULL);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_USAGE);
}
END_TEST

/* Play to every rules state, kill the worker, restart it: the reloaded
 * game answers `state` exactly as before. */
START_TEST(persists_every_rules_state)
{
    static const struct { int steps, guesses; const char *rules; } cases[] = {
        { 1, 0, "initialized" }, { 2, 0, "players_set" }, { 5, 0, "players_set" },
        { 7, 0, "player1_turn" }, { 7, 1, "player2_turn" },
        { 7, SCRIPT_GUESSES, "game_over" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct script_game g;
        snprintf(g.game, sizeof g.game, "rt%zu", i);
        struct child c;
        char rules[32];
        long long seq = 1;
        worker_start(&c, g.game, DIRECT, NULL, STDERR_NULL);
        worker_ready(&c, rules);
        script_setup(&c, &seq, &g, cases[i].steps);
        for (int n = 0; n < cases[i].guesses; n++)
            script_call_ok(&c, &seq, script_guess_req(&g, n), NULL);
        json_t *before = script_admin_state(&c, &seq, g.game);
        child_kill(&c);

        worker_start(&c, g.game, DIRECT, NULL, STDERR_NULL);
        ck_assert_str_eq(worker_ready(&c, rules), cases[i].rules);
        json_t *after = script_admin_state(&c, &seq, g.game);
        ck_assert_msg(json_equal(before, after), "state changed over a restart in %s",
                      cases[i].rules);
        json_decref(before);
        json_decref(after);
        child_kill(&c);
    }
}
END_TEST

/* Fill the map from this process with junk, down to the last page;
 * returns the number of junk records so far. */
static int fill_with_junk(struct isl_store *s, int n)
{
    static char junk[8192];
    memset(junk, 'j', sizeof junk);
    for (size_t size = sizeof junk; size >= 16; size /= 4) {
        for (int full = 0; full < 3;) {
            char name[32], err[256];
            snprintf(name, sizeof name, "junk%d", n);
            struct isl_store_write w = { .kind = ISL_WRITE_PUT, .game = name, .doc = junk,
                                         .doc_len = size, .rules = "initialized" };
            int rc = isl_store_commit(s, &w, 1, err, sizeof err);
            if (rc == ISL_STORE_FULL) {
                full++;
                continue;
            }
            ck_assert_int_eq(rc, ISL_STORE_OK);
            n++;
        }
    }
    return n;
}

START_TEST(map_full_answers_store_error_and_keeps_serving)
{
    const size_t map = 256 * 1024;
    const char *const small_map[] = { "--direct-commit", "--map-size", "262144", NULL };
    struct child c;
    struct script_game g = { .game = "full" };
    char rules[32];
    long long seq = 1;
    worker_start(&c, g.game, small_map, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    script_setup(&c, &seq, &g, 7);

    /* Pages freed by earlier commits may still fit a move or two: fill
     * again until a move fails. */
    struct isl_store *s = test_store_open(map);
    int junk = 0, guesses = 0;
    json_t *f = NULL;
    for (int attempt = 0; attempt < 20; attempt++) {
        junk = fill_with_junk(s, junk);
        f = worker_call(&c, seq++, script_guess_req(&g, guesses));
        if (!resp_ok(f))
            break;
        guesses++;
        json_decref(f);
        f = NULL;
    }
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(resp_error(f), "store_error");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(f, "resp"),
                                                                   "message")), "MDB_MAP_FULL"));
    json_decref(f);
    json_t *after = script_admin_state(&c, &seq, g.game);
    json_t *expected = script_expected(&g, guesses);
    ck_assert(json_equal(expected, after));   /* the failed move was not made */
    json_decref(after);
    json_decref(expected);

    /* Room again: the same move now succeeds. */
    for (int i = 0; i < junk; i++) {
        char name[32], err[256];
        snprintf(name, sizeof name, "junk%d", i);
        struct isl_store_write w = { .kind = ISL_WRITE_DELETE, .game = name };
        ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    }
    script_call_ok(&c, &seq, script_guess_req(&g, guesses), NULL);
    after = script_admin_state(&c, &seq, g.game);
    expected = script_expected(&g, guesses + 1);
    ck_assert(json_equal(expected, after));
    json_decref(expected);
    json_decref(after);
    child_kill(&c);
    isl_store_close(s);
}
END_TEST

static void check_quarantined(const char *game, const char *doc, size_t len)
{
    struct child c;
    worker_start(&c, game, DIRECT, NULL, STDERR_NULL);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_CORRUPT);
    struct isl_store *s = test_store_open(0);
    size_t got_len;
    char *got = test_store_get(s, game, &got_len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got_len, len);
    ck_assert_mem_eq(got, doc, len);   /* never overwritten */
    free(got);
    char *q, err[256];
    ck_assert_int_eq(isl_store_load_quarantine(s, game, &q, &got_len, err, sizeof err),
                     ISL_STORE_OK);
    json_t *rec = json_loads(q, 0, NULL);
    ck_assert_ptr_nonnull(rec);
    ck_assert_uint_gt(strlen(json_string_value(json_object_get(rec, "reason"))), 0);
    json_decref(rec);
    free(q);
    isl_store_close(s);
}

START_TEST(corrupt_records_are_quarantined)
{
    struct isl_store *s = test_store_open(0);
    const char *garbage = "{\"version\":1,\"game\":\"bad1\"}";
    test_store_put(s, "bad1", garbage, strlen(garbage));
    test_store_put(s, "bad2", "\xff\xfe not json", 11);
    /* A valid document stored under another name is inconsistent too. */
    struct isl_game other;
    isl_game_new(&other, "other", "Ann", "0123456789abcdef0123456789abcdef");
    char *doc = isl_codec_dump(&other);
    test_store_put(s, "bad3", doc, strlen(doc));
    isl_store_close(s);

    check_quarantined("bad1", garbage, strlen(garbage));
    check_quarantined("bad2", "\xff\xfe not json", 11);
    check_quarantined("bad3", doc, strlen(doc));
    free(doc);
}
END_TEST

START_TEST(game_timeout_deletes_the_game)
{
    const char *const timeout[] = { "--direct-commit", "--game-timeout", "0.3", NULL };
    struct child c;
    struct script_game g = { .game = "idle" };
    char rules[32];
    long long seq = 1;
    worker_start(&c, g.game, timeout, NULL, STDERR_NULL);
    worker_ready(&c, rules);
    script_setup(&c, &seq, &g, 1);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_GAME_ENDED);
    struct isl_store *s = test_store_open(0);
    ck_assert_ptr_null(test_store_get(s, g.game, NULL));
    isl_store_close(s);
}
END_TEST

/* A spare not adopted at once runs its serving code on a made-up game
 * named "warm-up": a stored game of that name is only read, nothing is
 * written, and the game adopted next starts from its own record alone. */
START_TEST(a_warmed_up_spare_changes_nothing)
{
    struct child c;
    struct script_game g = { .game = "warm-up" };
    char rules[32];
    long long seq = 1;
    worker_start(&c, g.game, DIRECT, NULL, STDERR_INHERIT);
    worker_ready(&c, rules);
    script_setup(&c, &seq, &g, 7);
    for (int n = 0; n < 3; n++)
        script_call_ok(&c, &seq, script_guess_req(&g, n), NULL);
    kill(c.pid, SIGTERM);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_NORMAL);
    struct isl_store *s = test_store_open(0);
    size_t len = 0, len_after = 0;
    char *before = test_store_get(s, g.game, &len);
    isl_store_close(s);
    ck_assert_ptr_nonnull(before);

    spare_start(&c);
    sleep_ms(100);   /* not adopted within 1 ms of `spare`: it warms up */
    s = test_store_open(0);
    char *after = test_store_get(s, g.game, &len_after);
    ck_assert_uint_eq(len_after, len);
    ck_assert_mem_eq(after, before, len);
    free(after);
    isl_store_close(s);

    /* Adopted next, a game without a record is empty... */
    send_frame_or_fail(c.chan, json_pack("{s:s, s:s}", "t", "adopt", "game", "fresh"));
    ck_assert_ptr_null(worker_ready(&c, rules));
    json_t *f = worker_call(&c, seq++, script_req("state", "fresh"));
    ck_assert_str_eq(resp_error(f), "no_such_game");
    json_decref(f);
    kill(c.pid, SIGTERM);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_NORMAL);
    s = test_store_open(0);
    ck_assert_ptr_null(test_store_get(s, "fresh", NULL));
    isl_store_close(s);

    /* ...and the stored "warm-up" comes back exactly as it was played. */
    spare_start(&c);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:s}", "t", "adopt", "game", g.game));
    ck_assert_str_eq(worker_ready(&c, rules), "player2_turn");
    json_t *admin = script_admin_state(&c, &seq, g.game);
    json_t *expected = script_expected(&g, 3);
    ck_assert(json_equal(admin, expected));
    json_decref(admin);
    json_decref(expected);
    kill(c.pid, SIGTERM);
    ck_assert_int_eq(expect_exit(&c), ISL_EXIT_NORMAL);
    free(before);
}
END_TEST

static Suite *worker_suite(void)
{
    Suite *su = suite_create("worker");
    TCase *tc = tcase_create("worker");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, serves_a_game_and_ends_it);
    tcase_add_test(tc, pipelined_requests_are_answered_in_order);
    tcase_add_test(tc, bad_frames_and_crash_frames);
    tcase_add_test(tc, persists_every_rules_state);
    tcase_add_test(tc, map_full_answers_store_error_and_keeps_serving);
    tcase_add_test(tc, corrupt_records_are_quarantined);
    tcase_add_test(tc, game_timeout_deletes_the_game);
    tcase_add_test(tc, a_warmed_up_spare_changes_nothing);
    suite_add_tcase(su, tc);
    return su;
}

ISL_CHECK_MAIN(worker_suite)
