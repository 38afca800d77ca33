/* A hash map from NUL-terminated strings to pointers (separate chaining,
 * grows at load 1). Keys are copied; values are the caller's. Keys are
 * hashed with SipHash-1-3 under a random key chosen once per process, so
 * that no one can pick strings that share a bucket. */
#ifndef ISLANDS_STRMAP_H
#define ISLANDS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_entry;

struct strmap {
    struct strmap_entry **buckets;
    size_t nbuckets;
    size_t count;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);   /* frees keys, not values */
void *strmap_get(const struct strmap *m, const char *key);
/* Insert or replace; returns 0, or -1 when out of memory. */
int strmap_put(struct strmap *m, const char *key, void *value);
/* Remove; returns the value that was there, or NULL. */
void *strmap_remove(struct strmap *m, const char *key);
/* Call fn for every entry (order unspecified); fn must not modify the map. */
void strmap_each(const struct strmap *m, void (*fn)(const char *key, void *value, void *arg), void *arg);
/* The most entries in one bucket (for the tests, and diagnostics). */
size_t strmap_longest_chain(const struct strmap *m);
/* SipHash-1-3 of data under key (the map's hash, with the process's key). */
uint64_t strmap_siphash13(const uint64_t key[2], const void *data, size_t len);

#endif
