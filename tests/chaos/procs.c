/* islandsd as our child, in its own process group, and /proc scans. */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chaos.h"
#include "islands/client.h"
#include "islands/proc_stat.h"

/* The group of the daemon running now, for an interrupted harness. */
static volatile pid_t current_group;

void daemon_kill_current(void)
{
    if (current_group > 1)
        kill(-current_group, SIGKILL);
}

int daemon_prepare(struct daemon *d, const char *program)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(d->dir, sizeof d->dir, "%s/islands-chaos-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(d->dir)) {
        say("cannot make a temporary directory %s: %s", d->dir, strerror(errno));
        return -1;
    }
    d->program = program;
    snprintf(d->socket, sizeof d->socket, "%s/islandsd.sock", d->dir);
    snprintf(d->store, sizeof d->store, "%s/store", d->dir);
    snprintf(d->config, sizeof d->config, "%s/islands.conf", d->dir);
    snprintf(d->log, sizeof d->log, "%s/islandsd.log", d->dir);
    d->pid = 0;
    return 0;
}

static int write_config(const struct daemon *d)
{
    FILE *f = fopen(d->config, "w");
    if (!f) {
        say("cannot write %s: %s", d->config, strerror(errno));
        return -1;
    }
    fprintf(f, "%s", d->config_text);
    return fclose(f);
}

static void exec_daemon(const struct daemon *d)
{
    setpgid(0, 0);
    int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (log < 0 || null < 0)
        _exit(127);
    dup2(null, 0);
    dup2(null, 1);
    dup2(log, 2);
    /* The store's fault hooks need this and --crash-injection; the
     * children inherit the environment. */
    setenv("ISLANDS_FAULT_INJECTION", "1", 1);
    if (d->commit_sleep_ms) {
        char ms[16];
        snprintf(ms, sizeof ms, "%u", d->commit_sleep_ms);
        setenv("ISLANDS_FAULT_COMMIT_SLEEP_MS", ms, 1);
        setenv("ISLANDS_FAULT_COMMITTED_SLEEP_MS", ms, 1);
    } else {
        unsetenv("ISLANDS_FAULT_COMMIT_SLEEP_MS");
        unsetenv("ISLANDS_FAULT_COMMITTED_SLEEP_MS");
    }
    if (d->relay_before_commit)
        setenv("ISLANDS_FAULT_RELAY_BEFORE_COMMIT_MS", "20", 1);
    else
        unsetenv("ISLANDS_FAULT_RELAY_BEFORE_COMMIT_MS");
    if (d->ack_before_commit)
        setenv("ISLANDS_FAULT_ACK_BEFORE_COMMIT", "1", 1);
    else
        unsetenv("ISLANDS_FAULT_ACK_BEFORE_COMMIT");
    if (d->swap_commit_points)
        setenv("ISLANDS_FAULT_SWAP_COMMIT_POINTS", "1", 1);
    else
        unsetenv("ISLANDS_FAULT_SWAP_COMMIT_POINTS");
    if (d->keep_deleted)
        setenv("ISLANDS_FAULT_KEEP_DELETED", "1", 1);
    else
        unsetenv("ISLANDS_FAULT_KEEP_DELETED");
    execl(d->program, "islandsd", "--config", d->config, "--socket", d->socket, "--store",
          d->store, "--crash-injection", (char *)NULL);
    _exit(127);
}

/* islandsd answers ping before its writer has sent the store's index, and
 * until then `list` shows part of the store or none of it (a check for
 * games that should not be there would pass); a game request waits for
 * the index, so its no_such_game says the tables are complete. */
static bool answers_games(struct isl_client *c)
{
    json_t *req = json_pack("{s:s, s:s}", "op", "state", "game", "islands-chaos-ready");
    json_t *resp = NULL;
    enum isl_client_status s = isl_client_call(c, req, &resp, 5000);
    const char *error = json_string_value(json_object_get(resp, "error"));
    bool ready = s == ISL_CLIENT_OK && error && strcmp(error, "no_such_game") == 0;
    json_decref(req);
    json_decref(resp);
    return ready;
}

int daemon_start(struct daemon *d)
{
    if (write_config(d) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        say("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        exec_daemon(d);
    setpgid(pid, pid);   /* both sides: no race with our first kill(-pgid) */
    d->pid = pid;
    current_group = pid;
    uint64_t deadline = isl_monotonic_ms() + 30000;
    while (isl_monotonic_ms() < deadline) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            d->pid = 0;
            say("islandsd exited at start (wait status %d); see %s", status, d->log);
            return -1;
        }
        struct isl_client *c = isl_client_connect(d->socket, 1000);
        if (c) {
            json_t *ping = json_pack("{s:s}", "op", "ping"), *pong = NULL;
            enum isl_client_status s = isl_client_call(c, ping, &pong, 5000);
            bool ok = s == ISL_CLIENT_OK && json_is_true(json_object_get(pong, "ok")) &&
                      answers_games(c);
            json_decref(ping);
            json_decref(pong);
            isl_client_close(c);
            if (ok)
                return 0;
        }
        sleep_ms(10);
    }
    say("islandsd did not answer ping on %s within 30 s; see %s", d->socket, d->log);
    proc_kill_group(pid);
    waitpid(pid, NULL, 0);
    d->pid = 0;
    return -1;
}

int daemon_wait(struct daemon *d, int timeout_ms)
{
    if (!d->pid)
        return -1;
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)timeout_ms;
    pid_t pid = d->pid;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            d->pid = 0;
            current_group = 0;
            return r == pid ? status : 0;
        }
        if (isl_monotonic_ms() >= deadline)
            return -1;
        sleep_ms(5);
    }
}

int daemon_stop(struct daemon *d)
{
    if (!d->pid)
        return 0;
    pid_t group = d->pid;
    kill(d->pid, SIGTERM);
    int status = daemon_wait(d, 30000);
    if (status == -1) {
        say("islandsd did not stop within 30 s of SIGTERM: killing its process group");
        proc_kill_group(group);
        waitpid(d->pid, &status, 0);
        d->pid = 0;
    }
    return status;
}

void daemon_remove_dir(struct daemon *d)
{
    if (!d->dir[0])
        return;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
    if (system(cmd) != 0)
        say("could not remove %s", d->dir);
    d->dir[0] = '\0';
}

long daemon_log_size(const struct daemon *d)
{
    struct stat st;
    return stat(d->log, &st) == 0 ? (long)st.st_size : 0;
}

bool daemon_log_has(const struct daemon *d, long offset, const char *needle)
{
    FILE *f = fopen(d->log, "r");
    if (!f)
        return false;
    fseek(f, offset, SEEK_SET);
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* ---------------------------------------------------------------- /proc */

/* Call fn for every process; stops when fn returns non-zero. */
static int each_process(int (*fn)(const struct isl_proc_stat *p, void *arg), void *arg)
{
    int r = isl_proc_each(fn, arg);
    return r < 0 ? 0 : r;
}

struct count_ctx {
    pid_t pgid, parent;
    int count;
};

static bool argv0_is(pid_t pid, const char *name);

/* islandsd's own programs: an attached daemon may share its process
 * group with whatever started it. */
static bool islands_child(pid_t pid)
{
    return argv0_is(pid, "islands-worker") || argv0_is(pid, "islands-writer");
}

static int count_group(const struct isl_proc_stat *p, void *arg)
{
    struct count_ctx *c = arg;
    /* A zombie is dead already; whoever adopted it reaps it in its time. */
    bool alive = p->state != 'Z' && p->state != 'X';
    if (!alive || p->pgrp != c->pgid || p->pid == c->pgid)
        return 0;
    if (!c->parent || (p->ppid != c->parent && islands_child(p->pid)))
        c->count++;
    return 0;
}

int proc_group_count(pid_t pgid)
{
    struct count_ctx c = {pgid, 0, 0};
    each_process(count_group, &c);
    return c.count;
}

int proc_group_orphans(pid_t pgid, pid_t parent)
{
    struct count_ctx c = {pgid, parent, 0};
    each_process(count_group, &c);
    return c.count;
}

static int count_zombie(const struct isl_proc_stat *p, void *arg)
{
    struct count_ctx *c = arg;
    if (p->ppid == c->parent && p->state == 'Z')
        c->count++;
    return 0;
}

int proc_zombies(pid_t parent)
{
    struct count_ctx c = {0, parent, 0};
    each_process(count_zombie, &c);
    return c.count;
}

static bool argv0_is(pid_t pid, const char *name)
{
    char path[64], argv0[512];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(argv0, 1, sizeof argv0 - 1, f);
    fclose(f);
    argv0[n] = '\0';   /* argv[0] ends at its NUL */
    const char *base = strrchr(argv0, '/');
    return strcmp(base ? base + 1 : argv0, name) == 0;
}

struct find_ctx {
    pid_t parent;
    const char *name;
    pid_t found;
};

static int find_child(const struct isl_proc_stat *p, void *arg)
{
    struct find_ctx *c = arg;
    if (p->ppid == c->parent && p->state != 'Z' && argv0_is(p->pid, c->name)) {
        c->found = p->pid;
        return 1;
    }
    return 0;
}

pid_t proc_find_child(pid_t parent, const char *name)
{
    struct find_ctx c = {parent, name, 0};
    each_process(find_child, &c);
    return c.found;
}

int proc_parent(pid_t pid, pid_t *parent, pid_t *pgid)
{
    struct isl_proc_stat p;
    if (isl_proc_stat_read(pid, &p) != 0)
        return -1;
    *parent = p.ppid;
    *pgid = p.pgrp;
    return 0;
}

bool proc_stopped(pid_t pid)
{
    struct isl_proc_stat p;
    return isl_proc_stat_read(pid, &p) == 0 && (p.state == 'T' || p.state == 't');
}

void proc_kill_group(pid_t pgid)
{
    if (pgid > 1)
        kill(-pgid, SIGKILL);
}
