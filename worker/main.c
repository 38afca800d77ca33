/* islands-worker: start-up, the supervisor channel, adopting and loading
 * a game, the request queue, timeouts and exits. The messages are in
 * docs/INTERNAL-PROTOCOL.md; serving one request is serve.c. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "islands/codec.h"
#include "islands/exit_status.h"
#include "islands/fault_note.h"
#include "islands/frame.h"
#include "islands/log.h"
#include "islands/worker_proto.h"
#include "worker.h"

#define PROTOCOL_ERROR EXIT_FAILURE

static bool env_is_one(const char *name)
{
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

static void usage(const char *msg)
{
    isl_log(ISL_LOG_ERR, "event=usage error=\"%s\"", msg);
    fprintf(stderr,
            "usage: islands-worker --store DIR [--sync full|nometa|none] [--map-size BYTES]\n"
            "         [--max-readers N] [--group-commit | --direct-commit]\n"
            "         [--relay] [--game-timeout SECONDS] [--crash-injection] [--recycle]\n"
            "         [--game NAME]\n");
    exit(ISL_EXIT_USAGE);
}

/* Every way out of a worker, start failures included: no atexit work (a
 * worker may be sent SIGTERM as it leaves, and under the leak checker a
 * pass cut short left its helper process behind as a zombie). */
void exit_worker_process(struct worker *w, int status)
{
    /* Blocking flush: an answer queued before exit must reach the supervisor. */
    int fl = fcntl(ISL_CHANNEL_FD, F_GETFL);
    if (fl >= 0)
        fcntl(ISL_CHANNEL_FD, F_SETFL, fl & ~O_NONBLOCK);
    while (w->out.len > 0 && isl_buf_write_fd(&w->out, ISL_CHANNEL_FD) == 0)
        ;
    _exit(status);
}

/* Write what w->out holds, or as much as the channel takes now. */
static void flush_out(struct worker *w)
{
    int rc = isl_buf_write_fd(&w->out, ISL_CHANNEL_FD);
    if (rc < 0)
        exit_worker_process(w, ISL_EXIT_NORMAL);   /* the supervisor is gone */
    if (rc == 1)
        ev_io_start(w->loop, &w->chan_out);
}

static void __attribute__((noreturn)) frame_too_large(struct worker *w)
{
    isl_log(ISL_LOG_ERR, "event=frame_too_large game=%s", w->name);
    exit_worker_process(w, PROTOCOL_ERROR);
}

static void send_frame(struct worker *w, json_t *frame)
{
    if (isl_frame_put(&w->out, frame) != 0)
        frame_too_large(w);
    json_decref(frame);
    flush_out(w);
}

/* The same for a frame whose payload we wrote as text. */
static void send_payload(struct worker *w, const char *payload, size_t len)
{
    if (len > ISL_FRAME_MAX || isl_frame_put_raw(&w->out, payload, (uint32_t)len) != 0)
        frame_too_large(w);
    flush_out(w);
}

/* The game's rules state name, NULL while no record is stored. */
static const char *rules_name(const struct worker *w)
{
    return w->loaded ? isl_rules_state_name(w->game.state) : NULL;
}

static json_t *rules_value(const struct worker *w)
{
    const char *name = rules_name(w);
    return name ? json_string(name) : json_null();
}

/* Activity: a full game_timeout from now, whatever delete failed before. */
static void arm_idle(struct worker *w)
{
    if (w->game_timeout_s > 0 && w->adopted && !w->busy) {
        w->delete_retry_s = 0;
        w->idle.repeat = w->game_timeout_s;
        ev_timer_again(w->loop, &w->idle);
    }
}

static void protocol_error(struct worker *w, const char *what)
{
    isl_log(ISL_LOG_ERR, "event=bad_frame from=supervisor game=%s error=\"%s\"", w->name, what);
    exit_worker_process(w, PROTOCOL_ERROR);
}

/* One request, decoded: checked, then served. */
static void start_parsed_request(struct worker *w, long long seq, const struct isl_request *req)
{
    if (!isl_op_is_game_op(req->op) || strcmp(req->game, w->name) != 0)
        protocol_error(w, "req: not a game op for this worker's game");
    /* The supervisor sends a request only once the last one was answered:
     * a relayed commit still unsettled succeeded. */
    if (w->unsettled)
        worker_settle(w);
    w->busy = true;
    w->seq = seq;
    ev_timer_stop(w->loop, &w->idle);
    serve_request(w, req);
}

/* One request frame: validated like client input, then served. */
static void start_request(struct worker *w, json_t *frame)
{
    json_t *seq = json_object_get(frame, "seq");
    struct isl_request req;
    const char *msg = "req: missing or not an object";
    json_t *obj = json_object_get(frame, "req");
    if (!json_is_integer(seq))
        protocol_error(w, "seq: missing or not an integer");
    if (!json_is_object(obj) || isl_request_parse(obj, true, &req, &msg) != ISL_OK)
        protocol_error(w, msg);
    start_parsed_request(w, json_integer_value(seq), &req);
}

static void drain_queue(struct worker *w)
{
    if (w->draining)
        return;
    w->draining = true;
    while (!w->busy && json_array_size(w->queue) > 0) {
        json_t *frame = json_incref(json_array_get(w->queue, 0));
        json_array_remove(w->queue, 0);
        start_request(w, frame);
        json_decref(frame);
    }
    w->draining = false;
}

void worker_settle(struct worker *w)
{
    w->game = w->next;
    w->loaded = true;
    w->unsettled = false;
    isl_committer_settle(w->committer);
}

#define SYNC_TIMEOUT_MS 10000

/* Learn how an unsettled commit ended, before acting on our game alone
 * (an exit, the idle timeout): a failure is answered on the way. */
static void settle_by_sync(struct worker *w)
{
    if (!w->unsettled)
        return;
    char err[256];
    if (isl_committer_sync(w->committer, SYNC_TIMEOUT_MS, err, sizeof err) != 0) {
        isl_log(ISL_LOG_ERR, "event=sync_failed game=%s error=\"%s\"", w->name, err);
        exit_worker_process(w, ISL_EXIT_STORE);
    }
    if (w->unsettled)
        worker_settle(w);
}

void worker_handed_off(struct worker *w)
{
    w->busy = false;
    if (isl_committer_broken(w->committer))
        exit_worker_process(w, ISL_EXIT_STORE);
    if (w->stopping) {
        /* Exit once the answer is out, so the supervisor sees it first. */
        settle_by_sync(w);
        exit_worker_process(w, ISL_EXIT_NORMAL);
    }
    arm_idle(w);
    drain_queue(w);
}

/* After an end_game stored and answered (--recycle), or on `release`:
 * back to what a fresh spare is, with nothing of the old game kept, and
 * say so (or_exit_status: the exit instead, when we cannot); islandsd
 * takes that as the old game's worker leaving, and puts us in its pool or
 * stops us. A spare's start (exec, loading, faulting in every page: a few
 * milliseconds of CPU on a virtualized host) is saved for the next game. */
static void become_spare(struct worker *w, int or_exit_status)
{
    ev_timer_stop(w->loop, &w->idle);
    ev_idle_stop(w->loop, &w->release_store);
    if (w->stopping || json_array_size(w->queue) > 0)
        exit_worker_process(w, or_exit_status);   /* as when not recycled */
    char err[512];
    if (!w->store &&
        isl_store_open(w->store_options, &w->store, err, sizeof err) != ISL_STORE_OK) {
        isl_log(ISL_LOG_WARNING, "event=recycle_failed game=%s error=\"%s\"", w->name, err);
        exit_worker_process(w, or_exit_status);
    }
    isl_log(ISL_LOG_DEBUG, "event=recycled game=%s", w->name);
    w->name[0] = '\0';
    w->adopted = w->loaded = w->busy = w->unsettled = w->next_deletes = false;
    memset(&w->game, 0, sizeof w->game);
    memset(&w->next, 0, sizeof w->next);
    w->delete_retry_s = 0;
    w->exit_after = -1;
    send_frame(w, json_pack("{s:s}", "t", "spare"));
}

/* Hibernation: islandsd wants the process back, its game stays stored.
 * Like SIGTERM (the commits we sent are decided first, and one in hand is
 * finished before we leave), except that we come back as a spare. */
static void release(struct worker *w)
{
    if (!w->adopted)
        protocol_error(w, "release: no game adopted");
    if (w->busy) {
        w->stopping = true;   /* our own delete, or a quarantine: exit after it */
        return;
    }
    settle_by_sync(w);
    if (w->busy)
        w->stopping = true;   /* a failure answered on the way started a queued request */
    else
        become_spare(w, ISL_EXIT_NORMAL);
}

static void answered(struct worker *w)
{
    if (w->exit_after == ISL_EXIT_GAME_ENDED && w->recycle) {
        become_spare(w, ISL_EXIT_GAME_ENDED);
        return;
    }
    if (w->exit_after >= 0)
        exit_worker_process(w, w->exit_after);
    worker_handed_off(w);
}

void worker_answer(struct worker *w, json_t *response)
{
    send_frame(w, isl_resp_frame(w->seq, response, rules_value(w)));
    answered(w);
}

void worker_answer_text(struct worker *w, const char *response)
{
    char *frame = isl_resp_frame_text(w->seq, response, rules_name(w));
    if (!frame) {
        worker_answer(w, isl_response_error(ISL_E_INTERNAL, "cannot encode the answer"));
        return;
    }
    send_payload(w, frame, strlen(frame));
    free(frame);
    answered(w);
}

static void on_quarantined(void *arg, int rc, const char *error)
{
    struct worker *w = arg;
    if (rc != ISL_STORE_OK)
        isl_log(ISL_LOG_ERR, "event=quarantine_failed game=%s error=\"%s\"", w->name, error);
    exit_worker_process(w, ISL_EXIT_CORRUPT);
}

#define FENCE_TIMEOUT_MS 10000

/* A spare adopted at once (islandsd had a game waiting) serves at once:
 * warming up first would only delay that game. One that waits this long
 * is not wanted yet, and warms up (warm.c). */
#define WARM_UP_AFTER_S 0.001

static void on_warm_up(struct ev_loop *loop, ev_timer *timer, int revents)
{
    (void)loop;
    (void)revents;
    worker_warm_up(timer->data);   /* adopt() stops this timer */
}

/* Group commit: after the adopt's load the writer does all our store work.
 * Holding LMDB open would only keep a lock on lock.mdb (every lock call
 * on that file walks every holder's, so thousands of live games slow each
 * worker start) and a map that makes our exit slower. Closed once nothing
 * else is pending, so not on the path of the game's first answer. */
static void on_release_store(struct ev_loop *loop, ev_idle *idle, int revents)
{
    (void)revents;
    struct worker *w = idle->data;
    ev_idle_stop(loop, idle);
    isl_store_close(w->store);
    w->store = NULL;
}

/* Load the adopted game's record; a record that fails to decode is copied
 * to quarantine (never overwritten or deleted) and we exit 65. `after`
 * lists the dead workers whose writes to wait for (NULL: every one the
 * writer knows) unless none_pending. */
static void adopt(struct worker *w, const char *name, const json_t *after, bool none_pending)
{
    snprintf(w->name, sizeof w->name, "%s", name);
    w->adopted = true;
    ev_timer_stop(w->loop, &w->warm_up);
    char err[512], *doc = NULL;
    size_t len = 0;
    /* A predecessor killed mid-commit may still have a write at the writer:
     * let it land (or not) before we read, or we would serve an old state.
     * An empty list: none can have one (docs/INTERNAL-PROTOCOL.md). */
    if (!none_pending &&
        isl_committer_fence(w->committer, after, FENCE_TIMEOUT_MS, err, sizeof err) != 0) {
        isl_log(ISL_LOG_ERR, "event=fence_failed game=%s error=\"%s\"", name, err);
        exit_worker_process(w, ISL_EXIT_STORE);
    }
    int rc = isl_store_load(w->store, name, &doc, &len, err, sizeof err);
    if (rc < 0) {
        isl_log(ISL_LOG_ERR, "event=load_failed game=%s error=\"%s\"", name, err);
        exit_worker_process(w, ISL_EXIT_STORE);
    }
    if (w->read_once)
        ev_idle_start(w->loop, &w->release_store);
    if (rc == ISL_STORE_OK) {
        if (isl_codec_load(doc, len, &w->game, err, sizeof err) != 0)
            ;   /* err says why */
        else if (strcmp(w->game.name, name) != 0)
            snprintf(err, sizeof err, "game: \"%s\" is not the record's key", w->game.name);
        else
            err[0] = '\0';
        if (err[0]) {
            isl_log(ISL_LOG_ERR, "event=corrupt_record game=%s reason=\"%s\"", name, err);
            struct isl_store_write q = { .kind = ISL_WRITE_QUARANTINE, .game = name,
                                         .doc = doc, .doc_len = len, .reason = err };
            w->busy = true;   /* later frames wait; we exit once it is stored */
            isl_committer_submit(w->committer, &q, on_quarantined, w);
            free(doc);
            return;
        }
        w->loaded = true;
    }
    free(doc);
    isl_log(ISL_LOG_INFO, "event=adopted game=%s rules=%s", name,
            rules_name(w) ? rules_name(w) : "none");
    char ready[128 + ISL_GAME_NAME_MAX];
    int ready_len = isl_ready_frame_text(ready, sizeof ready, name, rules_name(w));
    if (ready_len < 0)
        frame_too_large(w);
    send_payload(w, ready, (size_t)ready_len);
    arm_idle(w);
}

static void handle_frame(struct worker *w, json_t *frame)
{
    const char *t = json_string_value(json_object_get(frame, "t"));
    if (!t)
        protocol_error(w, "t: missing or not a string");
    if (strcmp(t, "crash") == 0) {
        const char *how = json_string_value(json_object_get(frame, "how"));
        if (!how || strcmp(how, "EXIT") != 0)
            protocol_error(w, "crash: how is not EXIT");
        /* islandsd sends it only while crash_injection is on (it could
         * kill us anyway), and that may have been turned on by a reload
         * after this worker started: obeyed whatever our own flag. */
        _exit(ISL_EXIT_CRASH);
    } else if (strcmp(t, "adopt") == 0) {
        const char *game = json_string_value(json_object_get(frame, "game"));
        if (w->adopted)
            protocol_error(w, "adopt: a game was adopted already");
        json_t *after = json_object_get(frame, "after");
        if (!game || !isl_game_name_valid(game, strlen(game)))
            protocol_error(w, "adopt: game missing or not a game name");
        if (!isl_fence_after_valid(after))
            protocol_error(w, "adopt: after is not a short list of pids");
        adopt(w, game, after, after && json_array_size(after) == 0);
    } else if (strcmp(t, "timeout") == 0) {
        /* A reload's game_timeout, counted from now: islandsd's own count
         * ends the game on time, ours must never end it before that. */
        json_t *s = json_object_get(frame, "game_timeout");
        if (!json_is_number(s) || !(json_number_value(s) >= 0 && json_number_value(s) < 1e9))
            protocol_error(w, "timeout: game_timeout is not a number of seconds");
        w->game_timeout_s = json_number_value(s);
        ev_timer_stop(w->loop, &w->idle);
        arm_idle(w);
    } else if (strcmp(t, "release") == 0) {
        release(w);
    } else if (strcmp(t, "req") == 0) {
        if (!w->adopted)
            protocol_error(w, "req: no game adopted yet");
        json_array_append(w->queue, frame);
        drain_queue(w);
    } else {
        protocol_error(w, "t: unknown message type");
    }
}

/* The frames of a game's life read without jansson when they can be acted
 * on at once (nothing queued before them): the guess every move brings,
 * and the adopt and `state` of a game coming back, whose spare has not
 * run for a while and would fault in jansson's code and heap on the way to
 * the answer. False: the next frame, if any, is isl_frame_take's. */
static bool take_text_frame(struct worker *w)
{
    const char *payload;
    uint32_t len;
    long long seq;
    struct isl_request req;
    char game[ISL_GAME_NAME_MAX + 1];
    if (w->busy || w->draining || json_array_size(w->queue) > 0 ||
        isl_frame_peek(&w->in, &payload, &len) != 1)
        return false;
    if (!w->adopted) {
        if (!isl_adopt_frame_text(payload, len, game, sizeof game))
            return false;
        isl_buf_consume(&w->in, 4 + (size_t)len);
        adopt(w, game, NULL, true);
        return true;
    }
    if (!isl_req_frame_text(payload, len, &seq, &req))
        return false;
    isl_buf_consume(&w->in, 4 + (size_t)len);
    start_parsed_request(w, seq, &req);
    return true;
}

static void on_chan_readable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    struct worker *w = io->data;
    ssize_t n = isl_buf_read_fd(&w->in, ISL_CHANNEL_FD, 65536);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        isl_log(ISL_LOG_INFO, "event=supervisor_gone game=%s", w->name);
        exit_worker_process(w, ISL_EXIT_NORMAL);
    }
    for (;;) {
        if (take_text_frame(w))
            continue;
        json_t *frame;
        int rc = isl_frame_take(&w->in, &frame);
        if (rc == 0)
            break;
        if (rc < 0)
            protocol_error(w, "not a frame holding a JSON object");
        handle_frame(w, frame);
        json_decref(frame);
    }
}

static void on_chan_writable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)revents;
    struct worker *w = io->data;
    int rc = isl_buf_write_fd(&w->out, ISL_CHANNEL_FD);
    if (rc < 0)
        exit_worker_process(w, ISL_EXIT_NORMAL);
    if (rc == 0)
        ev_io_stop(loop, io);
}

static void on_sigterm(struct ev_loop *loop, ev_signal *sig, int revents)
{
    (void)loop;
    (void)revents;
    struct worker *w = sig->data;
    w->stopping = true;
    if (!w->busy) {
        settle_by_sync(w);
        exit_worker_process(w, ISL_EXIT_NORMAL);
    }
}

#define DELETE_RETRY_FIRST_S 2.0
#define DELETE_RETRY_MAX_S 60.0

/* The store refused the idle-timeout delete (full, an I/O error): the game
 * stays, served as usual, and the delete is tried again later, backing off
 * to a minute. Exiting would count as a crash against restart intensity,
 * and a full store fails every game's delete at once: islandsd would give
 * up and take every game down. */
static void retry_timeout_delete_later(struct worker *w, const char *error)
{
    w->delete_retry_s = w->delete_retry_s > 0 ? w->delete_retry_s * 2 : DELETE_RETRY_FIRST_S;
    if (w->delete_retry_s > DELETE_RETRY_MAX_S)
        w->delete_retry_s = DELETE_RETRY_MAX_S;
    isl_log(ISL_LOG_ERR, "event=timeout_delete_failed game=%s retry_in_s=%g error=\"%s\"",
            w->name, w->delete_retry_s, error);
    w->busy = false;
    if (w->stopping)
        exit_worker_process(w, ISL_EXIT_NORMAL);   /* the game stays stored */
    w->idle.repeat = w->delete_retry_s;
    ev_timer_again(w->loop, &w->idle);
    drain_queue(w);   /* requests that came during the delete; each is activity */
}

static void on_timeout_deleted(void *arg, int rc, const char *error)
{
    struct worker *w = arg;
    if (rc != ISL_STORE_OK) {
        /* Only a lost writer leaves the outcome unknown (the delete may be
         * on disk): then we cannot go on, as for any commit. */
        if (isl_committer_broken(w->committer)) {
            isl_log(ISL_LOG_ERR, "event=timeout_delete_failed game=%s error=\"%s\"", w->name,
                    error);
            exit_worker_process(w, ISL_EXIT_STORE);
        }
        retry_timeout_delete_later(w, error);
        return;
    }
    isl_log(ISL_LOG_INFO, "event=game_timeout game=%s", w->name);
    exit_worker_process(w, ISL_EXIT_GAME_ENDED);
}

static void on_idle_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct worker *w = t->data;
    ev_timer_stop(loop, t);
    if (w->busy)
        return;
    settle_by_sync(w);
    if (w->busy)
        return;   /* a failure answered on the way started a queued request */
    w->busy = true;   /* requests arriving now wait; we exit once deleted */
    struct isl_store_write del = { .kind = ISL_WRITE_DELETE, .game = w->name };
    if (w->loaded)
        isl_committer_submit(w->committer, &del, on_timeout_deleted, w);
    else
        on_timeout_deleted(w, ISL_STORE_OK, NULL);
}

/* The committer failed every pending commit before calling this, and each
 * commit's callback exits on a lost connection (exit_if_outcome_unknown,
 * on_quarantined, on_timeout_deleted): no request is in hand here, and
 * none could be answered (its outcome is unknown). */
static void on_writer_lost(void *arg)
{
    exit_worker_process(arg, ISL_EXIT_STORE);
}

struct args {
    struct isl_store_options store;
    bool group;
    const char *game;
};

static void parse_args(int argc, char **argv, struct worker *w, struct args *a)
{
    char err[256];
    a->group = true;
    for (int i = 1; i < argc; i++) {
        int rc = isl_store_option(&a->store, argc, argv, &i, err, sizeof err);
        if (rc < 0)
            usage(err);
        if (rc > 0)
            continue;
        const char *opt = argv[i];
        if (strcmp(opt, "--group-commit") == 0)
            a->group = true;
        else if (strcmp(opt, "--direct-commit") == 0)
            a->group = false;
        else if (strcmp(opt, "--relay") == 0)
            w->relay = true;
        else if (strcmp(opt, "--crash-injection") == 0)
            w->crash_injection = true;
        else if (strcmp(opt, "--recycle") == 0)
            w->recycle = true;
        else if (strcmp(opt, "--game-timeout") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            double s = strtod(argv[++i], &end);
            if (errno || *end || end == argv[i] || !(s >= 0 && s < 1e9))
                usage("--game-timeout: not a number of seconds");
            w->game_timeout_s = s;
        } else if (strcmp(opt, "--game") == 0 && i + 1 < argc) {
            a->game = argv[++i];
            if (!isl_game_name_valid(a->game, strlen(a->game)))
                usage("--game: not a game name");
        } else {
            snprintf(err, sizeof err, "unknown option or missing value: %s", opt);
            usage(err);
        }
    }
    if (!a->store.path)
        usage("--store DIR is required");
    if (w->relay && !a->group)
        usage("--relay needs --group-commit: the writer relays the answers");
    a->store.read_only = a->group;
    a->store.crash_injection = w->crash_injection;
    w->ack_before_commit = w->crash_injection && env_is_one("ISLANDS_FAULT_INJECTION") &&
                           env_is_one("ISLANDS_FAULT_ACK_BEFORE_COMMIT");
}

/* Has islandsd closed our channel (it stops, or gave this spare up)? */
static bool supervisor_hung_up(void)
{
    struct pollfd chan = {.fd = ISL_CHANNEL_FD, .events = POLLIN};
    return poll(&chan, 1, 0) == 1 && (chan.revents & POLLHUP);
}

int main(int argc, char **argv)
{
    isl_child_setup("islands-worker");
    isl_fault_note_install();   /* after the reset of every signal */
    static struct worker w;
    static struct args a;
    parse_args(argc, argv, &w, &a);
    w.loop = ev_default_loop(EVFLAG_AUTO);
    w.exit_after = -1;
    w.queue = json_array();
    isl_buf_init(&w.in, ISL_FRAME_MAX + 8);
    isl_buf_init(&w.out, 0);
    isl_buf_init(&w.doc, 0);
    isl_buf_init(&w.text, 0);

    char err[512];
    w.store_options = &a.store;
    if (isl_store_open(&a.store, &w.store, err, sizeof err) != ISL_STORE_OK) {
        isl_log(ISL_LOG_ERR, "event=store_open_failed error=\"%s\"", err);
        exit_worker_process(&w, ISL_EXIT_STORE);
    }
    w.read_once = a.group;
    w.committer = a.group ? isl_committer_group(w.loop, a.store.path, err, sizeof err)
                          : isl_committer_direct(w.loop, w.store);
    if (!w.committer) {
        /* A spare started as islandsd stops finds the writer stopped
         * already: no error, since nobody wants it any more. */
        int prio = supervisor_hung_up() ? ISL_LOG_INFO : ISL_LOG_ERR;
        isl_log(prio, "event=writer_connect_failed error=\"%s\"", err);
        exit_worker_process(&w, ISL_EXIT_STORE);
    }
    isl_committer_on_broken(w.committer, on_writer_lost, &w);

    isl_set_nonblock(ISL_CHANNEL_FD);
    ev_io_init(&w.chan_in, on_chan_readable, ISL_CHANNEL_FD, EV_READ);
    ev_io_init(&w.chan_out, on_chan_writable, ISL_CHANNEL_FD, EV_WRITE);
    ev_signal_init(&w.sigterm, on_sigterm, SIGTERM);
    ev_timer_init(&w.warm_up, on_warm_up, WARM_UP_AFTER_S, 0);
    w.warm_up.data = &w;
    ev_idle_init(&w.release_store, on_release_store);
    w.release_store.data = &w;
    ev_init(&w.idle, on_idle_timeout);   /* its repeat is set by each arming */
    w.chan_in.data = w.chan_out.data = w.sigterm.data = w.idle.data = &w;
    ev_io_start(w.loop, &w.chan_in);
    ev_signal_start(w.loop, &w.sigterm);

    if (a.game)
        adopt(&w, a.game, NULL, false);   /* no list: the fence reads every connection */
    else {
        send_frame(&w, json_pack("{s:s}", "t", "spare"));
        ev_timer_start(w.loop, &w.warm_up);
    }
    ev_run(w.loop, 0);
    exit_worker_process(&w, ISL_EXIT_NORMAL);
}
