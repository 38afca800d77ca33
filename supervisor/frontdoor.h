/* The front door: the listening Unix socket and client connections.
 * Reads newline-delimited JSON, answers framing and parse errors itself,
 * and hands every well-formed request to the router. */
#ifndef ISLANDS_FRONTDOOR_H
#define ISLANDS_FRONTDOOR_H

#include <ev.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "islands/config.h"
#include "islands/request.h"

struct conn;

/* Start listening: a socket passed by systemd (LISTEN_FDS) if there is one,
 * else config->socket (parent dir created, a stale file replaced, a live
 * daemon refused, mode 0660). 0, or -1 with a logged reason; -2 when
 * sockets were passed but none is a listening Unix stream socket. */
int frontdoor_start(struct ev_loop *loop, const struct isl_config *config);
/* The socket's path as served (a passed socket's own), for the logs. */
const char *frontdoor_socket_name(void);
/* Stop accepting (shutdown); a socket we created is unlinked, a passed one
 * is left alone. Open connections stay until frontdoor_close_all(). */
void frontdoor_stop_accepting(void);
void frontdoor_close_all(void);
/* SIGHUP: limits for new data (max_request, max_output, max_clients: a
 * higher one serves waiting connections at once), and client_timeout,
 * counted from each connection's last progress. */
void frontdoor_reconfigure(const struct isl_config *config);
unsigned frontdoor_client_count(void);

/* Keep a connection alive while a request of it is pending elsewhere. */
void conn_hold(struct conn *c);
void conn_release(struct conn *c);
/* Send a response (stolen), its "id" first: `id` is the request's id as
 * the client wrote it, held as a JSON string of that text (borrowed; NULL:
 * no id), which the router only keeps and hands back. Dropped silently if
 * the connection is gone. */
void conn_reply(struct conn *c, json_t *id, json_t *response);

/* Provided by the router (supervisor/router.c): one parsed request. `id`
 * (as for conn_reply) is borrowed (hold a reference to keep it).
 * req->admin is already set from the peer's credentials. */
void router_submit(struct conn *c, json_t *id, const struct isl_request *req);
/* A request for `game` (NULL: none) refused before it reached the game's
 * queue, with its answer `response` (stolen): sent now, or right after the
 * last request of c for that game still waiting, so that the answers of
 * one game come in the order of its requests (PROTOCOL.md). Counts as
 * pending on c until sent, as a submitted request does. */
void router_refuse(struct conn *c, json_t *id, const char *game, json_t *response);

/* Inside the front door (frontdoor_listen.c): create the listening socket
 * file at path and remember which file it is, so that only that file is
 * removed at the end. The fd, or -1 with a logged reason. */
struct frontdoor_socket_file {
    dev_t dev;
    ino_t ino;
};
int frontdoor_socket_create(const char *path, struct frontdoor_socket_file *file);
void frontdoor_socket_remove(const char *path, const struct frontdoor_socket_file *file);

#endif
