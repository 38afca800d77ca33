/* systemd integration through libsystemd's sd-daemon calls. Outside
 * systemd every function here is a no-op: sd_notify() returns 0 when
 * NOTIFY_SOCKET is unset and sd_listen_fds() returns 0 without LISTEN_FDS. */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "islands/log.h"

/* ------------------------------------------------------------ messages */

/* A lost notification is not worth stopping the daemon for, and the status
 * is sent often: say it once, then stay quiet until a send works again. */
static bool send_failing;

static void send_state(const char *state)
{
    int r = sd_notify(0, state);
    if (r < 0) {
        if (!send_failing)
            isl_log(ISL_LOG_WARNING, "event=notify_failed error=\"%s\"", strerror(-r));
        send_failing = true;
    } else if (r > 0) {
        send_failing = false;
    }
}

/* What the manager was told: a reload is announced only between the first
 * READY=1 and STOPPING=1, and each announced one is closed by READY=1. */
static bool ready_sent, stopping_sent, reloading;

void notify_ready(void)
{
    ready_sent = true;
    send_state("READY=1");
}

void notify_stopping(void)
{
    if (stopping_sent)
        return;   /* a give-up during a shutdown says it once */
    stopping_sent = true;
    reloading = false;
    send_state("STOPPING=1");
}

/* `assignments` (may be empty, else ending in a newline), then STATUS=. */
static void send_with_status(const char *assignments, const char *fmt, va_list ap)
{
    char state[512];
    size_t prefix = (size_t)snprintf(state, sizeof state, "%sSTATUS=", assignments);
    if (prefix >= sizeof state)
        return;
    vsnprintf(state + prefix, sizeof state - prefix, fmt, ap);
    /* One status line: a newline would start another assignment. */
    for (char *p = state + prefix; *p != '\0'; p++)
        if (*p == '\n')
            *p = ' ';
    send_state(state);
}

void notify_status(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_with_status("", fmt, ap);
    va_end(ap);
}

void notify_reloading(void)
{
    if (!ready_sent || stopping_sent)
        return;
    /* Type=notify-reload wants the time with it, to tell this reload's
     * READY=1 from a late one of an earlier reload. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char state[64];
    snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
             (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
    reloading = true;
    send_state(state);
}

void notify_reloaded(const char *fmt, ...)
{
    if (!reloading)
        return;
    reloading = false;
    va_list ap;
    va_start(ap, fmt);
    send_with_status("READY=1\n", fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ watchdog */

static ev_timer watchdog_timer;
static bool watchdog_running;

static void watchdog_ping(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    send_state("WATCHDOG=1");
}

void notify_watchdog_start(struct ev_loop *loop)
{
    uint64_t interval_usec = 0;
    /* Unset WATCHDOG_USEC/WATCHDOG_PID: the workers are not watched. */
    int r = sd_watchdog_enabled(1, &interval_usec);
    if (r < 0) {
        isl_log(ISL_LOG_WARNING, "event=watchdog_invalid error=\"%s\"", strerror(-r));
        return;
    }
    if (r == 0 || watchdog_running)
        return;
    /* Half the interval, as sd_watchdog_enabled(3) advises: one late
     * wakeup of the loop does not yet look like a hang. */
    double period_s = (double)interval_usec / 2e6;
    ev_timer_init(&watchdog_timer, watchdog_ping, period_s, period_s);
    ev_timer_start(loop, &watchdog_timer);
    /* The pings alone must not keep ev_run() from returning at shutdown. */
    ev_unref(loop);
    watchdog_running = true;
    send_state("WATCHDOG=1");
    isl_log(ISL_LOG_INFO, "event=watchdog_start interval_usec=%" PRIu64, interval_usec);
}

void notify_watchdog_stop(struct ev_loop *loop)
{
    if (!watchdog_running)
        return;
    ev_ref(loop);
    ev_timer_stop(loop, &watchdog_timer);
    watchdog_running = false;
}

/* ------------------------------------------------------------ socket activation */

static bool is_listening_unix_stream(int fd)
{
    return sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0;
}

static int make_nonblocking_cloexec(int fd)
{
    int status_flags = fcntl(fd, F_GETFL);
    int fd_flags = fcntl(fd, F_GETFD);
    if (status_flags < 0 || fd_flags < 0
        || fcntl(fd, F_SETFL, status_flags | O_NONBLOCK) < 0
        || fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

int notify_listen_fd(void)
{
    /* Unset LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES so the children started
     * later do not believe the sockets were meant for them. */
    int count = sd_listen_fds(1);
    if (count < 0) {
        isl_log(ISL_LOG_ERR, "event=listen_fds_invalid error=\"%s\"", strerror(-count));
        return -1;
    }
    if (count == 0)
        return -1;   /* none passed: we create our own */

    int chosen = -1;
    for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + count; fd++) {
        if (chosen < 0 && is_listening_unix_stream(fd)) {
            chosen = fd;
            continue;
        }
        /* Not ours to serve: close it so it does not leak into workers. */
        isl_log(ISL_LOG_WARNING,
                "event=listen_fd_ignored fd=%d reason=\"%s\"", fd,
                chosen < 0 ? "not a listening Unix stream socket"
                           : "only one listening socket is used");
        close(fd);
    }
    if (chosen < 0) {
        isl_log(ISL_LOG_ERR, "event=listen_fds_unusable count=%d "
                "reason=\"no listening Unix stream socket was passed\"", count);
        return -2;
    }
    if (make_nonblocking_cloexec(chosen) < 0) {
        isl_log(ISL_LOG_ERR, "event=listen_fd_setup_failed fd=%d error=\"%s\"",
                chosen, strerror(errno));
        close(chosen);
        return -2;
    }
    isl_log(ISL_LOG_INFO, "event=socket_activated fd=%d passed=%d", chosen, count);
    return chosen;
}
