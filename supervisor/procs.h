/* Child processes of islandsd: spawn (posix_spawn, fd 3 = a socketpair
 * channel), frames on the channel, signals through a pidfd (never a pid
 * that was already reaped), termination with a timeout, reaping. */
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
    struct proc *prev, *next;  /* all live procs */
};

void procs_init(struct ev_loop *loop);
/* Children started from now on log up to this priority (islands.conf's
 * log_level; a reload reaches the children started after it). */
void procs_set_child_log_level(int max_prio);

/* Start path with argv; the child gets fd 3 = channel, ISLANDS_PARENT_PID
 * in its environment, an empty signal mask and default dispositions.
 * Returns NULL (errno set, reason logged) if the program could not run. */
struct proc *proc_spawn(const char *label, const char *path, char *const argv[],
                        const struct proc_ops *ops, void *owner);

/* Queue a frame; a child that cannot take it (channel broken, output over
 * its cap) is killed as broken. */
void proc_send(struct proc *p, const json_t *msg);
void proc_signal(struct proc *p, int sig);
/* Deliver every complete frame the channel holds now (read until EAGAIN). */
void proc_read_dry(struct proc *p);
/* SIGTERM, then SIGKILL after shutdown_ms; shutdown_ms < 0 = brutal_kill. */
void proc_terminate(struct proc *p, int shutdown_ms);
/* The child broke the internal protocol: log why and SIGKILL it. */
void proc_kill_broken(struct proc *p, const char *why);

unsigned procs_live_count(void);
/* SIGKILL every child at once (giving up, or the last step of shutdown). */
void procs_kill_all(void);

#endif
