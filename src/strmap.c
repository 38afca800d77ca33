/* String-keyed hash map: FNV-1a, separate chaining, doubling at load 1. */
#include "islands/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap_entry {
    struct strmap_entry *next;
    void *value;
    uint64_t hash;
    char key[];
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void strmap_init(struct strmap *m)
{
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
}

void strmap_free(struct strmap *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct strmap_entry *e = m->buckets[i];
        while (e) {
            struct strmap_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    strmap_init(m);
}

static struct strmap_entry **find_slot(const struct strmap *m, const char *key, uint64_t h)
{
    if (m->nbuckets == 0)
        return NULL;
    struct strmap_entry **slot = &m->buckets[h & (m->nbuckets - 1)];
    while (*slot && ((*slot)->hash != h || strcmp((*slot)->key, key) != 0))
        slot = &(*slot)->next;
    return slot;
}

void *strmap_get(const struct strmap *m, const char *key)
{
    struct strmap_entry **slot = find_slot(m, key, hash_key(key));
    return slot && *slot ? (*slot)->value : NULL;
}

static int grow(struct strmap *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 16;
    struct strmap_entry **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct strmap_entry *e = m->buckets[i];
        while (e) {
            struct strmap_entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
    uint64_t h = hash_key(key);
    struct strmap_entry **slot = find_slot(m, key, h);
    if (slot && *slot) {
        (*slot)->value = value;
        return 0;
    }
    if (m->count >= m->nbuckets && grow(m) != 0)
        return -1;
    size_t len = strlen(key);
    struct strmap_entry *e = malloc(sizeof *e + len + 1);
    if (!e)
        return -1;
    memcpy(e->key, key, len + 1);
    e->hash = h;
    e->value = value;
    e->next = m->buckets[h & (m->nbuckets - 1)];
    m->buckets[h & (m->nbuckets - 1)] = e;
    m->count++;
    return 0;
}

void *strmap_remove(struct strmap *m, const char *key)
{
    struct strmap_entry **slot = find_slot(m, key, hash_key(key));
    if (!slot || !*slot)
        return NULL;
    struct strmap_entry *e = *slot;
    void *value = e->value;
    *slot = e->next;
    free(e);
    m->count--;
    return value;
}

void strmap_each(const struct strmap *m, void (*fn)(const char *, void *, void *), void *arg)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (struct strmap_entry *e = m->buckets[i]; e; e = e->next)
            fn(e->key, e->value, arg);
}
