/* `make check`'s run of the fuzz targets: each tests/fuzz/fuzz_NAME.c is
 * linked with this main instead of libFuzzer's, as
 * build/tests/fuzz/replay_NAME, with the project's compiler and flags (no
 * clang), and given every file of tests/fuzz/seeds/NAME. So a target that
 * no longer builds, or a seed (a difference once found, kept) that fails
 * again, fails the check. A failed check in a target aborts: the seed it
 * was given is said first. */
#include <check.h>
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"

static char seed_dir[PATH_MAX];
static char current_seed[2 * PATH_MAX];   /* "failed on the seed PATH\n" */

static void say_seed_and_abort(int sig)
{
    (void)!write(STDERR_FILENO, current_seed, strlen(current_seed));
    signal(sig, SIG_DFL);
    raise(sig);
}

static int is_seed(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* The whole file, in memory of its exact size (so that a read past it is
 * caught under AddressSanitizer). */
static uint8_t *read_seed(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    uint8_t *data = NULL;
    size_t len = 0;
    for (;;) {
        uint8_t chunk[4096];
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0)
            break;
        data = realloc(data, len + n);
        ck_assert_ptr_nonnull(data);
        memcpy(data + len, chunk, n);
        len += n;
    }
    ck_assert_msg(!ferror(f), "cannot read %s", path);
    fclose(f);
    *size = len;
    return data ? data : malloc(1);
}

START_TEST(every_seed_passes)
{
    struct dirent **names;
    int n = scandir(seed_dir, &names, is_seed, alphasort);
    ck_assert_msg(n > 0, "no seeds in %s", seed_dir);
    struct sigaction on_abort = { .sa_handler = say_seed_and_abort };
    sigaction(SIGABRT, &on_abort, NULL);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", seed_dir, names[i]->d_name);
        snprintf(current_seed, sizeof current_seed, "failed on the seed %s\n", path);
        size_t size;
        uint8_t *data = read_seed(path, &size);
        ck_assert_int_eq(LLVMFuzzerTestOneInput(data, size), 0);
        free(data);
        free(names[i]);
    }
    free(names);
}
END_TEST

int main(int argc, char **argv)
{
    (void)argc;
    /* replay_NAME replays tests/fuzz/seeds/NAME, under ISLANDS_SRC (the
     * source tree; the current directory if unset). */
    const char *name = strchr(basename(argv[0]), '_');
    const char *src = getenv("ISLANDS_SRC");
    if (!name) {
        fprintf(stderr, "%s: run as replay_NAME\n", argv[0]);
        return EXIT_FAILURE;
    }
    snprintf(seed_dir, sizeof seed_dir, "%s/tests/fuzz/seeds/%s", src ? src : ".", name + 1);
    Suite *s = suite_create(basename(argv[0]));
    TCase *tc = tcase_create("seeds");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_seed_passes);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
