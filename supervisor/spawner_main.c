/* The spawner process (`islandsd --spawner`): started once by islandsd
 * with a SOCK_SEQPACKET link at fd 3, it starts spare workers on request.
 *
 * Why: a posix_spawn from islandsd copies islandsd's descriptor table
 * (one or more fds per live game) and holds islandsd until the child has
 * exec'd, time in which no client is served (measured in
 * docs/ARCHITECTURE.md, "The supervisor's shell"). This process is small and
 * holds four descriptors, and islandsd only sends a request and goes on.
 * CLONE_PARENT makes each worker islandsd's own child all the same:
 * islandsd reaps it, signals it through its pidfd (made by the same clone,
 * so it names exactly that process) and the worker dies with islandsd
 * (PR_SET_PDEATHSIG), like any worker islandsd spawns itself.
 *
 * Request: {"t":"spawn","id":N,"path":P,"argv":[...],"env":[...]} with
 * the new child's channel end as SCM_RIGHTS. Answer, in order:
 * {"t":"spawned","id":N,"pid":P} with the pidfd as SCM_RIGHTS (none on a
 * kernel without CLONE_PIDFD), or {"t":"failed","id":N,"error":TEXT}. */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "islands/fault_sleep.h"
#include "islands/log.h"
#include "fd_passing.h"
#include "islands/worker_proto.h"
#include "spawner.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#define LINK_FD 3
#define ARGS_MAX 64
#define ENV_MAX 1024

static void answer(json_t *reply, int pidfd)
{
    char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    json_decref(reply);
    if (!text)
        _exit(1);
    ssize_t n = fd_send(LINK_FD, text, strlen(text), pidfd, 0);
    free(text);
    if (n < 0)
        _exit(0);   /* islandsd is gone */
}

static void fail(json_int_t id, const char *error)
{
    answer(json_pack("{s:s, s:I, s:s}", "t", "failed", "id", id, "error", error), -1);
}

/* NULL-terminated char * array of a JSON array of strings, or NULL. */
static char **string_list(const json_t *array, size_t max)
{
    size_t n = json_array_size(array);
    if (!json_is_array(array) || n == 0 || n > max)
        return NULL;
    char **list = calloc(n + 1, sizeof *list);
    for (size_t i = 0; list && i < n; i++) {
        list[i] = (char *)json_string_value(json_array_get(array, i));
        if (!list[i]) {
            free(list);
            return NULL;
        }
    }
    return list;
}

/* What the child needs, on the spawner's memory (CLONE_VM): it runs on
 * its own stack while the spawner waits (CLONE_VFORK) for its exec. */
struct child_start {
    const char *path;
    char **argv, **env;
    int channel;
    int exec_errno;                /* set by the child if execve failed */
};

static int child_main(void *arg)
{
    struct child_start *c = arg;
    if (dup2(c->channel, LINK_FD) == LINK_FD)
        execve(c->path, c->argv, c->env);
    c->exec_errno = errno;
    _exit(127);
}

/* Like posix_spawn, but the child's parent is islandsd (CLONE_PARENT) and
 * its pidfd comes with it. Nothing is copied: the child shares this
 * process's memory until its exec, while this process waits. */
static pid_t start(struct child_start *c, int *pidfd)
{
    static char stack[64 * 1024] __attribute__((aligned(16)));
    int flags = CLONE_VM | CLONE_VFORK | CLONE_PARENT;
    *pidfd = -1;
    c->exec_errno = 0;
    pid_t pid = clone(child_main, stack + sizeof stack, flags | CLONE_PIDFD, c, pidfd);
    if (pid < 0 && errno == EINVAL) {
        *pidfd = -1;   /* a kernel before 5.2: islandsd opens the pidfd */
        pid = clone(child_main, stack + sizeof stack, flags, c);
    }
    return pid;
}

static bool faults;   /* islands/fault_sleep.h */

static void serve(const char *text, size_t len, int channel)
{
    json_t *req = json_loadb(text, len, 0, NULL);
    json_t *jid = json_object_get(req, "id");
    json_int_t id = json_is_integer(jid) ? json_integer_value(jid) : -1;
    const char *t = json_string_value(json_object_get(req, "t"));
    const char *path = json_string_value(json_object_get(req, "path"));
    char **argv = string_list(json_object_get(req, "argv"), ARGS_MAX);
    char **env = string_list(json_object_get(req, "env"), ENV_MAX);
    if (!t || strcmp(t, "spawn") != 0 || id < 0 || !path || !argv || !env || channel < 0) {
        fail(id, "bad spawn request");
    } else {
        int pidfd;
        struct child_start c = {.path = path, .argv = argv, .env = env, .channel = channel};
        pid_t pid = start(&c, &pidfd);
        if (pid < 0 || c.exec_errno) {
            /* A child that could not exec has exited: islandsd reaps it. */
            char error[160];
            snprintf(error, sizeof error, "%s %s: %s", pid < 0 ? "clone" : "exec", path,
                     strerror(pid < 0 ? errno : c.exec_errno));
            fail(id, error);
        } else {
            /* A test holds the answer back: a child islandsd does not know yet. */
            isl_fault_sleep(faults, "ISLANDS_FAULT_SPAWNED_SLEEP_MS", "spawned");
            answer(json_pack("{s:s, s:I, s:i}", "t", "spawned", "id", id, "pid", (int)pid),
                   pidfd);
        }
        if (pidfd >= 0)
            close(pidfd);
    }
    free(argv);
    free(env);
    json_decref(req);
}

int spawner_main(bool faults_allowed)
{
    faults = isl_faults_enabled(faults_allowed);
    isl_child_setup("islands-spawner");
    prctl(PR_SET_NAME, "islands-spawner");   /* not "exe", from /proc/self/exe */
    static char buf[SPAWNER_REQUEST_MAX];
    for (;;) {
        int channel;
        ssize_t n = fd_recv(LINK_FD, buf, sizeof buf, &channel, 0);
        if (n == 0)
            _exit(0);   /* islandsd closed the link: nothing more to start */
        if (n == -1) {
            isl_log(ISL_LOG_ERR, "event=link_error error=\"%s\"", strerror(errno));
            _exit(1);
        }
        if (n == -2)
            fail(-1, "request too large");
        else
            serve(buf, (size_t)n, channel);
        if (channel >= 0)
            close(channel);
    }
}
