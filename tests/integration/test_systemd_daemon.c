/* islandsd under a service manager, without systemd running: the test plays
 * systemd's part. It owns the notify socket (NOTIFY_SOCKET) and checks the
 * sd_notify protocol (READY=1 only once clients are served, STATUS=, a
 * WATCHDOG=1 at least every WATCHDOG_USEC, RELOADING=1 with MONOTONIC_USEC
 * then READY=1 on SIGHUP, STOPPING=1 on SIGTERM, all from the main
 * process), and runs islandsd under systemd-socket-activate to
 * check that it serves the passed socket and leaves it in place. */
#include <check.h>
#include <errno.h>
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

#include "../support/check_main.h"
#include "islands/clock.h"
#include "test_systemd_support.h"

#define WATCHDOG_USEC 200000

static char dir[64], socket_path[96], store_path[96], notify_path[96];

static void setup(void)
{
    make_temp_dir(dir, sizeof dir, "systemd");
    snprintf(socket_path, sizeof socket_path, "%s/islandsd.sock", dir);
    snprintf(store_path, sizeof store_path, "%s/store", dir);
    snprintf(notify_path, sizeof notify_path, "%s/notify", dir);
    /* The daemon finds its children through these when run by hand. */
    setenv("ISLANDS_WORKER", env_or("ISLANDS_WORKER", "build/islands-worker"), 1);
    setenv("ISLANDS_WRITER", env_or("ISLANDS_WRITER", "build/islands-writer"), 1);
}

static void teardown(void)
{
    remove_tree(dir);
}

static const char *islandsd_path(void)
{
    const char *path = env_or("ISLANDSD", "build/islandsd");
    ck_assert_msg(access(path, X_OK) == 0, "islandsd not found at %s (build it first)", path);
    return path;
}

/* Wait up to timeout_ms for pid to exit; its wait status, or -1 after
 * killing it when it did not exit in time. */
static int wait_exit(pid_t pid, int timeout_ms)
{
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)timeout_ms;
    int status;
    while (isl_monotonic_ms() < deadline) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return status;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static int connect_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* A ping on a fresh connection answered {"ok":true,...,"protocol":1}
 * within timeout_s. On failure, why is in reason. */
static bool ping(const char *path, int timeout_s, char *reason, size_t size)
{
    /* A socket file exists from bind() on, but is refused until listen(). */
    int fd = connect_unix(path);
    for (int tries = 0; fd < 0 && errno == ECONNREFUSED && tries < 200; tries++) {
        usleep(10000);
        fd = connect_unix(path);
    }
    if (fd < 0) {
        snprintf(reason, size, "connect %s: %s", path, strerror(errno));
        return false;
    }
    struct timeval tv = {.tv_sec = timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static const char request[] = "{\"id\":1,\"op\":\"ping\"}\n";
    char line[4096];
    size_t used = 0;
    bool sent = write(fd, request, sizeof request - 1) == (ssize_t)(sizeof request - 1);
    while (sent && used < sizeof line - 1 && memchr(line, '\n', used) == NULL) {
        ssize_t got = read(fd, line + used, sizeof line - 1 - used);
        if (got <= 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    line[used] = '\0';
    json_t *response = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
    bool ok = response != NULL && json_is_true(json_object_get(response, "ok"))
              && json_integer_value(json_object_get(response, "protocol")) == 1;
    json_decref(response);
    if (!ok)
        snprintf(reason, size, sent ? "ping answered \"%s\"" : "ping not sent%s", line);
    return ok;
}

/* ------------------------------------------------------------ notify socket */

/* What the test, as the service manager, received. */
struct notify_log {
    pid_t main_pid;
    int foreign_senders;     /* datagrams from any other process */
    bool ready;
    bool ping_at_ready;      /* a ping sent the moment READY=1 arrived worked */
    char ping_failure[4200];
    int statuses;
    char last_status[256];
    int watchdogs;
    bool measuring_gaps;
    long long last_watchdog_ms;
    long long max_watchdog_gap_ms;
    bool reloading;              /* RELOADING=1 came */
    long long reload_usec;       /* its MONOTONIC_USEC, -1 if none */
    bool reloaded;               /* READY=1 came after RELOADING=1 */
    char reload_status[256];     /* the STATUS= right after that READY=1 */
    bool stopping;
};

static long long now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int open_notify_socket(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    /* The kernel then stamps every datagram with its sender's pid. */
    int on = 1;
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);
    return fd;
}

static void record_assignment(struct notify_log *log, const char *line)
{
    if (strcmp(line, "READY=1") == 0 && !log->ready) {
        log->ready = true;
        log->ping_at_ready = ping(socket_path, 10, log->ping_failure,
                                  sizeof log->ping_failure);
    } else if (strcmp(line, "READY=1") == 0 && log->reloading) {
        log->reloaded = true;
    } else if (strcmp(line, "RELOADING=1") == 0) {
        log->reloading = true;
        log->reload_usec = -1;
    } else if (strncmp(line, "MONOTONIC_USEC=", 15) == 0 && log->reloading && !log->reloaded) {
        log->reload_usec = strtoll(line + 15, NULL, 10);
    } else if (strncmp(line, "STATUS=", 7) == 0) {
        if (log->reloaded && log->reload_status[0] == '\0')
            snprintf(log->reload_status, sizeof log->reload_status, "%s", line + 7);
        log->statuses++;
        snprintf(log->last_status, sizeof log->last_status, "%s", line + 7);
    } else if (strcmp(line, "WATCHDOG=1") == 0) {
        long long t = (long long)isl_monotonic_ms();
        if (log->measuring_gaps && log->last_watchdog_ms > 0
            && t - log->last_watchdog_ms > log->max_watchdog_gap_ms)
            log->max_watchdog_gap_ms = t - log->last_watchdog_ms;
        log->last_watchdog_ms = t;
        log->watchdogs++;
    } else if (strcmp(line, "STOPPING=1") == 0) {
        log->stopping = true;
    }
}

/* Receive one datagram (several newline-separated assignments) within
 * timeout_ms and record it. false on timeout. */
static bool receive_notification(int fd, struct notify_log *log, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    char text[4096];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = {.iov_base = text, .iov_len = sizeof text - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    ssize_t got = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    ck_assert_int_ge(got, 0);
    text[got] = '\0';
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    pid_t sender = -1;
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
        sender = ((struct ucred *)(void *)CMSG_DATA(c))->pid;
    if (sender != log->main_pid)
        log->foreign_senders++;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save))
        record_assignment(log, line);
    return true;
}

/* Receive until done(log) holds or timeout_ms passes; whether it holds. */
static bool receive_until(int fd, struct notify_log *log, bool (*done)(const struct notify_log *),
                          int timeout_ms)
{
    long long deadline = (long long)isl_monotonic_ms() + timeout_ms;
    while (!done(log)) {
        long long left = deadline - (long long)isl_monotonic_ms();
        if (left <= 0)
            return false;
        receive_notification(fd, log, (int)left);
    }
    return true;
}

static bool is_ready(const struct notify_log *log)
{
    return log->ready;
}

/* Long enough to see several pings and a periodic status line. */
static bool watched_a_while(const struct notify_log *log)
{
    return log->watchdogs >= 8 && log->statuses >= 1;
}

static bool reload_is_over(const struct notify_log *log)
{
    return log->reloaded && log->reload_status[0] != '\0';
}

static bool is_stopping(const struct notify_log *log)
{
    return log->stopping;
}

/* The status says so once stopping (not the last count of games). */
static bool status_says_stopping(const struct notify_log *log)
{
    return log->stopping && strncmp(log->last_status, "stopping", 8) == 0;
}

static pid_t start_notifying_islandsd(void)
{
    const char *islandsd = islandsd_path();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char own_pid[32], interval[32];
        snprintf(own_pid, sizeof own_pid, "%ld", (long)getpid());
        snprintf(interval, sizeof interval, "%d", WATCHDOG_USEC);
        setenv("NOTIFY_SOCKET", notify_path, 1);
        setenv("WATCHDOG_USEC", interval, 1);
        setenv("WATCHDOG_PID", own_pid, 1);
        execl(islandsd, "islandsd", "--config", "/dev/null", "--socket", socket_path,
              "--store", store_path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

START_TEST(notify_protocol_from_start_to_stop)
{
    int fd = open_notify_socket(notify_path);
    struct notify_log log = {0};
    pid_t pid = start_notifying_islandsd();
    log.main_pid = pid;

    bool ready = receive_until(fd, &log, is_ready, 30000);
    log.measuring_gaps = true;
    bool watched = ready && receive_until(fd, &log, watched_a_while, 15000);
    log.measuring_gaps = false;
    long long before_hup = now_usec();
    kill(pid, SIGHUP);
    bool reloaded = watched && receive_until(fd, &log, reload_is_over, 10000);
    long long after_hup = now_usec();
    kill(pid, SIGTERM);
    bool stopping = receive_until(fd, &log, is_stopping, 20000);
    bool said = stopping && receive_until(fd, &log, status_says_stopping, 10000);
    int status = wait_exit(pid, 30000);
    close(fd);

    ck_assert_msg(ready, "no READY=1 within 30 s");
    ck_assert_msg(log.ping_at_ready, "READY=1 came before the socket served: %s",
                  log.ping_failure);
    ck_assert_msg(watched, "in 15 s after READY=1: %d WATCHDOG=1, %d STATUS=", log.watchdogs,
                  log.statuses);
    ck_assert_msg(log.last_status[0] != '\0', "empty STATUS=");
    /* The interval is WATCHDOG_USEC; pinging at half of it leaves a whole
     * half interval of slack before the manager would act. */
    ck_assert_msg(log.max_watchdog_gap_ms < WATCHDOG_USEC / 1000,
                  "%lld ms between two WATCHDOG=1 (interval %d ms)", log.max_watchdog_gap_ms,
                  WATCHDOG_USEC / 1000);
    /* Type=notify-reload: RELOADING=1 with the monotonic time it began,
     * then READY=1 and a status naming the outcome. */
    ck_assert_msg(log.reloading, "no RELOADING=1 within 10 s of SIGHUP");
    ck_assert_msg(log.reload_usec >= before_hup && log.reload_usec <= after_hup,
                  "MONOTONIC_USEC=%lld with RELOADING=1, not between %lld and %lld",
                  log.reload_usec, before_hup, after_hup);
    ck_assert_msg(reloaded, "no READY=1 with a STATUS= after RELOADING=1 (reloaded: %d)",
                  log.reloaded);
    ck_assert_str_eq(log.reload_status, "reloaded");
    ck_assert_msg(stopping, "no STOPPING=1 within 20 s of SIGTERM");
    ck_assert_msg(said, "no STATUS=stopping... after STOPPING=1 (last: %s)", log.last_status);
    ck_assert_msg(log.foreign_senders == 0,
                  "%d notifications came from a process other than islandsd",
                  log.foreign_senders);
    ck_assert_msg(status != -1, "islandsd did not exit within 30 s of SIGTERM");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "islandsd ended with wait status 0x%x after SIGTERM", status);
}
END_TEST

/* ------------------------------------------------------------ socket activation */

/* systemd-socket-activate passes only the variables named with -E (plus
 * PATH, HOME and the like): name every one islandsd and the sanitizers read. */
static pid_t start_socket_activated_islandsd(void)
{
    static const char *const passed[] = {
        "ISLANDS_WORKER", "ISLANDS_WRITER", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
    };
    enum { PASSED = sizeof passed / sizeof passed[0] };
    const char *argv[16 + 2 * PASSED];
    char assignments[PASSED][4200];
    size_t argc = 0;
    argv[argc++] = "systemd-socket-activate";
    argv[argc++] = "--listen";
    argv[argc++] = socket_path;
    for (size_t i = 0; i < PASSED; i++) {
        const char *value = getenv(passed[i]);
        if (value == NULL)
            continue;
        snprintf(assignments[i], sizeof assignments[i], "%s=%s", passed[i], value);
        argv[argc++] = "-E";
        argv[argc++] = assignments[i];
    }
    argv[argc++] = islandsd_path();
    argv[argc++] = "--config";
    argv[argc++] = "/dev/null";
    argv[argc++] = "--socket";
    argv[argc++] = socket_path;
    argv[argc++] = "--store";
    argv[argc++] = store_path;
    argv[argc] = NULL;

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* systemd-socket-activate creates the socket, then waits for a first
 * connection before it execs islandsd in its own place (same pid). */
static bool wait_for_socket_file(struct stat *st, int timeout_ms)
{
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)timeout_ms;
    while (isl_monotonic_ms() < deadline) {
        if (stat(socket_path, st) == 0 && S_ISSOCK(st->st_mode))
            return true;
        usleep(10000);
    }
    return false;
}

START_TEST(socket_activation_serves_and_keeps_the_socket)
{
    pid_t pid = start_socket_activated_islandsd();
    struct stat before, after;
    ck_assert_msg(wait_for_socket_file(&before, 10000),
                  "systemd-socket-activate did not create %s", socket_path);

    char reason[4200];
    bool first = ping(socket_path, 30, reason, sizeof reason);
    char first_reason[4200];
    snprintf(first_reason, sizeof first_reason, "%s", reason);
    bool second = first && ping(socket_path, 10, reason, sizeof reason);
    kill(pid, SIGTERM);
    int status = wait_exit(pid, 30000);

    ck_assert_msg(first, "first ping through the passed socket: %s", first_reason);
    ck_assert_msg(second, "second ping through the passed socket: %s", reason);
    ck_assert_msg(status != -1, "islandsd did not exit within 30 s of SIGTERM");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "islandsd ended with wait status 0x%x after SIGTERM", status);
    /* The socket belongs to the service manager: islandsd neither unlinked
     * nor re-created it, and nobody listens on it any more. */
    ck_assert_msg(stat(socket_path, &after) == 0, "islandsd removed the passed socket");
    ck_assert_msg(after.st_ino == before.st_ino && after.st_dev == before.st_dev,
                  "islandsd re-created the passed socket");
    ck_assert_int_eq(connect_unix(socket_path), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
}
END_TEST

/* Sockets passed that islandsd cannot serve (here a datagram socket) are
 * a wrong socket unit: it says so and exits 2, the status systemd does not
 * retry, instead of quietly listening on a socket of its own that no
 * client of the unit would reach. */
START_TEST(an_unusable_passed_socket_is_a_usage_error)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0 || dup2(fd, 3) != 3)
            _exit(126);
        char self[32];
        snprintf(self, sizeof self, "%ld", (long)getpid());
        setenv("LISTEN_FDS", "1", 1);
        setenv("LISTEN_PID", self, 1);
        execl(islandsd_path(), "islandsd", "--config", "/dev/null", "--socket", socket_path,
              "--store", store_path, (char *)NULL);
        _exit(127);
    }
    int status = wait_exit(pid, 30000);
    ck_assert_msg(status != -1, "islandsd did not exit within 30 s");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2,
                  "islandsd ended with wait status 0x%x, not exit 2", status);
    struct stat st;
    ck_assert_msg(stat(socket_path, &st) != 0, "islandsd created a socket of its own");
}
END_TEST

static Suite *systemd_daemon_suite(void)
{
    Suite *s = suite_create("systemd_daemon");
    TCase *notify = tcase_create("notify");
    tcase_add_checked_fixture(notify, setup, teardown);
    tcase_set_timeout(notify, 120);
    tcase_add_test(notify, notify_protocol_from_start_to_stop);
    suite_add_tcase(s, notify);

    TCase *activation = tcase_create("socket_activation");
    tcase_add_checked_fixture(activation, setup, teardown);
    tcase_set_timeout(activation, 90);
    tcase_add_test(activation, socket_activation_serves_and_keeps_the_socket);
    tcase_add_test(activation, an_unusable_passed_socket_is_a_usage_error);
    suite_add_tcase(s, activation);
    return s;
}

ISL_CHECK_MAIN(systemd_daemon_suite)
