/* Inside the front door: one client connection, shared by frontdoor.c (its
 * bytes: lines in, answers out) and frontdoor_clients.c (its place:
 * accepted, served or waiting past max_clients, closed when idle). Nothing
 * else sees it. */
#ifndef ISLANDS_FRONTDOOR_CONN_H
#define ISLANDS_FRONTDOOR_CONN_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontdoor.h"
#include "islands/buf.h"

struct conn {
    struct conn *prev, *next;    /* open connections */
    int fd;
    ev_io reader, writer;
    struct isl_buf in, out;
    size_t scanned;              /* bytes of `in` already searched for '\n' */
    unsigned refs;               /* the open connection holds one itself */
    unsigned pending;            /* handed to the router, not answered yet */
    size_t held;                 /* bytes of those requests' ids, echoed later */
    bool closed;
    bool input_done;             /* EOF or request_too_large: read no more */
    bool paused;                 /* not read from until it catches up */
    bool waiting;                /* past max_clients: answered busy until a place frees */
    bool admin;
    unsigned long long serial;   /* names the connection in the log */
    /* client_timeout: frontdoor.c only notes each progress (a read, output
     * taken, the end of a wait in the daemon); the timer looks at the time
     * of the last when it fires. Monotonic, as ev_now follows the wall
     * clock and a clock step would close idle connections early. */
    uint64_t last_progress_ms;
    ev_timer idle;
    /* Served, idle past client_timeout with nothing held for it, but kept:
     * no client waited for its place (frontdoor_clients.c). */
    bool idle_kept;
};

/* frontdoor.c: a connection for an accepted fd, read from at once (NULL,
 * the fd closed and the reason logged, if that fails); and its end, which
 * gives its place up. */
struct conn *conn_open(int fd);
void conn_close(struct conn *c, const char *reason);

/* frontdoor_clients.c: accept on listen_fd, and the places. */
void frontdoor_clients_start(struct ev_loop *loop, int listen_fd,
                             const struct isl_config *config);
void frontdoor_clients_reconfigure(const struct isl_config *config);
/* Stop accepting for good and close listen_fd. */
void frontdoor_clients_stop(void);
/* A closing connection leaves its place (the oldest waiting one takes it). */
void frontdoor_clients_leave(struct conn *c);
/* c made progress: its client_timeout starts again from now. */
void frontdoor_clients_progress(struct conn *c);

#endif
