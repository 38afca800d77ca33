/* A hash map from NUL-terminated strings to pointers (separate chaining,
 * grows at load 1). Keys are copied; values are the caller's. */
#ifndef ISLANDS_STRMAP_H
#define ISLANDS_STRMAP_H

#include <stddef.h>

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

#endif
