/* A connection made by another user: the daemon reads the peer's uid when
 * the connection is made, so a child switches to "nobody", connects, and
 * hands the connected socket back over a socketpair. */
#ifndef ISLANDS_PROTOCOL_PEER_H
#define ISLANDS_PROTOCOL_PEER_H

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "protocol_harness.h"

#define NOBODY_UID 65534

static inline void send_fd(int over, int fd)
{
    char byte = 'f';
    struct iovec io = {.iov_base = &byte, .iov_len = 1};
    union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control.space,
                       .msg_controllen = sizeof control.space};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(over, &m, 0) != 1)
        _exit(2);
}

static inline int recv_fd(int over)
{
    char byte;
    struct iovec io = {.iov_base = &byte, .iov_len = 1};
    union { struct cmsghdr h; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control.space,
                       .msg_controllen = sizeof control.space};
    if (recvmsg(over, &m, 0) != 1)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* A raw connection whose peer credentials are those of "nobody". The test
 * daemon's directory and socket are opened up so that nobody may connect. */
static inline struct raw *raw_open_as_nobody(struct testd *d)
{
    ck_assert_msg(getuid() == 0, "this test needs root to switch to another user");
    ck_assert_int_eq(chmod(d->dir, 0755), 0);
    ck_assert_int_eq(chmod(d->socket, 0666), 0);
    int pair[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(pair[0]);
        if (setgroups(0, NULL) != 0 || setgid(NOBODY_UID) != 0 || setuid(NOBODY_UID) != 0)
            _exit(3);
        int fd = raw_connect_fd(d->socket);
        if (fd < 0)
            _exit(4);
        send_fd(pair[1], fd);
        _exit(0);
    }
    close(pair[1]);
    int fd = recv_fd(pair[0]);
    close(pair[0]);
    int status;
    waitpid(child, &status, 0);
    ck_assert_msg(fd >= 0, "nobody could not connect (child status %d)", status);
    struct raw *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    r->fd = fd;
    return r;
}

#endif
