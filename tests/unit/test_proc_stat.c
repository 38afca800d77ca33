/* /proc/PID/stat as the benchmark, the chaos harness and the tests read
 * it: names with spaces and parentheses, lines that are not stat lines,
 * and this process's own entry against what the kernel says elsewhere. */
#include <check.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/proc_stat.h"

/* A real line's shape: pid (comm) state ppid pgrp session tty tpgid, then REST: flags
 * minflt cminflt majflt cmajflt utime stime cutime cstime ... */
#define REST " 4194560 31 7 0 0 12 3 45 6 20 0 1 0 100 0 0"

START_TEST(a_stat_line_gives_its_fields)
{
    struct isl_proc_stat st;
    ck_assert_int_eq(isl_proc_stat_parse("4242 (islands-worker) S 4200 4200 4200 0 -1" REST, &st),
                     0);
    ck_assert_int_eq(st.pid, 4242);
    ck_assert_str_eq(st.name, "islands-worker");
    ck_assert_int_eq(st.state, 'S');
    ck_assert_int_eq(st.ppid, 4200);
    ck_assert_int_eq(st.pgrp, 4200);
    ck_assert_uint_eq(st.minflt, 31);
    ck_assert_uint_eq(st.cminflt, 7);
    ck_assert_uint_eq(st.utime, 12);
    ck_assert_uint_eq(st.stime, 3);
    ck_assert_int_eq(st.cutime, 45);
    ck_assert_int_eq(st.cstime, 6);
}
END_TEST

START_TEST(a_name_runs_to_the_last_parenthesis)
{
    struct isl_proc_stat st;
    ck_assert_int_eq(isl_proc_stat_parse("7 (a) b (c)) Z 1 7 7 0 -1" REST, &st), 0);
    ck_assert_str_eq(st.name, "a) b (c)");
    ck_assert_int_eq(st.state, 'Z');
    ck_assert_int_eq(st.ppid, 1);
    ck_assert_int_eq(isl_proc_stat_parse("8 () R 1 8 8 0 -1" REST, &st), 0);
    ck_assert_str_eq(st.name, "");
}
END_TEST

START_TEST(what_is_not_a_stat_line_is_refused)
{
    struct isl_proc_stat st = {.pid = -5};
    static const char *const bad[] = {
        "", "4242", "4242 islands-worker S 1 1", "(x) S 1 1 1 0 -1" REST,
        "0 (x) S 1 1 1 0 -1" REST, "9 )x( S 1 1 1 0 -1" REST, "9 (x) S 1 1",
        "9 (x) S one 1 1 0 -1" REST,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(isl_proc_stat_parse(bad[i], &st) == -1, "took \"%s\"", bad[i]);
    ck_assert_int_eq(st.pid, -5);   /* untouched */
}
END_TEST

static int find_self(const struct isl_proc_stat *st, void *arg)
{
    return st->pid == (long)getpid() ? (*(struct isl_proc_stat *)arg = *st, 1) : 0;
}

START_TEST(this_process_is_read_and_found)
{
    struct isl_proc_stat st, walked = {0};
    ck_assert_int_eq(isl_proc_stat_read(getpid(), &st), 0);
    ck_assert_int_eq(st.pid, getpid());
    ck_assert_int_eq(st.ppid, getppid());
    ck_assert_int_eq(st.pgrp, getpgrp());
    ck_assert_int_eq(st.state, 'R');
    ck_assert_int_eq(isl_proc_each(find_self, &walked), 1);
    ck_assert_int_eq(walked.pid, getpid());
    ck_assert_str_eq(walked.name, st.name);
}
END_TEST

START_TEST(a_reaped_process_is_gone_and_a_zombie_says_so)
{
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    ck_assert_int_gt(child, 0);
    struct isl_proc_stat st = {0};
    for (int i = 0; i < 1000 && (isl_proc_stat_read(child, &st) != 0 || st.state != 'Z'); i++)
        usleep(1000);
    ck_assert_int_eq(st.state, 'Z');
    ck_assert_int_eq(st.ppid, getpid());
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    ck_assert_int_eq(isl_proc_stat_read(child, &st), -1);
}
END_TEST

static Suite *proc_stat_suite(void)
{
    Suite *s = suite_create("proc_stat");
    TCase *tc = tcase_create("proc_stat");
    tcase_add_test(tc, a_stat_line_gives_its_fields);
    tcase_add_test(tc, a_name_runs_to_the_last_parenthesis);
    tcase_add_test(tc, what_is_not_a_stat_line_is_refused);
    tcase_add_test(tc, this_process_is_read_and_found);
    tcase_add_test(tc, a_reaped_process_is_gone_and_a_zombie_says_so);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(proc_stat_suite)
