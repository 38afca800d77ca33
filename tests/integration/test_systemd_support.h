/* Small helpers shared by the systemd integration tests: where the
 * programs and the source tree are, temporary directories, and running a
 * shell command with its output captured. */
#ifndef ISLANDS_TEST_SYSTEMD_SUPPORT_H
#define ISLANDS_TEST_SYSTEMD_SUPPORT_H

#include <check.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The value of an environment variable set by `make check`, or the
 * default used when a test program is run by hand from the repo root. */
static inline const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' ? value : fallback;
}

static inline const char *source_dir(void)
{
    return env_or("ISLANDS_SRC", ".");
}

/* A fresh directory under /tmp; the path is written into dir (>= 64). */
static inline void make_temp_dir(char *dir, size_t size, const char *label)
{
    snprintf(dir, size, "/tmp/islands-%s-XXXXXX", label);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
}

static inline int remove_entry(const char *path, const struct stat *st, int type,
                               struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

static inline void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run the command formatted from fmt with sh -c, its stdout and stderr
 * captured into out (truncated to size). Returns the exit status, or -1 if
 * it did not exit normally. */
__attribute__((format(printf, 3, 4)))
static inline int run_shell(char *out, size_t size, const char *fmt, ...)
{
    char inner[8192], command[sizeof inner + 16];
    va_list ap;
    va_start(ap, fmt);
    int length = vsnprintf(inner, sizeof inner, fmt, ap);
    va_end(ap);
    ck_assert_msg(length >= 0 && (size_t)length < sizeof inner, "command too long");
    snprintf(command, sizeof command, "(%s) 2>&1", inner);
    FILE *pipe = popen(command, "r");
    ck_assert_msg(pipe != NULL, "popen failed for: %s", command);
    size_t used = 0;
    size_t got;
    char chunk[4096];
    while ((got = fread(chunk, 1, sizeof chunk, pipe)) > 0) {
        size_t room = size - 1 - used;
        size_t take = got < room ? got : room;
        memcpy(out + used, chunk, take);
        used += take;
    }
    out[used] = '\0';
    int status = pclose(pipe);
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#endif
