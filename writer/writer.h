/* islands-writer: the only process that commits in group-commit mode. */
#ifndef ISLANDS_WRITER_H
#define ISLANDS_WRITER_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>

#include "islands/buf.h"
#include "islands/store.h"

/* A batch never holds more writes than this, so latency stays bounded. */
#define WRITER_BATCH_MAX 1024

struct wconn;

struct batch_entry {
    struct wconn *conn;
    long long seq;
    struct isl_store_write write;  /* strings borrowed from frame / owned */
    json_t *frame;
    char *owned;
};

struct writer {
    struct ev_loop *loop;
    struct isl_store *store;
    int listen_fd;
    ev_io accept_io;
    ev_check commit_check;         /* runs after every io callback of an iteration */
    struct batch_entry batch[WRITER_BATCH_MAX];
    size_t batch_len;
    struct wconn *conns;
    unsigned fences_wanted;        /* connections waiting for a fence */
    unsigned backlogged;           /* connections whose frames wait for room */
    unsigned closed;               /* connections dropped, not yet freed */
    unsigned long long batches, writes;
};

/* commit_text.c: a commit frame in the committer's exact layout, decoded
 * into *e (strings in e->owned, e->frame NULL): 1; 0 when the payload is
 * anything else (decode it with jansson then). */
int writer_commit_text(const char *payload, size_t len, struct batch_entry *e);

/* conns.c */
void writer_conns_start(struct writer *wr);
/* Commit what is gathered (and any backlog), answer each write. */
void writer_commit_pending(struct writer *wr);
/* Answers still unsent are written out (blocking briefly) before exit. */
void writer_flush_all(struct writer *wr);

#endif
