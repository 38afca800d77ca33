/* The disk's own floor under a durable move: LMDB's commit, without LMDB. */
#ifndef ISLANDS_BENCH_DISK_H
#define ISLANDS_BENCH_DISK_H

#include "stats.h"

/* In a scratch file in `dir`, `count` times: wait `pause_ms`, then time
 * the two synced writes of one LMDB commit with sync = full (a data page
 * written and fdatasync'ed, then the meta page written through an O_DSYNC
 * descriptor). Samples in ns are added to `out`. 0, or -1 (said why). */
int disk_commit_floor(const char *dir, unsigned pause_ms, unsigned count, struct samples *out);

#endif
