/* The last line of a process killed by a fault (fault_note.h): in forked
 * children, a read past the end of a mapped file (SIGBUS) inside a store
 * phase, a read of a page it may not touch (SIGSEGV) outside one, and a
 * SIGSEGV sent by another process, which is not a fault and leaves no
 * line. Each child dies of its signal all the same. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/fault_note.h"

enum fault { BUS_PAST_END, SEGV_NO_ACCESS, SEGV_SENT, STACK_OVERFLOW };

/* Deeper than any stack: depth comes from the caller, so the compiler
 * cannot see that it never ends. */
static int recurse(volatile char *from, long depth)
{
    volatile char frame[4096];
    frame[0] = from ? from[0] : 1;
    if (depth == 0)
        return frame[0];
    return recurse(frame, depth - 1) + frame[1];
}

static void cause(enum fault fault)
{
    if (fault == SEGV_SENT) {
        kill(getpid(), SIGSEGV);
        return;
    }
    if (fault == STACK_OVERFLOW) {
        (void)recurse(NULL, (long)getpid() + (1L << 40));
        return;
    }
    if (fault == SEGV_NO_ACCESS) {
        volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        dprintf(2, "expect addr=%p\n", (void *)page);
        (void)page[0];
        return;
    }
    /* A file mapped, then cut short under the mapping, as a data.mdb
     * truncated while LMDB has it mapped. */
    FILE *f = tmpfile();
    if (f == NULL || ftruncate(fileno(f), 8192) != 0)
        return;
    volatile char *map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fileno(f), 0);
    if (map == MAP_FAILED || ftruncate(fileno(f), 0) != 0)
        return;
    dprintf(2, "expect addr=%p\n", (void *)(map + 4096));
    (void)map[4096];
}

/* The child's stderr, and how it ended. */
static char *run_child(enum isl_store_phase phase, enum fault fault, int *status)
{
    char path[] = "/tmp/islands-fault-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fd, 2);
        isl_fault_note_install();
        isl_store_phase_enter(phase);
        cause(fault);
        _exit(0);   /* not reached if the fault came */
    }
    ck_assert_int_eq(waitpid(pid, status, 0), pid);
    static char text[4096];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

/* The faulting address logged is the one the child touched, as %p
 * writes it (the child wrote it just before, as "expect addr=..."). */
static void check_address(const char *err)
{
    const char *expect = strstr(err, "expect addr=");
    ck_assert_msg(expect != NULL, "%s", err);
    char want[64];
    ck_assert_int_eq(sscanf(expect, "expect addr=%40s", want), 1);
    char found[80];
    snprintf(found, sizeof found, " addr=%s", want);
    ck_assert_msg(strstr(strchr(expect, '\n'), found) != NULL, "%s not in %s", found, err);
}

START_TEST(a_file_cut_short_under_the_store_is_named)
{
    int status;
    char *err = run_child(ISL_PHASE_READ, BUS_PAST_END, &status);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS, "status %#x", status);
    ck_assert_msg(strstr(err, "event=store_fault signal=BUS addr=0x") != NULL, "%s", err);
    ck_assert_msg(strstr(err, " during=read note=\"reading the store's data.mdb failed") != NULL,
                  "%s", err);
    check_address(err);
}
END_TEST

START_TEST(a_crash_in_a_store_phase_points_at_the_file)
{
    int status;
    char *err = run_child(ISL_PHASE_SCAN, SEGV_NO_ACCESS, &status);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
    ck_assert_msg(strstr(err, "event=store_fault signal=SEGV") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "during=scan note=\"LMDB crashed in the store: data.mdb is "
                              "likely damaged") != NULL, "%s", err);
    check_address(err);
}
END_TEST

START_TEST(a_crash_elsewhere_gives_its_address_only)
{
    int status;
    char *err = run_child(ISL_PHASE_NONE, SEGV_NO_ACCESS, &status);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
    ck_assert_msg(strstr(err, "event=fatal_fault signal=SEGV addr=0x") != NULL, "%s", err);
    ck_assert_ptr_null(strstr(err, "store"));
    check_address(err);
}
END_TEST

START_TEST(a_signal_sent_is_not_a_fault)
{
    int status;
    char *err = run_child(ISL_PHASE_COMMIT, SEGV_SENT, &status);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
    ck_assert_str_eq(err, "");
}
END_TEST

/* The handler runs on a stack of its own: a stack overflow is noted too. */
START_TEST(a_stack_overflow_is_noted)
{
    int status;
    char *err = run_child(ISL_PHASE_NONE, STACK_OVERFLOW, &status);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
    ck_assert_msg(strstr(err, "event=fatal_fault signal=SEGV addr=0x") != NULL, "%s", err);
}
END_TEST

START_TEST(phases_nest_and_have_names)
{
    enum isl_store_phase outer = isl_store_phase_enter(ISL_PHASE_COMMIT);
    enum isl_store_phase inner = isl_store_phase_enter(ISL_PHASE_NONE);
    ck_assert_int_eq(inner, ISL_PHASE_COMMIT);
    isl_store_phase_leave(inner);
    ck_assert_int_eq(isl_store_phase_enter(ISL_PHASE_READ), ISL_PHASE_COMMIT);
    isl_store_phase_leave(outer);
    ck_assert_int_eq(isl_store_phase_enter(ISL_PHASE_NONE), outer);
    ck_assert_str_eq(isl_store_phase_name(ISL_PHASE_OPEN), "open");
    ck_assert_str_eq(isl_store_phase_name(ISL_PHASE_COMMIT), "commit");
    ck_assert_str_eq(isl_store_phase_name((enum isl_store_phase)99), "none");
}
END_TEST

static Suite *fault_note_suite(void)
{
    Suite *s = suite_create("fault_note");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a_file_cut_short_under_the_store_is_named);
    tcase_add_test(tc, a_crash_in_a_store_phase_points_at_the_file);
    tcase_add_test(tc, a_crash_elsewhere_gives_its_address_only);
    tcase_add_test(tc, a_signal_sent_is_not_a_fault);
    tcase_add_test(tc, a_stack_overflow_is_noted);
    tcase_add_test(tc, phases_nest_and_have_names);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(fault_note_suite)
