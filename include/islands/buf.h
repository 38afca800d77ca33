/* A growable byte buffer with a hard cap, for non-blocking I/O. */
#ifndef ISLANDS_BUF_H
#define ISLANDS_BUF_H

#include <stddef.h>
#include <sys/types.h>

struct isl_buf {
    char *data;
    size_t len;     /* bytes held, starting at data + off */
    size_t off;     /* bytes already consumed at the front */
    size_t cap;
    size_t max;     /* append beyond this fails; 0 = no cap */
};

void isl_buf_init(struct isl_buf *b, size_t max);
void isl_buf_free(struct isl_buf *b);
/* The held bytes (never NULL, also when nothing was ever held). */
static inline const char *isl_buf_head(const struct isl_buf *b)
{
    return b->data != NULL ? b->data + b->off : "";
}
/* Append; -1 (nothing appended) if it would exceed max or memory is out. */
int isl_buf_append(struct isl_buf *b, const void *p, size_t n);
/* Drop n bytes from the front. */
void isl_buf_consume(struct isl_buf *b, size_t n);
/* read() once into the buffer: >0 bytes read, 0 EOF, -1 error (errno;
 * EAGAIN when nothing is there), -2 buffer full (max reached). */
ssize_t isl_buf_read_fd(struct isl_buf *b, int fd, size_t chunk);
/* write() as much as the fd takes: 0 all sent, 1 some left (EAGAIN),
 * -1 error (errno). */
int isl_buf_write_fd(struct isl_buf *b, int fd);
/* Write all of b, waiting at most wait_ms (< 0: no limit) each time fd is
 * full. 0, or -1 with errno (ETIMEDOUT when a wait ran out). */
int isl_buf_write_all(struct isl_buf *b, int fd, int wait_ms);

#endif
