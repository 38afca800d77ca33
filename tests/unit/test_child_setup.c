/* isl_child_setup, the first thing islands-worker and islands-writer run:
 * whatever signal state the process starts with (inherited or installed
 * before main, as a sanitizer's SIGSEGV handler is), it leaves every
 * signal at its default but SIGPIPE and a terminal's SIGINT, SIGQUIT and
 * SIGHUP (ignored), and none blocked. Run in a
 * forked child, which reports through its exit status: the set-up closes
 * every descriptor above 3, Check's own included. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/worker_proto.h"

static void on_signal(int sig)
{
    (void)sig;
}

static bool at_default(int sig)
{
    struct sigaction now;
    return sigaction(sig, NULL, &now) == 0 && now.sa_handler == SIG_DFL;
}

/* The child: 0 when all is as it should be, else the first signal found wrong. */
static int set_up_and_inspect(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || dup2(sv[1], ISL_CHANNEL_FD) < 0)
        return 100;
    signal(SIGSEGV, on_signal);
    signal(SIGUSR1, on_signal);
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, on_signal);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    unsetenv(ISL_PARENT_PID_ENV);

    isl_child_setup("test");

    sigset_t blocked;
    sigprocmask(SIG_BLOCK, NULL, &blocked);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct sigaction now;
        if (sigaction(sig, NULL, &now) != 0)
            continue;   /* glibc's own (SIGRTMIN's first two) */
        bool want_ignored = sig == SIGPIPE || sig == SIGINT || sig == SIGQUIT || sig == SIGHUP;
        if (want_ignored ? now.sa_handler != SIG_IGN : !at_default(sig))
            return sig;
        if (sigismember(&blocked, sig) == 1)
            return sig;
    }
    return 0;
}

START_TEST(signals_reset_whatever_they_were)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(set_up_and_inspect());
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_msg(WEXITSTATUS(status) == 0, "signal %d left as it was", WEXITSTATUS(status));
}
END_TEST

static Suite *child_setup_suite(void)
{
    Suite *s = suite_create("child_setup");
    TCase *tc = tcase_create("signals");
    tcase_add_test(tc, signals_reset_whatever_they_were);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(child_setup_suite)
