/* scripts/ensure-deps.sh, which `make` runs before it builds the client
 * (and everything else): where it takes the lock that keeps two of its
 * installs from running at once. Run by dash, Debian's /bin/sh, with
 * apt-get, dpkg-query and id played by scripts of the test's own, so that
 * it installs nothing and needs no root. */
#include "test_cli_harness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "../support/check_main.h"
#include "islands/clock.h"

static char project[256], fake_bin[256], apt_log[256];
static char env_path[512], env_lock_dir[320];

/* A copy of the script in DIR/project/scripts (its build directory is
 * then DIR/project/build), and the stand-ins in DIR/bin. */
static void setup(void)
{
    sandbox_enter();
    format_path(project, sizeof project, "%s/project", sandbox.dir);
    format_path(fake_bin, sizeof fake_bin, "%s/bin", sandbox.dir);
    format_path(apt_log, sizeof apt_log, "%s/apt.log", sandbox.dir);
    char path[512], *script;
    ck_assert_int_eq(mkdir(project, 0700), 0);
    format_path(path, sizeof path, "%s/scripts", project);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    format_path(path, sizeof path, "%s/scripts/ensure-deps.sh",
                program_path("ISLANDS_SRC", "."));
    ck_assert_ptr_nonnull(script = read_whole_file(path));
    format_path(path, sizeof path, "%s/scripts/ensure-deps.sh", project);
    write_whole_file(path, script);
    free(script);

    ck_assert_int_eq(mkdir(fake_bin, 0700), 0);
    char text[512];
    format_path(text, sizeof text, "#!/bin/sh\necho \"$*\" >> %s\n", apt_log);
    const struct { const char *name, *text; } fakes[] = {
        { "apt-get", text },
        { "dpkg-query", "#!/bin/sh\nexit 1\n" },    /* no package is installed */
        { "id", "#!/bin/sh\necho 0\n" },            /* as root */
    };
    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
        int n = snprintf(path, sizeof path, "%s/%s", fake_bin, fakes[i].name);
        ck_assert(n > 0 && (size_t)n < sizeof path);
        write_whole_file(path, fakes[i].text);
        ck_assert_int_eq(chmod(path, 0700), 0);
    }
    format_path(env_path, sizeof env_path, "PATH=%s:/usr/bin:/bin", fake_bin);
}

static void teardown(void)
{
    sandbox_leave();
}

/* Run the script under dash for one missing package, with lock_dir in
 * place of /run/lock; it must go on to install the package. */
static void ensure_deps_with_lock_dir(const char *lock_dir)
{
    format_path(env_lock_dir, sizeof env_lock_dir, "ISLANDS_DEPS_LOCK_DIR=%s", lock_dir);
    char script[512];
    format_path(script, sizeof script, "%s/scripts/ensure-deps.sh", project);
    const char *argv[] = { "/bin/dash", script, "no-such-package", NULL };
    const char *env[] = { env_path, env_lock_dir, NULL };
    struct cli_result r;
    run_program(sandbox.dir, env, argv, false, &r);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    free_result(&r);
    char *log = read_whole_file(apt_log);
    ck_assert_ptr_nonnull(log);
    ck_assert_ptr_nonnull(strstr(log, "install -y -qq --no-install-recommends no-such-package"));
    free(log);
}

START_TEST(without_the_lock_directory_the_lock_is_in_the_build_directory)
{
    char missing[256], lock[320];
    format_path(missing, sizeof missing, "%s/no-such-dir", sandbox.dir);
    ensure_deps_with_lock_dir(missing);
    format_path(lock, sizeof lock, "%s/build/.ensure-deps.lock", project);
    ck_assert_int_eq(access(lock, F_OK), 0);
}
END_TEST

/* The script waits for the lock in the given directory: another process
 * holds it for 700 ms, and the script's install comes only after. */
START_TEST(the_lock_directory_is_used_and_nothing_there_truncated)
{
    char locks[256], lock[320], build[320];
    format_path(locks, sizeof locks, "%s/locks", sandbox.dir);
    ck_assert_int_eq(mkdir(locks, 0700), 0);
    format_path(lock, sizeof lock, "%s/islands-ensure-deps.lock", locks);
    write_whole_file(lock, "kept\n");
    int held[2];
    ck_assert_int_eq(pipe(held), 0);
    pid_t holder = fork();
    ck_assert_int_ge(holder, 0);
    if (holder == 0) {
        int fd = open(lock, O_RDONLY);
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(held[1], "x", 1) != 1)
            _exit(1);
        usleep(700000);
        _exit(0);
    }
    char x;
    ck_assert_int_eq(read(held[0], &x, 1), 1);
    uint64_t started = isl_monotonic_ms();
    ensure_deps_with_lock_dir(locks);
    ck_assert_uint_ge(isl_monotonic_ms() - started, 500);
    int status;
    ck_assert_int_eq(waitpid(holder, &status, 0), holder);
    close(held[0]);
    close(held[1]);
    char *text = read_whole_file(lock);
    ck_assert_str_eq(text, "kept\n");
    free(text);
    format_path(build, sizeof build, "%s/build", project);
    ck_assert_int_eq(access(build, F_OK), -1);
}
END_TEST

static Suite *deps_suite(void)
{
    Suite *s = suite_create("cli_deps");
    TCase *tc = tcase_create("lock");
    tcase_add_unchecked_fixture(tc, sandbox_make_root, sandbox_remove_root);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, without_the_lock_directory_the_lock_is_in_the_build_directory);
    tcase_add_test(tc, the_lock_directory_is_used_and_nothing_there_truncated);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(deps_suite)
