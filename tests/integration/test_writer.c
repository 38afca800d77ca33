/* islands-writer: the index, group commit over writer.sock, batch failure,
 * a writer killed mid-commit, real workers in group-commit mode, and a map
 * filled up under a reader that pins its pages. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "check_main.h"
#include "game_script.h"
#include "islands/clock.h"
#include "islands/exit_status.h"
#include "islands/worker_proto.h"
#include "store_raw.h"
#include "worker_harness.h"

/* Start the writer; collects the index (NULL to drop it) up to `ready`
 * and returns the game count that `ready` reported. */
static long writer_start(struct child *c, const char *const extra[], const char *const env[],
                         enum child_stderr mode, json_t *index, int *chunks)
{
    const char *argv[16] = { "islands-writer", "--store", store_dir };
    size_t n = 3;
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    child_start(c, program_path("ISLANDS_WRITER", "build/islands-writer"), (char *const *)argv,
                env, mode);
    for (int k = 0;; k++) {
        json_t *f = recv_frame(c->chan);
        if (strcmp(frame_type(f), "ready") == 0) {
            long games = (long)json_integer_value(json_object_get(f, "games"));
            json_decref(f);
            if (chunks)
                *chunks = k;
            return games;
        }
        ck_assert_str_eq(frame_type(f), "index");
        json_t *games = json_object_get(f, "games");
        ck_assert_uint_le(json_array_size(games), 1000);
        if (index)
            json_array_extend(index, games);
        json_decref(f);
    }
}

static void send_commit(int fd, long long seq, const char *game, const char *doc)
{
    send_frame_or_fail(fd, json_pack("{s:s, s:I, s:s, s:s, s:s}", "t", "commit", "seq",
                                     (json_int_t)seq, "game", game, "doc", doc, "rules",
                                     "initialized"));
}

/* The writer's answer to seq: 1 committed, 0 failed (error copied). */
static int recv_answer(int fd, long long seq, char *error, size_t errlen)
{
    json_t *f = recv_frame(fd);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "seq")), seq);
    int ok = strcmp(frame_type(f), "committed") == 0;
    if (!ok) {
        ck_assert_str_eq(frame_type(f), "failed");
        if (error)
            snprintf(error, errlen, "%s", json_string_value(json_object_get(f, "error")));
    }
    json_decref(f);
    return ok;
}

/* SIGTERM: the writer exits normally. */
static void writer_stop(struct child *c)
{
    kill(c->pid, SIGTERM);
    ck_assert_int_eq(exit_code(child_wait(c)), ISL_EXIT_NORMAL);
}

static void assert_stored(struct isl_store *s, const char *game, const char *doc)
{
    char *got = test_store_get(s, game, NULL);
    if (!doc) {
        ck_assert_ptr_null(got);
        return;
    }
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, doc);
    free(got);
}

START_TEST(index_in_chunks)
{
    enum { GAMES = 2500 };
    struct isl_store *s = test_store_open(0);
    static struct isl_store_write w[GAMES];
    static char names[GAMES][16];
    for (int i = 0; i < GAMES; i++) {
        snprintf(names[i], sizeof names[i], "g%05d", i);
        w[i] = (struct isl_store_write){ .kind = ISL_WRITE_PUT, .game = names[i], .doc = "{}",
                                         .doc_len = 2,
                                         .rules = i % 2 ? "game_over" : "player1_turn" };
    }
    char err[256];
    ck_assert_int_eq(isl_store_commit(s, w, GAMES, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);

    struct child c;
    json_t *index = json_array();
    int chunks;
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, index, &chunks), GAMES);
    ck_assert_int_eq(chunks, 3);
    ck_assert_uint_eq(json_array_size(index), GAMES);
    for (int i = 0; i < GAMES; i++) {
        json_t *e = json_array_get(index, (size_t)i);
        ck_assert_str_eq(json_string_value(json_array_get(e, 0)), names[i]);
        ck_assert_str_eq(json_string_value(json_array_get(e, 1)), w[i].rules);
    }
    json_decref(index);
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/writer.sock", store_dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    /* The supervisor closing the channel stops the writer. */
    close(c.chan);
    c.chan = -1;
    ck_assert_int_eq(exit_code(child_wait(&c)), ISL_EXIT_NORMAL);
}
END_TEST

/* The supervisor's liveness check: a ping is answered with its number;
 * anything else from the supervisor is a broken peer (exit 1). */
START_TEST(pings_are_answered_and_nothing_else_is_taken)
{
    struct child c;
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL), 0);
    for (int n = 1; n <= 3; n++) {
        send_frame_or_fail(c.chan, json_pack("{s:s, s:i}", "t", "ping", "n", n));
        json_t *f = recv_frame(c.chan);
        ck_assert_str_eq(frame_type(f), "pong");
        ck_assert_int_eq(json_integer_value(json_object_get(f, "n")), n);
        json_decref(f);
    }
    send_frame_or_fail(c.chan, json_pack("{s:s, s:s}", "t", "ping", "n", "one"));
    ck_assert_int_eq(exit_code(child_wait(&c)), EXIT_FAILURE);
}
END_TEST

static int time_of_g1(void *arg, const struct isl_store_entry *e)
{
    if (strcmp(e->game, "g1") == 0 && e->has_time)
        *(int64_t *)arg = e->active_ms;
    return 0;
}

static json_t *touch_frame(size_t games, const char *name, json_int_t ms)
{
    json_t *list = json_array();
    char other[16];
    for (size_t i = 1; i < games; i++) {
        snprintf(other, sizeof other, "ghost%04zu", i);
        json_array_append_new(list, json_pack("[s, I]", other, (json_int_t)1796000000000));
    }
    json_array_append_new(list, json_pack("[s, I]", name, ms));
    return json_pack("{s:s, s:o}", "t", "touch", "games", list);
}

/* The supervisor's touches (docs/STORE.md): a full frame of them moves
 * the stored time of the games that exist, creates nothing, and is taken
 * before the next ping; a malformed one is a broken peer. */
START_TEST(touches_move_stored_times)
{
    struct isl_store *s = test_store_open(0);
    struct isl_store_write w = { .kind = ISL_WRITE_PUT, .game = "g1", .doc = "{}", .doc_len = 2,
                                 .rules = "player1_turn" };
    char err[256];
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);
    const json_int_t later = isl_wall_ms() + 3600 * 1000;
    struct child c;
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL), 1);
    send_frame_or_fail(c.chan, touch_frame(1000, "g1", later));
    send_frame_or_fail(c.chan, json_pack("{s:s, s:i}", "t", "ping", "n", 1));
    json_t *f = recv_frame(c.chan);
    ck_assert_str_eq(frame_type(f), "pong");
    json_decref(f);
    writer_stop(&c);
    s = test_store_open(0);
    int64_t stored = -1;
    ck_assert_int_eq(isl_store_scan(s, time_of_g1, &stored, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(stored, later);
    struct isl_store_stats st;
    ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_eq(st.games, 1);
    isl_store_close(s);

    json_t *bad[] = {
        touch_frame(1001, "g1", later),
        touch_frame(1, "bad name", later),
        touch_frame(1, "g1", -1),
        json_pack("{s:s, s:[[s, I]], s:b}", "t", "touch", "games", "g1", later, "x", 1),
        json_pack("{s:s, s:[]}", "t", "touch", "games"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL), 1);
        send_frame_or_fail(c.chan, bad[i]);
        ck_assert_msg(exit_code(child_wait(&c)) == EXIT_FAILURE, "bad touch frame %zu taken", i);
    }
}
END_TEST

START_TEST(every_ack_follows_the_commit)
{
    enum { CONNS = 8, ROUNDS = 40 };
    struct child c;
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL), 0);
    struct isl_store *s = test_store_open(0);
    int fd[CONNS];
    char game[32], doc[64];
    for (int i = 0; i < CONNS; i++)
        fd[i] = writer_connect();
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < CONNS; i++) {   /* all in flight together */
            snprintf(game, sizeof game, "c%d", i);
            snprintf(doc, sizeof doc, "{\"round\":%d}", r);
            send_commit(fd[i], r, game, doc);
        }
        for (int i = 0; i < CONNS; i++) {
            ck_assert(recv_answer(fd[i], r, NULL, 0));
            snprintf(game, sizeof game, "c%d", i);
            snprintf(doc, sizeof doc, "{\"round\":%d}", r);
            assert_stored(s, game, doc);   /* visible to another reader now */
        }
    }
    /* Two writes for one game in one read: both acknowledged, the later wins. */
    struct isl_buf two;
    isl_buf_init(&two, 0);
    for (int k = 0; k < 2; k++) {
        json_t *f = json_pack("{s:s, s:i, s:s, s:s, s:s}", "t", "commit", "seq", 100 + k,
                              "game", "same", "doc", k ? "{\"v\":2}" : "{\"v\":1}", "rules",
                              "initialized");
        isl_frame_put(&two, f);
        json_decref(f);
    }
    ck_assert_int_eq(isl_buf_write_fd(&two, fd[0]), 0);
    isl_buf_free(&two);
    ck_assert(recv_answer(fd[0], 100, NULL, 0));
    ck_assert(recv_answer(fd[0], 101, NULL, 0));
    assert_stored(s, "same", "{\"v\":2}");
    /* Deletes, and quarantine frames. */
    send_frame_or_fail(fd[1], json_pack("{s:s, s:i, s:s, s:b}", "t", "commit", "seq", 200,
                                        "game", "c1", "delete", 1));
    ck_assert(recv_answer(fd[1], 200, NULL, 0));
    assert_stored(s, "c1", NULL);
    send_frame_or_fail(fd[1], json_pack("{s:s, s:i, s:s, s:s, s:s}", "t", "quarantine", "seq",
                                        201, "game", "q", "doc_hex", "ff00", "reason", "r"));
    ck_assert(recv_answer(fd[1], 201, NULL, 0));
    char *q, err[256];
    size_t len;
    ck_assert_int_eq(isl_store_load_quarantine(s, "q", &q, &len, err, sizeof err),
                     ISL_STORE_OK);
    ck_assert_str_eq(q, "{\"doc_hex\":\"ff00\",\"reason\":\"r\"}");
    free(q);
    /* A bad frame drops that connection only. */
    send_frame_or_fail(fd[2], json_pack("{s:s, s:i, s:s}", "t", "commit", "seq", 1, "game",
                                        "no/slash"));
    json_t *none;
    ck_assert_int_ne(isl_frame_recv(fd[2], &none, 5000), 0);
    send_commit(fd[3], 300, "after", "{}");
    ck_assert(recv_answer(fd[3], 300, NULL, 0));
    for (int i = 0; i < CONNS; i++)
        close(fd[i]);
    isl_store_close(s);
    writer_stop(&c);
}
END_TEST

/* Several new workers ask for a fence at once while their predecessors'
 * connections close with a last commit still unread: each fence is
 * answered only once those commits are stored, and the writer lives on
 * (a fence reads other connections, which may hold a fence or be gone). */
START_TEST(simultaneous_fences_while_predecessors_close)
{
    enum { ROUNDS = 60, PAIRS = 4 };
    struct child c;
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL), 0);
    struct isl_store *s = test_store_open(0);
    char game[PAIRS][32], doc[64];
    for (int i = 0; i < PAIRS; i++)
        snprintf(game[i], sizeof game[i], "f%d", i);
    for (int r = 0; r < ROUNDS; r++) {
        int dead[PAIRS], fresh[PAIRS];
        snprintf(doc, sizeof doc, "{\"round\":%d}", r);
        for (int i = 0; i < PAIRS; i++) {
            dead[i] = writer_connect();
            fresh[i] = writer_connect();
        }
        for (int i = 0; i < PAIRS; i++) {
            send_commit(dead[i], r, game[i], doc);
            close(dead[i]);
        }
        for (int i = 0; i < PAIRS; i++)
            send_frame_or_fail(fresh[i], json_pack("{s:s}", "t", "fence"));
        for (int i = 0; i < PAIRS; i++) {
            json_t *f = recv_frame(fresh[i]);
            ck_assert_str_eq(frame_type(f), "fenced");
            json_decref(f);
        }
        for (int i = 0; i < PAIRS; i++) {
            assert_stored(s, game[i], doc);
            close(fresh[i]);
        }
    }
    isl_store_close(s);
    writer_stop(&c);
}
END_TEST

/* A fence that names a dead process reads that process's connection: the
 * commit it left unread is stored before `fenced`. A fence whose list is
 * not a short list of pids drops its connection. */
START_TEST(a_fence_names_the_dead_workers_it_waits_for)
{
    struct child c;
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL), 0);
    struct isl_store *s = test_store_open(0);
    for (int r = 0; r < 20; r++) {
        char doc[64];
        snprintf(doc, sizeof doc, "{\"round\":%d}", r);
        pid_t dead = fork();
        ck_assert_int_ge(dead, 0);
        if (dead == 0) {   /* a worker's last commit, then gone */
            int fd = writer_connect();
            send_commit(fd, 1, "named", doc);
            _exit(0);
        }
        ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
        int fresh = writer_connect();
        send_frame_or_fail(fresh, json_pack("{s:s, s:[i]}", "t", "fence", "after", (int)dead));
        json_t *f = recv_frame(fresh);
        ck_assert_str_eq(frame_type(f), "fenced");
        json_decref(f);
        assert_stored(s, "named", doc);
        close(fresh);
    }
    static const char *const bad[] = {"\"x\"", "[0]", "[1.5]", "[\"1\"]",
                                      "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = writer_connect();
        char text[128];
        snprintf(text, sizeof text, "{\"t\":\"fence\",\"after\":%s}", bad[i]);
        send_frame_or_fail(fd, json_loads(text, 0, NULL));
        json_t *none;
        ck_assert_msg(isl_frame_recv(fd, &none, 5000) != 0, "fence after %s answered", bad[i]);
        close(fd);
    }
    isl_store_close(s);
    writer_stop(&c);
}
END_TEST

/* While the writer sleeps inside one commit, two writes arrive; together
 * they overflow the map, so their shared transaction fails them both. */
START_TEST(a_failed_batch_fails_every_write)
{
    static const char *const args[] = { "--map-size", "131072", "--crash-injection", NULL };
    static const char *const env[] = { "ISLANDS_FAULT_INJECTION=1",
                                       "ISLANDS_FAULT_COMMIT_SLEEP_MS=300", NULL };
    struct child c;
    writer_start(&c, args, env, STDERR_PIPE, NULL, NULL);
    int a = writer_connect(), b = writer_connect(), d = writer_connect();
    static char big[60 * 1024 + 1];
    memset(big, 'x', sizeof big - 1);
    child_err_drain(&c);
    send_commit(a, 1, "a", "{}");
    ck_assert(child_err_wait(&c, "point=commit", 10000));
    send_commit(b, 2, "b", big);
    send_commit(d, 3, "d", big);
    ck_assert(recv_answer(a, 1, NULL, 0));
    char err_b[256], err_d[256];
    ck_assert(!recv_answer(b, 2, err_b, sizeof err_b));
    ck_assert(!recv_answer(d, 3, err_d, sizeof err_d));
    ck_assert_ptr_nonnull(strstr(err_b, "MDB_MAP_FULL"));
    ck_assert_str_eq(err_b, err_d);
    /* Alone, the same write fits: it failed only with its batch. */
    send_commit(b, 4, "b", big);
    ck_assert(recv_answer(b, 4, NULL, 0));
    close(a);
    close(b);
    close(d);
    child_kill(&c);
    struct isl_store *s = test_store_open(0);
    assert_stored(s, "a", "{}");
    assert_stored(s, "d", NULL);
    assert_stored(s, "b", big);
    isl_store_close(s);
}
END_TEST

START_TEST(writer_killed_mid_commit_leaves_the_store_consistent)
{
    static const char *const args[] = { "--crash-injection", NULL };
    static const char *const env[] = { "ISLANDS_FAULT_INJECTION=1",
                                       "ISLANDS_FAULT_COMMIT_SLEEP_MS=100", NULL };
    struct child c;
    writer_start(&c, args, env, STDERR_PIPE, NULL, NULL);
    int fd = writer_connect();
    send_commit(fd, 1, "k1", "{\"k\":1}");
    ck_assert(recv_answer(fd, 1, NULL, 0));
    child_err_drain(&c);
    send_commit(fd, 2, "k2", "{\"k\":2}");
    ck_assert(child_err_wait(&c, "point=commit", 10000));   /* holds the write lock */
    child_kill(&c);
    json_t *none;
    ck_assert_int_ne(isl_frame_recv(fd, &none, 5000), 0);   /* no answer, ever */
    close(fd);

    /* A new writer gets the lock back and sees the acknowledged write only. */
    json_t *index = json_array();
    ck_assert_int_eq(writer_start(&c, NULL, NULL, STDERR_NULL, index, NULL), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(index, 0), 0)), "k1");
    json_decref(index);
    fd = writer_connect();
    send_commit(fd, 3, "k3", "{\"k\":3}");
    ck_assert(recv_answer(fd, 3, NULL, 0));
    close(fd);
    struct isl_store *s = test_store_open(0);
    assert_stored(s, "k1", "{\"k\":1}");
    assert_stored(s, "k2", NULL);
    assert_stored(s, "k3", "{\"k\":3}");
    isl_store_close(s);
    child_kill(&c);
}
END_TEST

/* Real workers in group-commit mode: each answer comes after its document
 * is in LMDB; a corrupt record is quarantined through the writer; when the
 * writer goes, the workers go too. */
START_TEST(workers_commit_through_the_writer)
{
    enum { WORKERS = 4 };
    static const char *const group[] = { "--group-commit", NULL };
    struct child wr, c[WORKERS];
    struct script_game g[WORKERS];
    long long seq[WORKERS];
    char rules[32];
    struct isl_store *s = test_store_open(0);
    test_store_put(s, "broken", "[]", 2);
    writer_start(&wr, NULL, NULL, STDERR_NULL, NULL, NULL);
    for (int i = 0; i < WORKERS; i++) {
        snprintf(g[i].game, sizeof g[i].game, "w%d", i);
        seq[i] = 1;
        worker_start(&c[i], NULL, group, NULL, STDERR_NULL);
        json_t *f = recv_frame(c[i].chan);
        ck_assert_str_eq(frame_type(f), "spare");
        json_decref(f);
        send_frame_or_fail(c[i].chan, json_pack("{s:s, s:s}", "t", "adopt", "game", g[i].game));
        ck_assert_ptr_null(worker_ready(&c[i], rules));
    }
    for (int i = 0; i < WORKERS; i++)
        script_setup(&c[i], &seq[i], &g[i], 7);
    for (int n = 0; n < 6; n++) {
        for (int i = 0; i < WORKERS; i++) {   /* every worker has one in flight */
            json_t *f = json_pack("{s:s, s:I, s:o}", "t", "req", "seq", (json_int_t)seq[i]++,
                                  "req", script_guess_req(&g[i], n));
            send_frame_or_fail(c[i].chan, f);
        }
        for (int i = 0; i < WORKERS; i++) {
            json_t *f = recv_frame(c[i].chan);
            ck_assert(resp_ok(f));
            json_decref(f);
            size_t len;
            char *doc = test_store_get(s, g[i].game, &len), err[256];
            struct isl_game stored;
            ck_assert_int_eq(isl_codec_load(doc, len, &stored, err, sizeof err), 0);
            free(doc);
            json_t *view = isl_codec_state_view(&stored, ISL_VIEW_ADMIN);
            json_t *expected = script_expected(&g[i], n + 1);
            ck_assert(json_equal(view, expected));
            json_decref(view);
            json_decref(expected);
        }
    }
    struct child bad;
    worker_start(&bad, "broken", group, NULL, STDERR_NULL);
    ck_assert_int_eq(exit_code(child_wait(&bad)), ISL_EXIT_CORRUPT);
    size_t len;
    char *q, err[256];
    ck_assert_int_eq(isl_store_load_quarantine(s, "broken", &q, &len, err, sizeof err),
                     ISL_STORE_OK);
    free(q);
    assert_stored(s, "broken", "[]");

    child_kill(&wr);
    for (int i = 0; i < WORKERS; i++)
        ck_assert_int_eq(exit_code(child_wait(&c[i])), ISL_EXIT_STORE);
    isl_store_close(s);
}
END_TEST

/* The lowest descriptor number free in process pid: a soft RLIMIT_NOFILE
 * of that makes its next open or accept fail with EMFILE. */
static rlim_t lowest_free_fd(pid_t pid)
{
    char path[64];
    for (rlim_t fd = 0;; fd++) {
        snprintf(path, sizeof path, "/proc/%d/fd/%llu", (int)pid, (unsigned long long)fd);
        if (access(path, F_OK) < 0)
            return fd;
    }
}

/* How often marker shows in the child's stderr over the next ms. */
static int count_in_stderr(struct child *c, const char *marker, int ms)
{
    size_t keep = strlen(marker) - 1;
    char buf[65536];
    size_t len = 0;
    int count = 0;
    uint64_t start_ms = isl_monotonic_ms();
    for (;;) {
        long left = ms - (long)(isl_monotonic_ms() - start_ms);
        struct pollfd p = { .fd = c->err, .events = POLLIN };
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return count;
        ssize_t n = read(c->err, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return count;
        len += (size_t)n;
        buf[len] = '\0';
        for (const char *at = buf; (at = strstr(at, marker)) != NULL; at += keep + 1)
            count++;
        if (len > keep) {   /* a marker cut in two by a read is counted once */
            memmove(buf, buf + len - keep, keep);
            len = keep;
        }
    }
}

/* Out of descriptors, the writer stops accepting for a while instead of
 * retrying at once for ever (each try a log line): waiting workers stay
 * in the listen queue, the supervisor is still answered, and once
 * descriptors are back every waiting commit is served. */
START_TEST(out_of_fds_the_writer_pauses_accepting)
{
    enum { WAITING = 3 };
    struct child c;
    writer_start(&c, NULL, NULL, STDERR_PIPE, NULL, NULL);
    struct rlimit old, low;
    ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, NULL, &old), 0);
    low = (struct rlimit){ .rlim_cur = lowest_free_fd(c.pid), .rlim_max = old.rlim_max };
    ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, &low, NULL), 0);
    int fd[WAITING];
    char game[16];
    for (int i = 0; i < WAITING; i++) {
        fd[i] = writer_connect();   /* into the listen queue */
        snprintf(game, sizeof game, "q%d", i);
        send_commit(fd[i], i, game, "{}");
    }
    /* About one line per 100 ms pause; a writer that spins logs thousands. */
    int lines = count_in_stderr(&c, "event=accept_failed", 1000);
    ck_assert_int_ge(lines, 1);
    ck_assert_int_le(lines, 20);
    send_frame_or_fail(c.chan, json_pack("{s:s, s:i}", "t", "ping", "n", 7));
    json_t *f = recv_frame(c.chan);
    ck_assert_str_eq(frame_type(f), "pong");
    json_decref(f);
    json_t *none;
    ck_assert_int_ne(isl_frame_recv(fd[0], &none, 100), 0);   /* not accepted yet */

    ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, &old, NULL), 0);
    for (int i = 0; i < WAITING; i++) {
        ck_assert(recv_answer(fd[i], i, NULL, 0));
        close(fd[i]);
    }
    int later = writer_connect();
    send_commit(later, 9, "later", "{}");
    ck_assert(recv_answer(later, 9, NULL, 0));
    close(later);
    struct isl_store *s = test_store_open(0);
    assert_stored(s, "q0", "{}");
    assert_stored(s, "later", "{}");
    isl_store_close(s);
    writer_stop(&c);
}
END_TEST

/* A fence is not answered while the dead worker it names may still wait,
 * unaccepted, in the listen queue: out of descriptors, the fence waits
 * until its predecessor's last write is read and committed. */
START_TEST(out_of_fds_a_fence_waits_for_the_listen_queue)
{
    struct child c;
    writer_start(&c, NULL, NULL, STDERR_NULL, NULL, NULL);
    int successor = writer_connect();
    send_commit(successor, 1, "other", "{}");
    ck_assert(recv_answer(successor, 1, NULL, 0));   /* accepted before the limit */
    struct rlimit old, low;
    ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, NULL, &old), 0);
    low = (struct rlimit){ .rlim_cur = lowest_free_fd(c.pid), .rlim_max = old.rlim_max };
    ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, &low, NULL), 0);
    pid_t dead = fork();
    ck_assert_int_ge(dead, 0);
    if (dead == 0) {   /* a worker's last commit, then gone */
        int fd = writer_connect();
        send_commit(fd, 1, "g", "{\"by\":\"predecessor\"}");
        _exit(0);
    }
    ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
    send_frame_or_fail(successor, json_pack("{s:s, s:[i]}", "t", "fence", "after", (int)dead));
    json_t *early = NULL;
    ck_assert_msg(isl_frame_recv(successor, &early, 400) != 0,
                  "fenced while the predecessor's connection waits to be accepted");

    ck_assert_int_eq(prlimit(c.pid, RLIMIT_NOFILE, &old, NULL), 0);
    json_t *f = recv_frame(successor);
    ck_assert_str_eq(frame_type(f), "fenced");
    json_decref(f);
    struct isl_store *s = test_store_open(0);
    assert_stored(s, "g", "{\"by\":\"predecessor\"}");
    send_commit(successor, 2, "g", "{\"by\":\"successor\"}");
    ck_assert(recv_answer(successor, 2, NULL, 0));
    writer_stop(&c);
    assert_stored(s, "g", "{\"by\":\"successor\"}");
    isl_store_close(s);
    close(successor);
}
END_TEST

#define SMALL_MAP_BYTES 262144
#define SMALL_MAP "262144"   /* the same, for the writer's command line */

/* Commit new records through the writer until the map is full: even a
 * delete fails then. Returns the next seq. */
static long long fill_map(int fd, long long seq)
{
    char error[256] = "";
    for (int i = 0; i < 10000; i++) {
        char game[32];
        snprintf(game, sizeof game, "fill%d", i);
        send_commit(fd, seq, game, "{}");
        if (!recv_answer(fd, seq++, error, sizeof error))
            break;
    }
    ck_assert_msg(strstr(error, "MDB_MAP_FULL"), "the map never filled: %s", error);
    send_frame_or_fail(fd, json_pack("{s:s, s:I, s:s, s:b}", "t", "commit", "seq",
                                     (json_int_t)seq, "game", "fill0", "delete", 1));
    ck_assert_msg(!recv_answer(fd, seq++, error, sizeof error), "a delete still fitted");
    return seq;
}

/* A group-commit worker for g, ended after game_timeout seconds idle,
 * with the game created (the writer is running). */
static void start_idle_game(struct child *c, const char *game_timeout, struct script_game *g,
                            long long *seq)
{
    const char *const args[] = { "--group-commit", "--game-timeout", game_timeout, NULL };
    char rules[32];
    worker_start(c, g->game, args, NULL, STDERR_PIPE);
    worker_ready(c, rules);
    script_setup(c, seq, g, 1);
}

/* The game's own idle timeout cannot delete it (the map is full: a reader
 * pins its pages, as a running mdb_copy does): the worker keeps the game
 * and serves it, tries again later, and ends the game once the delete
 * goes through. It used to exit 66, which islandsd counts as a crash: two
 * such games in 5 s made it give up. */
START_TEST(a_failed_timeout_delete_keeps_the_game_and_is_tried_again)
{
    static const char *const small_map[] = { "--map-size", SMALL_MAP, "--sync", "none", NULL };
    struct child wr, c;
    struct script_game g = { .game = "idle" };
    long long seq = 1;
    writer_start(&wr, small_map, NULL, STDERR_NULL, NULL, NULL);
    start_idle_game(&c, "2", &g, &seq);

    pid_t reader = store_raw_pin_reader(store_dir);
    int fd = writer_connect();
    fill_map(fd, 1);
    json_t *before = script_admin_state(&c, &seq, g.game);   /* the timeout counts from here */

    ck_assert_msg(child_err_wait(&c, "event=timeout_delete_failed", 10000),
                  "no failed delete: %s", c.errbuf);
    ck_assert_ptr_nonnull(strstr(c.errbuf, "MDB_MAP_FULL"));
    child_err_drain(&c);
    json_t *after = script_admin_state(&c, &seq, g.game);   /* served as usual */
    ck_assert(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    /* That request was activity: the next try comes a game_timeout later. */
    ck_assert(child_err_wait(&c, "event=timeout_delete_failed", 10000));

    /* Room again (this process clears the dead reader's slot as it opens
     * the store): the next try, with no request meanwhile, ends the game. */
    store_raw_kill_reader(reader);
    isl_store_close(test_store_open(SMALL_MAP_BYTES));
    ck_assert_int_eq(exit_code(child_wait(&c)), ISL_EXIT_GAME_ENDED);
    struct isl_store *s = test_store_open(SMALL_MAP_BYTES);
    ck_assert_ptr_null(test_store_get(s, g.game, NULL));
    isl_store_close(s);
    close(fd);
    child_kill(&wr);
}
END_TEST

/* A lost writer is the one failure the worker cannot serve on from: the
 * delete may be on disk, so it exits 66 and islandsd restarts it all. */
START_TEST(a_timeout_delete_cut_off_by_a_lost_writer_exits)
{
    static const char *const args[] = { "--crash-injection", NULL };
    static const char *const slow_commits[] = { "ISLANDS_FAULT_INJECTION=1",
                                                "ISLANDS_FAULT_COMMIT_SLEEP_MS=2000", NULL };
    struct child wr, c;
    struct script_game g = { .game = "idle" };
    long long seq = 1;
    writer_start(&wr, args, slow_commits, STDERR_PIPE, NULL, NULL);
    start_idle_game(&c, "0.5", &g, &seq);
    child_err_drain(&wr);
    ck_assert(child_err_wait(&wr, "point=commit", 10000));   /* the delete, in hand */
    child_kill(&wr);
    ck_assert_int_eq(exit_code(child_wait(&c)), ISL_EXIT_STORE);
}
END_TEST

/* The writer (stderr piped) with one record committed, so that the
 * databases exist before a reader opens the store; returns a connection
 * to it, whose next seq is 2. */
static int writer_with_a_record(struct child *c, const char *const extra[])
{
    writer_start(c, extra, NULL, STDERR_PIPE, NULL, NULL);
    int fd = writer_connect();
    send_commit(fd, 1, "first", "{}");
    ck_assert(recv_answer(fd, 1, NULL, 0));
    return fd;
}

/* A backup killed inside its read transaction (Ctrl-C, the OOM killer)
 * leaves its reader slot, which pins every page freed since: the map fills
 * up. Once the reader is dead, the next commit goes through, with no other
 * process opening the store (it used to take a worker's start to clear the
 * slot: every commit failed until then). */
START_TEST(a_map_full_of_pages_a_dead_reader_pinned_is_freed_at_the_next_commit)
{
    static const char *const small_map[] = { "--map-size", SMALL_MAP, "--sync", "none", NULL };
    struct child c;
    int fd = writer_with_a_record(&c, small_map);
    pid_t reader = store_raw_pin_reader(store_dir);
    long long seq = fill_map(fd, 2);

    store_raw_kill_reader(reader);
    char error[256];
    send_commit(fd, seq, "after", "{}");
    ck_assert_msg(recv_answer(fd, seq, error, sizeof error), "after the reader died: %s", error);
    ck_assert(child_err_wait(&c, "stale_slots_cleared=1", 1000));
    close(fd);
    writer_stop(&c);
    struct isl_store *s = test_store_open(SMALL_MAP_BYTES);
    assert_stored(s, "after", "{}");
    isl_store_close(s);
}
END_TEST

/* Nor does the writer wait for a full map: a dead reader's slot is cleared
 * within seconds, with no commit at all. */
START_TEST(a_dead_readers_slot_is_cleared_while_the_writer_is_idle)
{
    struct child c;
    int fd = writer_with_a_record(&c, NULL);
    store_raw_kill_reader(store_raw_pin_reader(store_dir));
    ck_assert_msg(child_err_wait(&c, "stale_slots_cleared=1", 10000), "not cleared: %s",
                  c.errbuf);
    close(fd);
    writer_stop(&c);
}
END_TEST

static Suite *writer_suite(void)
{
    Suite *su = suite_create("writer");
    TCase *tc = tcase_create("writer");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, index_in_chunks);
    tcase_add_test(tc, pings_are_answered_and_nothing_else_is_taken);
    tcase_add_test(tc, touches_move_stored_times);
    tcase_add_test(tc, every_ack_follows_the_commit);
    tcase_add_test(tc, simultaneous_fences_while_predecessors_close);
    tcase_add_test(tc, a_fence_names_the_dead_workers_it_waits_for);
    tcase_add_test(tc, a_failed_batch_fails_every_write);
    tcase_add_test(tc, writer_killed_mid_commit_leaves_the_store_consistent);
    tcase_add_test(tc, workers_commit_through_the_writer);
    tcase_add_test(tc, out_of_fds_the_writer_pauses_accepting);
    tcase_add_test(tc, out_of_fds_a_fence_waits_for_the_listen_queue);
    tcase_add_test(tc, a_failed_timeout_delete_keeps_the_game_and_is_tried_again);
    tcase_add_test(tc, a_timeout_delete_cut_off_by_a_lost_writer_exits);
    tcase_add_test(tc, a_map_full_of_pages_a_dead_reader_pinned_is_freed_at_the_next_commit);
    tcase_add_test(tc, a_dead_readers_slot_is_cleared_while_the_writer_is_idle);
    suite_add_tcase(su, tc);
    return su;
}

ISL_CHECK_MAIN(writer_suite)
