/* Test harness for islands-worker and islands-writer: start them with
 * fork + exec and a socketpair as fd 3, talk frames, watch their stderr
 * for fault-hook markers, and clean up temporary stores. Included by the
 * worker and writer test programs (each its own process). */
#ifndef ISLANDS_CHILD_HARNESS_H
#define ISLANDS_CHILD_HARNESS_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "islands/frame.h"

#define HARNESS_UNUSED __attribute__((unused))

enum child_stderr { STDERR_INHERIT, STDERR_NULL, STDERR_PIPE };

struct child {
    pid_t pid;
    int chan;        /* our end of its fd 3 */
    int err;         /* its stderr, when piped; else -1 */
    char errbuf[8192];
    size_t errlen;
};

HARNESS_UNUSED static const char *program_path(const char *env, const char *fallback)
{
    const char *p = getenv(env);
    return p && *p ? p : fallback;
}

/* Start prog with argv (argv[0] included, NULL-terminated) and extra
 * environment "K=V" strings (NULL-terminated, may be NULL). */
HARNESS_UNUSED static void child_start(struct child *c, const char *prog, char *const argv[],
                                       const char *const env[], enum child_stderr mode)
{
    int sv[2], ep[2] = { -1, -1 };
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    if (mode == STDERR_PIPE)
        ck_assert_int_eq(pipe2(ep, O_CLOEXEC), 0);
    memset(c, 0, sizeof *c);
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        dup2(sv[1], 3);   /* dup2 clears close-on-exec on fd 3 */
        if (mode == STDERR_PIPE)
            dup2(ep[1], 2);
        else if (mode == STDERR_NULL) {
            int n = open("/dev/null", O_WRONLY);
            dup2(n, 2);
        }
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(prog, argv);
        _exit(127);
    }
    close(sv[1]);
    c->chan = sv[0];
    c->err = -1;
    if (mode == STDERR_PIPE) {
        close(ep[1]);
        c->err = ep[0];
        fcntl(c->err, F_SETFL, O_NONBLOCK);
    }
}

/* Wait for the child's exit; returns its wait status. */
HARNESS_UNUSED static int child_wait(struct child *c)
{
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(c->chan);
    if (c->err >= 0)
        close(c->err);
    c->chan = c->err = -1;
    return status;
}

HARNESS_UNUSED static int child_kill(struct child *c)
{
    kill(c->pid, SIGKILL);
    return child_wait(c);
}

/* Exit status of a normal exit, or -signal. */
HARNESS_UNUSED static int exit_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* Forget what the child wrote on stderr so far. */
HARNESS_UNUSED static void child_err_drain(struct child *c)
{
    char tmp[4096];
    while (read(c->err, tmp, sizeof tmp) > 0)
        ;
    c->errlen = 0;
}

/* Wait until the child's stderr shows marker (since the last drain).
 * 1 found, 0 not within timeout_ms or the child closed stderr. */
HARNESS_UNUSED static int child_err_wait(struct child *c, const char *marker, int timeout_ms)
{
    for (;;) {
        c->errbuf[c->errlen] = '\0';
        if (strstr(c->errbuf, marker))
            return 1;
        struct pollfd p = { .fd = c->err, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) <= 0)
            return 0;
        if (c->errlen + 1 >= sizeof c->errbuf) {   /* keep the tail */
            size_t keep = sizeof c->errbuf / 2;
            memmove(c->errbuf, c->errbuf + c->errlen - keep, keep);
            c->errlen = keep;
        }
        ssize_t n = read(c->err, c->errbuf + c->errlen, sizeof c->errbuf - 1 - c->errlen);
        if (n <= 0)
            return 0;
        c->errlen += (size_t)n;
    }
}

/* The next frame from fd (fails the test on timeout or EOF). */
HARNESS_UNUSED static json_t *recv_frame(int fd)
{
    json_t *f = NULL;
    int rc = isl_frame_recv(fd, &f, 20000);
    ck_assert_msg(rc == 0, "no frame: %s", strerror(errno));
    return f;
}

HARNESS_UNUSED static const char *frame_type(const json_t *f)
{
    const char *t = json_string_value(json_object_get(f, "t"));
    return t ? t : "";
}

HARNESS_UNUSED static void send_frame_or_fail(int fd, json_t *f)
{
    ck_assert_int_eq(isl_frame_send(fd, f), 0);
    json_decref(f);
}

/* Send req (stolen) to a worker as request seq; returns the whole resp
 * frame ({"t":"resp","seq","resp","rules"}). */
HARNESS_UNUSED static json_t *worker_call(struct child *c, long long seq, json_t *req)
{
    send_frame_or_fail(c->chan, json_pack("{s:s, s:I, s:o}", "t", "req", "seq",
                                          (json_int_t)seq, "req", req));
    json_t *f = recv_frame(c->chan);
    ck_assert_str_eq(frame_type(f), "resp");
    ck_assert_int_eq(json_integer_value(json_object_get(f, "seq")), seq);
    return f;
}

HARNESS_UNUSED static bool resp_ok(const json_t *frame)
{
    return json_is_true(json_object_get(json_object_get(frame, "resp"), "ok"));
}

HARNESS_UNUSED static const char *resp_error(const json_t *frame)
{
    const char *e = json_string_value(json_object_get(json_object_get(frame, "resp"), "error"));
    return e ? e : "";
}

HARNESS_UNUSED static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

HARNESS_UNUSED static void make_temp_dir(char out[64])
{
    snprintf(out, 64, "/tmp/islands-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(out));
}

HARNESS_UNUSED static void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

HARNESS_UNUSED static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

#endif
