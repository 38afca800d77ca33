/* The worker's commit path: direct LMDB or via islands-writer. */
#include "islands/committer.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "islands/buf.h"
#include "islands/clock.h"
#include "islands/doc_text.h"
#include "islands/frame.h"
#include "islands/log.h"
#include "islands/worker_proto.h"

struct pending {
    long long seq;
    bool relayed;                  /* success goes to the supervisor, not to us */
    isl_commit_done done;
    void *arg;
    struct pending *next;
};

struct isl_committer {
    struct ev_loop *loop;
    struct isl_store *store;       /* direct mode */
    int fd;                        /* group mode: the writer connection */
    ev_io reader, writer_io;
    struct isl_buf in, out;
    struct pending *head, *tail;   /* in submit order */
    size_t npending;
    long long next_seq;
    bool broken;
    void (*on_broken)(void *arg);
    void *on_broken_arg;
};

static const char LOST[] = "store error (connection to the store writer lost)";

struct isl_committer *isl_committer_direct(struct ev_loop *loop, struct isl_store *store)
{
    struct isl_committer *c = calloc(1, sizeof *c);
    if (c) {
        c->loop = loop;
        c->store = store;
        c->fd = -1;
    }
    return c;
}

/* Fail every pending commit, once; then tell the owner. An error only if
 * something is lost or went wrong (a commit or a fence in flight, a bad
 * frame): a spare or an idle worker losing the writer as islandsd stops
 * loses nothing, and routine restarts must not fill `journalctl -p err`. */
static void break_connection(struct isl_committer *c, const char *why, bool fault)
{
    if (c->broken)
        return;
    c->broken = true;
    isl_log(fault || c->npending ? ISL_LOG_ERR : ISL_LOG_INFO,
            "event=writer_connection_lost reason=\"%s\" pending=%zu", why, c->npending);
    ev_io_stop(c->loop, &c->reader);
    ev_io_stop(c->loop, &c->writer_io);
    while (c->head) {
        struct pending *p = c->head;
        c->head = p->next;
        c->npending--;
        p->done(p->arg, ISL_STORE_FAILED, LOST);
        free(p);
    }
    c->tail = NULL;
    if (c->on_broken)
        c->on_broken(c->on_broken_arg);
}

static void flush_out(struct isl_committer *c)
{
    int rc = isl_buf_write_fd(&c->out, c->fd);
    if (rc < 0)
        break_connection(c, strerror(errno), false);
    else if (rc == 1)
        ev_io_start(c->loop, &c->writer_io);
    else
        ev_io_stop(c->loop, &c->writer_io);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    flush_out(w->data);
}

/* One answer from the writer: complete the pending commit it names. */
static int handle_answer(struct isl_committer *c, json_t *frame)
{
    const char *t = json_string_value(json_object_get(frame, "t"));
    json_t *jseq = json_object_get(frame, "seq");
    bool ok = t && strcmp(t, "committed") == 0;
    const char *error = json_string_value(json_object_get(frame, "error"));
    if (!t || (!ok && strcmp(t, "failed") != 0) || !json_is_integer(jseq) || (!ok && !error))
        return -1;
    long long seq = json_integer_value(jseq);
    struct pending **pp = &c->head, *prev = NULL;
    while (*pp && (*pp)->seq != seq) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    struct pending *p = *pp;
    if (!p || (ok && p->relayed))
        return -1;
    *pp = p->next;
    if (c->tail == p)
        c->tail = prev;
    c->npending--;
    p->done(p->arg, ok ? ISL_STORE_OK : ISL_STORE_FAILED, ok ? NULL : error);
    free(p);
    return 0;
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop;
    (void)revents;
    struct isl_committer *c = w->data;
    ssize_t n = isl_buf_read_fd(&c->in, c->fd, 65536);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        break_connection(c, n == 0 ? "closed by the writer" : strerror(errno), false);
        return;
    }
    json_t *frame;
    int rc;
    while (!c->broken && (rc = isl_frame_take(&c->in, &frame)) == 1) {
        int bad = handle_answer(c, frame);
        json_decref(frame);
        if (bad) {
            break_connection(c, "bad frame from the writer", true);
            return;
        }
    }
    if (!c->broken && rc < 0)
        break_connection(c, "bad frame from the writer", true);
}

struct isl_committer *isl_committer_group(struct ev_loop *loop, const char *store_dir,
                                          char *err, size_t errlen)
{
    struct sockaddr_un addr;
    socklen_t len;
    int dirfd;
    if (isl_writer_addr(store_dir, &addr, &len, &dirfd) < 0) {
        snprintf(err, errlen, "writer socket in %s: %s", store_dir, strerror(errno));
        return NULL;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&addr, len);
    int saved = errno;
    if (dirfd >= 0)
        close(dirfd);
    if (rc < 0 || isl_set_nonblock(fd) < 0) {
        snprintf(err, errlen, "connect to the store writer at %s/%s: %s", store_dir,
                 ISL_WRITER_SOCK, strerror(saved));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct isl_committer *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->loop = loop;
    c->fd = fd;
    isl_buf_init(&c->in, ISL_FRAME_MAX + 8);
    isl_buf_init(&c->out, 0);
    ev_io_init(&c->reader, on_readable, fd, EV_READ);
    ev_io_init(&c->writer_io, on_writable, fd, EV_WRITE);
    c->reader.data = c->writer_io.data = c;
    ev_io_start(loop, &c->reader);
    return c;
}

void isl_committer_on_broken(struct isl_committer *c, void (*fn)(void *arg), void *arg)
{
    c->on_broken = fn;
    c->on_broken_arg = arg;
}

bool isl_committer_broken(const struct isl_committer *c)
{
    return c->broken;
}

static bool ascii_only(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static void append_str(struct isl_buf *out, int *failed, const char *s)
{
    if (!*failed && isl_buf_append(out, s, strlen(s)) != 0)
        *failed = 1;
}

static void append_quoted(struct isl_buf *out, int *failed, const char *s, size_t len)
{
    append_str(out, failed, "\"");
    if (!*failed && isl_json_escape_append(out, s, len) != 0)
        *failed = 1;
    append_str(out, failed, "\"");
}

/* The frame isl_write_to_frame would give, written as text: a move's
 * document is escaped once, straight into the output buffer. Anything
 * that might not be plain ASCII (a quarantined record) takes the jansson
 * path, which checks UTF-8 and picks doc_hex. */
static int queue_write(struct isl_buf *out, const struct isl_store_write *w, long long seq,
                       const char *answer)
{
    bool fast = (w->kind == ISL_WRITE_DELETE ||
                 (w->kind == ISL_WRITE_PUT && w->doc && w->rules &&
                  ascii_only(w->doc, w->doc_len) && ascii_only(w->rules, strlen(w->rules)))) &&
                ascii_only(w->game, strlen(w->game));
    if (!fast) {
        json_t *frame = isl_write_to_frame(w, seq);
        if (frame && answer && json_object_set_new(frame, "answer", json_loads(answer, 0, NULL)))
            json_decref(frame), frame = NULL;
        int rc = frame ? isl_frame_put(out, frame) : -1;
        json_decref(frame);
        return rc;
    }
    int failed;
    size_t start = isl_frame_begin(out, &failed);
    char head[64];
    snprintf(head, sizeof head, "{\"t\":\"commit\",\"seq\":%lld,\"game\":", seq);
    append_str(out, &failed, head);
    append_quoted(out, &failed, w->game, strlen(w->game));
    if (w->kind == ISL_WRITE_DELETE) {
        append_str(out, &failed, ",\"delete\":true");
    } else {
        append_str(out, &failed, ",\"doc\":");
        append_quoted(out, &failed, w->doc, w->doc_len);
        append_str(out, &failed, ",\"rules\":");
        append_quoted(out, &failed, w->rules, strlen(w->rules));
    }
    if (answer) {
        /* Last, so the writer can take the rest of the frame as it is. */
        append_str(out, &failed, ",\"answer\":");
        append_str(out, &failed, answer);
    }
    append_str(out, &failed, "}");
    return isl_frame_end(out, start, failed);
}

static void submit(struct isl_committer *c, const struct isl_store_write *w, const char *answer,
                   isl_commit_done done, void *arg)
{
    if (c->broken) {
        done(arg, ISL_STORE_FAILED, LOST);
        return;
    }
    struct pending *p = malloc(sizeof *p);
    if (!p || queue_write(&c->out, w, c->next_seq, answer) != 0) {
        free(p);
        done(arg, ISL_STORE_FAILED, "store error (cannot encode the commit)");
        return;
    }
    *p = (struct pending){ .seq = c->next_seq++, .relayed = answer != NULL, .done = done,
                           .arg = arg };
    if (c->tail)
        c->tail->next = p;
    else
        c->head = p;
    c->tail = p;
    c->npending++;
    flush_out(c);
}

void isl_committer_submit(struct isl_committer *c, const struct isl_store_write *w,
                          isl_commit_done done, void *arg)
{
    if (c->store) {
        char err[256];
        int rc = isl_store_commit(c->store, w, 1, err, sizeof err);
        done(arg, rc, rc == ISL_STORE_OK ? NULL : err);
        return;
    }
    submit(c, w, NULL, done, arg);
}

void isl_committer_submit_relayed(struct isl_committer *c, const struct isl_store_write *w,
                                  const char *answer, isl_commit_done done, void *arg)
{
    if (c->store) {
        done(arg, ISL_STORE_FAILED, "store error (relayed commits need the store writer)");
        return;
    }
    submit(c, w, answer, done, arg);
}

void isl_committer_settle(struct isl_committer *c)
{
    struct pending **pp = &c->head, *prev = NULL;
    while (*pp) {
        struct pending *p = *pp;
        if (!p->relayed) {
            prev = p;
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        c->npending--;
        free(p);
    }
    c->tail = prev;
}

/* One blocking step of fence_wait: read what comes before deadline. */
static int read_some(struct isl_committer *c, long long deadline)
{
    long long left = deadline - (long long)isl_monotonic_ms();
    if (left <= 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    int n = poll(&p, 1, (int)left);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    if (n > 0) {
        ssize_t got = isl_buf_read_fd(&c->in, c->fd, 65536);
        if (got == 0)
            errno = ECONNRESET;
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return -1;
    }
    return 0;
}

/* Send a fence naming `after` (NULL: every connection) behind whatever
 * was sent before, and wait for `fenced`. Answers that come first are
 * handled as usual, so their callbacks may run from here. */
static int fence_wait(struct isl_committer *c, const json_t *after, int timeout_ms,
                      char *err, size_t errlen)
{
    json_t *fence = json_pack("{s:s}", "t", "fence");
    if (fence && after && json_object_set(fence, "after", (json_t *)after) != 0) {
        json_decref(fence);
        fence = NULL;
    }
    int rc = fence ? isl_frame_put(&c->out, fence) : -1;
    json_decref(fence);
    if (rc != 0) {
        snprintf(err, errlen, "fence: cannot encode it");
        return -1;
    }
    long long deadline = (long long)isl_monotonic_ms() + timeout_ms;
    if (isl_buf_write_all(&c->out, c->fd, timeout_ms) != 0) {
        snprintf(err, errlen, "fence: %s", strerror(errno));
        break_connection(c, err, true);
        return -1;
    }
    bool fenced = false;
    while (!fenced && !c->broken) {
        json_t *frame;
        while (!fenced && !c->broken && (rc = isl_frame_take(&c->in, &frame)) == 1) {
            const char *t = json_string_value(json_object_get(frame, "t"));
            if (t && strcmp(t, "fenced") == 0)
                fenced = true;
            else if (handle_answer(c, frame) != 0)
                rc = -1;
            json_decref(frame);
            if (rc < 0)
                break;
        }
        if (rc < 0) {
            snprintf(err, errlen, "fence: bad frame from the writer");
            break_connection(c, "bad frame from the writer", true);
        } else if (!fenced && !c->broken && read_some(c, deadline) < 0) {
            snprintf(err, errlen, "fence: %s", strerror(errno));
            break_connection(c, err, true);
        }
    }
    if (!fenced)
        return -1;
    /* Frames read behind `fenced` are the reader's, as if just arrived;
     * commits queued meanwhile go out from the loop. */
    if (c->in.len > 0)
        ev_feed_event(c->loop, &c->reader, EV_READ);
    flush_out(c);
    return 0;
}

int isl_committer_fence(struct isl_committer *c, const json_t *after, int timeout_ms,
                        char *err, size_t errlen)
{
    if (c->store)
        return 0;
    if (c->broken || c->npending > 0 || c->out.len > 0) {
        snprintf(err, errlen, "fence: writer connection not idle");
        return -1;
    }
    return fence_wait(c, after, timeout_ms, err, errlen);
}

int isl_committer_sync(struct isl_committer *c, int timeout_ms, char *err, size_t errlen)
{
    if (c->store)
        return 0;
    if (c->broken) {
        snprintf(err, errlen, "%s", LOST);
        return -1;
    }
    /* A fence naming nobody: the writer reads no other connection. */
    json_t *nobody = json_array();
    int rc = nobody ? fence_wait(c, nobody, timeout_ms, err, errlen) : -1;
    json_decref(nobody);
    if (rc == 0)
        isl_committer_settle(c);
    return rc;
}
