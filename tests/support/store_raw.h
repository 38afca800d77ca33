/* Entries written straight into a store's LMDB databases, past
 * isl_store_commit: what an older islands, or damage, could leave there.
 * The store must not be open in this process meanwhile. */
#ifndef ISLANDS_STORE_RAW_H
#define ISLANDS_STORE_RAW_H

/* Put key -> value into database db ("games", "meta") of the store in dir. */
void store_raw_put(const char *dir, const char *db, const char *key, const char *value);

#endif
