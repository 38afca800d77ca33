/* A real islandsd for integration tests. */
#include "testd.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "islands/proc_stat.h"

#define CALL_TIMEOUT_MS 20000

const char *testd_program(const char *env_name, const char *name)
{
    const char *path = getenv(env_name);
    if (path && path[0])
        return path;
    static char fallback[8][256];
    static int next;
    char *out = fallback[next++ % 8];
    snprintf(out, 256, "build/%s", name);
    return out;
}

void testd_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void write_config(const struct testd *d, const char *lines)
{
    FILE *f = fopen(d->config, "w");
    ck_assert_msg(f != NULL, "cannot write %s", d->config);
    /* info unless the test sets its own (a key set twice is an error). */
    bool own_level = lines && strstr(lines, "log_level") != NULL;
    fprintf(f, "%s%s\n", own_level ? "" : "log_level = info\n", lines ? lines : "");
    fclose(f);
}

struct isl_client *testd_connect(struct testd *d)
{
    return isl_client_connect(d->socket, 5000);
}

/* scripts/run-tests.sh shows the logs of a failed program's tests: a test
 * stopped by an assertion never reaches testd_cleanup, so its directory
 * stays, and this list says where it is. */
static void note_dir(const char *dir)
{
    const char *list = getenv("ISLANDS_TEST_DIRS");
    FILE *f = list && list[0] ? fopen(list, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", dir);
        fclose(f);
    }
}

void testd_prepare(struct testd *d)
{
    if (d->dir[0])
        return;
    snprintf(d->dir, sizeof d->dir, "/tmp/islands-test-XXXXXX");
    ck_assert_msg(mkdtemp(d->dir) != NULL, "mkdtemp failed");
    snprintf(d->socket, sizeof d->socket, "%s/islandsd.sock", d->dir);
    snprintf(d->store, sizeof d->store, "%s/store", d->dir);
    snprintf(d->config, sizeof d->config, "%s/islands.conf", d->dir);
    snprintf(d->log, sizeof d->log, "%s/islandsd.log", d->dir);
    note_dir(d->dir);
}

void testd_start(struct testd *d, const char *config_lines)
{
    testd_prepare(d);
    write_config(d, config_lines);
    const char *islandsd = testd_program("ISLANDSD", "islandsd");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        /* A test that fails an assertion exits at once: take the daemon
         * (and, through their own death signal, its children) with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int log = d->log_fd > 0 ? d->log_fd : open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(log, 2);
        execl(islandsd, "islandsd", "--config", d->config, "--socket", d->socket, "--store",
              d->store, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    d->pid = pid;
    d->client = NULL;
    for (int i = 0; i < 1000 && !d->client; i++) {
        int status;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0,
                      "islandsd exited at start (status %d); see %s", status, d->log);
        d->client = testd_connect(d);
        if (!d->client)
            testd_sleep_ms(10);
    }
    ck_assert_msg(d->client != NULL, "islandsd did not listen on %s", d->socket);
    json_t *pong = testd_call(d, "{s:s}", "op", "ping");
    ck_assert(testd_ok(pong));
    json_decref(pong);
}

int testd_wait_exit(struct testd *d, int timeout_ms)
{
    int status;
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        pid_t r = waitpid(d->pid, &status, WNOHANG);
        if (r == d->pid) {
            if (d->client)
                isl_client_close(d->client);
            d->client = NULL;
            return status;
        }
        testd_sleep_ms(5);
    }
    return -1;
}

int testd_stop(struct testd *d)
{
    kill(d->pid, SIGTERM);
    int status = testd_wait_exit(d, 30000);
    if (status == -1) {
        kill(-d->pid, SIGKILL);
        waitpid(d->pid, &status, 0);
        ck_abort_msg("islandsd did not stop within 30 s of SIGTERM");
    }
    return status;
}

void testd_stop_clean(struct testd *d)
{
    pid_t group = d->pid;
    int status = testd_stop(d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d; see %s",
                  status, d->log);
    ck_assert_int_eq(testd_group_processes(group), 0);
    testd_cleanup(d);
}

void testd_cleanup(struct testd *d)
{
    if (d->client)
        isl_client_close(d->client);
    d->client = NULL;
    if (d->dir[0])
        testd_remove_dir(d->dir);
    d->dir[0] = '\0';
}

bool testd_remove_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) == 0)
        return true;
    fprintf(stderr, "could not remove %s\n", dir);
    return false;
}

void testd_open_fifo(int fds[2])
{
    char dir[] = "/tmp/islands-fifo-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    fds[0] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);   /* first: the next would wait */
    fds[1] = open(path, O_WRONLY | O_CLOEXEC);
    unlink(path);
    rmdir(dir);
    ck_assert_int_ge(fds[0], 0);
    ck_assert_int_ge(fds[1], 0);
}

json_t *testd_call(struct testd *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_error_t error;
    json_t *request = json_vpack_ex(&error, 0, fmt, ap);
    va_end(ap);
    ck_assert_msg(request != NULL, "bad request format: %s", error.text);
    json_t *response = NULL;
    enum isl_client_status s = isl_client_call(d->client, request, &response, CALL_TIMEOUT_MS);
    char *text = json_dumps(request, JSON_COMPACT);
    ck_assert_msg(s == ISL_CLIENT_OK, "request %s: %s", text, isl_client_status_text(s));
    free(text);
    json_decref(request);
    return response;
}

struct testd testd_fixture;

void testd_fixture_start(void)
{
    memset(&testd_fixture, 0, sizeof testd_fixture);
    testd_start(&testd_fixture, NULL);
}

void testd_fixture_stop(void)
{
    testd_stop(&testd_fixture);
    testd_cleanup(&testd_fixture);
}

bool testd_ok(const json_t *response)
{
    return json_is_true(json_object_get(response, "ok"));
}

const char *testd_error(const json_t *response)
{
    const char *e = json_string_value(json_object_get(response, "error"));
    return e ? e : "";
}

long testd_worker_pid(struct testd *d, const char *game)
{
    json_t *r = testd_call(d, "{s:s}", "op", "list");
    json_t *games = json_object_get(r, "games"), *g;
    size_t i;
    long pid = 0;
    json_array_foreach(games, i, g) {
        if (strcmp(json_string_value(json_object_get(g, "game")), game) == 0)
            pid = (long)json_integer_value(json_object_get(g, "pid"));
    }
    json_decref(r);
    return pid;
}

long testd_wait_new_pid(struct testd *d, const char *game, long old_pid, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        long pid = testd_worker_pid(d, game);
        if (pid != 0 && pid != old_pid)
            return pid;
        testd_sleep_ms(10);
    }
    ck_abort_msg("no new worker for %s within %d ms (the old one: %ld)", game, timeout_ms,
                 old_pid);
    return 0;
}

/* Which processes a /proc walk counts. */
struct proc_filter {
    pid_t pgrp;            /* in this process group, its leader left out (0: any) */
    pid_t parent;          /* children of this process (0: any) */
    int zombies;           /* 1 only zombies, -1 none, 0 either */
    const char *comm;      /* with this name (NULL: any) */
};

struct proc_scan {
    const struct proc_filter *filter;
    long *out;             /* may be NULL */
    int max, count;
};

static int count_match(const struct isl_proc_stat *st, void *arg)
{
    struct proc_scan *scan = arg;
    const struct proc_filter *f = scan->filter;
    if ((f->zombies && (st->state == 'Z') != (f->zombies > 0)) ||
        (f->pgrp && (st->pgrp != f->pgrp || st->pid == f->pgrp)) ||
        (f->parent && st->ppid != f->parent) || (f->comm && strcmp(st->name, f->comm) != 0))
        return 0;
    if (scan->out)
        scan->out[scan->count] = st->pid;
    return ++scan->count >= scan->max;
}

/* Count the matches, at most max, their pids into out (may be NULL). */
static int scan_proc(const struct proc_filter *f, long out[], int max)
{
    struct proc_scan scan = {.filter = f, .out = out, .max = max};
    if (max > 0)
        isl_proc_each(count_match, &scan);
    return scan.count;
}

int testd_group_processes(pid_t pgid)
{
    return scan_proc(&(struct proc_filter){.pgrp = pgid}, NULL, INT_MAX);
}

int testd_live_group_processes(pid_t pgid)
{
    return scan_proc(&(struct proc_filter){.pgrp = pgid, .zombies = -1}, NULL, INT_MAX);
}

int testd_children(pid_t parent, const char *comm, long out[], int max)
{
    return scan_proc(&(struct proc_filter){.parent = parent, .zombies = -1, .comm = comm}, out,
                     max);
}

int testd_zombie_children(pid_t parent)
{
    return scan_proc(&(struct proc_filter){.parent = parent, .zombies = 1}, NULL, INT_MAX);
}

/* Lines containing needle from the first containing `first` on ("" is
 * every line); *seen tells whether that first line was found. */
static int log_count_from(struct testd *d, const char *first, const char *needle, bool *seen)
{
    *seen = false;
    FILE *f = fopen(d->log, "r");
    if (!f)
        return 0;
    char line[4096];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        *seen = *seen || strstr(line, first) != NULL;
        count += *seen && strstr(line, needle) != NULL;
    }
    fclose(f);
    return count;
}

int testd_log_count(struct testd *d, const char *needle)
{
    bool seen;
    return log_count_from(d, "", needle, &seen);
}

int testd_log_count_after(struct testd *d, const char *first, const char *needle)
{
    bool seen;
    int count = log_count_from(d, first, needle, &seen);
    ck_assert_msg(seen, "no %s in the log", first);
    return count;
}

int testd_wait_log_count(struct testd *d, const char *needle, int count)
{
    int seen = 0;
    for (int waited = 0; waited < 10000 && (seen = testd_log_count(d, needle)) < count;
         waited += 5)
        testd_sleep_ms(5);
    return seen;
}

void testd_wait_spares(struct testd *d, int want)
{
    for (int i = 0; i < 500; i++) {
        json_t *r = testd_call(d, "{s:s}", "op", "status");
        int spares = (int)json_integer_value(json_object_get(r, "spares"));
        json_decref(r);
        if (spares == want)
            return;
        testd_sleep_ms(10);
    }
    ck_abort_msg("the spare pool did not refill to %d", want);
}

void testd_reload(struct testd *d, const char *config_lines, int nth)
{
    write_config(d, config_lines);
    ck_assert_int_eq(kill(d->pid, SIGHUP), 0);
    ck_assert_int_eq(testd_wait_log_count(d, "event=reloaded", nth), nth);
}

static void expect_ok(json_t *r, const char *what)
{
    char *text = json_dumps(r, JSON_COMPACT);
    ck_assert_msg(testd_ok(r), "%s failed: %s", what, text);
    free(text);
    json_decref(r);
}

void testd_setup_game(struct testd *d, const char *game, char *tok1, char *tok2)
{
    json_t *r = testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", game, "name", "Ann");
    ck_assert_msg(testd_ok(r), "new_game %s failed", game);
    snprintf(tok1, 33, "%s", json_string_value(json_object_get(r, "token")));
    json_decref(r);
    r = testd_call(d, "{s:s, s:s, s:s}", "op", "add_player", "game", game, "name", "Bob");
    ck_assert(testd_ok(r));
    snprintf(tok2, 33, "%s", json_string_value(json_object_get(r, "token")));
    json_decref(r);
    static const struct { const char *island; int row, col; } layout[] = {
        {"atoll", 1, 1}, {"dot", 1, 4}, {"l_shape", 1, 5}, {"s_shape", 5, 1}, {"square", 5, 5}};
    const char *players[] = {"player1", "player2"};
    const char *tokens[] = {tok1, tok2};
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < 5; i++)
            expect_ok(testd_call(d, "{s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "op",
                                 "position_island", "game", game, "player", players[p],
                                 "token", tokens[p], "island", layout[i].island, "row",
                                 layout[i].row, "col", layout[i].col),
                      "position_island");
        expect_ok(testd_call(d, "{s:s, s:s, s:s, s:s}", "op", "set_islands", "game", game,
                             "player", players[p], "token", tokens[p]),
                  "set_islands");
    }
}

int testd_run_to_exit(const char *const args[], char *out, size_t outlen)
{
    char path[] = "/tmp/islandsd-start-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    const char *argv[64] = {"islandsd"};
    int n = 1;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd, 2);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        execv(testd_program("ISLANDSD", "islandsd"), (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 10) {
        if (waited == 10000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            ck_abort_msg("islandsd did not exit within 10 s");
        }
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    ssize_t len = pread(fd, out, outlen - 1, 0);
    out[len > 0 ? len : 0] = '\0';
    close(fd);
    return status;
}
