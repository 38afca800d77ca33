/* The client side of PROTOCOL.md: newline-delimited JSON over a Unix
 * socket, blocking or driven by the caller's poll loop (see client.h). */
#include "islands/client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "islands/buf.h"
#include "islands/clock.h"
#include "islands/json_line.h"

#define READ_CHUNK 65536
#define CONNECT_RETRY_MS 10

struct isl_client {
    int fd;
    struct isl_buf in, out;
    size_t scanned;     /* bytes at the head of `in` known to hold no '\n' */
    size_t max_line;
    bool eof;
};

const char *isl_client_socket_path(const char *option, const char *config, char *buf,
                                   char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (option != NULL)
        return option;
    const char *env = getenv(ISL_CLIENT_SOCKET_ENV);
    if (env != NULL && env[0] != '\0')
        return env;
    bool named = config != NULL;
    if (config == NULL)
        config = ISL_CONFIG_DEFAULT_PATH;
    if (access(config, F_OK) != 0) {
        if (named)   /* asked for by name: say it is not there */
            snprintf(err, errlen, "%s: %s", config, strerror(errno));
        return ISL_CLIENT_DEFAULT_SOCKET;
    }
    struct isl_config *c = malloc(sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "%s: out of memory", config);
        return ISL_CLIENT_DEFAULT_SOCKET;
    }
    isl_config_defaults(c);
    const char *path = ISL_CLIENT_DEFAULT_SOCKET;
    if (isl_config_load(c, config, err, errlen) == 0) {
        memcpy(buf, c->socket, sizeof c->socket);   /* NUL-terminated: the parser checks */
        path = buf;
    }
    free(c);
    return path;
}

/* ---------------------------------------------------------------- time */

/* -1 = no deadline (wait forever). */
static int64_t deadline_after(int timeout_ms)
{
    return timeout_ms < 0 ? -1 : (int64_t)isl_monotonic_ms() + timeout_ms;
}

/* poll() timeout left until the deadline: -1 forever, 0 when passed. */
static int ms_left(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - (int64_t)isl_monotonic_ms();
    if (left <= 0)
        return 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Wait until fd is ready for `events`: OK, TIMEOUT or ERROR. */
static enum isl_client_status wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int left = ms_left(deadline);
        int n = poll(&p, 1, left);
        if (n > 0)
            return ISL_CLIENT_OK;   /* also on POLLHUP/POLLERR: the I/O call reports it */
        if (n == 0) {
            errno = ETIMEDOUT;
            return ISL_CLIENT_TIMEOUT;
        }
        if (errno != EINTR)
            return ISL_CLIENT_ERROR;
    }
}

/* ---------------------------------------------------------------- connect */

static struct isl_client *client_new(int fd)
{
    struct isl_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->max_line = ISL_CLIENT_DEFAULT_MAX_LINE;
    isl_buf_init(&c->in, 0);    /* the line limit is checked while scanning */
    isl_buf_init(&c->out, 0);
    return c;
}

struct isl_client *isl_client_from_fd(int fd)
{
    struct isl_client *c = client_new(fd);
    if (c == NULL)
        return NULL;
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    return c;
}

static int connect_retrying(int fd, const struct sockaddr_un *addr, int64_t deadline)
{
    for (;;) {
        if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        /* A Unix socket answers EAGAIN (not EINPROGRESS) when the listen
         * backlog is full; it cannot be polled for, so try again shortly. */
        if (errno != EAGAIN)
            return -1;
        int left = ms_left(deadline);
        if (left == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        int nap = left < 0 || left > CONNECT_RETRY_MS ? CONNECT_RETRY_MS : left;
        struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)nap * 1000000 };
        nanosleep(&ts, NULL);
    }
}

struct isl_client *isl_client_connect(const char *path, int timeout_ms)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof addr.sun_path) {
        errno = len == 0 ? ENOENT : ENAMETOOLONG;
        return NULL;
    }
    memcpy(addr.sun_path, path, len + 1);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    if (connect_retrying(fd, &addr, deadline_after(timeout_ms)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    struct isl_client *c = client_new(fd);
    if (c == NULL) {
        close(fd);
        errno = ENOMEM;
    }
    return c;
}

void isl_client_close(struct isl_client *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    isl_buf_free(&c->in);
    isl_buf_free(&c->out);
    free(c);
}

void isl_client_set_max_line(struct isl_client *c, size_t max_line)
{
    c->max_line = max_line;
}

int isl_client_fd(const struct isl_client *c)
{
    return c->fd;
}

/* ---------------------------------------------------------------- output */

enum isl_client_status isl_client_queue(struct isl_client *c, const json_t *request)
{
    if (!json_is_object(request)) {
        errno = EINVAL;
        return ISL_CLIENT_ERROR;
    }
    /* Compact JSON never holds a raw newline: strings escape it. */
    char *text = json_dumps(request, JSON_COMPACT);
    if (text == NULL) {
        errno = ENOMEM;
        return ISL_CLIENT_ERROR;
    }
    size_t n = strlen(text);
    text[n] = '\n';     /* replaces the NUL: the buffer takes a length */
    int rc = isl_buf_append(&c->out, text, n + 1);
    free(text);
    if (rc < 0) {
        errno = ENOMEM;
        return ISL_CLIENT_ERROR;
    }
    return ISL_CLIENT_OK;
}

enum isl_client_status isl_client_flush(struct isl_client *c)
{
    /* isl_buf_write_fd sends with MSG_NOSIGNAL: a vanished server is EPIPE. */
    int rc = isl_buf_write_fd(&c->out, c->fd);
    if (rc == 0)
        return ISL_CLIENT_OK;
    return rc == 1 ? ISL_CLIENT_AGAIN : ISL_CLIENT_ERROR;
}

size_t isl_client_pending_output(const struct isl_client *c)
{
    return c->out.len;
}

static enum isl_client_status flush_until(struct isl_client *c, int64_t deadline)
{
    for (;;) {
        enum isl_client_status s = isl_client_flush(c);
        if (s != ISL_CLIENT_AGAIN)
            return s;
        s = wait_fd(c->fd, POLLOUT, deadline);
        if (s != ISL_CLIENT_OK)
            return s;
    }
}

enum isl_client_status isl_client_send(struct isl_client *c, const json_t *request,
                                       int timeout_ms)
{
    enum isl_client_status s = isl_client_queue(c, request);
    if (s != ISL_CLIENT_OK)
        return s;
    return flush_until(c, deadline_after(timeout_ms));
}

/* ---------------------------------------------------------------- input */

/* Length of the first complete line in `in` (without "\n"), or -1 if none
 * is complete yet; *too_long when that line (complete or not) is over
 * max_line. */
static ssize_t find_line(struct isl_client *c, bool *too_long)
{
    const char *head = isl_buf_head(&c->in);
    const char *nl = memchr(head + c->scanned, '\n', c->in.len - c->scanned);
    size_t line_len = nl != NULL ? (size_t)(nl - head) : c->in.len;
    *too_long = line_len > c->max_line;
    if (nl == NULL) {
        c->scanned = c->in.len;     /* never scan these bytes again */
        return -1;
    }
    return (ssize_t)line_len;
}

enum isl_client_status isl_client_read(struct isl_client *c)
{
    if (c->eof)
        return ISL_CLIENT_EOF;
    ssize_t n = isl_buf_read_fd(&c->in, c->fd, READ_CHUNK);   /* retries EINTR */
    if (n > 0) {
        bool too_long;
        if (find_line(c, &too_long) < 0 && too_long) {
            errno = EMSGSIZE;
            return ISL_CLIENT_BAD_LINE;
        }
        return ISL_CLIENT_OK;
    }
    if (n == 0) {
        c->eof = true;
        return ISL_CLIENT_EOF;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return ISL_CLIENT_AGAIN;
    return ISL_CLIENT_ERROR;
}

enum isl_client_status isl_client_pop_line(struct isl_client *c, char **line, size_t *len)
{
    bool too_long;
    ssize_t n = find_line(c, &too_long);
    if (too_long) {
        errno = EMSGSIZE;
        return ISL_CLIENT_BAD_LINE;
    }
    if (n < 0)
        return ISL_CLIENT_AGAIN;
    size_t used = (size_t)n + 1;
    if (n > 0 && isl_buf_head(&c->in)[n - 1] == '\r')
        n--;    /* tolerate "\r\n" as the daemon does */
    char *copy = malloc((size_t)n + 1);
    if (copy == NULL) {
        errno = ENOMEM;
        return ISL_CLIENT_ERROR;
    }
    memcpy(copy, isl_buf_head(&c->in), (size_t)n);
    copy[n] = '\0';
    isl_buf_consume(&c->in, used);
    c->scanned = 0;
    *line = copy;
    if (len != NULL)
        *len = (size_t)n;
    return ISL_CLIENT_OK;
}

/* Answers echo the request's id as written: an id jansson cannot hold
 * (1e400, 20 digits) is valid JSON all the same, mended as islandsd
 * mends requests. */
static enum isl_client_status parse_line(const char *line, size_t len, json_t **response)
{
    json_t *obj = isl_json_line_load(line, len, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        errno = EBADMSG;
        return ISL_CLIENT_BAD_LINE;
    }
    *response = obj;
    return ISL_CLIENT_OK;
}

enum isl_client_status isl_client_pop(struct isl_client *c, json_t **response)
{
    char *line;
    size_t len;
    enum isl_client_status s = isl_client_pop_line(c, &line, &len);
    if (s != ISL_CLIENT_OK)
        return s;
    s = parse_line(line, len, response);
    free(line);
    return s;
}

enum isl_client_status isl_client_recv_line(struct isl_client *c, char **line,
                                            size_t *len, int timeout_ms)
{
    int64_t deadline = deadline_after(timeout_ms);
    for (;;) {
        enum isl_client_status s = isl_client_pop_line(c, line, len);
        if (s != ISL_CLIENT_AGAIN)
            return s;
        if (c->eof) {
            if (c->in.len == 0)
                return ISL_CLIENT_EOF;
            errno = EPROTO;     /* closed in the middle of a line */
            return ISL_CLIENT_ERROR;
        }
        s = isl_client_read(c);
        if (s == ISL_CLIENT_AGAIN)
            s = wait_fd(c->fd, POLLIN, deadline);
        if (s != ISL_CLIENT_OK && s != ISL_CLIENT_EOF)
            return s;
    }
}

enum isl_client_status isl_client_recv(struct isl_client *c, json_t **response,
                                       int timeout_ms)
{
    char *line;
    size_t len;
    enum isl_client_status s = isl_client_recv_line(c, &line, &len, timeout_ms);
    if (s != ISL_CLIENT_OK)
        return s;
    s = parse_line(line, len, response);
    free(line);
    return s;
}

enum isl_client_status isl_client_call(struct isl_client *c, const json_t *request,
                                       json_t **response, int timeout_ms)
{
    int64_t deadline = deadline_after(timeout_ms);
    enum isl_client_status s = isl_client_queue(c, request);
    if (s == ISL_CLIENT_OK)
        s = flush_until(c, deadline);
    if (s != ISL_CLIENT_OK)
        return s;
    int left = ms_left(deadline);
    return isl_client_recv(c, response, deadline < 0 ? -1 : left);
}

const char *isl_client_status_text(enum isl_client_status s)
{
    switch (s) {
    case ISL_CLIENT_OK: return "ok";
    case ISL_CLIENT_AGAIN: return "not complete yet";
    case ISL_CLIENT_EOF: return "connection closed by the server";
    case ISL_CLIENT_ERROR: return "connection error";
    case ISL_CLIENT_TIMEOUT: return "timed out";
    case ISL_CLIENT_BAD_LINE: return "malformed response";
    }
    return "unknown status";
}
