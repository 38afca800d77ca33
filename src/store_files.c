/* The store's files around LMDB: the directory, the claim, and what is
 * checked or prepared before and after mdb_env_open (store_files.h). */
#include "store_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "islands/config.h"
#include "islands/log.h"
#include "islands/store.h"

/* Below this much room a failed write is taken for a full disk. */
#define DISK_FULL_MARGIN_BYTES (1024 * 1024)

/* LMDB reports a write that a full disk cut short as EIO (its page flush
 * cannot tell), which would send an operator looking for a broken disk. */
bool isl_store_disk_full(MDB_env *env)
{
    const char *path;
    struct statvfs st;
    if (mdb_env_get_path(env, &path) != 0 || statvfs(path, &st) != 0)
        return false;
    return (unsigned long long)st.f_bavail * st.f_frsize < DISK_FULL_MARGIN_BYTES;
}

/* mkdir -p; the components we create are 0700. */
int isl_store_make_dirs(const char *path)
{
    char tmp[ISL_PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(tmp, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
            return -1;
        tmp[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* LMDB 0.9.24 opens its data file without O_CLOEXEC. Our children exec
 * immediately after fork anyway, but an inherited environment fd must never
 * survive exec. open() hands out the lowest free numbers, so whatever
 * mdb_env_open adds (data, lock and meta files: at most three) takes some
 * of the lowest numbers free before it: note them, and mark those open
 * afterwards. Exact for a single-threaded caller (the worker, the writer),
 * and no /proc scan: reading every fd's link cost 0.15-0.4 ms per worker
 * start. */

int isl_store_lowest_free_fds(int fds[ISL_STORE_NEW_FDS])
{
    int n = 0;
    for (int fd = 0; n < ISL_STORE_NEW_FDS && fd < 1 << 20; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
            fds[n++] = fd;
    return n;
}

void isl_store_mark_cloexec(const int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        int flags = fcntl(fds[i], F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC))
            (void)fcntl(fds[i], F_SETFD, flags | FD_CLOEXEC);
    }
}

/* Bytes of the data file the environment uses: its last page + 1. */
int isl_store_env_used(MDB_env *env, MDB_envinfo *info, size_t *used)
{
    MDB_stat st;
    int rc = mdb_env_info(env, info);
    if (rc == 0)
        rc = mdb_env_stat(env, &st);
    if (rc == 0)
        *used = (info->me_last_pgno + 1) * (size_t)st.ms_psize;
    return rc;
}

/* data.mdb's size and the bytes the environment uses; 0, or an LMDB or
 * errno failure in err. */
static int data_file_sizes(MDB_env *env, size_t *size, size_t *used, int *fd, char *err,
                           size_t errlen)
{
    MDB_envinfo info;
    int rc = isl_store_env_used(env, &info, used);
    if (rc != 0)
        return isl_store_fail(rc, "stat", err, errlen);
    rc = mdb_env_get_fd(env, fd);
    if (rc != 0)
        return isl_store_fail(rc, "data file", err, errlen);
    struct stat st;
    if (fstat(*fd, &st) < 0) {
        snprintf(err, errlen, "store error (data file: %s)", strerror(errno));
        return ISL_STORE_FAILED;
    }
    *size = (size_t)st.st_size;
    return 0;
}

#define SHORT_RECHECKS 5
#define SHORT_RECHECK_NS 2000000L

/* A data file shorter than the pages its meta page names (a copy cut
 * short, a file truncated by hand) is mapped without complaint, but the
 * first touch of a missing page kills the process with SIGBUS: refuse it
 * at open, with a message that says why. A store in use can be short for
 * a moment: LMDB never writes a page a transaction took and freed again
 * (a "loose" page), so a commit may end the file before its last page
 * number, until the committer covers it (isl_store_cover_used, right
 * after the commit): look again a few times, 2 ms apart, first. */
int isl_store_check_not_truncated(MDB_env *env, char *err, size_t errlen)
{
    size_t size = 0, used = 0;
    int fd = -1;
    for (int look = 0;; look++) {
        int rc = data_file_sizes(env, &size, &used, &fd, err, errlen);
        if (rc != 0)
            return rc;
        if (size >= used)
            return ISL_STORE_OK;
        if (look == SHORT_RECHECKS)
            break;
        struct timespec pause = {0, SHORT_RECHECK_NS};
        nanosleep(&pause, NULL);
    }
    snprintf(err, errlen, "store truncated: data.mdb is %zu bytes, the environment uses %zu",
             size, used);
    return ISL_STORE_CORRUPT;
}

void isl_store_cover_used(MDB_env *env)
{
    size_t size = 0, used = 0;
    int fd = -1;
    char err[128];
    if (data_file_sizes(env, &size, &used, &fd, err, sizeof err) == 0 && size < used)
        (void)ftruncate(fd, (off_t)used);   /* a hole: no block taken, reads as zeros */
}

/* LMDB sizes its lock file with ftruncate and maps it: on a full disk the
 * first touch of a page of it never written is a SIGBUS, in the writer at
 * open or in any worker taking a reader slot later. Allocating the whole
 * file first turns that into an error here. Sizes: LMDB's reader slot is
 * one cache line, its header less than a page (a larger file only gives
 * it more slots). */
#define LMDB_DEFAULT_READERS 126
#define LMDB_READER_SLOT_BYTES 64
#define LMDB_LOCK_HEADER_BYTES 4096

int isl_store_reserve_lock_file(const char *dir, unsigned max_readers, char *err, size_t errlen)
{
    char path[ISL_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "store: cannot open %s: %s", path, strerror(errno));
        return ISL_STORE_FAILED;
    }
    unsigned readers = max_readers ? max_readers : LMDB_DEFAULT_READERS;
    off_t size = (off_t)readers * LMDB_READER_SLOT_BYTES + LMDB_LOCK_HEADER_BYTES;
    int e = posix_fallocate(fd, 0, size);
    close(fd);   /* before mdb_env_open: no lock of ours on it yet */
    if (e == ENOSPC) {
        snprintf(err, errlen, "store full (no space left on the store's file system for "
                 "lock.mdb)");
        return ISL_STORE_FULL;
    }
    if (e != 0) {
        snprintf(err, errlen, "store: cannot allocate %s: %s", path, strerror(e));
        return ISL_STORE_FAILED;
    }
    return ISL_STORE_OK;
}

/* LMDB takes an empty data.mdb for a new store: a file emptied by a
 * failing disk or a careless copy would start islands with no games and
 * no word of it. Only a crash while LMDB first created the file (before
 * any commit) leaves one empty innocently, so this is a warning. */
void isl_store_warn_if_data_file_empty(const char *dir)
{
    char path[ISL_PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/data.mdb", dir) < (int)sizeof path &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        isl_log(ISL_LOG_WARNING, "event=store_data_file_empty path=%s note=\"starting with no "
                "games: any game stored here before is lost\"", path);
}

int isl_store_claim(const char *dir, char *err, size_t errlen)
{
    char path[ISL_PATH_MAX];
    if (isl_store_make_dirs(dir) < 0) {
        snprintf(err, errlen, "store: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (snprintf(path, sizeof path, "%s/islandsd.lock", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        snprintf(err, errlen, "store: path too long: %s", dir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "store: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        char holder[32] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        if (saved == EWOULDBLOCK)
            snprintf(err, errlen, "store %s is in use by another islandsd (pid %s)", dir,
                     holder[0] ? holder : "unknown");
        else
            snprintf(err, errlen, "store: cannot lock %s: %s", path, strerror(saved));
        close(fd);
        errno = saved;
        return -1;
    }
    /* Only for the message above: the lock, not the file, is the claim. */
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        isl_log(ISL_LOG_WARNING, "event=store_lock_note_failed path=%s error=\"%s\"", path,
                strerror(errno));
    return fd;
}

