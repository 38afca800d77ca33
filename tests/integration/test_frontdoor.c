/* The front door over a real socket: framing, malformed input, ids, limits
 * and the socket file. It drives build/tests/programs/frontdoor_echo (the
 * front door with an echo router; see that file). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"

#define IO_TIMEOUT_S 10

static char dir[64];
static char sock_path[128];
static pid_t echo_pid = -1;

/* ---------------------------------------------------------------- helpers */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static struct sockaddr_un address_of(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    ck_assert_uint_lt(len, sizeof addr.sun_path);
    memcpy(addr.sun_path, path, len + 1);
    return addr;
}

static int connect_to(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un addr = address_of(path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_bytes(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        data += n;
        len -= (size_t)n;
    }
}

static void send_text(int fd, const char *text)
{
    send_bytes(fd, text, strlen(text));
}

/* Read until `lines` newlines arrived (or EOF if lines < 0). Returns the
 * text (caller frees); *eof tells whether the stream ended. A timeout
 * fails the test. */
static char *read_lines(int fd, int lines, bool *eof)
{
    size_t cap = 65536, len = 0;
    char *text = malloc(cap);
    int seen = 0;
    *eof = false;
    while (lines < 0 || seen < lines) {
        if (cap - len < 65536)
            text = realloc(text, cap *= 2);
        ssize_t n = recv(fd, text + len, lines < 0 ? cap - len - 1 : 1, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            *eof = true;
            break;
        }
        ck_assert_msg(n > 0, "recv: %s", strerror(errno));
        for (ssize_t i = 0; i < n; i++)
            seen += text[len + (size_t)i] == '\n';
        len += (size_t)n;
    }
    text[len] = '\0';
    return text;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

/* One response line, parsed; the test fails if it is not an object. */
static json_t *read_response(int fd)
{
    bool eof;
    char *line = read_lines(fd, 1, &eof);
    ck_assert_msg(!eof, "connection closed, expected a response");
    json_t *obj = json_loads(line, 0, NULL);
    ck_assert_msg(json_is_object(obj), "not a JSON object: %s", line);
    free(line);
    return obj;
}

static void assert_eof(int fd)
{
    bool eof;
    char *rest = read_lines(fd, -1, &eof);
    ck_assert_msg(eof && rest[0] == '\0', "expected end of stream, got '%.200s'", rest);
    free(rest);
}

static const char *error_of(const json_t *r)
{
    ck_assert(json_is_false(json_object_get(r, "ok")));
    return json_string_value(json_object_get(r, "error"));
}

static void assert_error(json_t *r, const char *code, bool has_id)
{
    ck_assert_str_eq(error_of(r), code);
    ck_assert(json_is_string(json_object_get(r, "message")));
    ck_assert_msg((json_object_get(r, "id") != NULL) == has_id, "id presence wrong");
    json_decref(r);
}

static void assert_echo(json_t *r, const char *op, json_int_t id)
{
    ck_assert(json_is_true(json_object_get(r, "ok")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "echo")), op);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id);
    json_decref(r);
}

static const char *echo_program(void)
{
    static char path[4096];
    const char *build = getenv("ISLANDS_BUILD");
    snprintf(path, sizeof path, "%s/tests/programs/frontdoor_echo", build ? build : "build");
    return path;
}

/* passed_fd >= 0: handed over as systemd socket activation does (fd 3,
 * LISTEN_FDS=1, LISTEN_PID = the daemon's pid). */
static pid_t spawn_echo(const char *path, const char *const *extra, int passed_fd)
{
    const char *argv[16] = {echo_program(), "--socket", path};
    int argc = 3;
    for (; extra != NULL && *extra != NULL; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;
    char log[128];
    snprintf(log, sizeof log, "%s/echo.log", dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            dup2(fd, 2);
        if (passed_fd >= 0) {
            char pid[32];
            snprintf(pid, sizeof pid, "%d", (int)getpid());
            dup2(passed_fd, 3);   /* dup2 clears close-on-exec */
            setenv("LISTEN_FDS", "1", 1);
            setenv("LISTEN_PID", pid, 1);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Start the echo daemon on path; returns its pid once it answers. */
static pid_t start_echo_at(const char *path, const char *const *extra)
{
    pid_t pid = spawn_echo(path, extra, -1);
    int status;
    for (int i = 0; i < IO_TIMEOUT_S * 100; i++) {
        ck_assert_msg(waitpid(pid, &status, WNOHANG) != pid,
                      "echo daemon exited at start: status %d", status);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            int fd = connect_to(path);
            if (fd >= 0) {
                close(fd);
                return pid;
            }
        }
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ck_abort_msg("echo daemon did not start");
    return -1;
}

/* A daemon expected to refuse to start: its exit status. */
static int refused_start_status(const char *path)
{
    pid_t pid = spawn_echo(path, NULL, -1);
    int status;
    for (int i = 0; i < IO_TIMEOUT_S * 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return status;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ck_abort_msg("a second daemon started on %s", path);
    return -1;
}

static void start_echo(const char *const *extra)
{
    echo_pid = start_echo_at(sock_path, extra);
}

/* SIGTERM: a clean stop (under ASan this also checks for leaks). */
static void stop_echo(void)
{
    int status;
    ck_assert_int_eq(kill(echo_pid, SIGTERM), 0);
    ck_assert_int_eq(waitpid(echo_pid, &status, 0), echo_pid);
    echo_pid = -1;
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "echo daemon status %d", status);
}

/* A connection the daemon serves (retrying while it is at max_clients). */
static int open_served(void)
{
    for (int attempt = 0; attempt < IO_TIMEOUT_S * 50; attempt++) {
        int fd = connect_to(sock_path);
        ck_assert_int_ge(fd, 0);
        static const char ping[] = "{\"id\":0,\"op\":\"ping\"}\n";
        /* A busy daemon answers at accept and closes: the ping may meet a
         * closed socket before the answer is read. */
        ssize_t sent = send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL);
        if (sent < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            close(fd);
            sleep_ms(20);
            continue;
        }
        ck_assert_msg(sent == (ssize_t)(sizeof ping - 1), "send: %s", strerror(errno));
        json_t *r = read_response(fd);
        if (json_is_true(json_object_get(r, "ok"))) {
            json_decref(r);
            return fd;
        }
        ck_assert_str_eq(error_of(r), "busy");
        json_decref(r);
        close(fd);
        sleep_ms(20);
    }
    ck_abort_msg("never served");
    return -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "/tmp/islands-frontdoor-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(sock_path, sizeof sock_path, "%s/run/sub/islandsd.sock", dir);
}

static void teardown(void)
{
    if (echo_pid > 0) {
        kill(echo_pid, SIGKILL);
        waitpid(echo_pid, NULL, 0);
        echo_pid = -1;
    }
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---------------------------------------------------------------- framing */

/* A ping line of exactly `len` bytes (len >= 40), with room to append
 * 64 more. */
static char *ping_of_length(size_t len)
{
    char *line = malloc(len + 64);
    const char *head = "{\"id\":5,\"op\":\"ping\",\"pad\":\"";
    size_t pad = len - strlen(head) - 2;
    strcpy(line, head);
    memset(line + strlen(head), 'x', pad);
    strcpy(line + strlen(head) + pad, "\"}");
    ck_assert_uint_eq(strlen(line), len);
    return line;
}

START_TEST(max_request_exact_is_served)
{
    start_echo((const char *const[]){"--max-request", "100", NULL});
    int fd = connect_to(sock_path);
    char *line = ping_of_length(100);
    strcat(line, "\n");
    send_text(fd, line);
    assert_echo(read_response(fd), "ping", 5);
    send_text(fd, line);   /* the connection goes on */
    assert_echo(read_response(fd), "ping", 5);
    free(line);
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(max_request_plus_one_answered_before_newline)
{
    start_echo((const char *const[]){"--max-request", "100", NULL});
    int fd = connect_to(sock_path);
    char *line = ping_of_length(101);
    send_text(fd, line);   /* no newline: the daemon must not wait for one */
    assert_error(read_response(fd), "request_too_large", false);
    assert_eof(fd);
    close(fd);
    /* The same with the newline, after a good request. */
    fd = connect_to(sock_path);
    send_text(fd, "{\"id\":1,\"op\":\"ping\"}\n");
    strcat(line, "\n{\"id\":2,\"op\":\"ping\"}\n");
    send_text(fd, line);
    assert_echo(read_response(fd), "ping", 1);
    assert_error(read_response(fd), "request_too_large", false);
    assert_eof(fd);
    close(fd);
    free(line);
    /* Nothing else is affected. */
    fd = open_served();
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(crlf_and_empty_lines)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    send_text(fd, "\n\r\n{\"id\":1,\"op\":\"ping\"}\r\n\n\n{\"id\":2,\"op\":\"list\"}\n\r\n");
    shutdown(fd, SHUT_WR);
    assert_echo(read_response(fd), "ping", 1);
    assert_echo(read_response(fd), "list", 2);
    assert_eof(fd);
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(bytes_after_last_newline_not_executed)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    send_text(fd, "{\"id\":1,\"op\":\"ping\"}\n{\"id\":2,\"op\":\"ping\"}");
    shutdown(fd, SHUT_WR);
    assert_echo(read_response(fd), "ping", 1);
    assert_eof(fd);
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(half_closed_client_gets_every_response)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    send_text(fd, "{\"id\":1,\"op\":\"state\",\"game\":\"slow1\"}\n"
                  "{\"id\":2,\"op\":\"ping\"}\n"
                  "{\"id\":3,\"op\":\"state\",\"game\":\"slow2\"}\n");
    shutdown(fd, SHUT_WR);
    bool eof;
    char *all = read_lines(fd, -1, &eof);
    ck_assert(eof);
    ck_assert_int_eq(count_lines(all), 3);
    /* The immediate answer overtakes the delayed ones; each carries its id. */
    json_t *first = json_loads(all, JSON_DISABLE_EOF_CHECK, NULL);
    assert_echo(first, "ping", 2);
    ck_assert_ptr_nonnull(strstr(all, "\"id\":1,"));
    ck_assert_ptr_nonnull(strstr(all, "\"id\":3,"));
    free(all);
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(client_gone_while_pending)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    send_text(fd, "{\"id\":1,\"op\":\"state\",\"game\":\"slow\"}\n");
    close(fd);   /* the delayed reply finds the connection gone */
    sleep_ms(300);
    fd = open_served();
    close(fd);
    stop_echo();
}
END_TEST

/* ---------------------------------------------------------------- input */

START_TEST(malformed_lines_answered_without_id)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    static const char bad[] =
        "{\"id\":1,\"op\":\n"                           /* not JSON */
        "[{\"id\":1,\"op\":\"ping\"}]\n"                 /* array */
        "\"ping\"\n"                                    /* string */
        "42\n"
        "{\"id\":1,\"op\":\"ping\",\"x\":\"\xff\"}\n"   /* invalid UTF-8 */
        "{\"id\":1,\"op\":\"ping\",\"x\":\"\xc0\xaf\"}\n" /* overlong */
        "{\"id\":1,\"op\":\"ping\",\"x\":\"\xe2\x82\"}\n" /* truncated */
        "{\"id\":1,\"op\":\"ping\",\"x\":\"\xed\xa0\x80\"}\n" /* surrogate */
        "{\"id\":1,\"op\":\"ping\"}\0\n"                /* NUL after the object */
        "{\"id\":1,\"op\":\"p\0ing\"}\n"                /* NUL inside */
        "{\"id\":1,\"op\":\"ping\"} {}\n";              /* two values */
    send_bytes(fd, bad, sizeof bad - 1);
    for (int i = 0; i < 11; i++)
        assert_error(read_response(fd), "bad_request", false);
    send_text(fd, "{\"id\":9,\"op\":\"ping\"}\n");   /* still serving */
    assert_echo(read_response(fd), "ping", 9);
    /* An escaped NUL is valid JSON: in an argument nobody reads, ignored. */
    send_text(fd, "{\"id\":10,\"op\":\"ping\",\"x\":\"\\u0000\"}\n");
    assert_echo(read_response(fd), "ping", 10);
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(request_errors_carry_the_id)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    send_text(fd, "{\"id\":1}\n"
                  "{\"id\":2,\"op\":7}\n"
                  "{\"id\":3,\"op\":\"launch\"}\n"
                  "{\"id\":4,\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"row\":\"1\",\"col\":1}\n"
                  "{\"id\":5,\"op\":\"new_game\",\"game\":\"a/b\",\"name\":\"A\"}\n"
                  "{\"id\":6,\"op\":\"new_game\",\"game\":\"g\",\"name\":\"A\",\"extra\":[1]}\n");
    json_t *r = read_response(fd);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "message")), "op"));
    assert_error(r, "bad_request", true);
    assert_error(read_response(fd), "bad_request", true);
    r = read_response(fd);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 3);
    assert_error(r, "unknown_op", true);
    r = read_response(fd);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "message")), "row"));
    assert_error(r, "bad_request", true);
    r = read_response(fd);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "message")), "game"));
    assert_error(r, "bad_request", true);
    r = read_response(fd);
    ck_assert(json_is_true(json_object_get(r, "admin")));   /* our own uid */
    assert_echo(r, "new_game", 6);
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(ids_echoed_unchanged)
{
    start_echo(NULL);
    int fd = connect_to(sock_path);
    const char *ids[] = {"\"abc\"", "\"\"", "\"\xc3\xa9\\n\"", "0", "-7", "9007199254740993",
                         "1.5", "0.1", "-2.5e-8", "1e300"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "{\"op\":\"ping\",\"id\":%s}\n", ids[i]);
        send_text(fd, line);
        json_t *want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
        json_t *r = read_response(fd);
        ck_assert_msg(json_equal(json_object_get(r, "id"), want), "id %s changed", ids[i]);
        ck_assert(json_is_true(json_object_get(r, "ok")));
        json_decref(r);
        json_decref(want);
    }
    /* Written back as the client wrote it, not 0.10000000000000001. */
    send_text(fd, "{\"op\":\"ping\",\"id\":0.1}\n");
    bool eof;
    char *text = read_lines(fd, 1, &eof);
    ck_assert_msg(strncmp(text, "{\"id\":0.1,", 10) == 0, "%s", text);
    free(text);
    const char *bad_ids[] = {"true", "null", "[1]", "{}"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "{\"op\":\"ping\",\"id\":%s}\n", bad_ids[i]);
        send_text(fd, line);
        assert_error(read_response(fd), "bad_request", false);
    }
    send_text(fd, "{\"op\":\"ping\"}\n");
    json_t *r = read_response(fd);
    ck_assert_ptr_null(json_object_get(r, "id"));
    json_decref(r);
    close(fd);
    stop_echo();
}
END_TEST

/* ---------------------------------------------------------------- limits */

/* Past max_clients a connection is kept, not closed (only
 * request_too_large closes one): its requests are answered busy, with
 * their ids, until a served client leaves and it takes the place. */
START_TEST(max_clients_busy)
{
    start_echo((const char *const[]){"--max-clients", "2", NULL});
    int a = open_served(), b = open_served();
    int c = connect_to(sock_path);
    ck_assert_int_ge(c, 0);
    for (int id = 5; id <= 6; id++) {
        char line[64];
        snprintf(line, sizeof line, "{\"id\":%d,\"op\":\"ping\"}\n", id);
        send_text(c, line);
        json_t *r = read_response(c);
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), id);
        assert_error(r, "busy", true);
    }
    /* a and b go on; when one leaves, c takes its place. */
    send_text(b, "{\"id\":7,\"op\":\"ping\"}\n");
    assert_echo(read_response(b), "ping", 7);
    close(a);
    json_t *r = NULL;
    for (int i = 0; i < 100; i++) {
        send_text(c, "{\"id\":8,\"op\":\"ping\"}\n");
        r = read_response(c);
        if (json_is_true(json_object_get(r, "ok")))
            break;
        json_decref(r);
        r = NULL;
        usleep(10000);
    }
    ck_assert_msg(r != NULL, "the waiting client was never served");
    assert_echo(r, "ping", 8);
    close(c);
    close(b);
    stop_echo();
}
END_TEST

/* Ids 1..n, one per line (in order if `ordered`): every answer arrived. */
static void assert_ids(const char *text, int n, bool ordered)
{
    ck_assert_int_eq(count_lines(text), n);
    bool *seen = calloc((size_t)n + 1, 1);
    const char *line = text;
    for (int i = 1; i <= n; i++) {
        json_t *r = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
        ck_assert_ptr_nonnull(r);
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        ck_assert(id >= 1 && id <= n && !seen[id]);
        ck_assert(!ordered || id == i);
        seen[id] = true;
        json_decref(r);
        line = strchr(line, '\n') + 1;
    }
    free(seen);
}

/* Lines of the echo daemon's log (debug level when FRONTDOOR_ECHO_DEBUG
 * is set at its start) that contain needle. */
static int echo_log_count(const char *needle)
{
    char path[128], line[1024];
    snprintf(path, sizeof path, "%s/echo.log", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

/* A client that stops reading is no longer read from until it catches up
 * (its unsent answers stay near max_output), never dropped: once it reads
 * it gets every answer, and other clients are served meanwhile. */
START_TEST(client_that_stops_reading_is_paused_not_dropped)
{
    setenv("FRONTDOOR_ECHO_DEBUG", "1", 1);   /* to see it paused */
    start_echo((const char *const[]){"--max-output", "1048576", NULL});
    unsetenv("FRONTDOOR_ECHO_DEBUG");
    int slow = connect_to(sock_path);
    int fast = open_served();
    enum { REQUESTS = 64 };   /* 64 x 256 KiB answers: far past max_output */
    for (int i = 1; i <= REQUESTS; i++) {
        char line[80];
        snprintf(line, sizeof line, "{\"id\":%d,\"op\":\"state\",\"game\":\"big\"}\n", i);
        send_text(slow, line);
    }
    for (int i = 0; i < 20; i++) {
        send_text(fast, "{\"id\":3,\"op\":\"ping\"}\n");
        assert_echo(read_response(fast), "ping", 3);
    }
    shutdown(slow, SHUT_WR);
    bool eof;
    char *got = read_lines(slow, -1, &eof);
    ck_assert(eof);
    assert_ids(got, REQUESTS, true);
    free(got);
    close(slow);
    send_text(fast, "{\"id\":4,\"op\":\"ping\"}\n");
    assert_echo(read_response(fast), "ping", 4);
    close(fast);
    stop_echo();
    /* Paused by its unsent output, not by its count of requests. */
    ck_assert_int_ge(echo_log_count("event=client_paused"), 1);
    ck_assert_int_eq(echo_log_count("pending=1024"), 0);
}
END_TEST

/* More requests in the daemon at once than one connection may have: the
 * rest wait unread, and all are answered. */
START_TEST(more_pipelined_requests_than_may_be_pending_are_all_answered)
{
    setenv("FRONTDOOR_ECHO_DEBUG", "1", 1);   /* to see it paused */
    start_echo(NULL);
    unsetenv("FRONTDOOR_ECHO_DEBUG");
    int c = open_served();
    enum { REQUESTS = 3000 };   /* answered from a timer: all pending at once */
    size_t cap = REQUESTS * 64, len = 0;
    char *text = malloc(cap);
    for (int i = 1; i <= REQUESTS; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"id\":%d,\"op\":\"state\",\"game\":\"slow\"}\n", i);
    send_bytes(c, text, len);
    free(text);
    shutdown(c, SHUT_WR);
    bool eof;
    char *got = read_lines(c, -1, &eof);
    ck_assert(eof);
    assert_ids(got, REQUESTS, false);   /* the echo's timers keep no order */
    free(got);
    close(c);
    stop_echo();
    /* Reading stopped at the limit of requests in the daemon. */
    ck_assert_int_ge(echo_log_count("event=client_paused"), 1);
    ck_assert_int_ge(echo_log_count("pending=1024"), 1);
}
END_TEST

/* An id is held with its request until the answer echoes it, and may be
 * nearly max_request bytes: a client pipelining long ids to a game that
 * takes its time is paused at max_output, as one that does not read is,
 * instead of making the daemon hold up to MAX_PENDING of them. */
START_TEST(long_ids_held_in_the_daemon_count_toward_max_output)
{
    setenv("FRONTDOOR_ECHO_DEBUG", "1", 1);   /* to see it paused */
    start_echo((const char *const[]){"--max-output", "1048576", NULL});
    unsetenv("FRONTDOOR_ECHO_DEBUG");
    int c = open_served();
    enum { REQUESTS = 100, ID_LEN = 30000 };   /* 3 MB of ids, answered after 2 s */
    size_t line_len = ID_LEN + 64, total = 0;
    char *text = malloc(REQUESTS * line_len);
    ck_assert_ptr_nonnull(text);
    for (int i = 1; i <= REQUESTS; i++) {
        int n = sprintf(text + total, "{\"id\":\"%d:", i);
        memset(text + total + n, 'x', ID_LEN);
        total += (size_t)n + ID_LEN;
        total += (size_t)sprintf(text + total, "\",\"op\":\"state\",\"game\":\"hold\"}\n");
    }
    ck_assert_int_eq(fcntl(c, F_SETFL, O_NONBLOCK), 0);
    /* Write until the daemon stops reading (well before its answers). */
    size_t sent = 0;
    struct pollfd p = {.fd = c, .events = POLLOUT};
    while (sent < total && poll(&p, 1, 300) == 1) {
        ssize_t n = send(c, text + sent, total - sent, MSG_NOSIGNAL);
        ck_assert_msg(n > 0 || errno == EAGAIN, "send: %s", strerror(errno));
        sent += n > 0 ? (size_t)n : 0;
    }
    ck_assert_msg(sent < total / 2, "%zu of %zu bytes taken with no answer yet", sent, total);
    /* Then every answer comes, the rest of the requests going in meanwhile. */
    bool *seen = calloc(REQUESTS + 1, 1);
    char *in = malloc(line_len * 4);
    size_t have = 0;
    int answered = 0;
    while (answered < REQUESTS) {
        p.events = POLLIN | (sent < total ? POLLOUT : 0);
        ck_assert_msg(poll(&p, 1, IO_TIMEOUT_S * 1000) == 1, "stalled at %d answers", answered);
        ssize_t n = sent < total && (p.revents & POLLOUT) ?
                    send(c, text + sent, total - sent, MSG_NOSIGNAL) : 0;
        sent += n > 0 ? (size_t)n : 0;
        n = recv(c, in + have, line_len * 4 - have, 0);
        ck_assert_msg(n != 0, "closed after %d answers", answered);
        have += n > 0 ? (size_t)n : 0;
        char *nl;
        while ((nl = memchr(in, '\n', have)) != NULL) {
            long id = strtol(in + strlen("{\"id\":\""), NULL, 10);
            ck_assert_msg(strncmp(in, "{\"id\":\"", 7) == 0 && id >= 1 && id <= REQUESTS &&
                          !seen[id], "unexpected answer");
            seen[id] = true;
            answered++;
            have -= (size_t)(nl + 1 - in);
            memmove(in, nl + 1, have);
        }
    }
    free(in);
    free(seen);
    free(text);
    close(c);
    stop_echo();
    /* Paused by the ids it holds, before any answer was unsent. */
    ck_assert_int_ge(echo_log_count("unsent=0 held="), 1);
}
END_TEST

/* ---------------------------------------------------------------- socket file */

/* Put the socket in a directory that exists already (the other tests
 * start with a missing one). */
static void socket_in_existing_dir(void)
{
    char parent[128];
    snprintf(parent, sizeof parent, "%s/run", dir);
    ck_assert_int_eq(mkdir(parent, 0755), 0);
    snprintf(sock_path, sizeof sock_path, "%s/run/islandsd.sock", dir);
}

START_TEST(socket_file_created_0660_and_removed)
{
    start_echo(NULL);
    struct stat st;
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0660);
    stop_echo();
    ck_assert_int_eq(stat(sock_path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(stale_socket_replaced)
{
    /* A socket file nobody listens on, as a killed daemon leaves it. */
    socket_in_existing_dir();
    int stale = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = address_of(sock_path);
    ck_assert_int_eq(bind(stale, (struct sockaddr *)&addr, sizeof addr), 0);
    close(stale);
    start_echo(NULL);
    int fd = open_served();
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(live_daemon_refused)
{
    start_echo(NULL);
    int status = refused_start_status(sock_path);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    int fd = open_served();   /* the first one is untouched */
    close(fd);
    stop_echo();
}
END_TEST

START_TEST(non_socket_file_refused)
{
    socket_in_existing_dir();
    FILE *f = fopen(sock_path, "w");
    fputs("precious\n", f);
    fclose(f);
    int status = refused_start_status(sock_path);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    struct stat st;
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(socket_passed_by_systemd_used_and_kept)
{
    socket_in_existing_dir();
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = address_of(sock_path);
    ck_assert_int_eq(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(listener, 16), 0);
    char unused[128];
    snprintf(unused, sizeof unused, "%s/not-this-one.sock", dir);
    echo_pid = spawn_echo(unused, NULL, listener);
    close(listener);
    int fd = open_served();   /* served on the passed socket */
    close(fd);
    stop_echo();
    struct stat st;
    ck_assert_int_eq(stat(unused, &st), -1);      /* no socket of its own */
    ck_assert_int_eq(stat(sock_path, &st), 0);    /* the passed one left alone */
    ck_assert(S_ISSOCK(st.st_mode));
}
END_TEST

static Suite *frontdoor_suite(void)
{
    Suite *s = suite_create("frontdoor");
    TCase *framing = tcase_create("framing");
    TCase *input = tcase_create("input");
    TCase *limits = tcase_create("limits");
    TCase *file = tcase_create("socket_file");
    TCase *all[] = {framing, input, limits, file};
    for (size_t i = 0; i < 4; i++) {
        tcase_add_checked_fixture(all[i], setup, teardown);
        tcase_set_timeout(all[i], 60);
        suite_add_tcase(s, all[i]);
    }
    tcase_add_test(framing, max_request_exact_is_served);
    tcase_add_test(framing, max_request_plus_one_answered_before_newline);
    tcase_add_test(framing, crlf_and_empty_lines);
    tcase_add_test(framing, bytes_after_last_newline_not_executed);
    tcase_add_test(framing, half_closed_client_gets_every_response);
    tcase_add_test(framing, client_gone_while_pending);
    tcase_add_test(input, malformed_lines_answered_without_id);
    tcase_add_test(input, request_errors_carry_the_id);
    tcase_add_test(input, ids_echoed_unchanged);
    tcase_add_test(limits, max_clients_busy);
    tcase_add_test(limits, client_that_stops_reading_is_paused_not_dropped);
    tcase_add_test(limits, long_ids_held_in_the_daemon_count_toward_max_output);
    tcase_add_test(limits, more_pipelined_requests_than_may_be_pending_are_all_answered);
    tcase_add_test(file, socket_file_created_0660_and_removed);
    tcase_add_test(file, stale_socket_replaced);
    tcase_add_test(file, live_daemon_refused);
    tcase_add_test(file, non_socket_file_refused);
    tcase_add_test(file, socket_passed_by_systemd_used_and_kept);
    return s;
}

ISL_CHECK_MAIN(frontdoor_suite)
