/* Byte buffers and length-prefixed JSON frames. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/frame.h"

/* ---------------------------------------------------------------- buffers */

START_TEST(buf_cap)
{
    struct isl_buf b;
    isl_buf_init(&b, 10);
    ck_assert_int_eq(isl_buf_append(&b, "0123456789", 10), 0);
    ck_assert_int_eq(isl_buf_append(&b, "x", 1), -1);
    ck_assert_uint_eq(b.len, 10);
    isl_buf_consume(&b, 3);
    ck_assert_uint_eq(b.len, 7);
    ck_assert_int_eq(memcmp(isl_buf_head(&b), "3456789", 7), 0);
    ck_assert_int_eq(isl_buf_append(&b, "abcd", 4), -1);
    ck_assert_int_eq(isl_buf_append(&b, "abc", 3), 0);
    ck_assert_int_eq(memcmp(isl_buf_head(&b), "3456789abc", 10), 0);
    isl_buf_free(&b);
}
END_TEST

START_TEST(buf_consume_and_grow)
{
    struct isl_buf b;
    isl_buf_init(&b, 0);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_ptr_nonnull(isl_buf_head(&b));
    /* Interleave appends and partial consumes: the held bytes stay exact. */
    size_t produced = 0, consumed = 0;
    for (int round = 0; round < 2000; round++) {
        char chunk[97];
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (char)((produced + i) % 251);
        ck_assert_int_eq(isl_buf_append(&b, chunk, sizeof chunk), 0);
        produced += sizeof chunk;
        size_t take = (size_t)(round % 3 == 0 ? 150 : 40);
        if (take > b.len)
            take = b.len;
        for (size_t i = 0; i < take; i++)
            ck_assert_int_eq((unsigned char)isl_buf_head(&b)[i], (consumed + i) % 251);
        isl_buf_consume(&b, take);
        consumed += take;
        ck_assert_uint_eq(b.len, produced - consumed);
    }
    isl_buf_consume(&b, b.len + 100);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_eq(isl_buf_append(&b, "", 0), 0);
    isl_buf_free(&b);
    isl_buf_free(&b);   /* freeing twice is harmless */
}
END_TEST

START_TEST(buf_read_fd)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
    struct isl_buf b;
    isl_buf_init(&b, 8);
    ck_assert_int_eq(isl_buf_read_fd(&b, p[0], 64), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(write(p[1], "hello world", 11), 11);
    ck_assert_int_eq(isl_buf_read_fd(&b, p[0], 64), 8);   /* stops at the cap */
    ck_assert_int_eq(isl_buf_read_fd(&b, p[0], 64), -2);
    isl_buf_consume(&b, 6);
    ck_assert_int_eq(isl_buf_read_fd(&b, p[0], 2), 2);
    ck_assert_int_eq(memcmp(isl_buf_head(&b), "wor", 3), 0);
    ck_assert_int_eq(isl_buf_read_fd(&b, p[0], 64), 1);
    ck_assert_int_eq(memcmp(isl_buf_head(&b), "world", 5), 0);
    close(p[1]);
    ck_assert_int_eq(isl_buf_read_fd(&b, p[0], 64), 0);
    close(p[0]);
    isl_buf_free(&b);
}
END_TEST

START_TEST(buf_write_fd)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct isl_buf out, in;
    isl_buf_init(&out, 0);
    isl_buf_init(&in, 0);
    static char block[65536];
    memset(block, 'q', sizeof block);
    int rc;
    /* Fill until the socket pushes back: some bytes are left held. */
    do {
        ck_assert_int_eq(isl_buf_append(&out, block, sizeof block), 0);
        rc = isl_buf_write_fd(&out, sv[0]);
    } while (rc == 0);
    ck_assert_int_eq(rc, 1);
    ck_assert_uint_gt(out.len, 0);
    while (out.len > 0) {
        ssize_t n;
        while ((n = isl_buf_read_fd(&in, sv[1], 65536)) > 0)
            isl_buf_consume(&in, (size_t)n);
        ck_assert_int_ge(isl_buf_write_fd(&out, sv[0]), 0);
    }
    /* A vanished peer is an error (not SIGPIPE). */
    close(sv[1]);
    ck_assert_int_eq(isl_buf_append(&out, "x", 1), 0);
    ck_assert_int_eq(isl_buf_write_fd(&out, sv[0]), -1);
    ck_assert_int_eq(errno, EPIPE);
    close(sv[0]);
    isl_buf_free(&out);
    isl_buf_free(&in);
}
END_TEST

/* write_all waits for room while a reader drains the other end, and
 * gives up with ETIMEDOUT when nobody reads. */
START_TEST(buf_write_all)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    struct isl_buf out;
    isl_buf_init(&out, 0);
    static char block[1 << 20];
    memset(block, 'w', sizeof block);
    ck_assert_int_eq(isl_buf_append(&out, block, sizeof block), 0);
    pid_t reader = fork();
    ck_assert_int_ge(reader, 0);
    if (reader == 0) {
        close(sv[0]);
        fcntl(sv[1], F_SETFL, 0);
        size_t total = 0;
        ssize_t n;
        while (total < sizeof block && (n = read(sv[1], block, sizeof block)) > 0)
            total += (size_t)n;
        _exit(total == sizeof block ? 0 : 1);
    }
    ck_assert_int_eq(isl_buf_write_all(&out, sv[0], 5000), 0);
    ck_assert_uint_eq(out.len, 0);
    int status;
    ck_assert_int_eq(waitpid(reader, &status, 0), reader);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Nobody reads now: the wait runs out. */
    ck_assert_int_eq(isl_buf_append(&out, block, sizeof block), 0);
    ck_assert_int_eq(isl_buf_write_all(&out, sv[0], 50), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_uint_gt(out.len, 0);
    close(sv[0]);
    close(sv[1]);
    isl_buf_free(&out);
}
END_TEST

/* ---------------------------------------------------------------- frames */

static void put_header(struct isl_buf *b, uint32_t len)
{
    unsigned char h[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
    ck_assert_int_eq(isl_buf_append(b, h, 4), 0);
}

START_TEST(frame_split_at_every_byte)
{
    json_t *msg = json_pack("{s:s, s:i, s:[s, n]}", "t", "req", "seq", 7, "x", "\xc3\xa9", NULL);
    struct isl_buf encoded;
    isl_buf_init(&encoded, 0);
    ck_assert_int_eq(isl_frame_put(&encoded, msg), 0);
    ck_assert_int_eq(isl_frame_put(&encoded, msg), 0);
    size_t one = encoded.len / 2;
    const unsigned char *bytes = (const unsigned char *)isl_buf_head(&encoded);
    ck_assert_uint_eq(((uint32_t)bytes[2] << 8 | bytes[3]) + 4, one);
    for (size_t split = 0; split <= one; split++) {
        struct isl_buf in;
        isl_buf_init(&in, 0);
        json_t *got = NULL;
        ck_assert_int_eq(isl_buf_append(&in, bytes, split), 0);
        ck_assert_int_eq(isl_frame_take(&in, &got), split == one ? 1 : 0);
        if (split < one) {
            ck_assert_int_eq(isl_buf_append(&in, bytes + split, one - split), 0);
            ck_assert_int_eq(isl_frame_take(&in, &got), 1);
        }
        ck_assert(json_equal(got, msg));
        ck_assert_uint_eq(in.len, 0);
        json_decref(got);
        isl_buf_free(&in);
    }
    /* Two frames back to back come out one at a time. */
    json_t *a = NULL, *b = NULL;
    ck_assert_int_eq(isl_frame_take(&encoded, &a), 1);
    ck_assert_int_eq(isl_frame_take(&encoded, &b), 1);
    ck_assert_int_eq(isl_frame_take(&encoded, &b), 0);
    ck_assert(json_equal(a, msg) && json_equal(b, msg));
    json_decref(a);
    json_decref(b);
    json_decref(msg);
    isl_buf_free(&encoded);
}
END_TEST

START_TEST(frame_length_limit)
{
    struct isl_buf in;
    isl_buf_init(&in, 0);
    json_t *got = NULL;
    put_header(&in, ISL_FRAME_MAX);          /* allowed: waits for the payload */
    ck_assert_int_eq(isl_frame_take(&in, &got), 0);
    isl_buf_consume(&in, in.len);
    put_header(&in, ISL_FRAME_MAX + 1);
    ck_assert_int_eq(isl_frame_take(&in, &got), -1);
    isl_buf_consume(&in, in.len);
    put_header(&in, 0xFFFFFFFFu);
    ck_assert_int_eq(isl_frame_take(&in, &got), -1);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(isl_frame_put_raw(&in, "{}", ISL_FRAME_MAX + 1), -1);
    isl_buf_free(&in);
}
END_TEST

START_TEST(frame_payload_must_be_object)
{
    const char *bad[] = {"[1,2]", "5", "\"s\"", "null", "{\"a\":", "not json", "",
                         "{} {}", "{\"a\":\"\\u0000\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct isl_buf in;
        isl_buf_init(&in, 0);
        ck_assert_int_eq(isl_frame_put_raw(&in, bad[i], (uint32_t)strlen(bad[i])), 0);
        json_t *got = NULL;
        ck_assert_msg(isl_frame_take(&in, &got) == -1, "payload '%s' accepted", bad[i]);
        ck_assert_ptr_null(got);
        isl_buf_free(&in);
    }
    struct isl_buf in;
    isl_buf_init(&in, 0);
    ck_assert_int_eq(isl_frame_put_raw(&in, "{\"a\":\xff}", 7), 0);
    json_t *got = NULL;
    ck_assert_int_eq(isl_frame_take(&in, &got), -1);
    json_t *array = json_array();
    ck_assert_int_eq(isl_frame_put(&in, array), -1);
    json_decref(array);
    isl_buf_free(&in);
}
END_TEST

START_TEST(frame_put_respects_cap)
{
    struct isl_buf out;
    isl_buf_init(&out, 20);
    json_t *small = json_pack("{s:i}", "a", 1);                /* {"a":1} = 7 bytes */
    json_t *big = json_pack("{s:s}", "a", "0123456789abcdef"); /* too big for what is left */
    ck_assert_int_eq(isl_frame_put(&out, small), 0);
    ck_assert_uint_eq(out.len, 11);
    ck_assert_int_eq(isl_frame_put(&out, big), -1);
    ck_assert_uint_eq(out.len, 11);                            /* no half frame */
    json_t *back = NULL;
    ck_assert_int_eq(isl_frame_take(&out, &back), 1);
    ck_assert(json_equal(back, small));
    json_decref(back);
    json_decref(small);
    json_decref(big);
    isl_buf_free(&out);
}
END_TEST

/* ---------------------------------------------------------------- blocking */

START_TEST(frame_send_recv)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    json_t *msg = json_pack("{s:s, s:i}", "t", "ready", "games", 3);
    ck_assert_int_eq(isl_frame_send(sv[0], msg), 0);
    ck_assert_int_eq(isl_frame_send(sv[0], msg), 0);
    json_t *got = NULL;
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 1000), 0);
    ck_assert(json_equal(got, msg));
    json_decref(got);
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, -1), 0);
    ck_assert(json_equal(got, msg));
    json_decref(got);
    /* Nothing there: a timeout. */
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 50), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    /* Half a frame then nothing: a timeout too. */
    ck_assert_int_eq(write(sv[0], "\0\0\0\x10{", 5), 5);
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 50), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    close(sv[0]);
    close(sv[1]);

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(write(sv[0], "\0\0\0\x03[1]", 7), 7);
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 1000), -1);
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_int_eq(write(sv[0], "\x7f\0\0\0", 4), 4);
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 1000), -1);
    ck_assert_int_eq(errno, EPROTO);
    close(sv[0]);
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 1000), -1);
    ck_assert_int_eq(errno, ECONNRESET);
    close(sv[1]);
    json_decref(msg);
}
END_TEST

/* A frame much bigger than the socket buffer: send blocks until the other
 * side reads, on a non-blocking fd as well. */
START_TEST(frame_large_over_nonblocking_socket)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    size_t size = 4u * 1024 * 1024;
    char *text = malloc(size + 1);
    memset(text, 'x', size);
    text[size] = '\0';
    json_t *msg = json_pack("{s:s}", "pad", text);
    free(text);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(sv[1]);
        _exit(isl_frame_send(sv[0], msg) == 0 ? 0 : 1);
    }
    close(sv[0]);
    json_t *got = NULL;
    ck_assert_int_eq(isl_frame_recv(sv[1], &got, 10000), 0);
    ck_assert(json_equal(got, msg));
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    json_decref(got);
    json_decref(msg);
    close(sv[1]);
}
END_TEST

static Suite *buf_frame_suite(void)
{
    Suite *s = suite_create("buf_frame");
    TCase *buf = tcase_create("buf");
    tcase_add_test(buf, buf_cap);
    tcase_add_test(buf, buf_consume_and_grow);
    tcase_add_test(buf, buf_read_fd);
    tcase_add_test(buf, buf_write_fd);
    tcase_add_test(buf, buf_write_all);
    suite_add_tcase(s, buf);
    TCase *frame = tcase_create("frame");
    tcase_set_timeout(frame, 20);
    tcase_add_test(frame, frame_split_at_every_byte);
    tcase_add_test(frame, frame_length_limit);
    tcase_add_test(frame, frame_payload_must_be_object);
    tcase_add_test(frame, frame_put_respects_cap);
    tcase_add_test(frame, frame_send_recv);
    tcase_add_test(frame, frame_large_over_nonblocking_socket);
    suite_add_tcase(s, frame);
    return s;
}

ISL_CHECK_MAIN(buf_frame_suite)
