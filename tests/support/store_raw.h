/* Entries written straight into a store's LMDB databases, past
 * isl_store_commit: what an older islands, or damage, could leave there.
 * The store must not be open in this process meanwhile. */
#ifndef ISLANDS_STORE_RAW_H
#define ISLANDS_STORE_RAW_H

#include <sys/types.h>

/* Put key -> value into database db ("games", "meta") of the store in dir. */
void store_raw_put(const char *dir, const char *db, const char *key, const char *value);

/* A process that opens the store in dir as mdb_copy does and stays inside
 * its read transaction, pinning every page of that snapshot; its pid, once
 * the transaction is open. store_raw_kill_reader kills (SIGKILL) and reaps
 * it, leaving its reader slot stale. */
pid_t store_raw_pin_reader(const char *dir);
void store_raw_kill_reader(pid_t reader);

#endif
