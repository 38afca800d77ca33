/* Admin ops answered by islandsd itself: ping, list, status. */
#ifndef ISLANDS_ADMIN_H
#define ISLANDS_ADMIN_H

#include <jansson.h>

#include "frontdoor.h"

void admin_handle(struct conn *c, json_t *id, const struct isl_request *req);

#endif
