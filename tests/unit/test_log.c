/* Log lines as written to fd 2 (redirected into a temporary file, or a
 * pipe, socket, FIFO or terminal nobody reads). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/log.h"
#include "testd.h"

static char capture_path[] = "/tmp/islands-log-XXXXXX";
static int saved_stderr = -1;
static char captured[64 * 1024];

static void capture_begin(void)
{
    strcpy(capture_path, "/tmp/islands-log-XXXXXX");
    int fd = mkstemp(capture_path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fcntl(fd, F_SETFL, O_APPEND), 0);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    close(fd);
}

/* Everything written since capture_begin. */
static const char *capture_end(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    FILE *f = fopen(capture_path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(captured, 1, sizeof captured - 1, f);
    captured[n] = '\0';
    fclose(f);
    unlink(capture_path);
    return captured;
}

static bool matches(const char *pattern, const char *text)
{
    regex_t re;
    ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

#define STAMP "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

START_TEST(line_with_timestamp)
{
    unsetenv("JOURNAL_STREAM");
    isl_log_init("islandsd", ISL_LOG_INFO);
    capture_begin();
    isl_log(ISL_LOG_INFO, "event=start game=%s pid=%d", "g1", 42);
    const char *out = capture_end();
    char pattern[256];
    snprintf(pattern, sizeof pattern, "^<6>" STAMP " islandsd\\[%ld\\]: event=start game=g1 pid=42\n$",
             (long)getpid());
    ck_assert_msg(matches(pattern, out), "got: %s", out);
}
END_TEST

/* The timestamps' calendar, against gmtime_r: around the epoch, leap days
 * (2000 was one, 2100 will not be), and a long stride of seconds. */
START_TEST(utc_time_is_gmtime)
{
    static const long long fixed[] = {0, 59, 86399, 86400, 951782400, 951868799, 951868800,
                                      4107542400, 4107628800, 1798761599, -1, -86401};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        time_t t = (time_t)fixed[i];
        struct tm want, got;
        ck_assert_ptr_nonnull(gmtime_r(&t, &want));
        isl_utc_time(t, &got);
        ck_assert_msg(got.tm_year == want.tm_year && got.tm_mon == want.tm_mon &&
                      got.tm_mday == want.tm_mday && got.tm_hour == want.tm_hour &&
                      got.tm_min == want.tm_min && got.tm_sec == want.tm_sec, "%lld", fixed[i]);
    }
    for (long long t = 0; t < 5000000000LL; t += 9876543) {
        time_t tt = (time_t)t;
        struct tm want, got;
        gmtime_r(&tt, &want);
        isl_utc_time(tt, &got);
        ck_assert_msg(got.tm_year == want.tm_year && got.tm_mon == want.tm_mon &&
                      got.tm_mday == want.tm_mday && got.tm_hour == want.tm_hour &&
                      got.tm_min == want.tm_min && got.tm_sec == want.tm_sec, "%lld", t);
    }
}
END_TEST

START_TEST(no_timestamp_under_journald)
{
    setenv("JOURNAL_STREAM", "8:1234", 1);
    isl_log_init("islands-worker", ISL_LOG_DEBUG);
    capture_begin();
    isl_log(ISL_LOG_ERR, "event=fatal");
    isl_log(ISL_LOG_DEBUG, "event=detail");
    const char *out = capture_end();
    char expected[256];
    snprintf(expected, sizeof expected, "<3>islands-worker[%ld]: event=fatal\n"
             "<7>islands-worker[%ld]: event=detail\n", (long)getpid(), (long)getpid());
    ck_assert_str_eq(out, expected);
}
END_TEST

START_TEST(priority_filter)
{
    setenv("JOURNAL_STREAM", "8:1", 1);
    isl_log_init("p", ISL_LOG_NOTICE);
    ck_assert(isl_log_enabled(ISL_LOG_WARNING));
    ck_assert(!isl_log_enabled(ISL_LOG_INFO));
    capture_begin();
    isl_log(ISL_LOG_INFO, "event=hidden");
    isl_log(ISL_LOG_NOTICE, "event=shown");
    isl_log_set_level(ISL_LOG_ERR);
    isl_log(ISL_LOG_WARNING, "event=hidden_too");
    const char *out = capture_end();
    ck_assert_ptr_null(strstr(out, "hidden"));
    ck_assert_ptr_nonnull(strstr(out, "<5>p["));
    ck_assert_ptr_nonnull(strstr(out, "event=shown\n"));
}
END_TEST

START_TEST(one_line_per_event)
{
    setenv("JOURNAL_STREAM", "8:1", 1);
    isl_log_init("p", ISL_LOG_INFO);
    capture_begin();
    isl_log(ISL_LOG_INFO, "event=odd text=%s", "two\nlines\tand\rmore");
    const char *out = capture_end();
    ck_assert_ptr_nonnull(strstr(out, "event=odd text=two lines and more\n"));
    ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
END_TEST

START_TEST(long_message_is_cut)
{
    unsetenv("JOURNAL_STREAM");
    isl_log_init("p", ISL_LOG_INFO);
    static char big[10000];
    memset(big, 'x', sizeof big - 1);
    capture_begin();
    isl_log(ISL_LOG_INFO, "event=big data=%s", big);
    const char *out = capture_end();
    size_t len = strlen(out);
    ck_assert_uint_le(len, ISL_LOG_LINE_MAX);
    ck_assert_uint_ge(len, ISL_LOG_LINE_MAX - 8);
    ck_assert_str_eq(out + len - 6, "xx...\n");
    ck_assert_ptr_eq(strchr(out, '\n'), out + len - 1);
}
END_TEST

START_TEST(cut_keeps_utf8_characters_whole)
{
    setenv("JOURNAL_STREAM", "8:1", 1);
    /* Shift the text by 0..3 bytes so that the cut falls in each place
     * of a 3-byte character. */
    for (int shift = 0; shift < 3; shift++) {
        isl_log_init(shift == 0 ? "p" : shift == 1 ? "pp" : "ppp", ISL_LOG_INFO);
        static char big[6000];
        big[0] = '\0';
        for (int i = 0; i < 1500; i++)
            strcat(big, "\xe2\x82\xac");   /* the euro sign */
        capture_begin();
        isl_log(ISL_LOG_INFO, "m=%s", big);
        const char *out = capture_end();
        size_t len = strlen(out);
        ck_assert_str_eq(out + len - 4, "...\n");
        const char *text = strstr(out, "m=") + 2;
        ck_assert_uint_eq((size_t)(out + len - 4 - text) % 3, 0);
        ck_assert_int_eq((unsigned char)out[len - 5], 0xac);
    }
}
END_TEST

START_TEST(errno_preserved_and_m_works)
{
    setenv("JOURNAL_STREAM", "8:1", 1);
    isl_log_init("p", ISL_LOG_INFO);
    capture_begin();
    errno = EBADF;
    isl_log(ISL_LOG_ERR, "event=fail error=\"%m\"");
    int after = errno;
    const char *out = capture_end();
    ck_assert_int_eq(after, EBADF);
    ck_assert_ptr_nonnull(strstr(out, "error=\"Bad file descriptor\"\n"));
}
END_TEST

START_TEST(concurrent_processes_do_not_interleave)
{
    enum { PROCS = 4, LINES = 200 };
    setenv("JOURNAL_STREAM", "8:1", 1);
    isl_log_init("p", ISL_LOG_INFO);
    static char payload[1500];
    memset(payload, 'y', sizeof payload - 1);
    capture_begin();
    for (int p = 0; p < PROCS; p++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            for (int i = 0; i < LINES; i++)
                isl_log(ISL_LOG_INFO, "proc=%d i=%d data=%s", p, i, payload);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        ck_assert_int_gt(wait(&status), 0);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    FILE *f = fopen(capture_path, "r");
    ck_assert_ptr_nonnull(f);
    static char line[4096];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        ck_assert_msg(matches("^<6>p\\[[0-9]+\\]: proc=[0-3] i=[0-9]+ data=y{1499}\n$", line),
                      "mangled line %d", count);
        count++;
    }
    fclose(f);
    unlink(capture_path);
    ck_assert_int_eq(count, PROCS * LINES);
}
END_TEST

/* isl_log_parts (a fault handler's line) writes what isl_log writes for
 * the same text: prefix, timestamp, spaces for control characters, and
 * the cut of a long line at a whole character. */
START_TEST(parts_make_the_line_printf_makes)
{
    for (int journal = 0; journal < 2; journal++) {
        if (journal)
            setenv("JOURNAL_STREAM", "8:1", 1);
        else
            unsetenv("JOURNAL_STREAM");
        isl_log_init("islands-worker", ISL_LOG_INFO);
        const char *parts[] = {"event=fatal_fault", " signal=", "SEGV", " addr=0x7f00", "\tend"};
        capture_begin();
        isl_log_parts(ISL_LOG_ERR, parts, sizeof parts / sizeof parts[0]);
        isl_log(ISL_LOG_ERR, "%s%s%s%s%s", parts[0], parts[1], parts[2], parts[3], parts[4]);
        isl_log_parts(ISL_LOG_DEBUG, parts, 1);   /* filtered as isl_log is */
        const char *out = capture_end();
        const char *second = strchr(out, '\n') + 1;
        ck_assert_str_eq(strchr(second, '\n'), "\n");
        char pattern[256];
        snprintf(pattern, sizeof pattern, "^<3>%sislands-worker\\[%ld\\]: event=fatal_fault "
                 "signal=SEGV addr=0x7f00 end\n", journal ? "" : STAMP " ", (long)getpid());
        ck_assert_msg(matches(pattern, out), "got: %s", out);
        ck_assert_msg(matches(pattern, second), "got: %s", second);
    }
    /* Long: cut before the euro sign that does not fit, "..." after it. */
    static char big[6000];
    big[0] = '\0';
    for (int i = 0; i < 1500; i++)
        strcat(big, "\xe2\x82\xac");
    const char *parts[] = {"m=", big, "never reached"};
    capture_begin();
    isl_log_parts(ISL_LOG_INFO, parts, 3);
    const char *out = capture_end();
    size_t len = strlen(out);
    ck_assert_uint_le(len, ISL_LOG_LINE_MAX);
    ck_assert_str_eq(out + len - 4, "...\n");
    ck_assert_uint_eq((size_t)(out + len - 4 - (strstr(out, "m=") + 2)) % 3, 0);
    ck_assert_ptr_null(strstr(out, "never"));
}
END_TEST

enum stderr_kind { PIPE, STREAM_SOCKET, NAMED_FIFO, TERMINAL };

/* A reader's end (fds[0], non-blocking) and a writer's end (fds[1]) of
 * the kind of file fd 2 will be. */
static void open_stderr_kind(enum stderr_kind kind, int fds[2])
{
    switch (kind) {
    case PIPE:
        ck_assert_int_eq(pipe(fds), 0);
        break;
    case STREAM_SOCKET:
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        break;
    case NAMED_FIFO:
        testd_open_fifo(fds);
        break;
    case TERMINAL: {
        fds[0] = posix_openpt(O_RDWR | O_NOCTTY);
        ck_assert_int_ge(fds[0], 0);
        ck_assert_int_eq(grantpt(fds[0]), 0);
        ck_assert_int_eq(unlockpt(fds[0]), 0);
        fds[1] = open(ptsname(fds[0]), O_WRONLY | O_NOCTTY);
        ck_assert_int_ge(fds[1], 0);
        struct termios raw;   /* no "\n" -> "\r\n" */
        ck_assert_int_eq(tcgetattr(fds[1], &raw), 0);
        cfmakeraw(&raw);
        ck_assert_int_eq(tcsetattr(fds[1], TCSANOW, &raw), 0);
        break;
    }
    }
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

/* What the reader gets until nothing comes for 200 ms (a terminal passes
 * its lines on a little later than they are written). */
static size_t read_until_quiet(int reader, char *got, size_t size)
{
    size_t len = 0;
    struct pollfd p = {.fd = reader, .events = POLLIN};
    while (len + 1 < size && poll(&p, 1, 200) > 0) {
        ssize_t n = read(reader, got + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    got[len] = '\0';
    return len;
}

/* fd 2 a file of this kind that nobody reads: 1,000 lines of 200 bytes
 * must not wait (an alarm would end the test), what went out is whole
 * lines (on a socket or a terminal some may be torn, each ended by the
 * next write), and every line dropped is counted in a line that goes out
 * once the reader drains it. Whatever fd 2 is, it stays blocking for the
 * other processes that share it. */
static void log_to_a_stalled_reader(enum stderr_kind kind)
{
    enum { LINES = 1000 };
    int fds[2];
    open_stderr_kind(kind, fds);
    int reader = fds[0];
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fds[1], STDERR_FILENO), 0);
    close(fds[1]);
    setenv("JOURNAL_STREAM", "8:1", 1);
    isl_log_init("p", ISL_LOG_INFO);
    static char pad[160];
    memset(pad, 'z', sizeof pad - 1);
    alarm(20);
    for (int i = 0; i < LINES; i++)
        isl_log(ISL_LOG_INFO, "i=%04d pad=%s", i, pad);
    alarm(0);
    ck_assert_int_eq(fcntl(STDERR_FILENO, F_GETFL) & O_NONBLOCK, 0);
    static char got[512 * 1024];
    size_t len = read_until_quiet(reader, got, sizeof got);
    isl_log(ISL_LOG_INFO, "event=after");
    read_until_quiet(reader, got + len, sizeof got - len);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    close(reader);
    /* Every line is a whole line i, a count of the lines dropped before
     * it, a line torn where the reader was full (the next write ends it
     * with "\n"), or the last: event=after (after a count, unless the
     * reader took the last lines whole). The counts and the whole lines i
     * add up to all the lines. */
    char line_i[128], count_line[128], after_line[64];
    snprintf(line_i, sizeof line_i, "^<6>p\\[%ld\\]: i=[0-9]{4} pad=z{159}$", (long)getpid());
    snprintf(count_line, sizeof count_line, "<4>p[%ld]: event=log_lines_dropped count=%%d%%n",
             (long)getpid());
    snprintf(after_line, sizeof after_line, "<6>p[%ld]: event=after", (long)getpid());
    int whole = 0, counted = 0, torn = 0;
    bool last_is_after = false;
    for (char *line = got, *end; *line; line = end + 1) {
        end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        *end = '\0';
        int n = 0, used = 0;
        last_is_after = strcmp(line, after_line) == 0;
        if (matches(line_i, line))
            whole++;
        else if (sscanf(line, count_line, &n, &used) == 1 && line[used] == '\0' && n > 0)
            counted += n;
        else if (!last_is_after)
            torn++;
    }
    ck_assert(last_is_after);
    ck_assert_int_gt(whole, 0);
    ck_assert_int_lt(whole, LINES);
    ck_assert_int_eq(whole + counted, LINES);
    /* A pipe or FIFO takes a line whole or not at all. */
    if (kind == PIPE || kind == NAMED_FIFO)
        ck_assert_int_eq(torn, 0);
}

START_TEST(a_stalled_pipe_drops_lines_and_says_so)
{
    log_to_a_stalled_reader(PIPE);
}
END_TEST

START_TEST(a_stalled_socket_drops_lines_and_says_so)
{
    log_to_a_stalled_reader(STREAM_SOCKET);
}
END_TEST

START_TEST(a_stalled_named_fifo_drops_lines_and_says_so)
{
    log_to_a_stalled_reader(NAMED_FIFO);
}
END_TEST

START_TEST(a_stalled_terminal_drops_lines_and_says_so)
{
    log_to_a_stalled_reader(TERMINAL);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, line_with_timestamp);
    tcase_add_test(tc, utc_time_is_gmtime);
    tcase_add_test(tc, no_timestamp_under_journald);
    tcase_add_test(tc, priority_filter);
    tcase_add_test(tc, one_line_per_event);
    tcase_add_test(tc, long_message_is_cut);
    tcase_add_test(tc, cut_keeps_utf8_characters_whole);
    tcase_add_test(tc, errno_preserved_and_m_works);
    tcase_add_test(tc, concurrent_processes_do_not_interleave);
    tcase_add_test(tc, parts_make_the_line_printf_makes);
    tcase_add_test(tc, a_stalled_pipe_drops_lines_and_says_so);
    tcase_add_test(tc, a_stalled_socket_drops_lines_and_says_so);
    tcase_add_test(tc, a_stalled_named_fifo_drops_lines_and_says_so);
    tcase_add_test(tc, a_stalled_terminal_drops_lines_and_says_so);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(log_suite)
