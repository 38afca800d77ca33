/* The client side of PROTOCOL.md: one connection to islandsd that sends
 * request objects as lines and takes response lines back as JSON objects.
 *
 * Two ways to drive it:
 *  - blocking, for simple programs and tests: isl_client_call() (one request,
 *    one response), or isl_client_send() several times then isl_client_recv()
 *    as many times (pipelining: match responses to requests by "id");
 *  - non-blocking, for one thread driving many connections with poll() or an
 *    event loop: isl_client_queue() + isl_client_flush() when the fd is
 *    writable, isl_client_read() when it is readable, then isl_client_pop()
 *    until it returns ISL_CLIENT_AGAIN.
 * Both ways may be mixed on one connection. The socket is always
 * non-blocking; the blocking calls wait with poll(). Timeouts are in
 * milliseconds; a negative timeout waits forever. Nothing here prints. */
#ifndef ISLANDS_CLIENT_H
#define ISLANDS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "islands/config.h"

#define ISL_CLIENT_DEFAULT_SOCKET "/run/islands/islandsd.sock"
#define ISL_CLIENT_SOCKET_ENV "ISLANDS_SOCKET"
/* `list` with many games is one long line. */
#define ISL_CLIENT_DEFAULT_MAX_LINE (16u * 1024 * 1024)
/* A limit for `list` answers alone: the daemon's default max_games
 * (100,000) at their longest names come to some 18 MiB. Reading and
 * parsing a line of 32 MiB takes about 260 MB. */
#define ISL_CLIENT_LIST_MAX_LINE (32u * 1024 * 1024)

enum isl_client_status {
    ISL_CLIENT_OK = 0,
    ISL_CLIENT_AGAIN = 1,      /* non-blocking: not complete yet, try later */
    ISL_CLIENT_EOF = -1,       /* the server closed the connection between lines */
    ISL_CLIENT_ERROR = -2,     /* system error (errno); EPROTO: the server closed
                                  in the middle of a line */
    ISL_CLIENT_TIMEOUT = -3,   /* the time ran out (errno ETIMEDOUT) */
    ISL_CLIENT_BAD_LINE = -4   /* a response line longer than max_line (errno
                                  EMSGSIZE), or not a JSON object (EBADMSG):
                                  the connection cannot be trusted any more */
};

struct isl_client;

/* The socket path, in PROTOCOL.md's order: `option` (from --socket) if not
 * NULL, else $ISLANDS_SOCKET if set and not empty, else the `socket` key of
 * the daemon's configuration file `config` (ISL_CONFIG_DEFAULT_PATH when
 * NULL) if that file exists, else ISL_CLIENT_DEFAULT_SOCKET. The result is
 * option, the environment's string, or buf (ISL_PATH_MAX bytes). A file
 * that exists but cannot be read or is invalid, or one named that does not
 * exist, is reported in err (empty otherwise) and the default is used. */
const char *isl_client_socket_path(const char *option, const char *config, char *buf,
                                   char *err, size_t errlen);

/* Connect to a Unix socket path. A full listen backlog is retried until
 * timeout_ms. NULL with errno on failure (ENAMETOOLONG for a path that
 * does not fit a socket address, ETIMEDOUT, or connect's errno). */
struct isl_client *isl_client_connect(const char *path, int timeout_ms);
/* Wrap a connected stream socket (a socketpair end in tests); the client
 * owns it from now on and makes it non-blocking. NULL (fd left open) on
 * allocation failure. */
struct isl_client *isl_client_from_fd(int fd);
/* Close the socket and free everything, unsent requests included. */
void isl_client_close(struct isl_client *c);

/* Longest response line accepted, without its "\n" (default
 * ISL_CLIENT_DEFAULT_MAX_LINE). */
void isl_client_set_max_line(struct isl_client *c, size_t max_line);

/* ---- blocking ---- */

/* Queue the compact JSON of `request` plus "\n" and write until all of
 * the output is sent. */
enum isl_client_status isl_client_send(struct isl_client *c, const json_t *request,
                                       int timeout_ms);
/* Wait for the next response line: *response gets a new reference. */
enum isl_client_status isl_client_recv(struct isl_client *c, json_t **response,
                                       int timeout_ms);
/* The same, but the line as received (without "\n"), malloc'd and
 * NUL-terminated, for programs that show it unchanged. */
enum isl_client_status isl_client_recv_line(struct isl_client *c, char **line,
                                            size_t *len, int timeout_ms);
/* Send one request and wait for one response, with one deadline for both.
 * For plain request/response use: nothing else may be in flight. */
enum isl_client_status isl_client_call(struct isl_client *c, const json_t *request,
                                       json_t **response, int timeout_ms);

/* ---- non-blocking ---- */

int isl_client_fd(const struct isl_client *c);
/* Append a request line to the output buffer without writing. OK, or
 * ERROR (ENOMEM; EINVAL if request is not an object). */
enum isl_client_status isl_client_queue(struct isl_client *c, const json_t *request);
/* Write what the socket takes: OK (all sent), AGAIN (wait for POLLOUT),
 * ERROR (errno; EPIPE when the server is gone). */
enum isl_client_status isl_client_flush(struct isl_client *c);
/* Bytes queued but not yet written (poll for POLLOUT while non-zero). */
size_t isl_client_pending_output(const struct isl_client *c);
/* Read what the socket has now (call when readable): OK (read something or
 * a line is complete), AGAIN (nothing there), EOF, ERROR, BAD_LINE. After
 * EOF, isl_client_pop() still hands out the lines that came before it. */
enum isl_client_status isl_client_read(struct isl_client *c);
/* Take the next complete response line already read: OK with *response,
 * AGAIN when none is complete, BAD_LINE. */
enum isl_client_status isl_client_pop(struct isl_client *c, json_t **response);
/* The same as a raw line (malloc'd, NUL-terminated, without "\n"). */
enum isl_client_status isl_client_pop_line(struct isl_client *c, char **line, size_t *len);

/* A short description of a status for messages ("timed out"). */
const char *isl_client_status_text(enum isl_client_status s);

#endif
