/* islandsd's side of the spawner: start it (and again after a death, with
 * a growing delay), send requests, turn answers into tracked children. */
#include "spawner.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "fd_passing.h"
#include "islands/fault_sleep.h"
#include "islands/log.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define RESTART_FIRST_S 1.0
#define RESTART_MAX_S 60.0
/* A start takes a few milliseconds; one unanswered for this long means
 * the spawner is stuck, and it is killed (and started again). */
#define ANSWER_TIMEOUT_S 2.0

struct request {
    json_int_t id;
    int ours;                      /* islandsd's end of the new child's channel */
    const char *label;
    const struct proc_ops *ops;
    spawner_done done;
    uintptr_t tag;
    struct request *next;
};

static struct ev_loop *loop;
static struct proc *helper;
static int link_fd = -1;
static ev_io link_io;
static ev_timer restart_timer, answer_timer;
static double restart_delay_s = RESTART_FIRST_S;
static struct request *head, *tail;
static json_int_t next_id;
static bool stopping;

static void finish(struct request *r, struct proc *p)
{
    if (!p && r->ours >= 0)
        close(r->ours);   /* a child that did start sees EOF and exits */
    spawner_done done = r->done;
    uintptr_t tag = r->tag;
    free(r);
    done(p, tag);
}

static void settle_queue_state(void)
{
    procs_expect_unknown(head != NULL);
    if (!head)
        ev_timer_stop(loop, &answer_timer);
    else if (!ev_is_active(&answer_timer))
        ev_timer_again(loop, &answer_timer);
}

static void fail_all(void)
{
    struct request *r = head;
    head = tail = NULL;
    while (r) {
        struct request *next = r->next;
        finish(r, NULL);
        r = next;
    }
    settle_queue_state();
}

static void close_link(void)
{
    if (link_fd < 0)
        return;
    ev_io_stop(loop, &link_io);
    close(link_fd);
    link_fd = -1;
}

static void helper_exit(struct proc *p, int status)
{
    (void)p;
    helper = NULL;
    close_link();
    if (!stopping)
        isl_log(ISL_LOG_WARNING, "event=spawner_exit status=%d restart_in_s=%.0f", status,
                restart_delay_s);
    fail_all();
    if (stopping)
        return;
    ev_timer_set(&restart_timer, restart_delay_s, 0.);
    ev_timer_start(loop, &restart_timer);
    restart_delay_s = restart_delay_s * 2 > RESTART_MAX_S ? RESTART_MAX_S : restart_delay_s * 2;
}

static void helper_message(struct proc *p, json_t *msg)
{
    (void)msg;
    proc_kill_broken(p, "spawner_uses_no_channel");
}

static const struct proc_ops helper_ops = {helper_message, helper_exit};

static void broken(const char *why)
{
    if (helper)
        proc_kill_broken(helper, why);
    close_link();
}

/* A child can be reaped before its `spawned` answer is read; its exit is
 * usually kept aside by procs.c, and the pidfd says so in any case (its
 * process is gone from under it: waitid answers ECHILD). Tracking a
 * reaped child would wait for an exit that already came. */
static bool reaped_already(int pidfd)
{
    siginfo_t info;
    return pidfd >= 0 && waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
           errno == ECHILD;
}

static void take_answer(const char *text, size_t len, int pidfd)
{
    json_t *a = json_loadb(text, len, 0, NULL);
    const char *t = json_string_value(json_object_get(a, "t"));
    json_t *id = json_object_get(a, "id"), *pid = json_object_get(a, "pid");
    struct request *r = head;
    bool spawned = t && strcmp(t, "spawned") == 0 && json_is_integer(pid) &&
                   json_integer_value(pid) > 0 && json_integer_value(pid) <= INT_MAX;
    if (!r || !json_is_integer(id) || json_integer_value(id) != r->id ||
        (!spawned && (!t || strcmp(t, "failed") != 0))) {
        json_decref(a);
        if (pidfd >= 0)
            close(pidfd);
        broken("bad_spawner_answer");
        return;
    }
    head = r->next;
    if (!head)
        tail = NULL;
    else
        ev_timer_again(loop, &answer_timer);   /* the next one's turn */
    if (!spawned) {
        const char *error = json_string_value(json_object_get(a, "error"));
        isl_log(ISL_LOG_ERR, "event=spawn_failed child=%s via=spawner error=\"%s\"", r->label,
                error ? error : "?");
        json_decref(a);
        finish(r, NULL);
        return;
    }
    pid_t child = (pid_t)json_integer_value(pid);
    json_decref(a);
    int status = -1;
    if (procs_take_early_exit(child, &status) || reaped_already(pidfd)) {
        isl_log(ISL_LOG_WARNING, "event=spawn_exited_at_once child=%s pid=%ld status=%d",
                r->label, (long)child, status);
        if (pidfd >= 0)
            close(pidfd);
        finish(r, NULL);
        return;
    }
    restart_delay_s = RESTART_FIRST_S;   /* it works */
    struct proc *p = proc_track(r->label, child, pidfd, r->ours, r->ops, NULL);
    r->ours = -1;   /* proc_track owns it now, tracked or not */
    finish(r, p);
}

static void on_link_readable(struct ev_loop *l, ev_io *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    static char buf[4096];
    while (link_fd >= 0) {
        int pidfd;
        ssize_t n = fd_recv(link_fd, buf, sizeof buf, &pidfd, MSG_DONTWAIT);
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n == -1 || n == 0) {
            close_link();   /* its exit follows */
            break;
        }
        if (n == -2) {
            if (pidfd >= 0)
                close(pidfd);
            broken("spawner_answer_truncated");
            break;
        }
        take_answer(buf, (size_t)n, pidfd);
    }
    settle_queue_state();
}

static void on_answer_timeout(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    if (head)
        broken("spawn_unanswered");
}

static void on_restart(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    spawner_start();
}

void spawner_init(struct ev_loop *l)
{
    loop = l;
    ev_init(&restart_timer, on_restart);
    ev_init(&answer_timer, on_answer_timeout);
    answer_timer.repeat = ANSWER_TIMEOUT_S;
}

void spawner_start(void)
{
    if (helper || stopping || ev_is_active(&restart_timer))
        return;
    /* islandsd's own program: no path to configure, and it runs whatever
     * islandsd runs. */
    bool faults = daemon_state.config.crash_injection;
    char *argv[] = {"islandsd", "--spawner", faults ? "--faults" : NULL, NULL};
    /* A test's pause before each answer is not a stuck spawner. */
    answer_timer.repeat = ANSWER_TIMEOUT_S +
        (double)isl_fault_ms(isl_faults_enabled(faults), "ISLANDS_FAULT_SPAWNED_SLEEP_MS") / 1e3;
    int fd;
    helper = proc_spawn_helper("spawner", "/proc/self/exe", argv, &helper_ops, &fd);
    if (!helper) {
        ev_timer_set(&restart_timer, RESTART_MAX_S, 0.);
        ev_timer_start(loop, &restart_timer);
        return;
    }
    link_fd = fd;
    ev_io_init(&link_io, on_link_readable, link_fd, EV_READ);
    ev_io_start(loop, &link_io);
    isl_log(ISL_LOG_INFO, "event=spawner_start pid=%ld", (long)helper->pid);
}

bool spawner_available(void)
{
    return link_fd >= 0 && !stopping;
}

static json_t *string_array(char *const list[])
{
    json_t *a = json_array();
    for (size_t i = 0; a && list[i]; i++)
        if (json_array_append_new(a, json_string(list[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

int spawner_spawn(const char *label, const char *path, char *const argv[],
                  const struct proc_ops *ops, spawner_done done, uintptr_t tag)
{
    if (!spawner_available())
        return -1;
    json_t *req = json_pack("{s:s, s:I, s:s, s:o, s:o}", "t", "spawn", "id", next_id, "path",
                            path, "argv", string_array(argv), "env",
                            string_array(procs_child_env()));
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    struct request *r = malloc(sizeof *r);
    int sv[2] = {-1, -1};
    if (!text || !r || strlen(text) >= SPAWNER_REQUEST_MAX ||
        procs_socketpair(SOCK_STREAM, sv) != 0) {
        free(text);
        free(r);
        return -1;
    }
    size_t len = strlen(text);
    int sent = fd_send(link_fd, text, len, sv[1], MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
    int err = errno;
    free(text);
    close(sv[1]);
    if (sent != 0) {
        close(sv[0]);
        free(r);
        if (err != EAGAIN && err != EWOULDBLOCK)
            broken("spawner_link_broken");
        return -1;
    }
    *r = (struct request){.id = next_id++, .ours = sv[0], .label = label, .ops = ops,
                          .done = done, .tag = tag};
    if (tail)
        tail->next = r;
    else
        head = r;
    tail = r;
    settle_queue_state();
    return 0;
}

void spawner_stop(void)
{
    stopping = true;
    ev_timer_stop(loop, &restart_timer);
    close_link();   /* the spawner reads EOF and exits */
    fail_all();
    if (helper)
        proc_terminate(helper, daemon_state.config.shutdown_ms);
}
