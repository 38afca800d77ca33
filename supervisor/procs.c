/* Child processes: spawn, channel I/O, signals through pidfds, reaping. */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "islands/clock.h"
#include "islands/frame.h"
#include "islands/log.h"

#define CHANNEL_FD 3
#define READ_CHUNK 65536
#define CHANNEL_OUTPUT_MAX (32u * 1024 * 1024)

extern char **environ;

static struct ev_loop *loop;
static ev_child child_watcher;
static struct proc *live_procs;
static unsigned live_count;
static char **child_env;   /* environ minus systemd's variables, plus our pid and log level */
static char child_log_level[32];

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

/* Variables that belong to islandsd alone: a worker must not talk to
 * systemd or take the listening socket. */
static bool is_private_variable(const char *entry)
{
    static const char *const names[] = {"NOTIFY_SOCKET=", "LISTEN_FDS=", "LISTEN_PID=",
                                        "LISTEN_FDNAMES=", "WATCHDOG_USEC=", "WATCHDOG_PID=",
                                        "ISLANDS_PARENT_PID=", ISL_LOG_LEVEL_ENV "="};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(entry, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

static void build_child_env(void)
{
    size_t n = 0;
    while (environ[n])
        n++;
    child_env = calloc(n + 3, sizeof *child_env);
    if (!child_env) {
        isl_log(ISL_LOG_ERR, "event=fatal reason=out_of_memory");
        exit(1);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_private_variable(environ[i]))
            child_env[k++] = environ[i];
    static char parent[64];
    snprintf(parent, sizeof parent, "ISLANDS_PARENT_PID=%ld", (long)getpid());
    child_env[k++] = parent;
    if (!child_log_level[0])
        procs_set_child_log_level(ISL_LOG_INFO);
    child_env[k++] = child_log_level;
    child_env[k] = NULL;
}

void procs_set_child_log_level(int max_prio)
{
    /* Rewritten in place: child_env points at this buffer. */
    snprintf(child_log_level, sizeof child_log_level, "%s=%d", ISL_LOG_LEVEL_ENV, max_prio);
}

/* Through the pidfd when there is one; else by pid, which is safe as long as
 * the child is not reaped (it stays ours until then). */
static void signal_child(pid_t pid, int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
    if (pidfd >= 0) {
        syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        return;
    }
#endif
    kill(pid, sig);
}

char *const *procs_child_env(void)
{
    return child_env;
}

/* Children the spawner started are ours before we hear their pid: one may
 * be reaped first. Its exit waits here until the spawner's answer comes. */
#define EARLY_EXITS_MAX 32
static struct { pid_t pid; int status; } early_exits[EARLY_EXITS_MAX];
static unsigned early_exit_count;
static bool expecting_unknown;

static void log_unknown_exit(pid_t pid, int status)
{
    char how[PROCS_STATUS_TEXT_MAX];
    procs_describe_status(status, how, sizeof how);
    isl_log(ISL_LOG_NOTICE, "event=reaped_unknown pid=%ld %s", (long)pid, how);
}

void procs_expect_unknown(bool expecting)
{
    expecting_unknown = expecting;
    /* Kept for an answer that did not name them (a start the spawner
     * reported failed, a child of a request given up): said now. */
    for (unsigned i = 0; !expecting && i < early_exit_count; i++)
        log_unknown_exit(early_exits[i].pid, early_exits[i].status);
    if (!expecting)
        early_exit_count = 0;
}

bool procs_take_early_exit(pid_t pid, int *status)
{
    for (unsigned i = 0; i < early_exit_count; i++)
        if (early_exits[i].pid == pid) {
            *status = early_exits[i].status;
            early_exits[i] = early_exits[--early_exit_count];
            return true;
        }
    return false;
}

static struct proc *find_by_pid(pid_t pid)
{
    for (struct proc *p = live_procs; p; p = p->next)
        if (p->pid == pid)
            return p;
    return NULL;
}

static void close_channel(struct proc *p)
{
    if (p->fd < 0)
        return;
    ev_io_stop(loop, &p->rio);
    ev_io_stop(loop, &p->wio);
    close(p->fd);
    p->fd = -1;
}

/* Read what the channel holds and deliver complete frames. A short read
 * means the socket is empty for now: the loop wakes us for more, so only
 * a dead child's channel (read_dry) is read on until EAGAIN. */
static void pump_input(struct proc *p, bool read_dry)
{
    for (;;) {
        ssize_t n = isl_buf_read_fd(&p->in, p->fd, READ_CHUNK);
        if (n > 0 && (size_t)n < READ_CHUNK && !read_dry)
            break;
        if (n == -2) {
            proc_kill_broken(p, "frame_too_large");
            close_channel(p);
            return;
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            ev_io_stop(loop, &p->rio);   /* EOF: the exit will follow */
            break;
        }
        if (n < 0)
            break;
    }
    json_t *msg;
    int r;
    while (p->fd >= 0 && (r = isl_frame_take(&p->in, &msg)) == 1) {
        p->ops->on_message(p, msg);
        json_decref(msg);
    }
    if (p->fd >= 0 && r < 0) {
        proc_kill_broken(p, "bad_frame");
        close_channel(p);
    }
    /* An idle channel holds no memory: each kept its READ_CHUNK buffer,
     * some 10 KiB of touched pages per live game (100 MiB at 10,000). */
    if (p->in.len == 0)
        isl_buf_free(&p->in);
}

static void on_readable(struct ev_loop *l, ev_io *w, int revents)
{
    (void)l;
    (void)revents;
    pump_input(w->data, false);
}

static void flush_output(struct proc *p)
{
    int r = isl_buf_write_fd(&p->out, p->fd);
    if (r == 1) {
        ev_io_start(loop, &p->wio);
    } else {
        ev_io_stop(loop, &p->wio);
        if (r == 0)
            isl_buf_free(&p->out);   /* all sent: nothing held while idle */
        if (r < 0 && errno != EPIPE)
            isl_log(ISL_LOG_WARNING, "event=channel_error child=%s pid=%ld error=\"%s\"",
                    p->label, (long)p->pid, strerror(errno));
    }
}

static void on_writable(struct ev_loop *l, ev_io *w, int revents)
{
    (void)l;
    (void)revents;
    flush_output(w->data);
}

static void on_kill_timer(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)revents;
    struct proc *p = w->data;
    isl_log(ISL_LOG_WARNING, "event=shutdown_timeout child=%s pid=%ld action=SIGKILL",
            p->label, (long)p->pid);
    proc_signal(p, SIGKILL);
}

void procs_describe_status(int status, char *out, size_t n)
{
    if (WIFEXITED(status))
        snprintf(out, n, "exit_status=%d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, n, "signal=%s core_dumped=%s", sigabbrev_np(WTERMSIG(status)) ?
                 sigabbrev_np(WTERMSIG(status)) : "?", WCOREDUMP(status) ? "yes" : "no");
    else
        snprintf(out, n, "status=%d", status);
}

/* Our children now. Single-threaded, and the spawner's CLONE_PARENT makes
 * its children the children of this thread. NULL without /proc. */
static FILE *open_children(void)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
    return fopen(path, "re");
}

/* Children we had before we started any (islandsd exec'd by a shell that
 * had started others): not ours to wait for or to kill at our stop. */
#define INHERITED_MAX 64
static pid_t inherited[INHERITED_MAX];
static unsigned inherited_count;

static void note_inherited_children(void)
{
    FILE *f = open_children();
    long pid;
    while (f && inherited_count < INHERITED_MAX && fscanf(f, "%ld", &pid) == 1)
        inherited[inherited_count++] = (pid_t)pid;
    if (f)
        fclose(f);
}

/* Its place among the inherited, or -1. */
static int inherited_index(pid_t pid)
{
    for (unsigned i = 0; i < inherited_count; i++)
        if (inherited[i] == pid)
            return (int)i;
    return -1;
}

static bool is_inherited(pid_t pid)
{
    return inherited_index(pid) >= 0;
}

/* Reaped (libev reaps every child): its pid may now be one of ours. */
static bool forget_inherited(pid_t pid)
{
    int i = inherited_index(pid);
    if (i >= 0)
        inherited[i] = inherited[--inherited_count];
    return i >= 0;
}

static void on_child(struct ev_loop *l, ev_child *w, int revents)
{
    (void)l;
    (void)revents;
    struct proc *p = find_by_pid(w->rpid);
    if (!p && forget_inherited(w->rpid)) {
        isl_log(ISL_LOG_INFO, "event=reaped_inherited pid=%ld", (long)w->rpid);
        return;
    }
    if (!p) {
        if (expecting_unknown && early_exit_count < EARLY_EXITS_MAX) {
            early_exits[early_exit_count].pid = w->rpid;
            early_exits[early_exit_count++].status = w->rstatus;
        } else {
            log_unknown_exit(w->rpid, w->rstatus);
        }
        return;
    }
    p->reaped = true;
    if (p->fd >= 0)
        pump_input(p, true);   /* frames sent just before dying still count */
    close_channel(p);
    ev_timer_stop(loop, &p->kill_timer);
    if (p->pidfd >= 0)
        close(p->pidfd);
    p->pidfd = -1;
    if (p->prev)
        p->prev->next = p->next;
    else
        live_procs = p->next;
    if (p->next)
        p->next->prev = p->prev;
    live_count--;
    p->ops->on_exit(p, w->rstatus);
    isl_buf_free(&p->in);
    isl_buf_free(&p->out);
    free(p);
}

void procs_init(struct ev_loop *l)
{
    loop = l;
    build_child_env();
    note_inherited_children();
    ev_child_init(&child_watcher, on_child, 0, 0);
    ev_child_start(loop, &child_watcher);
}

/* posix_spawn path with argv, child_end as its fd 3 and default
 * dispositions; only the signals a terminal sends to the whole group
 * (SIGHUP, SIGINT, SIGQUIT) blocked, until the child ignores them
 * (isl_child_setup): by default they would kill a child that has not got
 * that far. Returns the pid, or -1 with errno set. */
static pid_t start_child(const char *path, char *const argv[], int child_end)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t terminal, all;
    sigemptyset(&terminal);
    sigaddset(&terminal, SIGHUP);
    sigaddset(&terminal, SIGINT);
    sigaddset(&terminal, SIGQUIT);
    sigfillset(&all);
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_end, CHANNEL_FD);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &terminal);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int err = posix_spawn(&pid, path, &actions, &attr, argv, child_env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return pid;
}

int procs_socketpair(int type, int sv[2])
{
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    /* dup2(3, 3) would keep close-on-exec: make sure the child's end is not 3. */
    if (sv[1] == CHANNEL_FD) {
        int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, CHANNEL_FD + 1);
        close(sv[1]);
        sv[1] = moved;
        if (moved < 0) {
            close(sv[0]);
            return -1;
        }
    }
    return 0;
}

struct proc *proc_track(const char *label, pid_t pid, int pidfd, int channel,
                        const struct proc_ops *ops, void *owner)
{
    struct proc *p = calloc(1, sizeof *p);
    if (!p) {
        /* Cannot track it: make sure it does not live on untracked. */
        signal_child(pid, pidfd, SIGKILL);
        if (pidfd >= 0)
            close(pidfd);
        if (channel >= 0)
            close(channel);
        errno = ENOMEM;
        return NULL;
    }
    p->pid = pid;
    p->pidfd = pidfd >= 0 ? pidfd : pidfd_open_compat(pid);
    p->fd = channel;
    p->ops = ops;
    p->owner = owner;
    p->label = label;
    p->spawned_ms = isl_monotonic_ms();
    isl_buf_init(&p->in, ISL_FRAME_MAX + 4);
    isl_buf_init(&p->out, CHANNEL_OUTPUT_MAX);
    ev_init(&p->kill_timer, on_kill_timer);
    p->kill_timer.data = p;
    if (channel >= 0) {
        fcntl(channel, F_SETFL, fcntl(channel, F_GETFL) | O_NONBLOCK);
        ev_io_init(&p->rio, on_readable, channel, EV_READ);
        ev_io_init(&p->wio, on_writable, channel, EV_WRITE);
        p->rio.data = p->wio.data = p;
        ev_io_start(loop, &p->rio);
    }
    p->next = live_procs;
    if (live_procs)
        live_procs->prev = p;
    live_procs = p;
    live_count++;
    return p;
}

/* Spawn with a socketpair of `type`; *ours gets our end. */
static pid_t spawn_linked(const char *label, const char *path, char *const argv[], int type,
                          int *ours)
{
    int sv[2];
    if (procs_socketpair(type, sv) != 0) {
        isl_log(ISL_LOG_ERR, "event=spawn_failed child=%s error=\"socketpair: %s\"", label,
                strerror(errno));
        return -1;
    }
    pid_t pid = start_child(path, argv, sv[1]);
    int err = errno;
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        isl_log(ISL_LOG_ERR, "event=spawn_failed child=%s path=%s error=\"%s\"", label, path,
                strerror(err));
        errno = err;
        return -1;
    }
    *ours = sv[0];
    return pid;
}

struct proc *proc_spawn(const char *label, const char *path, char *const argv[],
                        const struct proc_ops *ops, void *owner)
{
    int ours;
    pid_t pid = spawn_linked(label, path, argv, SOCK_STREAM, &ours);
    return pid < 0 ? NULL : proc_track(label, pid, -1, ours, ops, owner);
}

struct proc *proc_spawn_helper(const char *label, const char *path, char *const argv[],
                               const struct proc_ops *ops, int *link)
{
    int ours;
    pid_t pid = spawn_linked(label, path, argv, SOCK_SEQPACKET, &ours);
    if (pid < 0)
        return NULL;
    struct proc *p = proc_track(label, pid, -1, -1, ops, NULL);
    if (!p) {
        close(ours);
        return NULL;
    }
    fcntl(ours, F_SETFL, fcntl(ours, F_GETFL) | O_NONBLOCK);
    *link = ours;
    return p;
}

/* Why isl_frame_put could not queue msg for p (worked out only then). */
static const char *send_failure(const struct proc *p, const json_t *msg)
{
    if (!msg)
        return "message_not_built";   /* its json_pack ran out of memory */
    size_t len = json_dumpb(msg, NULL, 0, JSON_COMPACT);
    if (len == 0)
        return "message_not_encoded";
    if (len > ISL_FRAME_MAX)
        return "frame_too_large";
    if (p->out.len + 4 + len > CHANNEL_OUTPUT_MAX)   /* 4: the length prefix */
        return "channel_output_full";
    return "out_of_memory";
}

void proc_send(struct proc *p, const json_t *msg)
{
    if (p->fd < 0)
        return;
    if (isl_frame_put(&p->out, msg) != 0) {
        proc_kill_broken(p, send_failure(p, msg));
        return;
    }
    if (!ev_is_active(&p->wio))
        flush_output(p);
}

bool proc_output_pending(const struct proc *p)
{
    return p->fd >= 0 && p->out.len > 0;
}

void proc_read_dry(struct proc *p)
{
    if (p->fd >= 0)
        pump_input(p, true);
}

void proc_signal(struct proc *p, int sig)
{
    if (!p->reaped)
        signal_child(p->pid, p->pidfd, sig);
}

static void stop_with(struct proc *p, int shutdown_ms, int first_signal)
{
    if (p->reaped)
        return;
    if (shutdown_ms < 0) {   /* brutal_kill: stopped on purpose all the same */
        p->terminating = true;
        proc_signal(p, SIGKILL);
        return;
    }
    if (p->terminating)
        return;
    p->terminating = true;
    if (first_signal)
        proc_signal(p, first_signal);
    ev_timer_set(&p->kill_timer, shutdown_ms / 1000.0, 0.);
    ev_timer_start(loop, &p->kill_timer);
}

void proc_terminate(struct proc *p, int shutdown_ms)
{
    stop_with(p, shutdown_ms, SIGTERM);
}

void proc_await_exit(struct proc *p, int shutdown_ms)
{
    stop_with(p, shutdown_ms, 0);
}

void proc_keep(struct proc *p)
{
    p->terminating = false;
    ev_timer_stop(loop, &p->kill_timer);
}

void proc_kill_broken(struct proc *p, const char *why)
{
    isl_log(ISL_LOG_ERR, "event=child_broken child=%s pid=%ld reason=%s action=SIGKILL",
            p->label, (long)p->pid, why);
    proc_signal(p, SIGKILL);
}

unsigned procs_live_count(void)
{
    return live_count;
}

bool procs_any_child_left(void)
{
    FILE *f = inherited_count ? open_children() : NULL;
    if (f) {
        long pid;
        bool ours = false;
        while (!ours && fscanf(f, "%ld", &pid) == 1)
            ours = !is_inherited((pid_t)pid);
        fclose(f);
        return ours;
    }
    siginfo_t info;
    memset(&info, 0, sizeof info);
    return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

void procs_kill_untracked(void)
{
    /* A pid listed here is not reused before we reap it, so the kill
     * reaches the right process. */
    FILE *f = open_children();
    long pid;
    while (f && fscanf(f, "%ld", &pid) == 1)
        if (!find_by_pid((pid_t)pid) && !is_inherited((pid_t)pid)) {
            isl_log(ISL_LOG_WARNING, "event=untracked_child_killed pid=%ld", pid);
            kill((pid_t)pid, SIGKILL);
        }
    if (f)
        fclose(f);
}
