/* Worker connections on writer.sock and group commit: every complete frame
 * read during one loop iteration joins the batch; a low-priority ev_check
 * watcher then commits the whole batch in one transaction and answers each
 * write. Under light load that is one write, committed at once.
 *
 * Fences and frees happen only from that watcher, never inside a walk of
 * the connections: a fence reads other connections, which may hold
 * another fence or be dropped, so fences are queued and run one after
 * another, and a dropped connection is freed only once nothing walks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "islands/exit_status.h"
#include "islands/frame.h"
#include "islands/log.h"
#include "islands/worker_proto.h"
#include "writer.h"

#define ACCEPT_PAUSE_S 0.1   /* no accept for so long after running out of fds */

struct wconn {
    struct writer *wr;
    int fd;
    ev_io rd, wr_io;
    struct isl_buf in, out;
    unsigned inflight;             /* writes of it in the batch */
    bool closing;                  /* dropped: freed once inflight is 0 */
    bool backlog;                  /* frames wait in `in` for the next batch */
    bool fence_wanted;             /* sent `fence`; reading paused until answered */
    bool fence_all;                /* ... naming no dead workers: read every connection */
    pid_t fence_after[ISL_FENCE_AFTER_MAX];   /* ... else only theirs */
    size_t fence_after_count;
    pid_t peer;                    /* the connected process (SO_PEERCRED) */
    struct wconn *next;
};

/* Free the dropped connections that no batch entry points to any more. */
static void free_closed(struct writer *wr)
{
    for (struct wconn **pp = &wr->conns; *pp && wr->closed > 0;) {
        struct wconn *c = *pp;
        if (!c->closing || c->inflight > 0) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        wr->closed--;
        close(c->fd);
        isl_buf_free(&c->in);
        isl_buf_free(&c->out);
        free(c);
    }
}

static void conn_drop(struct wconn *c, const char *why)
{
    if (c->closing)
        return;
    if (strcmp(why, "closed") != 0)
        isl_log(ISL_LOG_WARNING, "event=worker_connection_dropped reason=\"%s\"", why);
    c->closing = true;
    c->wr->closed++;
    if (c->backlog) {
        c->backlog = false;
        c->wr->backlogged--;
    }
    if (c->fence_wanted) {
        c->fence_wanted = false;
        c->wr->fences_wanted--;
    }
    ev_io_stop(c->wr->loop, &c->rd);
    ev_io_stop(c->wr->loop, &c->wr_io);
}

static void conn_flush(struct wconn *c)
{
    int rc = isl_buf_write_fd(&c->out, c->fd);
    if (rc < 0)
        conn_drop(c, strerror(errno));
    else if (rc == 1)
        ev_io_start(c->wr->loop, &c->wr_io);
    else
        ev_io_stop(c->wr->loop, &c->wr_io);
}

static void take_frames(struct wconn *c);
static bool accept_pending(struct writer *wr);

static bool is_fence(const json_t *frame)
{
    const char *t = json_string_value(json_object_get(frame, "t"));
    return t && strcmp(t, "fence") == 0;
}

/* Queue c's fence (answered from on_check): which connections it reads. */
static bool want_fence(struct wconn *c, const json_t *frame)
{
    const json_t *after = json_object_get(frame, "after");
    if (!isl_fence_after_valid(after))
        return false;
    c->fence_all = after == NULL;
    c->fence_after_count = json_array_size(after);
    for (size_t i = 0; i < c->fence_after_count; i++)
        c->fence_after[i] = (pid_t)json_integer_value(json_array_get(after, i));
    c->fence_wanted = true;
    c->wr->fences_wanted++;
    return true;
}

/* Could c hold something the fence of asker must see committed first? */
static bool fence_covers(const struct wconn *asker, const struct wconn *c)
{
    if (asker->fence_all)
        return true;
    for (size_t i = 0; i < asker->fence_after_count; i++)
        if (asker->fence_after[i] == c->peer)
            return true;
    return false;
}

/* A new worker is about to load its game. Its predecessors are dead (the
 * supervisor starts a game only after reaping the last worker), so all
 * they ever sent is in our sockets now: read their connections dry (all
 * connections when the fence names no pids), commit, and only then
 * answer `fenced`. Reading until EAGAIN is enough: a dead process sends
 * nothing more, and a live one that reuses a named pid is only read. */
static void fence(struct wconn *asker)
{
    struct writer *wr = asker->wr;
    bool again;
    do {
        again = false;
        for (struct wconn *c = wr->conns; c; c = c->next) {
            if (c == asker || !fence_covers(asker, c))
                continue;
            while (!c->closing && !c->backlog && !c->fence_wanted) {
                ssize_t n = isl_buf_read_fd(&c->in, c->fd, 65536);
                if (n > 0) {
                    take_frames(c);
                    continue;
                }
                if (n == 0 || n == -2 || (errno != EAGAIN && errno != EWOULDBLOCK))
                    conn_drop(c, n == 0 ? "closed" : "read failed");
                break;
            }
            if (!c->closing && c->backlog)
                again = true;   /* the batch is full: commit, then read on */
        }
        writer_commit_pending(wr);
    } while (again);
    json_t *a = json_pack("{s:s}", "t", "fenced");
    if (!a || isl_frame_put(&asker->out, a) != 0)
        conn_drop(asker, "cannot queue an answer");
    json_decref(a);
    if (asker->closing)
        return;
    conn_flush(asker);
    take_frames(asker);   /* what it sent after the fence, and reading again */
}

/* Answer every queued fence, one at a time (a fence may queue another).
 * A dead worker's connection may still wait in the listen queue: while
 * accepting fails (out of descriptors), the fences wait too, or a
 * successor would load its game before the predecessor's last write,
 * which would then be committed over the successor's. */
static void run_fences(struct writer *wr)
{
    while (wr->fences_wanted > 0) {
        if (!accept_pending(wr))
            return;   /* tried again at the next turn of the loop */
        struct wconn *c = wr->conns;
        while (c && !c->fence_wanted)
            c = c->next;
        if (!c)
            return;   /* cannot happen: the count says one waits */
        c->fence_wanted = false;
        wr->fences_wanted--;
        fence(c);
    }
}

/* Move complete frames into the batch while there is room. */
static void take_frames(struct wconn *c)
{
    struct writer *wr = c->wr;
    if (c->backlog) {
        c->backlog = false;
        wr->backlogged--;
    }
    while (!c->closing) {
        if (wr->batch_len == WRITER_BATCH_MAX) {
            c->backlog = true;
            wr->backlogged++;
            ev_io_stop(wr->loop, &c->rd);   /* resumed after the commit */
            return;
        }
        struct batch_entry *e = &wr->batch[wr->batch_len];
        const char *payload;
        uint32_t payload_len;
        int rc = isl_frame_peek(&c->in, &payload, &payload_len);
        if (rc == 1 && writer_commit_text(payload, payload_len, e)) {
            /* A move's commit, the common case: no JSON tree. */
            isl_buf_consume(&c->in, 4 + (size_t)payload_len);
            e->conn = c;
            c->inflight++;
            wr->batch_len++;
            continue;
        }
        json_t *frame = NULL;
        if (rc == 1)
            rc = isl_frame_take(&c->in, &frame);
        if (rc == 0)
            break;
        if (rc < 0) {
            conn_drop(c, "not a frame holding a JSON object");
            return;
        }
        if (is_fence(frame)) {
            /* Answered from on_check; the worker sends nothing more until then. */
            bool queued = want_fence(c, frame);
            json_decref(frame);
            if (queued)
                ev_io_stop(wr->loop, &c->rd);
            else
                conn_drop(c, "fence: after is not a short list of pids");
            return;
        }
        char err[128] = "";
        if (isl_write_from_frame(frame, &e->write, &e->seq, &e->owned, err, sizeof err) < 0 ||
            writer_answer_from_frame(frame, &e->write, &e->answer) < 0) {
            if (!err[0])
                snprintf(err, sizeof err, "answer: not an object, or not with a commit");
            json_decref(frame);
            free(e->owned);
            conn_drop(c, err);
            return;
        }
        e->frame = frame;
        e->conn = c;
        c->inflight++;
        wr->batch_len++;
    }
    if (!c->closing)
        ev_io_start(wr->loop, &c->rd);
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    struct wconn *c = io->data;
    ssize_t n = isl_buf_read_fd(&c->in, c->fd, 65536);
    if (n == 0) {
        conn_drop(c, "closed");
        return;
    }
    if (n == -2) {
        conn_drop(c, "frame larger than the limit");
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            conn_drop(c, strerror(errno));
        return;
    }
    take_frames(c);
}

static void on_writable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    conn_flush(io->data);
}

static void queue_answer(struct wconn *c, long long seq, int rc, const char *error)
{
    if (rc == ISL_STORE_OK) {
        /* Once per move: written as text, no JSON tree. */
        char text[64];
        int n = snprintf(text, sizeof text, "{\"t\":\"committed\",\"seq\":%lld}", seq);
        if (isl_frame_put_raw(&c->out, text, (uint32_t)n) != 0)
            conn_drop(c, "cannot queue an answer");
        return;
    }
    json_t *a = json_pack("{s:s, s:I, s:s}", "t", "failed", "seq", (json_int_t)seq, "error",
                          error);
    if (!a || isl_frame_put(&c->out, a) != 0)
        conn_drop(c, "cannot queue an answer");
    json_decref(a);
}

static void answer(struct batch_entry *e, int rc, const char *error)
{
    struct wconn *c = e->conn;
    c->inflight--;
    /* A relayed answer goes out even if its worker is gone: the supervisor
     * may not have seen the death yet, and this answer is certain. */
    bool answered = e->relayed_early;   /* before the commit: the broken writer */
    if (!answered && rc == ISL_STORE_OK && e->answer)
        writer_relay(c->wr, c->peer, e->write.game, e->answer);
    else if (!answered && !c->closing)
        queue_answer(c, e->seq, rc, error);
    json_decref(e->frame);
    free(e->owned);
    free(e->answer);
    e->relayed_early = false;
}

/* The deliberately broken writer (relay_before_commit): answers out, a
 * pause in which a crash loses acknowledged moves, then the commit. */
static void relay_before_commit(struct writer *wr)
{
    for (size_t i = 0; i < wr->batch_len; i++) {
        struct batch_entry *e = &wr->batch[i];
        if (e->answer) {
            writer_relay(wr, e->conn->peer, e->write.game, e->answer);
            e->relayed_early = true;
        }
    }
    writer_relay_flush(wr);
    isl_store_fault_sleep(wr->store, RELAY_BEFORE_COMMIT, "relayed");
}

/* One transaction for the whole batch; a failure fails every write in it. */
static void commit_batch(struct writer *wr)
{
    static struct isl_store_write writes[WRITER_BATCH_MAX];
    size_t n = wr->batch_len;
    for (size_t i = 0; i < n; i++)
        writes[i] = wr->batch[i].write;
    if (wr->relay_before_commit)
        relay_before_commit(wr);
    char err[256];
    int rc = isl_store_commit(wr->store, writes, n, err, sizeof err);
    wr->batches++;
    wr->writes += n;
    if (rc != ISL_STORE_OK)
        isl_log(ISL_LOG_ERR, "event=batch_failed writes=%zu error=\"%s\"", n, err);
    for (size_t i = 0; i < n; i++)
        answer(&wr->batch[i], rc, err);
    writer_relay_flush(wr);
    /* The connections answered, not all: a walk of every connection per
     * batch would cost more the more workers live. */
    for (size_t i = 0; i < n; i++) {
        struct wconn *c = wr->batch[i].conn;   /* freed only by free_closed */
        if (!c->closing && c->out.len > 0)
            conn_flush(c);
    }
    wr->batch_len = 0;
    writer_exit_if_corrupt(wr, rc);
}

void writer_exit_if_corrupt(struct writer *wr, int rc)
{
    if (rc != ISL_STORE_CORRUPT)
        return;
    /* Every game is affected: stop, and let the supervisor decide. */
    isl_log(ISL_LOG_ERR, "event=store_corrupted incident=all_games");
    writer_flush_all(wr);
    _exit(ISL_EXIT_STORE);
}

void writer_commit_pending(struct writer *wr)
{
    while (wr->batch_len > 0) {
        commit_batch(wr);
        for (struct wconn *c = wr->conns; c && wr->backlogged > 0; c = c->next)
            if (c->backlog)
                take_frames(c);
    }
}

static void on_check(struct ev_loop *loop, ev_check *chk, int revents)
{
    (void)loop;
    (void)revents;
    struct writer *wr = chk->data;
    writer_commit_pending(wr);
    if (wr->fences_wanted > 0) {
        run_fences(wr);
        writer_commit_pending(wr);   /* anything an asker sent behind its fence */
    }
    free_closed(wr);
}

/* Out of fds (or memory): the listening socket stays readable, so a
 * level-triggered watcher would call us again at once, for ever. Stop it
 * and try again from a timer; waiting workers stay in the listen queue.
 * One line per pause, not per failed accept. */
static void pause_accepting(struct writer *wr, int error)
{
    if (ev_is_active(&wr->accept_pause))
        return;   /* a fence tried while paused */
    isl_log(ISL_LOG_WARNING, "event=accept_failed error=\"%s\" paused_ms=%d", strerror(error),
            (int)(ACCEPT_PAUSE_S * 1000));
    ev_io_stop(wr->loop, &wr->accept_io);
    ev_timer_set(&wr->accept_pause, ACCEPT_PAUSE_S, 0.);
    ev_timer_start(wr->loop, &wr->accept_pause);
}

static void on_accept_pause_over(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct writer *wr = t->data;
    ev_io_start(loop, &wr->accept_io);
}

/* Take every connection waiting in the listen queue: true once it is
 * empty, false when accepting failed (and is paused). */
static bool accept_pending(struct writer *wr)
{
    for (;;) {
        int fd = accept4(wr->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            pause_accepting(wr, errno);
            return false;
        }
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
            isl_log(ISL_LOG_WARNING, "event=peer_refused reason=no_credentials error=\"%s\"",
                    strerror(errno));
            close(fd);
            continue;
        }
        if (cred.uid != geteuid()) {
            isl_log(ISL_LOG_WARNING, "event=peer_refused uid=%d", (int)cred.uid);
            close(fd);
            continue;
        }
        struct wconn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->wr = wr;
        c->fd = fd;
        c->peer = cred.pid;
        isl_buf_init(&c->in, ISL_FRAME_MAX + 8);
        isl_buf_init(&c->out, 0);
        ev_io_init(&c->rd, on_readable, fd, EV_READ);
        ev_io_init(&c->wr_io, on_writable, fd, EV_WRITE);
        c->rd.data = c->wr_io.data = c;
        c->next = wr->conns;
        wr->conns = c;
        ev_io_start(wr->loop, &c->rd);
    }
}

static void on_accept(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    (void)accept_pending(io->data);
}

void writer_conns_start(struct writer *wr)
{
    ev_io_init(&wr->accept_io, on_accept, wr->listen_fd, EV_READ);
    wr->accept_io.data = wr;
    ev_io_start(wr->loop, &wr->accept_io);
    ev_timer_init(&wr->accept_pause, on_accept_pause_over, ACCEPT_PAUSE_S, 0.);
    wr->accept_pause.data = wr;
    /* Lowest priority: libev runs it after the iteration's io callbacks. */
    ev_check_init(&wr->commit_check, on_check);
    ev_set_priority(&wr->commit_check, EV_MINPRI);
    wr->commit_check.data = wr;
    ev_check_start(wr->loop, &wr->commit_check);
    writer_relay_start(wr);
}

void writer_flush_all(struct writer *wr)
{
    isl_buf_write_all(&wr->sup_out, ISL_CHANNEL_FD, 100);
    for (struct wconn *c = wr->conns; c; c = c->next)
        if (!c->closing)
            isl_buf_write_all(&c->out, c->fd, 100);
}
