/* String-keyed hash map: SipHash-1-3 keyed per process, separate
 * chaining, doubling at load 1. */
#include "islands/strmap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct strmap_entry {
    struct strmap_entry *next;
    void *value;
    uint64_t hash;
    char key[];
};

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
    v[0] += v[1], v[1] = ROTL(v[1], 13), v[1] ^= v[0], v[0] = ROTL(v[0], 32);
    v[2] += v[3], v[3] = ROTL(v[3], 16), v[3] ^= v[2];
    v[0] += v[3], v[3] = ROTL(v[3], 21), v[3] ^= v[0];
    v[2] += v[1], v[1] = ROTL(v[1], 17), v[1] ^= v[2], v[2] = ROTL(v[2], 32);
}

static void sip_absorb(uint64_t v[4], uint64_t word)
{
    v[3] ^= word;
    sip_round(v);
    v[0] ^= word;
}

uint64_t strmap_siphash13(const uint64_t key[2], const void *data, size_t len)
{
    const unsigned char *in = data;
    uint64_t v[4] = { key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
                      key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL };
    uint64_t last = (uint64_t)len << 56;
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t word = 0;
        for (int b = 7; b >= 0; b--)
            word = word << 8 | in[i + (size_t)b];   /* little-endian, on any host */
        sip_absorb(v, word);
    }
    for (size_t b = 0; i + b < len; b++)
        last |= (uint64_t)in[i + b] << (8 * b);
    sip_absorb(v, last);
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Keys are game names, chosen by clients: with an unkeyed hash (FNV-1a,
 * once) names picked to share a bucket would make every lookup of theirs
 * a walk down one long chain, in islandsd's only thread. */
static uint64_t process_key[2];
static bool keyed;

static void choose_key(void)
{
    if (keyed)
        return;
    if (getrandom(process_key, sizeof process_key, GRND_NONBLOCK) != (ssize_t)sizeof process_key) {
        /* Only before the kernel's pool is ready, early in boot. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        process_key[0] = (uint64_t)ts.tv_sec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ts.tv_nsec;
        process_key[1] = (uint64_t)getpid() * 0xC2B2AE3D27D4EB4FULL ^ (uint64_t)(uintptr_t)&ts;
    }
    keyed = true;
}

static uint64_t hash_key(const char *s)
{
    return strmap_siphash13(process_key, s, strlen(s));
}

void strmap_init(struct strmap *m)
{
    choose_key();
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

size_t strmap_longest_chain(const struct strmap *m)
{
    size_t longest = 0;
    for (size_t i = 0; i < m->nbuckets; i++) {
        size_t n = 0;
        for (const struct strmap_entry *e = m->buckets[i]; e; e = e->next)
            n++;
        longest = n > longest ? n : longest;
    }
    return longest;
}
