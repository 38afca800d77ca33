/* islandsd under test, in its own process group. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "islands/client.h"

#define MAX_RUNNING 8

/* Groups to kill from a signal handler. */
static volatile pid_t running_groups[MAX_RUNNING];
static volatile sig_atomic_t interrupted;

static void remember_group(pid_t pid, pid_t old)
{
    for (int i = 0; i < MAX_RUNNING; i++)
        if (running_groups[i] == old) {
            running_groups[i] = pid;
            return;
        }
}

static void on_signal(int sig)
{
    (void)sig;
    for (int i = 0; i < MAX_RUNNING; i++)
        if (running_groups[i] > 1)
            kill(-running_groups[i], SIGKILL);
    interrupted = 1;
}

void daemon_install_signal_handlers(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool bench_interrupted(void)
{
    return interrupted != 0;
}

void daemon_settings_default(struct daemon_settings *s)
{
    *s = (struct daemon_settings){
        .sync = "full", .group_commit = true, .max_children = 20000,
        .spare_workers = 4, .hibernate_after = 0, .crash_injection = false,
    };
}

const char *daemon_commit_name(const struct daemon_settings *s)
{
    return s->group_commit ? "group" : "direct";
}

int daemon_create(struct bench_daemon *d)
{
    const char *tmp = getenv("TMPDIR");
    memset(d, 0, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "%s/islands-bench-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(d->dir)) {
        say("cannot create a temporary directory %s: %s", d->dir, strerror(errno));
        d->dir[0] = '\0';
        return -1;
    }
    snprintf(d->socket, sizeof d->socket, "%s/islandsd.sock", d->dir);
    snprintf(d->store, sizeof d->store, "%s/store", d->dir);
    snprintf(d->config, sizeof d->config, "%s/islands.conf", d->dir);
    snprintf(d->log, sizeof d->log, "%s/islandsd.log", d->dir);
    return 0;
}

static int write_config(const struct bench_daemon *d, const struct daemon_settings *s)
{
    FILE *f = fopen(d->config, "w");
    if (!f) {
        say("cannot write %s: %s", d->config, strerror(errno));
        return -1;
    }
    /* Generous limits: the bench measures speed, not where limits bite;
     * intensity 1,000,000 in 1 s so that 1,000 injected kills never make
     * the supervisor give up. */
    fprintf(f,
            "log_level = warning\n"
            "sync = %s\ngroup_commit = %s\n"
            "max_children = %u\nspare_workers = %u\nhibernate_after = %u\n"
            "crash_injection = %s\n"
            "intensity = 1000000\nperiod = 1\n"
            "max_games = 1000000\nmax_clients = 4096\nqueue_limit = 100000\n"
            "request_timeout_ms = 120000\n"
            "max_readers = %u\n",
            s->sync, s->group_commit ? "true" : "false", s->max_children, s->spare_workers,
            s->hibernate_after, s->crash_injection ? "true" : "false",
            s->max_children + s->spare_workers + 64);
    return fclose(f) == 0 ? 0 : -1;
}

int daemon_start(struct bench_daemon *d, const struct daemon_settings *s)
{
    if (write_config(d, s) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        say("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int log = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDWR);
        if (log < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(null, 1);
        dup2(log, 2);
        execl(bench.islandsd, "islandsd", "--config", d->config, "--socket", d->socket,
              "--store", d->store, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);   /* both sides: no window where a kill misses it */
    remember_group(pid, 0);
    d->pid = pid;
    return 0;
}

static void show_log_tail(const struct bench_daemon *d)
{
    FILE *f = fopen(d->log, "r");
    if (!f)
        return;
    char lines[8][512];
    int n = 0;
    while (fgets(lines[n % 8], sizeof lines[0], f))
        n++;
    fclose(f);
    for (int i = n > 8 ? n - 8 : 0; i < n; i++)
        fprintf(stderr, "  islandsd: %s", lines[i % 8]);
}

static bool ping_once(const struct bench_daemon *d)
{
    struct isl_client *c = isl_client_connect(d->socket, 0);
    if (!c)
        return false;
    json_t *request = json_pack("{s:s}", "op", "ping"), *response = NULL;
    bool ok = isl_client_call(c, request, &response, 2000) == ISL_CLIENT_OK &&
              json_is_true(json_object_get(response, "ok"));
    json_decref(request);
    json_decref(response);
    isl_client_close(c);
    return ok;
}

int daemon_wait_ping(struct bench_daemon *d, int timeout_ms, uint64_t *answered_ns)
{
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000;
    while (!bench_interrupted()) {
        if (ping_once(d)) {
            if (answered_ns)
                *answered_ns = now_ns();
            return 0;
        }
        int status;
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            say("islandsd exited at start (status 0x%x); its log:", status);
            show_log_tail(d);
            remember_group(0, d->pid);
            d->pid = 0;
            return -1;
        }
        if (now_ns() > deadline) {
            say("islandsd did not answer ping within %d ms", timeout_ms);
            show_log_tail(d);
            return -1;
        }
        usleep(500);
    }
    return -1;
}

int daemon_launch(struct bench_daemon *d, const struct daemon_settings *s)
{
    if (daemon_start(d, s) != 0)
        return -1;
    return daemon_wait_ping(d, 60000, NULL);
}

void daemon_kill(struct bench_daemon *d)
{
    if (d->pid <= 0)
        return;
    kill(-d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    remember_group(0, d->pid);
    /* Workers die with their parent (PDEATHSIG); sweep the group again
     * for any that was between fork and exec. */
    for (int i = 0; i < 100 && kill(-d->pid, 0) == 0; i++) {
        kill(-d->pid, SIGKILL);
        usleep(10000);
    }
    d->pid = 0;
}

void daemon_stop(struct bench_daemon *d)
{
    if (d->pid <= 0)
        return;
    kill(d->pid, SIGTERM);
    for (int waited = 0; waited < 30000; waited += 5) {
        if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
            remember_group(0, d->pid);
            pid_t group = d->pid;
            d->pid = 0;
            if (kill(-group, 0) == 0)   /* a straggler: not ours to keep */
                kill(-group, SIGKILL);
            return;
        }
        usleep(5000);
    }
    say("islandsd did not stop within 30 s of SIGTERM; killing its group");
    daemon_kill(d);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT)
        say("cannot remove %s: %s", path, strerror(errno));
    return 0;
}

void daemon_destroy(struct bench_daemon *d)
{
    daemon_kill(d);
    const char *keep = getenv("ISLANDS_BENCH_KEEP");
    if (d->dir[0] && keep && keep[0] == '1') {
        say("kept %s (ISLANDS_BENCH_KEEP=1)", d->dir);
        d->dir[0] = '\0';
    }
    if (d->dir[0])
        nftw(d->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    d->dir[0] = '\0';
}
