/* Running the `islands` program in tests: a temporary directory, a clean
 * environment, its exit status and output (through files, or a terminal
 * for the colour rules). Shared by test_cli.c and test_cli_game.c. */
#ifndef ISLANDS_TEST_CLI_HARNESS_H
#define ISLANDS_TEST_CLI_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "islands/client.h"

#define HARNESS_UNUSED __attribute__((unused))

struct cli_result {
    int status;     /* exit status, or 128 + signal */
    char *out;      /* stdout (from a terminal: with "\r\n" line ends) */
    char *err;      /* stderr */
};

/* A program under test: $VAR if set, else BUILD-relative default. */
static HARNESS_UNUSED const char *program_path(const char *var, const char *fallback)
{
    const char *v = getenv(var);
    return v != NULL && v[0] != '\0' ? v : fallback;
}

static HARNESS_UNUSED char *read_whole_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    fclose(mem);
    return text;
}

static HARNESS_UNUSED void write_whole_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* snprintf of one string argument that must fit. */
static HARNESS_UNUSED void format_path(char *out, size_t size, const char *fmt, const char *arg)
{
    int n = snprintf(out, size, fmt, arg);
    ck_assert_msg(n >= 0 && (size_t)n < size, "path too long: %s", arg);
}

/* A new directory under `parent` (NULL: /tmp). Tests make one per test
 * case (an unchecked fixture, in the runner) and one per test inside it:
 * a failed check ends the test's process without its teardown, and the
 * test case's teardown still removes everything. */
static HARNESS_UNUSED void make_temp_dir(char *out, size_t size, const char *parent)
{
    format_path(out, size, "%s/islands-cli-XXXXXX", parent != NULL ? parent : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(out));
}

static HARNESS_UNUSED void remove_tree(const char *dir)
{
    if (dir[0] == '\0')
        return;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
}

static HARNESS_UNUSED int wait_status_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In the child: an environment holding only PATH, the sanitizers' options
 * and `env` ("NAME=value" strings, NULL-terminated). */
static HARNESS_UNUSED void set_child_environment(const char *const env[])
{
    static const char *const kept[] = { "PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
    char *saved[4] = { NULL };
    for (int i = 0; i < 4; i++) {
        const char *v = getenv(kept[i]);
        saved[i] = v != NULL ? strdup(v) : NULL;
    }
    clearenv();
    for (int i = 0; i < 4; i++)
        if (saved[i] != NULL)
            setenv(kept[i], saved[i], 1);
    for (int i = 0; env != NULL && env[i] != NULL; i++)
        putenv((char *)env[i]);
}

/* Run argv (argv[0] is the program path) with env; outputs go to files in
 * dir, read back into r. With `terminal`, stdout is a pseudo-terminal. */
static HARNESS_UNUSED void run_program(const char *dir, const char *const env[],
                                       const char *const argv[], bool terminal,
                                       struct cli_result *r)
{
    char out_path[512], err_path[512];
    snprintf(out_path, sizeof out_path, "%s/.stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/.stderr", dir);
    int master = -1, slave = -1;
    if (terminal) {
        master = posix_openpt(O_RDWR | O_NOCTTY);
        ck_assert_int_ge(master, 0);
        ck_assert_int_eq(grantpt(master), 0);
        ck_assert_int_eq(unlockpt(master), 0);
        slave = open(ptsname(master), O_RDWR | O_NOCTTY);
        ck_assert_int_ge(slave, 0);
    }
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = terminal ? slave : open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        set_child_environment(env);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (terminal) {
        close(slave);
        /* Read until the last writer is gone (EIO), so output cannot block. */
        char *text = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&text, &size);
        char chunk[4096];
        ssize_t n;
        while ((n = read(master, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
            if (n > 0)
                fwrite(chunk, 1, (size_t)n, mem);
        fclose(mem);
        close(master);
        r->out = text;
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    r->status = wait_status_code(status);
    if (!terminal)
        r->out = read_whole_file(out_path);
    r->err = read_whole_file(err_path);
    ck_assert_ptr_nonnull(r->out);
    ck_assert_ptr_nonnull(r->err);
}

static HARNESS_UNUSED void free_result(struct cli_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* Start a program in the background (stdout and stderr inherited). */
static HARNESS_UNUSED pid_t start_program(const char *const env[], const char *const argv[])
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (env != NULL)
            set_child_environment(env);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Wait until the socket answers a ping, or fail (also if pid has died). */
static HARNESS_UNUSED void wait_for_server(const char *socket_path, pid_t pid, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        int status;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0,
                      "the server exited early (status %d)", wait_status_code(status));
        struct isl_client *c = isl_client_connect(socket_path, 100);
        if (c != NULL) {
            json_t *ping = json_pack("{s:s}", "op", "ping"), *resp = NULL;
            enum isl_client_status s = isl_client_call(c, ping, &resp, 2000);
            json_decref(ping);
            json_decref(resp);
            isl_client_close(c);
            if (s == ISL_CLIENT_OK)
                return;
        }
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("no server answered on %s", socket_path);
}

/* SIGTERM, then SIGKILL if it is still there after timeout_ms. The exit
 * status (as wait_status_code), or -1 if there was no program. */
static HARNESS_UNUSED int stop_program_within(pid_t pid, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    int status;
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return wait_status_code(status);
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return wait_status_code(status);
}

static HARNESS_UNUSED void stop_program(pid_t pid)
{
    stop_program_within(pid, 5000);
}

/* ---------------------------------------------------------------- sandbox */

/* One test's world: a directory with the socket and the state home, and
 * the environment `islands` runs with. */
static struct cli_sandbox {
    char root[64];          /* per test case: removed by its teardown */
    char dir[128];          /* per test, inside root */
    char socket_path[192], state_home[192];
    char memory_dir[448];   /* what islands remembers for the socket's daemon */
    char env_socket[224], env_xdg[224], env_home[224];
} sandbox;

/* The unchecked fixture of a test case (runs in the test runner). */
static HARNESS_UNUSED void sandbox_make_root(void)
{
    make_temp_dir(sandbox.root, sizeof sandbox.root, NULL);
}

static HARNESS_UNUSED void sandbox_remove_root(void)
{
    remove_tree(sandbox.root);
}

/* Where islands remembers the games of the daemon on a socket in dir:
 * the socket's path below STATE/islands/daemons, every component escaped
 * as a game name is (dir, a temporary directory, has nothing to escape;
 * socket_name is given escaped, "islandsd%2Esock"), links resolved. */
static HARNESS_UNUSED void daemon_memory_dir(char *out, size_t size, const char *state_home,
                                             const char *dir, const char *socket_name)
{
    char *real_dir = realpath(dir, NULL);
    ck_assert_ptr_nonnull(real_dir);
    int n = snprintf(out, size, "%s/islands/daemons%s/%s", state_home, real_dir, socket_name);
    ck_assert_msg(n >= 0 && (size_t)n < size, "path too long: %s", real_dir);
    free(real_dir);
}

/* A fresh directory for one test: the socket is DIR/islandsd.sock, the
 * state home DIR/state, HOME is DIR/home. */
static HARNESS_UNUSED void sandbox_enter(void)
{
    struct cli_sandbox *s = &sandbox;
    make_temp_dir(s->dir, sizeof s->dir, s->root);
    format_path(s->socket_path, sizeof s->socket_path, "%s/islandsd.sock", s->dir);
    format_path(s->state_home, sizeof s->state_home, "%s/state", s->dir);
    daemon_memory_dir(s->memory_dir, sizeof s->memory_dir, s->state_home, s->dir,
                      "islandsd%2Esock");
    format_path(s->env_socket, sizeof s->env_socket, "ISLANDS_SOCKET=%s", s->socket_path);
    format_path(s->env_xdg, sizeof s->env_xdg, "XDG_STATE_HOME=%s", s->state_home);
    format_path(s->env_home, sizeof s->env_home, "HOME=%s/home", s->dir);
}

static HARNESS_UNUSED void sandbox_leave(void)
{
    remove_tree(sandbox.dir);
}

/* Run islands with args (NULL-terminated) in the sandbox's environment
 * plus `extra` ("NAME=value", or NULL). */
static HARNESS_UNUSED void run_islands(const char *const args[], const char *extra,
                                       bool terminal, struct cli_result *r)
{
    const char *argv[16] = { program_path("ISLANDS_CLIENT", "build/islands") };
    for (int i = 0; args[i] != NULL && i < 14; i++)
        argv[i + 1] = args[i];
    const char *env[] = { sandbox.env_socket, sandbox.env_xdg, sandbox.env_home, extra, NULL };
    run_program(sandbox.dir, env, argv, terminal, r);
}

#endif
