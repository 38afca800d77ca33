/* The store writer: the first child of islandsd's top-level rest_for_one
 * tree. Its index tells the router which games are stored; its death
 * stops every game worker (they cannot commit) before it is restarted. */
#ifndef ISLANDS_WRITER_LINK_H
#define ISLANDS_WRITER_LINK_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "islands/config.h"

void writer_init(struct ev_loop *loop, const struct isl_config *config);
/* SIGHUP: intensity, period and backoff as islands.conf now says. */
void writer_reconfigure(const struct isl_config *config);
void writer_start(void);
/* Shutdown: stop the writer last, then call done. */
void writer_stop(void (*done)(void));
struct game;
/* Store the last request of each game as its idle count's start
 * (docs/STORE.md, "The index"): a touch frame to the writer, in
 * group-commit mode, or in any mode once the workers are stopped; each
 * game's recorded_ms catches up. */
void writer_record_activity(struct game **games, size_t n, bool workers_stopped);
/* Take in the answers the writer has relayed so far (a worker died: its
 * last answer may be among them). */
void writer_read_relays(void);
/* Is the writer gone, dying, or not yet ready? A worker that lost it and
 * exits is a victim, not a crash of its own. */
bool writer_is_down(void);
/* ... or a pong late by a ping interval (as of what was read: call
 * writer_read_relays first)? A worker killed for a deadline then was
 * waiting on it: a victim. */
bool writer_owes_pong(void);

#endif
