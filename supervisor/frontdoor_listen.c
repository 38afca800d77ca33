/* The listening socket at a path: parent directory created, a stale
 * socket file replaced, a live daemon left alone, mode 0660. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "frontdoor.h"
#include "islands/log.h"

#define LISTEN_BACKLOG 4096

/* mkdir -p of every directory above path's last component. */
static int make_parents(const char *path)
{
    char dir[ISL_PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof dir)
        return -1;
    memcpy(dir, path, len + 1);
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s step=mkdir dir=%s error=\"%s\"",
                    path, dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int fill_address(const char *path, struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr->sun_path) {
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s error=\"path longer than %zu bytes\"",
                path, sizeof addr->sun_path - 1);
        return -1;
    }
    strcpy(addr->sun_path, path);
    return 0;
}

/* An existing file at path: a socket nobody answers on is removed; a live
 * daemon or anything that is not a socket makes us refuse to start. */
static int clear_stale(const char *path, const struct sockaddr_un *addr)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s step=lstat error=\"%s\"",
                path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s error=\"exists and is not a socket\"",
                path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = probe < 0 ? -1 : connect(probe, (const struct sockaddr *)addr, sizeof *addr);
    int err = errno;
    if (probe >= 0)
        close(probe);
    /* A full backlog (EAGAIN) is a live daemon too. */
    if (rc == 0 || err == EAGAIN || err == EINPROGRESS) {
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s error=\"another daemon is listening\"",
                path);
        return -1;
    }
    if (err == ENOENT)
        return 0;
    if (err != ECONNREFUSED) {
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s step=probe error=\"%s\"",
                path, strerror(err));
        return -1;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s step=unlink_stale error=\"%s\"",
                path, strerror(errno));
        return -1;
    }
    isl_log(ISL_LOG_NOTICE, "event=stale_socket_removed socket=%s", path);
    return 0;
}

/* bind (file created 0660 by the umask, then chmod for certainty),
 * listen. -1 with errno and the failed step; the file is not left behind. */
static int bind_and_listen(int fd, const char *path, const struct sockaddr_un *addr,
                           struct stat *st, const char **step)
{
    mode_t old_mask = umask(0117);
    int rc = bind(fd, (const struct sockaddr *)addr, sizeof *addr);
    umask(old_mask);
    if (rc != 0) {
        *step = "bind";
        return -1;
    }
    if (chmod(path, 0660) != 0)
        *step = "chmod";
    else if (stat(path, st) != 0)
        *step = "stat";
    else if (listen(fd, LISTEN_BACKLOG) != 0)
        *step = "listen";
    else
        return 0;
    int err = errno;
    unlink(path);
    errno = err;
    return -1;
}

int frontdoor_socket_create(const char *path, struct frontdoor_socket_file *file)
{
    struct sockaddr_un addr;
    if (fill_address(path, &addr) != 0 || make_parents(path) != 0 || clear_stale(path, &addr) != 0)
        return -1;
    const char *step = "socket";
    struct stat st;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind_and_listen(fd, path, &addr, &st, &step) != 0) {
        isl_log(ISL_LOG_ERR, "event=listen_failed socket=%s step=%s error=\"%s\"",
                path, step, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    file->dev = st.st_dev;
    file->ino = st.st_ino;
    return fd;
}

void frontdoor_socket_remove(const char *path, const struct frontdoor_socket_file *file)
{
    struct stat st;
    /* Only our own file: another daemon may have replaced it since. */
    if (lstat(path, &st) == 0 && st.st_dev == file->dev && st.st_ino == file->ino)
        unlink(path);
}
