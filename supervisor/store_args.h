/* The store options islands-worker and islands-writer are both started
 * with, as their isl_store_option (src/worker_proto.c) reads them back. */
#ifndef ISLANDS_STORE_ARGS_H
#define ISLANDS_STORE_ARGS_H

#include "islands/config.h"

#define STORE_ARGS_MAX 9

/* Room for the numbers among the arguments. */
struct store_arg_numbers {
    char map_size[24], max_readers[12];
};

/* --store, --sync, --map-size, --max-readers from c, and --crash-injection
 * when c enables it: at most STORE_ARGS_MAX pointers written at argv,
 * borrowed from c or *numbers (no NULL after them). Returns how many. */
int store_args(const struct isl_config *c, struct store_arg_numbers *numbers, char **argv);

#endif
