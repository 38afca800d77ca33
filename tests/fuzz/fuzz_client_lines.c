/* The client's reading of answers (client.c) on a byte stream from a
 * server that is not trusted, written to a socketpair in chunks: the
 * lines isl_client_pop_line hands out are the stream's lines (a "\r"
 * before "\n" dropped) whatever the chunking, isl_client_pop gives the
 * object isl_json_line_load reads from the same line, a line over the
 * limit ends the stream as BAD_LINE (EMSGSIZE) wherever it is cut, and
 * the end is EOF after a last "\n", EPROTO inside a line. The input's
 * first byte sets the line limit, the second the chunks and which of
 * pop and pop_line takes each line. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "islands/client.h"
#include "islands/json_line.h"

struct stream {
    const char *p;
    size_t len, at;       /* the next line expected starts at `at` */
    size_t written;       /* bytes sent to the client so far */
    size_t max_line;
    bool bad;             /* BAD_LINE (EMSGSIZE) seen */
};

/* The next line of the bytes written so far, as the client must hand it
 * out: its length, or -1 when the rest is not a complete line yet.
 * *too_long as the limit says of what there is. */
static long expect_line(const struct stream *s, const char **line, bool *too_long)
{
    const char *head = s->p + s->at;
    const char *nl = memchr(head, '\n', s->written - s->at);
    size_t n = nl ? (size_t)(nl - head) : s->written - s->at;
    *too_long = n > s->max_line;
    *line = head;
    if (!nl)
        return -1;
    return (long)n;
}

/* Check one line taken (pop or pop_line) against the stream. */
static void check_taken(struct stream *s, bool as_object, enum isl_client_status st,
                        const char *line, size_t len, json_t *obj)
{
    int err = errno;   /* the status's, before anything here sets it */
    const char *want;
    bool too_long;
    long n = expect_line(s, &want, &too_long);
    if (st == ISL_CLIENT_BAD_LINE && err == EMSGSIZE) {
        FUZZ_CHECK(too_long, "a line within the limit refused as too long");
        s->bad = true;
        return;
    }
    FUZZ_CHECK(!too_long, "a line over the limit taken");
    if (st == ISL_CLIENT_AGAIN) {
        FUZZ_CHECK(n < 0, "a complete line not handed out");
        return;
    }
    FUZZ_CHECK(n >= 0, "an incomplete line handed out");
    size_t used = (size_t)n + 1;
    size_t want_len = (size_t)n;
    if (want_len > 0 && want[want_len - 1] == '\r')
        want_len--;
    s->at += used;
    if (!as_object) {
        FUZZ_CHECK(st == ISL_CLIENT_OK, "pop_line failed");
        FUZZ_CHECK(len == want_len && memcmp(line, want, len) == 0 && line[len] == '\0',
                   "another line");
        return;
    }
    json_t *ref = isl_json_line_load(want, want_len, NULL);
    if (json_is_object(ref)) {
        FUZZ_CHECK(st == ISL_CLIENT_OK && json_equal(ref, obj), "pop gives another object");
    } else {
        FUZZ_CHECK(st == ISL_CLIENT_BAD_LINE && err == EBADMSG, "pop takes a non-object");
    }
    json_decref(ref);
}

/* Take every line complete so far, pop or pop_line as the generator says. */
static void take_lines(struct isl_client *c, struct stream *s, uint32_t *state)
{
    while (!s->bad) {
        bool as_object = fuzz_next_chunk(state, 2) == 1;
        enum isl_client_status st;
        char *line = NULL;
        size_t len = 0;
        json_t *obj = NULL;
        st = as_object ? isl_client_pop(c, &obj) : isl_client_pop_line(c, &line, &len);
        check_taken(s, as_object, st, line, len, obj);
        free(line);
        json_decref(obj);
        if (st == ISL_CLIENT_AGAIN)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536)
        return 0;
    struct stream s = {(const char *)data + 2, size - 2, 0, 0, data[0] % 48, false};
    uint32_t state = data[1];
    int sv[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    struct isl_client *c = isl_client_from_fd(sv[0]);
    FUZZ_CHECK(c != NULL, "no memory");
    isl_client_set_max_line(c, s.max_line);

    for (size_t at = 0; at < s.len && !s.bad;) {
        size_t n = fuzz_next_chunk(&state, 64);
        if (n > s.len - at)
            n = s.len - at;
        FUZZ_CHECK(write(sv[1], s.p + at, n) == (ssize_t)n, "the socket took less");
        at += n;
        s.written = at;
        enum isl_client_status st;
        while ((st = isl_client_read(c)) == ISL_CLIENT_OK)
            ;
        if (st == ISL_CLIENT_BAD_LINE) {
            /* Only a line over the limit and still without its end. */
            FUZZ_CHECK(errno == EMSGSIZE, "read refused other than for length");
            const char *want;
            bool too_long;
            expect_line(&s, &want, &too_long);
            FUZZ_CHECK(too_long, "read refused a line within the limit");
            s.bad = true;
            break;
        }
        FUZZ_CHECK(st == ISL_CLIENT_AGAIN, "read failed");
        /* Sometimes only after several chunks, so lines pile up. */
        if (fuzz_next_chunk(&state, 3) == 1)
            take_lines(c, &s, &state);
    }
    if (!s.bad) {
        take_lines(c, &s, &state);
        close(sv[1]);
        sv[1] = -1;
        char *line = NULL;
        size_t len;
        enum isl_client_status st = isl_client_recv_line(c, &line, &len, 5000);
        free(line);
        if (!s.bad) {
            const char *want;
            bool too_long;
            long n = expect_line(&s, &want, &too_long);
            FUZZ_CHECK(n < 0, "a complete line left behind");
            if (too_long)
                FUZZ_CHECK(st == ISL_CLIENT_BAD_LINE && errno == EMSGSIZE, "a long last line");
            else if (s.at == s.len)
                FUZZ_CHECK(st == ISL_CLIENT_EOF, "no EOF after the last line");
            else
                FUZZ_CHECK(st == ISL_CLIENT_ERROR && errno == EPROTO, "no EPROTO inside a line");
        }
    }
    isl_client_close(c);
    if (sv[1] >= 0)
        close(sv[1]);
    return 0;
}
