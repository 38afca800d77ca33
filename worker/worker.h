/* islands-worker: one game in memory, served one request at a time. */
#ifndef ISLANDS_WORKER_H
#define ISLANDS_WORKER_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>

#include "islands/buf.h"
#include "islands/committer.h"
#include "islands/game.h"
#include "islands/request.h"
#include "islands/store.h"

struct worker {
    struct ev_loop *loop;
    struct isl_store *store;       /* read_once: NULL once idle after the load */
    bool read_once;                /* group commit: the store is only read at adopt */
    ev_idle release_store;         /* closes it once the loop has nothing to do */
    ev_timer warm_up;              /* a spare not adopted at once warms up */
    struct isl_committer *committer;
    bool crash_injection;
    /* --recycle: once its game ended by end_game, serve another as a spare
     * instead of exiting (islandsd keeps it or stops it; a hibernating
     * game's worker is asked to by `release`, --recycle or not). */
    bool recycle;
    const struct isl_store_options *store_options;   /* to open the store again */
    /* ISLANDS_FAULT_ACK_BEFORE_COMMIT=1 with ISLANDS_FAULT_INJECTION=1 and
     * --crash-injection: answer as if committed, then die uncommitted (the
     * chaos harness proves it notices). Never in normal operation. */
    bool ack_before_commit;
    double game_timeout_s;         /* 0 = never */

    /* the supervisor channel (fd 3) */
    ev_io chan_in, chan_out;
    struct isl_buf in, out;
    ev_signal sigterm;
    ev_timer idle;                 /* game_timeout, or the next try of a failed delete */
    double delete_retry_s;         /* that try's delay; 0 while no delete failed */
    bool stopping;                 /* SIGTERM seen: exit after the request in hand */

    char name[ISL_GAME_NAME_MAX + 1];
    bool adopted;
    bool loaded;                   /* a stored record exists and is in `game` */
    struct isl_game game;

    /* the request in hand */
    bool busy;
    long long seq;
    /* --relay: a successful commit's answer goes to the supervisor through
     * the writer. Until we learn it succeeded (the next request is the
     * proof) the commit is unsettled and `next` holds its game. */
    bool relay;
    bool unsettled;
    long long unsettled_seq;
    struct isl_game next;          /* the changed copy, adopted once committed */
    bool next_deletes;             /* the commit deletes the record */
    struct isl_buf doc;            /* next's stored text, kept between moves */
    struct isl_buf text;           /* an answer written as text, kept likewise */
    json_t *answer;                /* the success response, sent once committed */
    int exit_after;                /* exit status after answering, or -1 */
    json_t *queue;                 /* later request frames, in order */
    bool draining;                 /* inside the queue loop (no recursion) */
};

/* serve.c: handle one request; answers now or after its commit. */
void serve_request(struct worker *w, const struct isl_request *req);

/* warm.c: touch what serving a game's first request needs (spares only;
 * also keeps the heap it grows). */
void worker_warm_up(struct worker *w);

/* Send the answer to the request in hand (response stolen) and move on:
 * exit if asked to, else serve the next queued frame. */
void worker_answer(struct worker *w, json_t *response);
/* The same for a response already written as JSON text (a `state`). */
void worker_answer_text(struct worker *w, const char *response);
/* The request in hand was handed to the writer with its answer: move on. */
void worker_handed_off(struct worker *w);
/* The unsettled commit succeeded: its game is ours. */
void worker_settle(struct worker *w);
/* Flush everything queued to the supervisor, then _exit(status). */
void exit_worker_process(struct worker *w, int status) __attribute__((noreturn));

#endif
