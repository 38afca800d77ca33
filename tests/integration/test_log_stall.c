/* A log nobody reads (journald stuck, a pipe into a program that stopped
 * reading, a named FIFO likewise) must not stop islandsd or its workers:
 * their lines are dropped while the pipe is full, and the next line that
 * goes out says how many were. */
#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "testd.h"

static void ping_on_a_new_connection(struct testd *d)
{
    struct isl_client *c = testd_connect(d);
    ck_assert_ptr_nonnull(c);
    json_t *req = json_pack("{s:s}", "op", "ping"), *r = NULL;
    ck_assert_int_eq(isl_client_call(c, req, &r, 5000), ISL_CLIENT_OK);
    ck_assert(testd_ok(r));
    json_decref(req);
    json_decref(r);
    isl_client_close(c);
}

/* Everything in the pipe now; the count of bytes read. */
static size_t drain(int fd, char *out, size_t size)
{
    size_t len = 0;
    ssize_t n;
    while (len + 1 < size && (n = read(fd, out + len, size - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    return len;
}

/* Is there a line of islandsd's own saying lines were dropped? */
static bool islandsd_counted_drops(const char *text)
{
    const char *key = "event=log_lines_dropped count=";
    for (const char *p = strstr(text, key); p; p = strstr(p + 1, key)) {
        const char *start = p;
        while (start > text && start[-1] != '\n')
            start--;
        const char *name = strstr(start, "islandsd[");
        if (name && name < p)
            return true;
    }
    return false;
}

static void log_nobody_reads(bool named)
{
    struct testd d = {0};
    int log_pipe[2];
    if (named) {
        testd_open_fifo(log_pipe);
    } else {
        ck_assert_int_eq(pipe2(log_pipe, O_CLOEXEC), 0);
        ck_assert_int_eq(fcntl(log_pipe[0], F_SETFL, O_NONBLOCK), 0);
    }
    int reader = log_pipe[0];
    d.log_fd = log_pipe[1];
    /* At debug level every connection logs two lines (~180 bytes): 1,000
     * of them are more than a pipe holds (64 KiB). */
    testd_start(&d, "log_level = debug\n");
    close(log_pipe[1]);
    for (int i = 0; i < 1000; i++)
        ping_on_a_new_connection(&d);
    /* Games still start and play: workers log too. */
    for (int i = 0; i < 20; i++) {
        char game[16];
        snprintf(game, sizeof game, "stall%d", i);
        json_t *r = testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", game, "name",
                               "Ann");
        ck_assert_msg(testd_ok(r), "new_game %s: %s", game, testd_error(r));
        json_decref(r);
    }
    /* The pipe held what it could; most lines were dropped. (A count can
     * be in it already: a shorter line with its count may fit where a
     * longer one did not.) */
    static char text[1024 * 1024];
    size_t len = drain(reader, text, sizeof text);
    ck_assert_uint_gt(len, 32 * 1024);
    ck_assert_uint_lt(len, 128 * 1024);
    ping_on_a_new_connection(&d);
    int found = 0;
    for (int waited = 0; waited < 5000 && !found; waited += 20) {
        testd_sleep_ms(20);
        len += drain(reader, text + len, sizeof text - len);
        found = islandsd_counted_drops(text);
    }
    ck_assert_msg(found, "no log_lines_dropped line of islandsd's: %.300s", text + len / 2);
    int status = testd_stop(&d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d", status);
    close(reader);
    testd_cleanup(&d);
}

START_TEST(a_log_pipe_nobody_reads_does_not_stop_islandsd)
{
    log_nobody_reads(false);
}
END_TEST

START_TEST(a_named_fifo_nobody_reads_does_not_stop_islandsd)
{
    log_nobody_reads(true);
}
END_TEST

static Suite *log_stall_suite(void)
{
    Suite *s = suite_create("log_stall");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_log_pipe_nobody_reads_does_not_stop_islandsd);
    tcase_add_test(tc, a_named_fifo_nobody_reads_does_not_stop_islandsd);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(log_stall_suite)
