/* SCM_RIGHTS, once: the spawner and islandsd pass a channel and a pidfd. */
#include "fd_passing.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

union fd_control {
    struct cmsghdr align;
    char space[CMSG_SPACE(sizeof(int))];
};

ssize_t fd_send(int sock, const void *buf, size_t len, int fd, int flags)
{
    union fd_control control;
    struct iovec iov = {(void *)buf, len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.space;
        msg.msg_controllen = sizeof control.space;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n;
    while ((n = sendmsg(sock, &msg, flags | MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n;
}

ssize_t fd_recv(int sock, void *buf, size_t size, int *fd, int flags)
{
    union fd_control control;
    struct iovec iov = {buf, size};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                         .msg_controllen = sizeof control.space};
    *fd = -1;
    ssize_t n;
    while ((n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(fd, CMSG_DATA(c), sizeof(int));
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
        return -2;
    return n;
}
