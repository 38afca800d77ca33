/* Length-prefixed JSON frames between islands' own processes. */
#include "islands/frame.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "islands/clock.h"

#define HEADER_LEN 4

int isl_frame_put_raw(struct isl_buf *out, const char *payload, uint32_t len)
{
    if (len > ISL_FRAME_MAX)
        return -1;
    unsigned char header[HEADER_LEN] = {
        (unsigned char)(len >> 24), (unsigned char)(len >> 16),
        (unsigned char)(len >> 8), (unsigned char)len,
    };
    if (isl_buf_append(out, header, HEADER_LEN) != 0)
        return -1;
    if (isl_buf_append(out, payload, len) != 0) {
        out->len -= HEADER_LEN;   /* never leave half a frame behind */
        return -1;
    }
    return 0;
}

size_t isl_frame_begin(struct isl_buf *out, int *failed)
{
    static const unsigned char placeholder[HEADER_LEN];
    size_t start = out->len;
    *failed = isl_buf_append(out, placeholder, HEADER_LEN) != 0;
    return start;
}

int isl_frame_end(struct isl_buf *out, size_t start, int failed)
{
    if (failed || out->len < start + HEADER_LEN ||
        out->len - start - HEADER_LEN > ISL_FRAME_MAX) {
        if (out->len > start)
            out->len = start;   /* never leave half a frame behind */
        return -1;
    }
    size_t len = out->len - start - HEADER_LEN;
    unsigned char *header = (unsigned char *)out->data + out->off + start;
    header[0] = (unsigned char)(len >> 24);
    header[1] = (unsigned char)(len >> 16);
    header[2] = (unsigned char)(len >> 8);
    header[3] = (unsigned char)len;
    return 0;
}

int isl_frame_put(struct isl_buf *out, const json_t *obj)
{
    if (!json_is_object(obj))
        return -1;
    char *text = json_dumps(obj, JSON_COMPACT);
    if (text == NULL)
        return -1;
    size_t len = strlen(text);
    int rc = len > ISL_FRAME_MAX ? -1 : isl_frame_put_raw(out, text, (uint32_t)len);
    free(text);
    return rc;
}

static uint32_t header_length(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decode one payload; NULL unless it is exactly one JSON object. */
static json_t *decode_payload(const char *payload, size_t len)
{
    json_error_t error;
    json_t *obj = json_loadb(payload, len, 0, &error);
    if (obj != NULL && !json_is_object(obj)) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

int isl_frame_peek(const struct isl_buf *in, const char **payload, uint32_t *len)
{
    if (in->len < HEADER_LEN)
        return 0;
    const char *head = isl_buf_head(in);
    uint32_t n = header_length((const unsigned char *)head);
    if (n > ISL_FRAME_MAX)
        return -1;
    if (in->len - HEADER_LEN < n)
        return 0;
    *payload = head + HEADER_LEN;
    *len = n;
    return 1;
}

int isl_frame_take(struct isl_buf *in, json_t **obj)
{
    const char *payload;
    uint32_t len;
    int rc = isl_frame_peek(in, &payload, &len);
    if (rc <= 0)
        return rc;
    json_t *decoded = decode_payload(payload, len);
    if (decoded == NULL)
        return -1;
    isl_buf_consume(in, HEADER_LEN + (size_t)len);
    *obj = decoded;
    return 1;
}

/* ---------------------------------------------------------------- blocking */

/* Wait until fd is ready for events, at most until deadline (< 0: no
 * deadline). 0, or -1 with errno (ETIMEDOUT). */
static int wait_ready(int fd, short events, long long deadline)
{
    for (;;) {
        int timeout = -1;
        if (deadline >= 0) {
            long long left = deadline - (long long)isl_monotonic_ms();
            if (left <= 0) {
                errno = ETIMEDOUT;
                return -1;
            }
            timeout = left > 1000000 ? 1000000 : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, timeout);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

int isl_frame_send(int fd, const json_t *obj)
{
    struct isl_buf out;
    isl_buf_init(&out, 0);
    if (isl_frame_put(&out, obj) != 0) {
        isl_buf_free(&out);
        errno = EMSGSIZE;
        return -1;
    }
    int rc = isl_buf_write_all(&out, fd, -1);
    int saved = errno;
    isl_buf_free(&out);
    errno = saved;
    return rc == 0 ? 0 : -1;
}

/* Read exactly n bytes (never more: the next frame stays in the socket). */
static int read_exactly(int fd, void *dst, size_t n, long long deadline)
{
    char *p = dst;
    while (n > 0) {
        if (wait_ready(fd, POLLIN, deadline) != 0)
            return -1;
        ssize_t r = read(fd, p, n);
        if (r == 0) {
            errno = ECONNRESET;
            return -1;
        }
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int isl_frame_recv(int fd, json_t **obj, int timeout_ms)
{
    long long deadline = timeout_ms < 0 ? -1 : (long long)isl_monotonic_ms() + timeout_ms;
    unsigned char header[HEADER_LEN];
    if (read_exactly(fd, header, HEADER_LEN, deadline) != 0)
        return -1;
    uint32_t len = header_length(header);
    if (len > ISL_FRAME_MAX) {
        errno = EPROTO;
        return -1;
    }
    char *payload = malloc(len > 0 ? len : 1);
    if (payload == NULL) {
        errno = ENOMEM;
        return -1;
    }
    if (read_exactly(fd, payload, len, deadline) != 0) {
        int saved = errno;
        free(payload);
        errno = saved;
        return -1;
    }
    json_t *decoded = decode_payload(payload, len);
    free(payload);
    if (decoded == NULL) {
        errno = EPROTO;
        return -1;
    }
    *obj = decoded;
    return 0;
}
