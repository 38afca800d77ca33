/* islands-writer: the only process that commits in group-commit mode. */
#ifndef ISLANDS_WRITER_H
#define ISLANDS_WRITER_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "islands/buf.h"
#include "islands/store.h"

/* A batch never holds more writes than this, so latency stays bounded. */
#define WRITER_BATCH_MAX 1024
/* Games in one touch frame from the supervisor (touches.c). */
#define WRITER_TOUCH_MAX 1000

struct wconn;

#define RELAY_BEFORE_COMMIT "ISLANDS_FAULT_RELAY_BEFORE_COMMIT_MS"

struct batch_entry {
    struct wconn *conn;
    long long seq;
    struct isl_store_write write;  /* strings borrowed from frame / owned */
    json_t *frame;
    char *owned;
    char *answer;                  /* relayed to the supervisor once committed, or NULL */
    bool relayed_early;            /* by a deliberately broken writer (relay_before_commit) */
};

struct writer {
    struct ev_loop *loop;
    struct isl_store *store;
    int listen_fd;
    ev_io accept_io;
    ev_timer accept_pause;         /* out of fds: accept_io stopped until it fires */
    ev_check commit_check;         /* runs after every io callback of an iteration */
    struct batch_entry batch[WRITER_BATCH_MAX];
    size_t batch_len;
    struct wconn *conns;
    unsigned fences_wanted;        /* connections waiting for a fence */
    unsigned backlogged;           /* connections whose frames wait for room */
    unsigned closed;               /* connections dropped, not yet freed */
    unsigned long long batches, writes;
    struct isl_buf sup_out;        /* relayed answers and pongs for the supervisor (fd 3) */
    ev_io sup_io;
    struct isl_buf sup_in;         /* the supervisor's pings */
    /* The store's fault hook RELAY_BEFORE_COMMIT: a broken writer that
     * passes the answers on, sleeps the hook's time, then commits, for the
     * chaos harness to catch. */
    bool relay_before_commit;
};

/* commit_text.c: a commit frame in the committer's exact layout, decoded
 * into *e (strings in e->owned, e->frame NULL): 1; 0 when the payload is
 * anything else (decode it with jansson then). */
int writer_commit_text(const char *payload, size_t len, struct batch_entry *e);

/* relay.c: answers a worker sent with its commit, handed to the
 * supervisor once committed (docs/INTERNAL-PROTOCOL.md). The answer is a
 * JSON object's text: copy (0) if it is one, else -1. */
int writer_answer_copy(const char *text, size_t len, char **out);
/* A jansson-decoded commit frame's `answer`: 0 and *out (NULL when there
 * is none), or -1 if it is not an object or w is not a commit. */
int writer_answer_from_frame(const json_t *frame, const struct isl_store_write *w, char **out);
void writer_relay(struct writer *wr, pid_t pid, const char *game, const char *answer);
void writer_relay_start(struct writer *wr);
void writer_relay_flush(struct writer *wr);
/* A frame from the supervisor: its liveness check, {"t":"ping","n":N},
 * answered {"t":"pong","n":N} (behind the relays queued so far), or a
 * touch frame (touches.c). 0, or -1 for anything else: the supervisor is
 * a broken peer. */
int writer_supervisor_frame(struct writer *wr, const json_t *frame);

/* touches.c: store a touch frame's times ({"t":"touch","games":[[NAME,
 * MS],...]}); 0, or -1 when the frame is malformed. A failed commit is
 * logged, not answered. */
int writer_touch(struct writer *wr, const json_t *frame);

/* conns.c */
void writer_conns_start(struct writer *wr);
/* Commit what is gathered (and any backlog), answer each write. */
void writer_commit_pending(struct writer *wr);
/* Answers still unsent are written out (blocking briefly) before exit. */
void writer_flush_all(struct writer *wr);
/* After a commit's rc: a corrupt store stops the writer (exit status 66). */
void writer_exit_if_corrupt(struct writer *wr, int rc);

#endif
