/* A full disk under the store: islandsd runs on a store mounted on a small
 * tmpfs (in a mount namespace of the test's own), which is then filled up. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "testd.h"

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Mounts of this process's own, as root or, failing that, as root of a
 * user namespace mapped to our ids. */
static bool enter_private_mounts(char *why, size_t len)
{
    if (unshare(CLONE_NEWNS) != 0) {
        char uid_map[64], gid_map[64];
        snprintf(uid_map, sizeof uid_map, "0 %u 1", (unsigned)getuid());
        snprintf(gid_map, sizeof gid_map, "0 %u 1", (unsigned)getgid());
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0 ||
            write_text("/proc/self/setgroups", "deny") != 0 ||
            write_text("/proc/self/uid_map", uid_map) != 0 ||
            write_text("/proc/self/gid_map", gid_map) != 0) {
            snprintf(why, len, "no mount namespace: %s", strerror(errno));
            return false;
        }
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        snprintf(why, len, "mounts not private: %s", strerror(errno));
        return false;
    }
    return true;
}

/* Fill the file system holding dir to the last byte. */
static void fill_up(const char *dir, char *ballast, size_t len)
{
    snprintf(ballast, len, "%s/ballast", dir);
    int fd = open(ballast, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    static char chunk[64 * 1024];
    for (size_t size = sizeof chunk; size >= 1; size /= 2)
        while (write(fd, chunk, size) == (ssize_t)size)
            ;
    ck_assert_int_eq(errno, ENOSPC);
    close(fd);
}

/* d's temporary directory with its store on a tmpfs of its own. Where
 * the host lets the test mount nothing (not root, no user namespaces) the
 * test fails, saying why, unless ISLANDS_TEST_NO_MOUNTS=1 asks to skip it:
 * a test that passes without running proves nothing. */
static bool prepare_small_store(struct testd *d)
{
    char why[160];
    if (!enter_private_mounts(why, sizeof why)) {
        const char *skip = getenv("ISLANDS_TEST_NO_MOUNTS");
        ck_assert_msg(skip != NULL && strcmp(skip, "1") == 0,
                      "cannot mount a small file system (%s); ISLANDS_TEST_NO_MOUNTS=1 skips "
                      "this test", why);
        fprintf(stderr, "test_full_disk: SKIPPED (ISLANDS_TEST_NO_MOUNTS=1): %s\n", why);
        return false;
    }
    testd_prepare(d);
    ck_assert_int_eq(mkdir(d->store, 0700), 0);
    ck_assert_msg(mount("tmpfs", d->store, "tmpfs", 0, "size=2m,mode=0700") == 0, "mount: %s",
                  strerror(errno));
    return true;
}

static void unmount_and_clean(struct testd *d)
{
    ck_assert_int_eq(umount2(d->store, MNT_DETACH), 0);
    testd_cleanup(d);
}

static json_t *state_of(struct testd *d, const char *game)
{
    json_t *r = testd_call(d, "{s:s, s:s}", "op", "state", "game", game);
    json_object_del(r, "id");
    return r;
}

static void new_game(struct testd *d, const char *game, json_t **answer)
{
    *answer = testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", game, "name", "Ann");
}

START_TEST(a_full_disk_gives_store_error_changes_nothing_and_passes)
{
    struct testd d = {0};
    if (!prepare_small_store(&d))
        return;
    testd_start(&d, NULL);
    char tok1[33], tok2[33];
    testd_setup_game(&d, "kept", tok1, tok2);
    json_t *kept = state_of(&d, "kept");

    char ballast[400];
    fill_up(d.store, ballast, sizeof ballast);
    /* Freed pages are used again first: new games fit until the file
     * must grow. */
    json_t *refusal = NULL;
    char game[32];
    for (int i = 0; i < 2000 && !refusal; i++) {
        snprintf(game, sizeof game, "g%d", i);
        json_t *r;
        new_game(&d, game, &r);
        if (testd_ok(r))
            json_decref(r);
        else
            refusal = r;
    }
    ck_assert_msg(refusal != NULL, "2,000 new games fitted on a full disk");
    ck_assert_str_eq(testd_error(refusal), "store_error");
    const char *message = json_string_value(json_object_get(refusal, "message"));
    ck_assert_msg(message && strstr(message, "no space left"), "message: %s",
                  message ? message : "(none)");
    json_decref(refusal);

    /* Nothing changed: the refused game does not exist, the other is as
     * it was, and the daemon serves on. */
    json_t *r = state_of(&d, game);
    ck_assert_str_eq(testd_error(r), "no_such_game");
    json_decref(r);
    r = state_of(&d, "kept");
    ck_assert_msg(json_equal(r, kept), "the stored game changed");
    json_decref(r);
    json_decref(kept);

    /* Room made: the same change goes through, with nothing restarted. */
    ck_assert_int_eq(unlink(ballast), 0);
    new_game(&d, game, &r);
    ck_assert_msg(testd_ok(r), "new_game after room was made: %s", testd_error(r));
    json_decref(r);
    ck_assert_int_eq(testd_log_count(&d, "event=writer_start"), 1);
    ck_assert_int_eq(testd_log_count(&d, "event=store_corrupted"), 0);

    testd_stop(&d);
    unmount_and_clean(&d);
}
END_TEST

/* LMDB maps its lock file: on a full disk, touching a page of it never
 * written was a SIGBUS, and the writer died of it at every start. */
START_TEST(a_new_store_on_a_full_disk_is_refused_with_a_reason)
{
    struct testd d = {0};
    if (!prepare_small_store(&d))
        return;
    char ballast[400], store[320], out[8192];
    fill_up(d.store, ballast, sizeof ballast);
    snprintf(store, sizeof store, "%s/games", d.store);
    const char *const args[] = {"--config", "/dev/null", "--socket", d.socket, "--store", store,
                                NULL};
    int status = testd_run_to_exit(args, out, sizeof out);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "no space left"), "the full disk not named: %s", out);
    ck_assert_msg(!strstr(out, "signal="), "a child died of a signal: %s", out);
    unmount_and_clean(&d);
}
END_TEST

static Suite *full_disk_suite(void)
{
    Suite *s = suite_create("full_disk");
    TCase *tc = tcase_create("full_disk");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_full_disk_gives_store_error_changes_nothing_and_passes);
    tcase_add_test(tc, a_new_store_on_a_full_disk_is_refused_with_a_reason);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(full_disk_suite)
