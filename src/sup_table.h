/* The supervision core's child table: children in start order (an array,
 * for group operations and child_at) and indexed by id (a hash map, so
 * that an event costs O(1) to route). Private to src/sup_*.c. */
#ifndef ISLANDS_SUP_TABLE_H
#define ISLANDS_SUP_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "islands/strmap.h"
#include "islands/sup_core.h"

struct sup_table {
    struct strmap by_id;
    struct isl_child **order;   /* start order; start_order strictly increasing */
    size_t count, cap;
    uint64_t next_order;
};

void sup_table_init(struct sup_table *t);
void sup_table_free(struct sup_table *t);
struct isl_child *sup_table_find(const struct sup_table *t, const char *id);
/* A zeroed child with this id, last in start order; NULL when out of memory. */
struct isl_child *sup_table_append(struct sup_table *t, const char *id);
/* Position of c in start order (binary search). */
size_t sup_table_index(const struct sup_table *t, const struct isl_child *c);
/* Drop c from the table and free it. */
void sup_table_remove(struct sup_table *t, struct isl_child *c);

#endif
