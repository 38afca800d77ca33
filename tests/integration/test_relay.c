/* Relayed answers (docs/INTERNAL-PROTOCOL.md): a commit that carries the
 * worker's answer is answered to the supervisor by the writer, only once
 * it is stored; a failure goes back to the worker; a bad answer drops the
 * connection. And a real worker started with --relay: answers come
 * through the writer, the next request sees the committed game, and a
 * worker stopped with a commit unsettled waits for it. */
#include <errno.h>
#include <poll.h>

#include "check_main.h"
#include "game_script.h"
#include "islands/exit_status.h"
#include "islands/worker_proto.h"
#include "worker_harness.h"

static void start_writer(struct child *c, const char *const extra[], const char *const env[])
{
    const char *argv[12] = { "islands-writer", "--store", store_dir };
    size_t n = 3;
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    child_start(c, program_path("ISLANDS_WRITER", "build/islands-writer"), (char *const *)argv,
                env, STDERR_PIPE);   /* for its fault hooks' lines */
    json_t *f = recv_frame(c->chan);
    ck_assert_str_eq(frame_type(f), "ready");
    json_decref(f);
}

static void stop_writer(struct child *c)
{
    kill(c->pid, SIGTERM);
    ck_assert_int_eq(exit_code(child_wait(c)), ISL_EXIT_NORMAL);
}

static bool nothing_within(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, ms) == 0;
}

/* The next frame on the writer's channel is a relay of `answer` for game
 * from pid. */
static void expect_relay(struct child *writer, long pid, const char *game, const json_t *answer)
{
    json_t *f = recv_frame(writer->chan);
    ck_assert_str_eq(frame_type(f), "relay");
    ck_assert_int_eq(json_integer_value(json_object_get(f, "pid")), pid);
    ck_assert_str_eq(json_string_value(json_object_get(f, "game")), game);
    if (answer)
        ck_assert(json_equal(json_object_get(f, "answer"), answer));
    json_decref(f);
}

static json_t *commit_with_answer(long long seq, const char *game, const char *doc,
                                  json_t *answer)
{
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:o}", "t", "commit", "seq", (json_int_t)seq,
                     "game", game, "doc", doc, "rules", "initialized", "answer", answer);
}

static void expect_stored(const char *game, const char *doc)
{
    struct isl_store *s = test_store_open(0);
    char *got = test_store_get(s, game, NULL);
    if (doc) {
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, doc);
    } else {
        ck_assert_ptr_null(got);
    }
    free(got);
    isl_store_close(s);
}

/* A fence naming nobody: `fenced` must be the connection's next frame. */
static void expect_fenced_next(int fd)
{
    send_frame_or_fail(fd, json_pack("{s:s, s:[]}", "t", "fence", "after"));
    json_t *f = recv_frame(fd);
    ck_assert_str_eq(frame_type(f), "fenced");
    json_decref(f);
}

START_TEST(a_committed_answer_goes_to_the_supervisor_not_the_worker)
{
    struct child c;
    start_writer(&c, NULL, NULL);
    int fd = writer_connect();
    json_t *answer = json_pack("{s:s, s:i, s:{s:b}, s:s}", "t", "resp", "seq", 9, "resp", "ok",
                               1, "rules", "initialized");
    /* The committer's own layout (the writer's fast path)... */
    send_frame_or_fail(fd, commit_with_answer(1, "r1", "{\"a\":1}", json_incref(answer)));
    expect_relay(&c, (long)getpid(), "r1", answer);
    expect_stored("r1", "{\"a\":1}");
    /* ... and one only jansson reads (UTF-8 in the document). */
    send_frame_or_fail(fd, commit_with_answer(2, "r2", "{\"a\":\"\xc3\xa9\"}",
                                              json_incref(answer)));
    expect_relay(&c, (long)getpid(), "r2", answer);
    expect_stored("r2", "{\"a\":\"\xc3\xa9\"}");
    /* Neither was answered to the connection. */
    expect_fenced_next(fd);
    /* Without an answer, the worker hears `committed` as before. */
    send_frame_or_fail(fd, json_pack("{s:s, s:i, s:s, s:b}", "t", "commit", "seq", 3, "game",
                                     "r1", "delete", 1));
    json_t *f = recv_frame(fd);
    ck_assert_str_eq(frame_type(f), "committed");
    json_decref(f);
    ck_assert(nothing_within(c.chan, 200));
    json_decref(answer);
    close(fd);
    stop_writer(&c);
}
END_TEST

/* The writer sleeps in one commit while two more arrive that together
 * overflow the map: their answers are not relayed, their workers hear
 * `failed`. */
START_TEST(a_failed_commit_is_answered_to_the_worker_only)
{
    static const char *const args[] = { "--map-size", "131072", "--crash-injection", NULL };
    static const char *const env[] = { "ISLANDS_FAULT_INJECTION=1",
                                       "ISLANDS_FAULT_COMMIT_SLEEP_MS=300", NULL };
    struct child c;
    start_writer(&c, args, env);
    int a = writer_connect(), b = writer_connect(), d = writer_connect();
    static char big[60 * 1024 + 1];
    memset(big, 'x', sizeof big - 1);
    json_t *answer = json_pack("{s:s}", "t", "resp");
    send_frame_or_fail(a, commit_with_answer(1, "a", "{}", json_incref(answer)));
    sleep_ms(100);   /* inside a's commit */
    send_frame_or_fail(b, commit_with_answer(2, "b", big, json_incref(answer)));
    send_frame_or_fail(d, commit_with_answer(3, "d", big, json_incref(answer)));
    expect_relay(&c, (long)getpid(), "a", answer);
    for (int i = 0; i < 2; i++) {
        json_t *f = recv_frame(i ? d : b);
        ck_assert_str_eq(frame_type(f), "failed");
        ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(f, "error")),
                                     "MDB_MAP_FULL"));
        json_decref(f);
    }
    ck_assert(nothing_within(c.chan, 200));
    expect_stored("b", NULL);
    expect_stored("d", NULL);
    json_decref(answer);
    close(a);
    close(b);
    close(d);
    stop_writer(&c);
}
END_TEST

START_TEST(a_bad_answer_drops_the_connection_and_stores_nothing)
{
    static const char *const bad[] = {
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"initialized\","
        "\"answer\":\"resp\"}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"initialized\","
        "\"answer\":[1]}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"initialized\","
        "\"answer\":{\"t\":1}x}",
        "{\"t\":\"quarantine\",\"seq\":1,\"game\":\"g\",\"doc\":\"{}\",\"reason\":\"r\","
        "\"answer\":{}}",
    };
    struct child c;
    start_writer(&c, NULL, NULL);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = writer_connect();
        struct isl_buf out;
        isl_buf_init(&out, 0);
        ck_assert_int_eq(isl_frame_put_raw(&out, bad[i], (uint32_t)strlen(bad[i])), 0);
        ck_assert_int_eq(isl_buf_write_fd(&out, fd), 0);
        isl_buf_free(&out);
        json_t *none = NULL;
        ck_assert_msg(isl_frame_recv(fd, &none, 5000) != 0, "answered: %s", bad[i]);
        close(fd);
    }
    ck_assert(nothing_within(c.chan, 100));
    expect_stored("g", NULL);
    stop_writer(&c);
}
END_TEST

static struct child relay_worker(const char *game)
{
    static const char *const relay[] = { "--group-commit", "--relay", NULL };
    struct child w;
    char rules[32];
    worker_start(&w, game, relay, NULL, STDERR_NULL);
    ck_assert_ptr_null(worker_ready(&w, rules));
    return w;
}

/* Send req (stolen) as seq; its answer must come through the writer. */
static json_t *relayed_call(struct child *writer, struct child *w, long long seq, json_t *req)
{
    send_frame_or_fail(w->chan, json_pack("{s:s, s:I, s:o}", "t", "req", "seq",
                                          (json_int_t)seq, "req", req));
    json_t *f = recv_frame(writer->chan);
    ck_assert_str_eq(frame_type(f), "relay");
    ck_assert_int_eq(json_integer_value(json_object_get(f, "pid")), w->pid);
    json_t *answer = json_incref(json_object_get(f, "answer"));
    json_decref(f);
    ck_assert_str_eq(frame_type(answer), "resp");
    ck_assert_int_eq(json_integer_value(json_object_get(answer, "seq")), seq);
    ck_assert(resp_ok(answer));
    return answer;
}

START_TEST(a_relaying_worker_answers_through_the_writer)
{
    struct child wr;
    start_writer(&wr, NULL, NULL);
    struct child w = relay_worker("rw");
    json_t *r = script_req("new_game", "rw");
    json_object_set_new(r, "name", json_string("Ann"));
    json_t *answer = relayed_call(&wr, &w, 1, r);
    ck_assert_str_eq(json_string_value(json_object_get(answer, "rules")), "initialized");
    json_decref(answer);
    ck_assert(nothing_within(w.chan, 100));   /* nothing on its own channel */
    r = script_req("add_player", "rw");
    json_object_set_new(r, "name", json_string("Bob"));
    answer = relayed_call(&wr, &w, 2, r);
    ck_assert_str_eq(json_string_value(json_object_get(answer, "rules")), "players_set");
    json_decref(answer);
    /* The next request builds on the relayed commits: the game has both
     * players, and an error is answered on the worker's own channel. */
    r = script_req("add_player", "rw");
    json_object_set_new(r, "name", json_string("Cy"));
    json_t *f = worker_call(&w, 3, r);
    ck_assert_str_eq(resp_error(f), "not_allowed");
    ck_assert_str_eq(json_string_value(json_object_get(f, "rules")), "players_set");
    json_decref(f);
    f = worker_call(&w, 4, script_req("state", "rw"));
    ck_assert(resp_ok(f));
    json_t *player2 = json_object_get(json_object_get(f, "resp"), "player2");
    ck_assert_str_eq(json_string_value(json_object_get(player2, "name")), "Bob");
    json_decref(f);
    kill(w.pid, SIGTERM);
    ck_assert_int_eq(exit_code(child_wait(&w)), ISL_EXIT_NORMAL);
    stop_writer(&wr);
}
END_TEST

/* SIGTERM while the writer sleeps in the worker's commit: the worker
 * waits for it, so the answer is out before the worker exits. */
START_TEST(a_stopped_worker_waits_for_its_unsettled_commit)
{
    static const char *const args[] = { "--crash-injection", NULL };
    static const char *const env[] = { "ISLANDS_FAULT_INJECTION=1",
                                       "ISLANDS_FAULT_COMMIT_SLEEP_MS=400", NULL };
    struct child wr;
    start_writer(&wr, args, env);
    struct child w = relay_worker("st");
    json_t *r = script_req("new_game", "st");
    json_object_set_new(r, "name", json_string("Ann"));
    send_frame_or_fail(w.chan, json_pack("{s:s, s:i, s:o}", "t", "req", "seq", 1, "req", r));
    ck_assert(child_err_wait(&wr, "point=commit", 5000));   /* the writer sleeps in it */
    kill(w.pid, SIGTERM);
    ck_assert(nothing_within(wr.chan, 100));   /* not committed yet */
    int status = child_wait(&w);
    ck_assert_int_eq(exit_code(status), ISL_EXIT_NORMAL);
    /* It exited after the commit, whose answer was relayed first. */
    struct pollfd p = { .fd = wr.chan, .events = POLLIN };
    ck_assert_int_eq(poll(&p, 1, 0), 1);
    expect_relay(&wr, (long)w.pid, "st", NULL);
    struct isl_store *s = test_store_open(0);
    char *doc = test_store_get(s, "st", NULL);
    ck_assert_ptr_nonnull(doc);
    free(doc);
    isl_store_close(s);
    stop_writer(&wr);
}
END_TEST

/* The writer lost after it committed a worker's end_game (not relayed:
 * the worker answers it itself) but before it said so: the delete is on
 * disk, so the worker must not answer store_error ("nothing changed");
 * it exits unanswered, and the supervisor reports an unknown outcome. */
START_TEST(a_writer_lost_after_committing_is_an_unknown_outcome)
{
    static const char *const args[] = { "--crash-injection", NULL };
    static const char *const env[] = { "ISLANDS_FAULT_INJECTION=1",
                                       "ISLANDS_FAULT_COMMITTED_SLEEP_MS=3000", NULL };
    struct child wr;
    start_writer(&wr, args, env);
    struct child w = relay_worker("eg");
    json_t *r = script_req("new_game", "eg");
    json_object_set_new(r, "name", json_string("Ann"));
    send_frame_or_fail(w.chan, json_pack("{s:s, s:i, s:o}", "t", "req", "seq", 1, "req", r));
    expect_relay(&wr, (long)w.pid, "eg", NULL);   /* after its commit's sleep */
    r = script_req("end_game", "eg");
    json_object_set_new(r, "admin", json_true());
    send_frame_or_fail(w.chan, json_pack("{s:s, s:i, s:o}", "t", "req", "seq", 2, "req", r));
    struct isl_store *s = test_store_open(0);
    char *doc = NULL;
    for (int i = 0; i < 200; i++) {   /* until the delete is stored */
        free(doc);
        if ((doc = test_store_get(s, "eg", NULL)) == NULL)
            break;
        sleep_ms(10);
    }
    ck_assert_ptr_null(doc);
    isl_store_close(s);
    kill(wr.pid, SIGKILL);   /* asleep between its commit and its answer */
    child_wait(&wr);
    /* Its channel ends with nothing on it: no store_error. */
    char byte;
    struct pollfd p = { .fd = w.chan, .events = POLLIN };
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    ssize_t n = recv(w.chan, &byte, 1, 0);
    ck_assert(n == 0 || (n < 0 && errno == ECONNRESET));
    ck_assert_int_eq(exit_code(child_wait(&w)), ISL_EXIT_STORE);
}
END_TEST

/* Does process pid map or hold open anything in the store directory? */
static bool holds_the_store(pid_t pid)
{
    char path[64], line[512], target[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    ck_assert_ptr_nonnull(maps);
    bool held = false;
    while (fgets(line, sizeof line, maps))
        held |= strstr(line, store_dir) != NULL;
    fclose(maps);
    for (int fd = 0; fd < 64; fd++) {
        snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            held |= strstr(target, store_dir) != NULL;
        }
    }
    return held;
}

/* In group commit a worker only reads the store when it adopts its game:
 * then, once idle, it closes LMDB (its lock on lock.mdb would slow every
 * other worker's start) and still serves, through the writer. */
START_TEST(a_group_worker_lets_go_of_the_store_once_loaded)
{
    struct child wr;
    start_writer(&wr, NULL, NULL);
    struct child w;
    static const char *const relay[] = { "--group-commit", "--relay", NULL };
    worker_start(&w, NULL, relay, NULL, STDERR_NULL);
    json_t *f = recv_frame(w.chan);
    ck_assert_str_eq(frame_type(f), "spare");
    json_decref(f);
    ck_assert(holds_the_store(w.pid));   /* a spare keeps it, to load fast */
    send_frame_or_fail(w.chan, json_pack("{s:s, s:s, s:[]}", "t", "adopt", "game", "lg",
                                         "after"));
    char rules[32];
    ck_assert_ptr_null(worker_ready(&w, rules));
    /* Closed once the worker has nothing else to do, so not at once. */
    for (int i = 0; i < 200 && holds_the_store(w.pid); i++)
        sleep_ms(10);
    ck_assert(!holds_the_store(w.pid));
    json_t *r = script_req("new_game", "lg");
    json_object_set_new(r, "name", json_string("Ann"));
    json_decref(relayed_call(&wr, &w, 1, r));
    f = worker_call(&w, 2, script_req("state", "lg"));
    ck_assert(resp_ok(f));
    json_decref(f);
    struct isl_store *s = test_store_open(0);
    char *doc = test_store_get(s, "lg", NULL);
    ck_assert_ptr_nonnull(doc);
    free(doc);
    isl_store_close(s);
    kill(w.pid, SIGTERM);
    ck_assert_int_eq(exit_code(child_wait(&w)), ISL_EXIT_NORMAL);
    stop_writer(&wr);
}
END_TEST

static Suite *relay_suite(void)
{
    Suite *su = suite_create("relay");
    TCase *tc = tcase_create("relay");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_committed_answer_goes_to_the_supervisor_not_the_worker);
    tcase_add_test(tc, a_failed_commit_is_answered_to_the_worker_only);
    tcase_add_test(tc, a_bad_answer_drops_the_connection_and_stores_nothing);
    tcase_add_test(tc, a_relaying_worker_answers_through_the_writer);
    tcase_add_test(tc, a_stopped_worker_waits_for_its_unsettled_commit);
    tcase_add_test(tc, a_writer_lost_after_committing_is_an_unknown_outcome);
    tcase_add_test(tc, a_group_worker_lets_go_of_the_store_once_loaded);
    suite_add_tcase(su, tc);
    return su;
}

ISL_CHECK_MAIN(relay_suite)
