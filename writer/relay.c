/* Answers relayed to the supervisor: a worker may send, with its commit,
 * the answer it would give its supervisor once the commit is stored. We
 * forward it on our channel right after the transaction holding it
 * commits, so the worker need not wake to hear `committed` and pass the
 * answer on. A failed commit is answered to the worker as always (it keeps
 * its old game and answers store_error itself). The supervisor checks that
 * the pid is still the game's worker and validates the answer as if the
 * worker had sent it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "islands/frame.h"
#include "islands/log.h"
#include "islands/worker_proto.h"
#include "writer.h"

int writer_answer_copy(const char *text, size_t len, char **out)
{
    json_t *answer = json_loadb(text, len, 0, NULL);
    bool object = json_is_object(answer);
    json_decref(answer);
    *out = object ? strndup(text, len) : NULL;
    return *out ? 0 : -1;
}

int writer_answer_from_frame(const json_t *frame, const struct isl_store_write *w, char **out)
{
    json_t *answer = json_object_get(frame, "answer");
    *out = NULL;
    if (!answer)
        return 0;
    if (!json_is_object(answer) || w->kind == ISL_WRITE_QUARANTINE)
        return -1;
    *out = json_dumps(answer, JSON_COMPACT);
    return *out ? 0 : -1;
}

void writer_relay(struct writer *wr, pid_t pid, const char *game, const char *answer)
{
    /* game is a checked game name (A-Z a-z 0-9 _ . -): nothing to escape;
     * answer is a checked JSON object. */
    int failed;
    size_t start = isl_frame_begin(&wr->sup_out, &failed);
    char head[64];
    snprintf(head, sizeof head, "{\"t\":\"relay\",\"pid\":%ld,\"game\":\"", (long)pid);
    const char *parts[] = {head, game, "\",\"answer\":", answer, "}"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !failed; i++)
        if (isl_buf_append(&wr->sup_out, parts[i], strlen(parts[i])) != 0)
            failed = 1;
    if (isl_frame_end(&wr->sup_out, start, failed) != 0)
        isl_log(ISL_LOG_ERR, "event=relay_dropped game=%s pid=%ld", game, (long)pid);
}

void writer_relay_flush(struct writer *wr)
{
    int rc = isl_buf_write_fd(&wr->sup_out, ISL_CHANNEL_FD);
    if (rc < 0) {
        /* The supervisor is gone; reading the channel tells us and exits. */
        isl_buf_consume(&wr->sup_out, wr->sup_out.len);
        rc = 0;
    }
    if (rc == 1)
        ev_io_start(wr->loop, &wr->sup_io);
    else
        ev_io_stop(wr->loop, &wr->sup_io);
}

int writer_supervisor_frame(struct writer *wr, const json_t *frame)
{
    const char *t = json_string_value(json_object_get(frame, "t"));
    json_t *n = json_object_get(frame, "n");
    if (t && strcmp(t, "touch") == 0)
        return writer_touch(wr, frame);
    if (!t || strcmp(t, "ping") != 0 || !json_is_integer(n) || json_object_size(frame) != 2)
        return -1;
    json_t *pong = json_pack("{s:s, s:O}", "t", "pong", "n", n);
    int rc = pong ? isl_frame_put(&wr->sup_out, pong) : -1;
    json_decref(pong);
    if (rc == 0)
        writer_relay_flush(wr);
    return rc;
}

static void on_sup_writable(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    writer_relay_flush(io->data);
}

void writer_relay_start(struct writer *wr)
{
    isl_buf_init(&wr->sup_out, 0);
    ev_io_init(&wr->sup_io, on_sup_writable, ISL_CHANNEL_FD, EV_WRITE);
    wr->sup_io.data = wr;
}
