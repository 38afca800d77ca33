/* islandsd under test: started on a temporary socket and store with a
 * written islands.conf, in its own process group, so that every worker and
 * the writer can be stopped with it, even when the bench fails. */
#ifndef ISLANDS_BENCH_DAEMON_H
#define ISLANDS_BENCH_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The islands.conf keys the scenarios vary; the rest is fixed in
 * daemon.c (no give-up under 1,000 kills, room for 100,000 games). */
struct daemon_settings {
    const char *sync;            /* full, nometa, none */
    bool group_commit;
    unsigned max_children;
    unsigned spare_workers;
    unsigned hibernate_after;    /* seconds; 0 = never */
    bool crash_injection;
};

struct bench_daemon {
    pid_t pid;                   /* islandsd, also its process group; 0 if not running */
    char dir[256];               /* temporary directory holding everything */
    char socket[300], store[300], config[300], log[300];
};

void daemon_settings_default(struct daemon_settings *s);
/* "group" or "direct", as in the result lines. */
const char *daemon_commit_name(const struct daemon_settings *s);

/* A fresh temporary directory and the paths in it. 0, or -1 (said why). */
int daemon_create(struct bench_daemon *d);
/* Write the configuration and start islandsd; does not wait. 0 or -1. */
int daemon_start(struct bench_daemon *d, const struct daemon_settings *s);
/* Poll (every 0.5 ms) until `ping` is answered; *answered_ns is the
 * now_ns() of the answer. 0, or -1 if islandsd exited or timed out. */
int daemon_wait_ping(struct bench_daemon *d, int timeout_ms, uint64_t *answered_ns);
/* SIGKILL the whole process group and reap islandsd. */
void daemon_kill(struct bench_daemon *d);
/* SIGTERM, wait up to 30 s, then SIGKILL the group. */
void daemon_stop(struct bench_daemon *d);
/* Kill if running and remove the directory. */
void daemon_destroy(struct bench_daemon *d);

/* Start, wait for ping: the usual opening of a scenario. */
int daemon_launch(struct bench_daemon *d, const struct daemon_settings *s);

/* SIGINT/SIGTERM/SIGHUP: kill every running daemon's group and mark the
 * run interrupted; the scenarios notice and unwind. */
void daemon_install_signal_handlers(void);
bool bench_interrupted(void);

#endif
