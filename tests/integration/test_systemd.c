/* The files that make islandsd a system service, checked without systemd
 * running: the units load cleanly and are sandboxed, `make install` and
 * `make uninstall` put and remove exactly the expected files, and the man
 * pages are lint clean. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../support/check_main.h"
#include "test_systemd_support.h"

static char output[65536];

/* ------------------------------------------------------------ units */

/* Run systemd_analyze_args (e.g. "verify ./islandsd.service") with
 * systemd-analyze in a temporary directory holding both units, ExecStart
 * and ExecReload naming a program that exists (verify checks it). Output
 * in `output`. */
static int analyze_staged_units(const char *systemd_analyze_args)
{
    const char *islandsd = env_or("ISLANDSD", "build/islandsd");
    char program[4096], dir[64];
    ck_assert_ptr_nonnull(realpath(access(islandsd, X_OK) == 0 ? islandsd : "/bin/true",
                                   program));
    make_temp_dir(dir, sizeof dir, "units");
    int status = run_shell(output, sizeof output,
                           "sed 's|^\\(Exec[A-Za-z]*\\)=/usr/sbin/islandsd|\\1=%s|' "
                           "%s/systemd/islandsd.service > %s/islandsd.service"
                           " && cp %s/systemd/islandsd.socket %s/"
                           " && cd %s && SYSTEMD_LOG_LEVEL=notice systemd-analyze %s",
                           program, source_dir(), dir, source_dir(), dir, dir,
                           systemd_analyze_args);
    remove_tree(dir);
    return status;
}

START_TEST(units_pass_verify)
{
    int status = analyze_staged_units("verify --man=no ./islandsd.service ./islandsd.socket");
    ck_assert_msg(status == 0, "systemd-analyze verify failed:\n%s", output);
    ck_assert_msg(strstr(output, "islandsd") == NULL,
                  "systemd-analyze verify complains about the units:\n%s", output);
}
END_TEST

START_TEST(service_is_sandboxed)
{
    int status = analyze_staged_units("security --offline=true --no-pager ./islandsd.service");
    ck_assert_msg(status == 0, "systemd-analyze security failed:\n%s", output);
    const char *line = strstr(output, "Overall exposure level for islandsd.service:");
    ck_assert_msg(line != NULL, "no overall exposure level in:\n%s", output);
    double exposure = -1;
    ck_assert_int_eq(sscanf(strchr(line, ':') + 1, "%lf", &exposure), 1);
    ck_assert_msg(exposure >= 0 && exposure <= 2.0, "exposure %.1f > 2.0:\n%s", exposure,
                  output);
}
END_TEST

/* ------------------------------------------------------------ install */

/* A build directory holding stand-ins for the programs: the install rules
 * are under test, not the programs, and nothing gets rebuilt. */
static void make_fake_build(const char *build, int with_chaos)
{
    static const char *const programs[] = {
        "islandsd", "islands", "islands-worker", "islands-writer", "islands-chaos",
    };
    size_t count = with_chaos ? 5 : 4;
    ck_assert_int_eq(mkdir(build, 0755), 0);
    for (size_t i = 0; i < count; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", build, programs[i]);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "#!/bin/sh\necho %s\n", programs[i]);
        fclose(f);
        ck_assert_int_eq(chmod(path, 0755), 0);
    }
}

/* make -C SRC TARGET with BUILD, DESTDIR and PREFIX; the programs are
 * marked old (-o) so make never tries to rebuild them. The MAKEFLAGS of a
 * surrounding `make check` are not passed on. */
static int run_make(const char *target, const char *build, const char *destdir,
                    const char *prefix)
{
    return run_shell(output, sizeof output,
                     "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C %s %s BUILD=%s"
                     " DESTDIR=%s PREFIX=%s -o %s/islandsd -o %s/islands"
                     " -o %s/islands-worker -o %s/islands-writer",
                     source_dir(), target, build, destdir, prefix, build, build, build, build);
}

/* Every file and symlink under dir as "MODE PATH" lines, sorted. */
static void list_files(const char *dir, char *list, size_t size)
{
    ck_assert_int_eq(run_shell(list, size,
                               "cd %s && find . ! -type d -printf '%%m %%P\\n' | LC_ALL=C sort",
                               dir), 0);
}

static void assert_file_contains(const char *path, const char *text)
{
    ck_assert_int_eq(run_shell(output, sizeof output, "cat %s", path), 0);
    ck_assert_msg(strstr(output, text) != NULL, "%s lacks \"%s\":\n%s", path, text, output);
}

/* One install test's directories: a fake build and a DESTDIR. */
static char install_dir[64], install_build[128], install_dest[128];
static char file_list[8192];

static void stage_install(int with_chaos)
{
    make_temp_dir(install_dir, sizeof install_dir, "install");
    snprintf(install_build, sizeof install_build, "%s/build", install_dir);
    snprintf(install_dest, sizeof install_dest, "%s/dest", install_dir);
    make_fake_build(install_build, with_chaos);
}

/* make TARGET with PREFIX into the staged DESTDIR; file_list is then
 * what DESTDIR holds. */
static void make_and_list(const char *target, const char *prefix)
{
    int status = run_make(target, install_build, install_dest, prefix);
    ck_assert_msg(status == 0, "make %s:\n%s", target, output);
    list_files(install_dest, file_list, sizeof file_list);
}

/* A file of the staged DESTDIR, e.g. dest_path("/etc/islands/islands.conf"). */
static const char *dest_path(const char *path)
{
    static char full[512];
    snprintf(full, sizeof full, "%s%s", install_dest, path);
    return full;
}

START_TEST(install_default_prefix_then_uninstall)
{
    stage_install(1);
    make_and_list("install", "/usr/local");
    ck_assert_str_eq(file_list,
                     "644 etc/islands/islands.conf\n"
                     "644 usr/local/lib/systemd/system/islandsd.service\n"
                     "644 usr/local/lib/systemd/system/islandsd.socket\n"
                     "644 usr/local/lib/sysusers.d/islands.conf\n"
                     "644 usr/local/share/doc/islands/PROTOCOL.md\n"
                     "644 usr/local/share/man/man1/islands.1\n"
                     "644 usr/local/share/man/man8/islandsd.8\n"
                     "755 usr/local/bin/islands\n"
                     "755 usr/local/bin/islands-chaos\n"
                     "755 usr/local/lib/islands/islands-worker\n"
                     "755 usr/local/lib/islands/islands-writer\n"
                     "755 usr/local/sbin/islandsd\n");

    /* The installed configuration finds the installed programs, and the
     * unit starts the installed daemon with it. */
    assert_file_contains(dest_path("/etc/islands/islands.conf"),
                         "\nworker = /usr/local/lib/islands/islands-worker\n");
    assert_file_contains(dest_path("/etc/islands/islands.conf"),
                         "\nwriter = /usr/local/lib/islands/islands-writer\n");
    assert_file_contains(dest_path("/usr/local/lib/systemd/system/islandsd.service"),
                         "\nExecStart=/usr/local/sbin/islandsd --config /etc/islands/islands.conf\n");

    make_and_list("uninstall", "/usr/local");
    ck_assert_str_eq(file_list, "644 etc/islands/islands.conf\n");
    remove_tree(install_dir);
}
END_TEST

START_TEST(install_usr_prefix_keeps_existing_config)
{
    stage_install(0);
    ck_assert_int_eq(run_shell(output, sizeof output,
                               "mkdir -p %s/etc/islands && echo 'intensity = 3' > %s",
                               install_dest, dest_path("/etc/islands/islands.conf")), 0);

    make_and_list("install", "/usr");
    ck_assert_str_eq(file_list,
                     "644 etc/islands/islands.conf\n"
                     "644 lib/systemd/system/islandsd.service\n"
                     "644 lib/systemd/system/islandsd.socket\n"
                     "644 usr/lib/sysusers.d/islands.conf\n"
                     "644 usr/share/doc/islands/PROTOCOL.md\n"
                     "644 usr/share/man/man1/islands.1\n"
                     "644 usr/share/man/man8/islandsd.8\n"
                     "755 usr/bin/islands\n"
                     "755 usr/lib/islands/islands-worker\n"
                     "755 usr/lib/islands/islands-writer\n"
                     "755 usr/sbin/islandsd\n");
    assert_file_contains(dest_path("/etc/islands/islands.conf"), "intensity = 3\n");
    ck_assert_str_eq(output, "intensity = 3\n"); /* untouched */
    assert_file_contains(dest_path("/lib/systemd/system/islandsd.service"),
                         "\nExecStart=/usr/sbin/islandsd --config /etc/islands/islands.conf\n");

    make_and_list("uninstall", "/usr");
    ck_assert_str_eq(file_list, "644 etc/islands/islands.conf\n");
    remove_tree(install_dir);
}
END_TEST

/* ------------------------------------------------------------ man pages */

static void assert_man_page_clean(const char *page)
{
    int status = run_shell(output, sizeof output, "mandoc -T lint -W warning %s/docs/%s",
                           source_dir(), page);
    ck_assert_msg(status == 0 && output[0] == '\0', "mandoc -T lint %s (status %d):\n%s",
                  page, status, output);
}

START_TEST(man_pages_lint_clean)
{
    assert_man_page_clean("islandsd.8");
    assert_man_page_clean("islands.1");
}
END_TEST

static Suite *systemd_suite(void)
{
    Suite *s = suite_create("systemd");
    TCase *units = tcase_create("units");
    tcase_set_timeout(units, 30);
    tcase_add_test(units, units_pass_verify);
    tcase_add_test(units, service_is_sandboxed);
    suite_add_tcase(s, units);

    TCase *install = tcase_create("install");
    tcase_set_timeout(install, 60);
    tcase_add_test(install, install_default_prefix_then_uninstall);
    tcase_add_test(install, install_usr_prefix_keeps_existing_config);
    suite_add_tcase(s, install);

    TCase *man = tcase_create("man");
    tcase_add_test(man, man_pages_lint_clean);
    suite_add_tcase(s, man);
    return s;
}

ISL_CHECK_MAIN(systemd_suite)
