/* islands-writer reads commit frames byte for byte: the committer's own
 * layout (its fast path) and any other valid layout give the same stored
 * bytes, and a frame in that layout with a bad value is still refused. */
#include <sys/un.h>

#include "check_main.h"
#include "islands/exit_status.h"
#include "islands/worker_proto.h"
#include "worker_harness.h"

static void start_writer(struct child *c)
{
    const char *argv[] = { "islands-writer", "--store", store_dir, "--sync", "none", NULL };
    child_start(c, program_path("ISLANDS_WRITER", "build/islands-writer"), (char *const *)argv,
                NULL, STDERR_NULL);
    json_t *f = recv_frame(c->chan);
    ck_assert_str_eq(frame_type(f), "ready");
    json_decref(f);
}

static void send_raw(int fd, const char *payload)
{
    struct isl_buf out;
    isl_buf_init(&out, 0);
    ck_assert_int_eq(isl_frame_put_raw(&out, payload, (uint32_t)strlen(payload)), 0);
    ck_assert_int_eq(isl_buf_write_fd(&out, fd), 0);
    isl_buf_free(&out);
}

static void expect_committed(int fd, long long seq)
{
    json_t *f = recv_frame(fd);
    ck_assert_str_eq(frame_type(f), "committed");
    ck_assert_int_eq(json_integer_value(json_object_get(f, "seq")), seq);
    json_decref(f);
}

static void expect_dropped(int fd)
{
    json_t *none = NULL;
    ck_assert_int_ne(isl_frame_recv(fd, &none, 5000), 0);
    close(fd);
}

static void expect_stored(const char *game, const char *doc, size_t doc_len)
{
    struct isl_store *s = test_store_open(0);
    size_t len;
    char *got = test_store_get(s, game, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, doc_len);
    ck_assert_mem_eq(got, doc, doc_len);
    free(got);
    isl_store_close(s);
}

START_TEST(every_layout_stores_the_same_bytes)
{
    struct child c;
    start_writer(&c);
    int fd = writer_connect();
    static const char doc[] = "{\"n\":\"a\\\"b\\\\c\x01\x1f\"}";
    /* The committer's layout, with every escape it writes. */
    send_raw(fd, "{\"t\":\"commit\",\"seq\":7,\"game\":\"g.1\",\"doc\":"
                 "\"{\\\"n\\\":\\\"a\\\\\\\"b\\\\\\\\c\\u0001\\u001F\\\"}\","
                 "\"rules\":\"player1_turn\"}");
    expect_committed(fd, 7);
    expect_stored("g.1", doc, sizeof doc - 1);
    /* Other valid layouts: spaces, other key order, other escapes, UTF-8. */
    send_raw(fd, "{ \"seq\" : 8, \"t\":\"commit\", \"rules\":\"initialized\", \"game\":\"g2\","
                 " \"doc\":\"\\u007b\\/\xc3\xa9}\" }");
    expect_committed(fd, 8);
    expect_stored("g2", "{/\xc3\xa9}", 5);
    send_raw(fd, "{\"t\":\"commit\",\"seq\":-0,\"game\":\"g2\",\"delete\":true}");
    expect_committed(fd, 0);
    send_raw(fd, "{\"t\":\"commit\",\"seq\":123456789012345678,\"game\":\"g3\","
                 "\"doc\":\"{}\",\"rules\":\"game_over\"}");
    expect_committed(fd, 123456789012345678LL);
    expect_stored("g3", "{}", 2);
    close(fd);
    kill(c.pid, SIGTERM);
    ck_assert_int_eq(exit_code(child_wait(&c)), ISL_EXIT_NORMAL);
}
END_TEST

START_TEST(bad_values_in_the_fast_layout_are_refused)
{
    static const char *const bad[] = {
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"no space\",\"doc\":\"{}\",\"rules\":\"initialized\"}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"nonsense\"}",
        "{\"t\":\"commit\",\"seq\":01,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"initialized\"}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"\\u0000\",\"rules\":\"initialized\"}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"\\x\",\"rules\":\"initialized\"}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"initialized\"}x",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"doc\":\"\xff\",\"rules\":\"initialized\"}",
        "{\"t\":\"commit\",\"seq\":1,\"game\":\"g\",\"delete\":false}",
    };
    struct child c;
    start_writer(&c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = writer_connect();
        send_raw(fd, bad[i]);
        expect_dropped(fd);
    }
    int fd = writer_connect();   /* the writer itself carries on */
    send_raw(fd, "{\"t\":\"commit\",\"seq\":2,\"game\":\"g\",\"doc\":\"{}\",\"rules\":\"initialized\"}");
    expect_committed(fd, 2);
    close(fd);
    kill(c.pid, SIGTERM);
    ck_assert_int_eq(exit_code(child_wait(&c)), ISL_EXIT_NORMAL);
}
END_TEST

static Suite *writer_frames_suite(void)
{
    Suite *su = suite_create("writer_frames");
    TCase *tc = tcase_create("writer_frames");
    tcase_add_checked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, every_layout_stores_the_same_bytes);
    tcase_add_test(tc, bad_values_in_the_fast_layout_are_refused);
    suite_add_tcase(su, tc);
    return su;
}

ISL_CHECK_MAIN(writer_frames_suite)
