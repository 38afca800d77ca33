/* Processes: islandsd started in its own process group on a temporary
 * socket and store, and what /proc says about its children. */
#ifndef ISLANDS_CHAOS_PROCS_H
#define ISLANDS_CHAOS_PROCS_H

#include <stdbool.h>
#include <sys/types.h>

#include "islands/config.h"

struct daemon {
    pid_t pid;                   /* 0: not running; also its process group */
    const char *program;
    char dir[256];               /* temporary directory holding everything */
    char socket[300];
    char store[300];
    char config[300];
    char log[300];               /* stderr of islandsd and its children */
    char config_text[1024];      /* islands.conf lines */
    unsigned commit_sleep_ms;    /* ISLANDS_FAULT_COMMIT_SLEEP_MS and
                                    ISLANDS_FAULT_COMMITTED_SLEEP_MS, 0: none */
    bool ack_before_commit;      /* ISLANDS_FAULT_ACK_BEFORE_COMMIT=1 */
    bool relay_before_commit;    /* ISLANDS_FAULT_RELAY_BEFORE_COMMIT_MS=20 */
    bool swap_commit_points;     /* ISLANDS_FAULT_SWAP_COMMIT_POINTS=1 */
    bool keep_deleted;           /* ISLANDS_FAULT_KEEP_DELETED=1 */
};

/* Make the temporary directory (under $TMPDIR or /tmp). -1 on failure. */
int daemon_prepare(struct daemon *d, const char *program);
/* Write the configuration and start islandsd; returns once it answers
 * `ping` and a game request (its writer has read the store's index).
 * -1 (with a message printed) if it exits or does not answer. */
int daemon_start(struct daemon *d);
/* Wait up to timeout_ms for islandsd to exit; its wait status, or -1. */
int daemon_wait(struct daemon *d, int timeout_ms);
/* SIGTERM and wait; SIGKILL to the group if it does not stop. */
int daemon_stop(struct daemon *d);
void daemon_remove_dir(struct daemon *d);
/* SIGKILL the process group of the daemon running now (signal-safe). */
void daemon_kill_current(void);
/* Bytes of the log so far, and whether `needle` appears after offset. */
long daemon_log_size(const struct daemon *d);
bool daemon_log_has(const struct daemon *d, long offset, const char *needle);

/* /proc: live processes (not zombies) in process group pgid other than
 * pid pgid itself. */
int proc_group_count(pid_t pgid);
/* Workers and writers in the group whose parent is not `parent`
 * (orphans). */
int proc_group_orphans(pid_t pgid, pid_t parent);
/* Zombies whose parent is `parent`. */
int proc_zombies(pid_t parent);
/* A child of parent whose argv[0] has basename `name`; 0 if none. */
pid_t proc_find_child(pid_t parent, const char *name);
/* The parent and process group of pid; -1 if it is gone. */
int proc_parent(pid_t pid, pid_t *parent, pid_t *pgid);
/* Is the process stopped (state T)? */
bool proc_stopped(pid_t pid);
/* SIGKILL every process of the group (cleanup after a violation). */
void proc_kill_group(pid_t pgid);

#endif
