/* One message with at most one file descriptor, on a SOCK_SEQPACKET
 * socket (the spawner's link): SCM_RIGHTS in both directions. */
#ifndef ISLANDS_FD_PASSING_H
#define ISLANDS_FD_PASSING_H

#include <stddef.h>
#include <sys/types.h>

/* Send len bytes and fd along (fd < 0: none). Retries EINTR; returns
 * send's result (-1 with errno set). flags: MSG_DONTWAIT and the like;
 * MSG_NOSIGNAL is always added. */
ssize_t fd_send(int sock, const void *buf, size_t len, int fd, int flags);
/* Receive one message into buf[size]; *fd gets the descriptor it carried
 * (close-on-exec) or -1. Returns its length, 0 at EOF, -1 with errno set
 * (EINTR retried), or -2 if the message or its descriptors were cut off
 * (*fd may still need closing). */
ssize_t fd_recv(int sock, void *buf, size_t size, int *fd, int flags);

#endif
