/* Growable byte buffers with a hard cap, for non-blocking sockets. */
#include "islands/buf.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_MIN_CAP 4096
/* An emptied buffer bigger than this gives its memory back, so that one
 * burst does not pin megabytes for the life of a connection. */
#define BUF_KEEP_CAP (256u * 1024)

void isl_buf_init(struct isl_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void isl_buf_free(struct isl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->off = b->cap = 0;
}

/* Make room for n more bytes after the held ones: move them to the front
 * if that is enough, else grow. */
static int reserve(struct isl_buf *b, size_t n)
{
    if (n > SIZE_MAX - b->len)
        return -1;
    size_t need = b->len + n;
    if (b->off + need <= b->cap)
        return 0;
    if (need <= b->cap) {
        memmove(b->data, b->data + b->off, b->len);
        b->off = 0;
        return 0;
    }
    size_t cap = b->cap > BUF_MIN_CAP ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *data = malloc(cap);
    if (data == NULL)
        return -1;
    if (b->len > 0)
        memcpy(data, b->data + b->off, b->len);
    free(b->data);
    b->data = data;
    b->cap = cap;
    b->off = 0;
    return 0;
}

int isl_buf_append(struct isl_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (b->max != 0 && (b->len > b->max || n > b->max - b->len))
        return -1;
    if (reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->off + b->len, p, n);
    b->len += n;
    return 0;
}

void isl_buf_consume(struct isl_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        b->off = 0;
        if (b->cap > BUF_KEEP_CAP)
            isl_buf_free(b);
        return;
    }
    b->off += n;
    b->len -= n;
}

ssize_t isl_buf_read_fd(struct isl_buf *b, int fd, size_t chunk)
{
    if (b->max != 0) {
        if (b->len >= b->max)
            return -2;
        if (chunk > b->max - b->len)
            chunk = b->max - b->len;
    }
    if (chunk == 0)
        chunk = 1;
    if (reserve(b, chunk) != 0) {
        errno = ENOMEM;
        return -1;
    }
    ssize_t n;
    do
        n = read(fd, b->data + b->off + b->len, chunk);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        b->len += (size_t)n;
    return n;
}

/* send() with MSG_NOSIGNAL so a vanished peer is EPIPE, not SIGPIPE;
 * write() for pipes and other non-sockets. */
static ssize_t write_some(int fd, const void *p, size_t n)
{
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == ENOTSOCK)
        w = write(fd, p, n);
    return w;
}

int isl_buf_write_all(struct isl_buf *b, int fd, int wait_ms)
{
    int rc;
    while ((rc = isl_buf_write_fd(b, fd)) == 1) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, wait_ms);
        if (n == 0)
            errno = ETIMEDOUT;
        if (n == 0 || (n < 0 && errno != EINTR))
            return -1;
    }
    return rc;
}

int isl_buf_write_fd(struct isl_buf *b, int fd)
{
    while (b->len > 0) {
        ssize_t w = write_some(fd, isl_buf_head(b), b->len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            return -1;
        }
        isl_buf_consume(b, (size_t)w);
    }
    return 0;
}
