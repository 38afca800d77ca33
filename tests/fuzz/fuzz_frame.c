/* Framing (frame.c) on a byte stream from a peer that is not trusted:
 * taken in one buffer, in chunks of every size, or read from a socket by
 * isl_frame_recv, the stream gives the same frames and ends the same way
 * (more bytes needed, or a bad frame); no frame over ISL_FRAME_MAX is ever
 * taken or waited for, and every frame taken puts back as the same object.
 * The input's first two bytes choose the chunk sizes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "islands/frame.h"

#define MAX_FRAMES 4096

struct taken {
    json_t *frames[MAX_FRAMES];
    size_t n;
    int end;           /* the last isl_frame_take: 0 (more needed) or -1 */
};

static void record(struct taken *t, json_t *frame)
{
    FUZZ_CHECK(t->n < MAX_FRAMES, "more frames than bytes");
    t->frames[t->n++] = frame;
}

/* A frame isl_frame_take waits for is one it may take. */
static void check_waiting(const struct isl_buf *in)
{
    if (in->len < 4)
        return;
    const unsigned char *h = (const unsigned char *)isl_buf_head(in);
    uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    FUZZ_CHECK(len <= ISL_FRAME_MAX, "waiting for a frame over the limit");
}

/* Take frames until none is complete; false after a bad one. */
static bool take_all(struct isl_buf *in, struct taken *t)
{
    for (;;) {
        json_t *frame = NULL;
        int rc = isl_frame_take(in, &frame);
        if (rc == 1) {
            FUZZ_CHECK(json_is_object(frame), "a frame that is not an object");
            record(t, frame);
            continue;
        }
        FUZZ_CHECK(rc == 0 || rc == -1, "an unknown result");
        t->end = rc;
        if (rc == 0)
            check_waiting(in);
        return rc == 0;
    }
}

static void same(const struct taken *a, const struct taken *b, const char *how)
{
    FUZZ_CHECK(a->n == b->n, how);
    FUZZ_CHECK(a->end == b->end, how);
    for (size_t i = 0; i < a->n; i++)
        FUZZ_CHECK(json_equal(a->frames[i], b->frames[i]), how);
}

static void release(struct taken *t)
{
    for (size_t i = 0; i < t->n; i++)
        json_decref(t->frames[i]);
    t->n = 0;
}

static void put_back(const json_t *frame)
{
    struct isl_buf out;
    isl_buf_init(&out, 0);
    FUZZ_CHECK(isl_frame_put(&out, frame) == 0, "a frame taken does not put");
    json_t *again = NULL;
    FUZZ_CHECK(isl_frame_take(&out, &again) == 1 && out.len == 0, "a frame put does not take");
    FUZZ_CHECK(json_equal(frame, again), "a frame put takes as another");
    json_decref(again);
    isl_buf_free(&out);
}

/* isl_frame_recv reads the same frames from a socket, then fails with
 * EPROTO where take found a bad frame, ECONNRESET where it wanted more. */
static void by_socket(const char *stream, size_t len, const struct taken *whole)
{
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    FUZZ_CHECK(write(sv[1], stream, len) == (ssize_t)len, "the socket took less");
    shutdown(sv[1], SHUT_WR);
    struct taken t = {.n = 0};
    json_t *frame;
    while (isl_frame_recv(sv[0], &frame, 5000) == 0)
        record(&t, frame);
    FUZZ_CHECK(errno == EPROTO || errno == ECONNRESET, "recv failed otherwise");
    t.end = errno == EPROTO ? -1 : 0;
    same(whole, &t, "recv differs from take");
    release(&t);
    close(sv[0]);
    close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    uint32_t state = (uint32_t)data[0] << 8 | data[1];
    const char *stream = (const char *)data + 2;
    size_t len = size - 2;

    static struct taken whole, chunked;
    struct isl_buf in;
    isl_buf_init(&in, 0);
    FUZZ_CHECK(isl_buf_append(&in, stream, len) == 0, "no memory");
    take_all(&in, &whole);
    isl_buf_free(&in);

    isl_buf_init(&in, 0);
    chunked.end = 0;
    for (size_t at = 0; at < len;) {
        size_t n = fuzz_next_chunk(&state, 64);
        if (n > len - at)
            n = len - at;
        FUZZ_CHECK(isl_buf_append(&in, stream + at, n) == 0, "no memory");
        at += n;
        if (!take_all(&in, &chunked))
            break;
    }
    isl_buf_free(&in);
    same(&whole, &chunked, "chunks give other frames");

    for (size_t i = 0; i < whole.n; i++)
        put_back(whole.frames[i]);
    by_socket(stream, len, &whole);
    release(&whole);
    release(&chunked);
    return 0;
}
