/* A real islandsd for integration tests: started on a temporary socket and
 * store, talked to through the real protocol, stopped and checked for
 * leftover processes. */
#ifndef ISLANDS_TESTD_H
#define ISLANDS_TESTD_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "islands/client.h"

struct testd {
    pid_t pid;                 /* islandsd; also its process group */
    char dir[256];             /* temporary directory holding everything */
    char socket[300];
    char store[300];
    char config[300];
    char log[300];             /* islandsd's stderr */
    int log_fd;                /* > 0: islandsd's stderr instead of the file log */
    struct isl_client *client; /* one connection for testd_call */
};

/* Path of a program: $ENV_NAME, else build/NAME. */
const char *testd_program(const char *env_name, const char *name);

/* Make the temporary directory and name the paths in it (done by
 * testd_start if not before; a test may prepare the store first). */
void testd_prepare(struct testd *d);
/* Write config_lines (islands.conf text, may be NULL) and start islandsd;
 * returns once `ping` is answered and the store writer is ready. Uses a
 * fresh temporary directory unless d->dir is already set (restart on the
 * same store). Fails the test on error. */
void testd_start(struct testd *d, const char *config_lines);
/* Run islandsd with args (NULL-terminated, after argv[0]) until it exits
 * (killed after 10 s); its stderr in out. Returns the wait status. */
int testd_run_to_exit(const char *const args[], char *out, size_t outlen);
/* SIGTERM, wait; returns the wait status. Keeps the directory. */
int testd_stop(struct testd *d);
/* testd_stop, which must be a clean exit (status 0) leaving nothing of
 * islandsd's process group, then testd_cleanup. */
void testd_stop_clean(struct testd *d);
/* Wait for islandsd to exit by itself (up to timeout_ms); -1 on timeout. */
int testd_wait_exit(struct testd *d, int timeout_ms);
/* Remove the temporary directory. */
void testd_cleanup(struct testd *d);
/* rm -rf dir (a test's own temporary directory); false, said on stderr,
 * if that failed. */
bool testd_remove_dir(const char *dir);
/* A named FIFO, already unlinked: its reader's end, non-blocking, in
 * fds[0], its writer's end in fds[1] (both close-on-exec). */
void testd_open_fifo(int fds[2]);

/* One request on the shared connection: json_pack-style format. Returns
 * the response (new reference); fails the test on transport errors. */
json_t *testd_call(struct testd *d, const char *fmt, ...);
/* The same on a fresh connection (for tests that break their own). */
struct isl_client *testd_connect(struct testd *d);

/* A daemon with the default configuration for each test of a TCase:
 * tcase_add_checked_fixture(tc, testd_fixture_start, testd_fixture_stop). */
extern struct testd testd_fixture;
void testd_fixture_start(void);
void testd_fixture_stop(void);

/* Helpers over responses. */
bool testd_ok(const json_t *response);
const char *testd_error(const json_t *response);   /* error code or "" */

/* `list` -> the worker pid of game (0 if none or unknown). */
long testd_worker_pid(struct testd *d, const char *game);
/* Wait until game's worker pid differs from old_pid and is not 0; fails
 * the test if none comes within timeout_ms. */
long testd_wait_new_pid(struct testd *d, const char *game, long old_pid, int timeout_ms);

/* Processes in islandsd's process group other than islandsd itself, and
 * zombies among its children. */
int testd_group_processes(pid_t pgid);
int testd_zombie_children(pid_t parent);
/* The same without zombies (nobody may reap them once islandsd is gone). */
int testd_live_group_processes(pid_t pgid);
/* Live children of parent named comm (NULL: any), at most max of them
 * into out (may be NULL); returns how many. */
int testd_children(pid_t parent, const char *comm, long out[], int max);

/* Sleep that many milliseconds (polling loops). */
void testd_sleep_ms(int ms);

/* Count lines of islandsd's log that contain needle. */
int testd_log_count(struct testd *d, const char *needle);
/* The same once it reaches count, or after 10 s. */
int testd_wait_log_count(struct testd *d, const char *needle, int count);
/* Count those from the first line containing `first` (which must be
 * there) on, that line included. */
int testd_log_count_after(struct testd *d, const char *first, const char *needle);
/* Wait (5 s at most, else fail) until `status` reports want spares. */
void testd_wait_spares(struct testd *d, int want);
/* Rewrite islandsd's configuration file with config_lines (as
 * testd_start writes them), SIGHUP, and wait for its nth `reloaded`. */
void testd_reload(struct testd *d, const char *config_lines, int nth);

/* Play a game to set-up: new_game + add_player + all islands placed and
 * set. Tokens are written into tok1/tok2 (33 bytes each). */
void testd_setup_game(struct testd *d, const char *game, char *tok1, char *tok2);

#endif
