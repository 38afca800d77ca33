/* The child table of the supervision core (see sup_table.h). */
#include "sup_table.h"

#include <stdlib.h>
#include <string.h>

void sup_table_init(struct sup_table *t)
{
    strmap_init(&t->by_id);
    t->order = NULL;
    t->count = t->cap = 0;
    t->next_order = 0;
}

void sup_table_free(struct sup_table *t)
{
    for (size_t i = 0; i < t->count; i++)
        free(t->order[i]);
    free(t->order);
    strmap_free(&t->by_id);
    sup_table_init(t);
}

struct isl_child *sup_table_find(const struct sup_table *t, const char *id)
{
    return strmap_get(&t->by_id, id);
}

struct isl_child *sup_table_append(struct sup_table *t, const char *id)
{
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct isl_child **order = realloc(t->order, cap * sizeof *order);
        if (!order)
            return NULL;
        t->order = order;
        t->cap = cap;
    }
    struct isl_child *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    strncpy(c->id, id, ISL_CHILD_ID_MAX);
    if (strmap_put(&t->by_id, c->id, c) != 0) {
        free(c);
        return NULL;
    }
    c->start_order = t->next_order++;
    t->order[t->count++] = c;
    return c;
}

size_t sup_table_index(const struct sup_table *t, const struct isl_child *c)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->order[mid]->start_order < c->start_order)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void sup_table_remove(struct sup_table *t, struct isl_child *c)
{
    size_t i = sup_table_index(t, c);
    /* A memmove of pointers: cheap next to the fork and exec behind it. */
    memmove(&t->order[i], &t->order[i + 1], (t->count - i - 1) * sizeof *t->order);
    t->count--;
    strmap_remove(&t->by_id, c->id);
    free(c);
}
