/* State shared by the modules of islandsd's shell. */
#ifndef ISLANDS_DAEMON_H
#define ISLANDS_DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "islands/config.h"

#define ISLANDSD_VERSION "1.0.0"

struct daemon {
    struct ev_loop *loop;
    struct isl_config config;
    const char *config_path;          /* NULL: built-in defaults */
    char worker_path[ISL_PATH_MAX];
    char writer_path[ISL_PATH_MAX];
    uint64_t started_ms;
    bool writer_ready;
    bool shutting_down;
};

extern struct daemon daemon_state;

/* Leave the event loop and exit with status (after workers are stopped). */
void daemon_finish(int status);
/* The games supervisor decided to give up: serve nothing and start
 * nothing from now on, while it stops the games (daemon_finish(1) once
 * they are down). */
void daemon_giving_up(void);

#endif
