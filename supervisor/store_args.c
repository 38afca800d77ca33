#include "store_args.h"

#include <stdio.h>

int store_args(const struct isl_config *c, struct store_arg_numbers *numbers, char **argv)
{
    snprintf(numbers->map_size, sizeof numbers->map_size, "%zu", c->map_size);
    snprintf(numbers->max_readers, sizeof numbers->max_readers, "%u", c->max_readers);
    int n = 0;
    argv[n++] = "--store";
    argv[n++] = (char *)c->store;
    argv[n++] = "--sync";
    argv[n++] = (char *)isl_sync_name(c->sync);
    argv[n++] = "--map-size";
    argv[n++] = numbers->map_size;
    argv[n++] = "--max-readers";
    argv[n++] = numbers->max_readers;
    if (c->crash_injection)
        argv[n++] = "--crash-injection";
    return n;
}
