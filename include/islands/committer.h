/* The worker's commit path: store one write and learn when it is durable.
 * Direct mode commits in-process with the store (the callback may run
 * before submit returns); group mode sends the write to islands-writer on
 * DIR/writer.sock and calls back when `committed`/`failed` arrives, or,
 * for a relayed write, hands the writer the caller's answer for its
 * supervisor and calls back only on `failed`. Nothing about games or
 * requests in here: an answer is opaque text. */
#ifndef ISLANDS_COMMITTER_H
#define ISLANDS_COMMITTER_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "islands/store.h"

/* rc: ISL_STORE_OK, or a failure (ISL_STORE_FAILED when the writer said
 * `failed` or the connection broke) with the store's message in error. */
typedef void (*isl_commit_done)(void *arg, int rc, const char *error);

struct isl_committer;

/* Direct: commits with store (borrowed; must outlive the committer). */
struct isl_committer *isl_committer_direct(struct ev_loop *loop, struct isl_store *store);

/* Group: connect to store_dir/writer.sock. NULL with a message in err. */
struct isl_committer *isl_committer_group(struct ev_loop *loop, const char *store_dir,
                                          char *err, size_t errlen);

/* Called once when the writer connection breaks (after every pending
 * commit was failed). Later submits fail at once. */
void isl_committer_on_broken(struct isl_committer *c, void (*fn)(void *arg), void *arg);
bool isl_committer_broken(const struct isl_committer *c);

/* Store w (its strings are copied before return); done(arg, ...) follows. */
void isl_committer_submit(struct isl_committer *c, const struct isl_store_write *w,
                          isl_commit_done done, void *arg);

/* Group mode only: store w, and once it is committed the writer hands
 * `answer` (the text of a JSON object: the frame the caller would send its
 * supervisor) to the supervisor itself, sparing the caller a wake-up per
 * commit. Only a failure comes back: done(arg, failure, error), where a
 * broken connection (isl_committer_broken) means the outcome is unknown.
 * The commit stays unsettled until the caller learns it succeeded:
 * isl_committer_settle() when it has proof (its supervisor moved on), or
 * isl_committer_sync(). */
void isl_committer_submit_relayed(struct isl_committer *c, const struct isl_store_write *w,
                                  const char *answer, isl_commit_done done, void *arg);

/* The caller knows its relayed commits succeeded: forget them. */
void isl_committer_settle(struct isl_committer *c);

/* Block until the writer has committed everything sent so far: failures
 * are called back on the way, and relayed commits left are settled (they
 * succeeded). 0, or -1 with a message in err (the outcome is unknown). */
int isl_committer_sync(struct isl_committer *c, int timeout_ms, char *err, size_t errlen);

/* Before loading a game (group mode, nothing pending): wait until the
 * writer has read and committed everything that dead processes sent it,
 * so the load sees the last commit of a worker killed mid-commit. `after`
 * (borrowed; see isl_fence_after_valid) names the game's dead workers,
 * NULL for all processes. Direct mode returns 0 at once (its commits
 * finished when their process died). 0, or -1 with a message in err. */
int isl_committer_fence(struct isl_committer *c, const json_t *after, int timeout_ms,
                        char *err, size_t errlen);

#endif
