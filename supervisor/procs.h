/* Child processes of islandsd: spawn (posix_spawn, fd 3 = a socketpair
 * channel) or track one the spawner started, frames on the channel,
 * signals through a pidfd (never a pid that was already reaped),
 * termination with a timeout, reaping. */
#ifndef ISLANDS_PROCS_H
#define ISLANDS_PROCS_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "islands/buf.h"

struct proc;

struct proc_ops {
    /* One frame from the child (borrowed). */
    void (*on_message)(struct proc *p, json_t *msg);
    /* The child was reaped; every frame it sent was delivered first. The
     * proc is freed when this returns. */
    void (*on_exit)(struct proc *p, int wait_status);
};

struct proc {
    pid_t pid;
    int pidfd;                 /* -1 if the kernel has no pidfd_open */
    int fd;                    /* our end of the channel, -1 once closed */
    ev_io rio, wio;
    ev_timer kill_timer;
    struct isl_buf in, out;
    const struct proc_ops *ops;
    void *owner;
    const char *label;         /* "worker", "writer", for logs */
    bool reaped;
    bool terminating;
    uint64_t spawned_ms;
    unsigned game_timeout_s;   /* workers: the --game-timeout they run with */
    unsigned long generation;  /* workers: the pool's generation they started in */
    unsigned games_served;     /* workers: games it served to their end (recycled) */
    struct proc *prev, *next;  /* all live procs */
};

void procs_init(struct ev_loop *loop);
/* Children started from now on log up to this priority (islands.conf's
 * log_level; a reload reaches the children started after it). */
void procs_set_child_log_level(int max_prio);

/* Start path with argv; the child gets fd 3 = channel, ISLANDS_PARENT_PID
 * in its environment, default dispositions, and SIGHUP, SIGINT and
 * SIGQUIT blocked (isl_child_setup ignores them, then unblocks).
 * Returns NULL (errno set, reason logged) if the program could not run. */
struct proc *proc_spawn(const char *label, const char *path, char *const argv[],
                        const struct proc_ops *ops, void *owner);

/* The same with a SOCK_SEQPACKET pair whose end islandsd reads itself
 * (*link, non-blocking): procs only reaps and signals the child. */
struct proc *proc_spawn_helper(const char *label, const char *path, char *const argv[],
                               const struct proc_ops *ops, int *link);
/* Track a child started by someone else on our behalf (the spawner):
 * takes pidfd (-1: opened here) and channel (-1: none). NULL (child
 * killed, fds closed) if out of memory. */
struct proc *proc_track(const char *label, pid_t pid, int pidfd, int channel,
                        const struct proc_ops *ops, void *owner);
/* socketpair(AF_UNIX, type | SOCK_CLOEXEC) whose sv[1] (the child's) is not fd 3. */
int procs_socketpair(int type, int sv[2]);
/* The environment every child gets. */
char *const *procs_child_env(void);
/* While the spawner has starts in flight, an unknown child's exit is kept
 * (a few of them) for procs_take_early_exit instead of being logged at
 * once; false logs what nobody took. */
void procs_expect_unknown(bool expecting);
bool procs_take_early_exit(pid_t pid, int *status);

/* Queue a frame; a child that cannot take it (channel broken, output over
 * its cap, msg NULL or not encodable) is killed as broken, the reason
 * logged. */
void proc_send(struct proc *p, const json_t *msg);
/* Does p's channel still hold frames we queued and the child has not
 * taken? */
bool proc_output_pending(const struct proc *p);
void proc_signal(struct proc *p, int sig);
/* A wait status as log fields: "exit_status=N", or "signal=NAME
 * core_dumped=yes|no"; out holds PROCS_STATUS_TEXT_MAX bytes. */
#define PROCS_STATUS_TEXT_MAX 64
void procs_describe_status(int status, char *out, size_t n);
/* Deliver every complete frame the channel holds now (read until EAGAIN). */
void proc_read_dry(struct proc *p);
/* SIGTERM, then SIGKILL after shutdown_ms; shutdown_ms < 0 = brutal_kill. */
void proc_terminate(struct proc *p, int shutdown_ms);
/* One leaving on its own (or asking to be kept: proc_keep): no SIGTERM,
 * only SIGKILL if it has not left after shutdown_ms (< 0: at once). */
void proc_await_exit(struct proc *p, int shutdown_ms);
/* Not to be stopped after all: a proc_await_exit is called off. */
void proc_keep(struct proc *p);
/* The child broke the internal protocol: log why and SIGKILL it. */
void proc_kill_broken(struct proc *p, const char *why);

unsigned procs_live_count(void);
/* Whether the kernel says islandsd still has a child, tracked or not (a
 * spare the spawner started but whose answer was never read). */
bool procs_any_child_left(void);
/* SIGKILL the children not tracked here (the last step of shutdown). */
void procs_kill_untracked(void);

#endif
