/* The front door: the listening socket, and the bytes of every client
 * connection (accepting and places are frontdoor_clients.c's): splits the
 * input into lines, answers framing and parse errors itself, hands every
 * well-formed request to the router, and writes the responses back.
 * Nothing here blocks, and nothing grows without bound: a client that
 * stops reading is no longer read from (its own writes then block) until
 * it catches up; it is slowed down, not dropped (PROTOCOL.md: only
 * request_too_large closes a connection as an error), unless it stays so
 * for client_timeout (frontdoor_clients.c). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frontdoor_conn.h"
#include "islands/json_line.h"
#include "islands/log.h"
#include "notify.h"

#define READ_CHUNK (64u * 1024)
#define DRAIN_LIMIT (1024u * 1024)
/* Requests of one connection in the daemon at once: reading pauses here,
 * so what it can make islandsd hold (answers to come) stays bounded. */
#define MAX_PENDING 1024u

static struct {
    struct ev_loop *loop;
    bool listening;
    bool created;                /* our own socket file: remove it at the end */
    char path[ISL_PATH_MAX];
    struct frontdoor_socket_file file;
    size_t max_request;
    size_t max_output;
    unsigned long long serial;
} door;

/* ---------------------------------------------------------------- output */

/* The response line: {"id":ID, then the fields of response. ID is the id
 * as the client wrote it (PROTOCOL.md: echoed back unchanged), which
 * jansson could not always write back (1E2, 1.00000000000000000001, an
 * integer beyond 64 bits, an escape written one way or another). */
static char *response_line(json_t *id_text, json_t *response, size_t *len)
{
    char *fields = json_dumps(response, JSON_COMPACT);
    if (fields == NULL)
        return NULL;
    size_t n = strlen(fields);
    const char *id = json_string_value(id_text);
    size_t id_len = id ? json_string_length(id_text) : 0;
    char *line = malloc(n + id_len + 16);
    if (line == NULL) {
        free(fields);
        return NULL;
    }
    if (id == NULL) {
        memcpy(line, fields, n);
        *len = n;
    } else {
        /* fields is "{...}": the id goes in first. */
        memcpy(line, "{\"id\":", 6);
        memcpy(line + 6, id, id_len);
        *len = 6 + id_len;
        if (n > 2)
            line[(*len)++] = ',';
        memcpy(line + *len, fields + 1, n - 1);
        *len += n - 1;
    }
    line[(*len)++] = '\n';
    free(fields);
    return line;
}

static void flush(struct conn *c);

/* Reading stops while the client's unsent output and the ids its pending
 * requests will echo (an id may be nearly max_request bytes) are past
 * max_output together, or MAX_PENDING of its requests are in the daemon,
 * and resumes once both are down to half. Lines already read wait in `in`:
 * the resumption is fed to the reader as an event, so that they are taken
 * from the loop itself and never from inside the router, which may be the
 * caller here. */
static void pace_input(struct conn *c)
{
    if (c->closed || c->input_done)
        return;
    size_t owed = c->out.len + c->held;
    if (!c->paused && (owed > door.max_output || c->pending >= MAX_PENDING)) {
        c->paused = true;
        ev_io_stop(door.loop, &c->reader);
        isl_log(ISL_LOG_DEBUG, "event=client_paused conn=%llu unsent=%zu held=%zu pending=%u",
                c->serial, c->out.len, c->held, c->pending);
    } else if (c->paused && owed <= door.max_output / 2 && c->pending <= MAX_PENDING / 2) {
        c->paused = false;
        ev_io_start(door.loop, &c->reader);
        ev_feed_event(door.loop, &c->reader, EV_READ);
    }
}

/* Queue one response line. */
static void conn_send(struct conn *c, json_t *id_text, json_t *response)
{
    if (c->closed || response == NULL) {
        json_decref(response);
        return;
    }
    size_t len;
    char *text = response_line(id_text, response, &len);
    json_decref(response);
    if (text == NULL) {
        conn_close(c, "response_encoding_failed");
        return;
    }
    int rc = isl_buf_append(&c->out, text, len);
    free(text);
    if (rc != 0) {
        conn_close(c, "out_of_memory");
        return;
    }
    flush(c);
}

static void send_error(struct conn *c, enum isl_error e, const char *message)
{
    conn_send(c, NULL, isl_response_error(e, message));
}

/* Close once everything owed is written: input over, no request pending. */
static void maybe_finish(struct conn *c)
{
    if (!c->closed && c->input_done && c->pending == 0 && c->out.len == 0)
        conn_close(c, "done");
}

static bool peer_gone(int err)
{
    return err == EPIPE || err == ECONNRESET;
}

static void flush(struct conn *c)
{
    size_t unsent = c->out.len;
    int rc = isl_buf_write_fd(&c->out, c->fd);
    if (rc < 0) {
        if (!peer_gone(errno))
            isl_log(ISL_LOG_WARNING, "event=client_write_failed conn=%llu error=\"%s\"",
                    c->serial, strerror(errno));
        conn_close(c, "write_failed");
        return;
    }
    if (c->out.len < unsent)
        frontdoor_clients_progress(c);   /* taken by the client */
    if (rc == 1)
        ev_io_start(door.loop, &c->writer);
    else
        ev_io_stop(door.loop, &c->writer);
    pace_input(c);
    maybe_finish(c);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    flush(w->data);
}

/* ---------------------------------------------------------------- input */

static void stop_input(struct conn *c)
{
    c->input_done = true;
    ev_io_stop(door.loop, &c->reader);
    isl_buf_consume(&c->in, c->in.len);
    c->scanned = 0;
}

/* Before close(): read what the client already sent, so that it sees a
 * clean end of stream (unread data would turn it into ECONNRESET). */
static void drain_input(int fd)
{
    char scratch[4096];
    size_t total = 0;
    ssize_t n;
    while (total < DRAIN_LIMIT && (n = recv(fd, scratch, sizeof scratch, MSG_DONTWAIT)) > 0)
        total += (size_t)n;
}

static bool id_valid(const json_t *id)
{
    return json_is_string(id) || json_is_number(id);
}

/* The id as the client wrote it, held as a JSON string of its text (what
 * conn_reply writes back); NULL if the request has none. */
static json_t *id_text_of(const char *line, size_t len, const json_t *id)
{
    const char *start;
    size_t n;
    if (id == NULL)
        return NULL;
    if (isl_json_line_id(line, len, &start, &n))
        return json_stringn(start, n);
    char *text = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);   /* not expected */
    json_t *held = text ? json_string(text) : NULL;
    free(text);
    return held;
}

/* One complete line (without "\n" and "\r"). */
static void handle_line(struct conn *c, const char *line, size_t len)
{
    if (memchr(line, '\0', len) != NULL) {
        send_error(c, ISL_E_BAD_REQUEST, "request contains a NUL byte");
        return;
    }
    json_error_t error;
    json_t *obj = isl_json_line_load(line, len, &error);
    if (obj == NULL) {
        char message[256];
        snprintf(message, sizeof message, "not valid JSON (column %d): %s", error.column,
                 error.text);
        send_error(c, ISL_E_BAD_REQUEST, message);
        return;
    }
    json_t *id = json_object_get(obj, "id");
    struct isl_request req;
    const char *message;
    enum isl_error e;
    if (!json_is_object(obj)) {
        send_error(c, ISL_E_BAD_REQUEST, "request must be a JSON object");
        json_decref(obj);
        return;
    }
    /* Still a request for its game, if it names one: refused in that
     * game's order (its place is all a client has to match an answer
     * without id by). */
    json_t *game = json_object_get(obj, "game");
    const char *name = json_string_value(game);
    if (name && !isl_game_name_valid(name, json_string_length(game)))
        name = NULL;
    if (id != NULL && !id_valid(id)) {
        c->pending++;   /* answered without id: nothing held */
        router_refuse(c, NULL, name, isl_response_error(ISL_E_BAD_REQUEST,
                                                        "id must be a string or a number"));
        json_decref(obj);
        return;
    }
    json_t *id_text = id_text_of(line, len, id);
    if (id != NULL && id_text == NULL) {
        send_error(c, ISL_E_INTERNAL, "out of memory");
        json_decref(obj);
        return;
    }
    if (c->waiting) {
        conn_send(c, id_text, isl_response_error(ISL_E_BUSY, "too many clients (max_clients): "
                                                 "this connection is served once one leaves"));
        json_decref(id_text);
        json_decref(obj);
        return;
    }
    c->pending++;
    c->held += id_text ? json_string_length(id_text) : 0;
    if ((e = isl_request_parse(obj, false, &req, &message)) != ISL_OK) {
        router_refuse(c, id_text, name, isl_response_error(e, message));
    } else {
        req.admin = c->admin;
        router_submit(c, id_text, &req);
    }
    json_decref(id_text);
    json_decref(obj);
}

static void too_large(struct conn *c)
{
    char message[96];
    snprintf(message, sizeof message, "request line longer than %zu bytes", door.max_request);
    stop_input(c);
    send_error(c, ISL_E_REQUEST_TOO_LARGE, message);
    maybe_finish(c);
}

/* Take every complete line out of the input buffer, unless paused. */
static void process_input(struct conn *c)
{
    while (!c->closed && !c->input_done && !c->paused) {
        const char *head = isl_buf_head(&c->in);
        const char *nl = memchr(head + c->scanned, '\n', c->in.len - c->scanned);
        if (nl == NULL) {
            c->scanned = c->in.len;
            if (c->in.len > door.max_request)
                too_large(c);   /* as soon as it grows past: no waiting for "\n" */
            return;
        }
        size_t len = (size_t)(nl - head);
        if (len > door.max_request) {
            too_large(c);
            return;
        }
        size_t content = len > 0 && head[len - 1] == '\r' ? len - 1 : len;
        if (content > 0)
            handle_line(c, head, content);
        if (c->closed)
            return;
        isl_buf_consume(&c->in, len + 1);
        c->scanned = 0;
        pace_input(c);   /* MAX_PENDING counts even while no answer is sent */
    }
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)loop, (void)revents;
    struct conn *c = w->data;
    if (c->closed || c->paused)
        return;   /* a fed event that came after a close or a new pause */
    conn_hold(c);   /* the router may close it under us */
    process_input(c);   /* lines left over from a pause come first */
    if (c->closed || c->input_done || c->paused) {
        conn_release(c);
        return;
    }
    ssize_t n = isl_buf_read_fd(&c->in, c->fd, READ_CHUNK);
    if (n > 0) {
        frontdoor_clients_progress(c);
        process_input(c);
    } else if (n == 0) {
        /* Bytes after the last "\n" are not a request. */
        stop_input(c);
        maybe_finish(c);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        if (!peer_gone(errno))
            isl_log(ISL_LOG_WARNING, "event=client_read_failed conn=%llu error=\"%s\"",
                    c->serial, strerror(errno));
        conn_close(c, "read_failed");
    }
    conn_release(c);
}

/* ---------------------------------------------------------------- lifetime */

void conn_hold(struct conn *c)
{
    c->refs++;
}

void conn_release(struct conn *c)
{
    if (c->refs > 0 && --c->refs == 0)
        free(c);
}

void conn_reply(struct conn *c, json_t *id, json_t *response)
{
    if (c->closed) {
        json_decref(response);
        return;
    }
    if (c->pending > 0)
        c->pending--;
    if (c->pending == 0)   /* its idle time starts now: the wait was the daemon's */
        frontdoor_clients_progress(c);
    size_t id_len = id ? json_string_length(id) : 0;
    c->held -= id_len < c->held ? id_len : c->held;
    conn_send(c, id, response);   /* paces the input as well */
}

void conn_close(struct conn *c, const char *reason)
{
    if (c->closed)
        return;
    c->closed = true;
    ev_io_stop(door.loop, &c->reader);
    ev_io_stop(door.loop, &c->writer);
    drain_input(c->fd);
    close(c->fd);
    c->fd = -1;
    isl_buf_free(&c->in);
    isl_buf_free(&c->out);
    isl_log(ISL_LOG_DEBUG, "event=client_closed conn=%llu reason=%s pending=%u",
            c->serial, reason, c->pending);
    frontdoor_clients_leave(c);
    conn_release(c);
}

struct conn *conn_open(int fd)
{
    struct ucred peer;
    socklen_t len = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
        isl_log(ISL_LOG_WARNING, "event=accept_failed step=peercred error=\"%s\"",
                strerror(errno));
        close(fd);
        return NULL;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        isl_log(ISL_LOG_WARNING, "event=accept_failed error=\"out of memory\"");
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->refs = 1;
    c->serial = ++door.serial;
    c->admin = peer.uid == 0 || peer.uid == geteuid();
    isl_buf_init(&c->in, 0);
    isl_buf_init(&c->out, 0);
    ev_io_init(&c->reader, on_readable, fd, EV_READ);
    ev_io_init(&c->writer, on_writable, fd, EV_WRITE);
    c->reader.data = c->writer.data = c;
    ev_io_start(door.loop, &c->reader);
    isl_log(ISL_LOG_DEBUG, "event=client_accepted conn=%llu uid=%u pid=%d admin=%d",
            c->serial, (unsigned)peer.uid, (int)peer.pid, c->admin);
    return c;
}

/* ---------------------------------------------------------------- control */

static void take_limits(const struct isl_config *config)
{
    door.max_request = config->max_request;
    door.max_output = config->max_output;
}

void frontdoor_reconfigure(const struct isl_config *config)
{
    take_limits(config);
    frontdoor_clients_reconfigure(config);
}

/* For the logs: where a passed socket listens (the configured path means
 * nothing then). */
static void name_passed_socket(int fd)
{
    struct sockaddr_un addr = { 0 };
    socklen_t len = sizeof addr;
    size_t base = offsetof(struct sockaddr_un, sun_path);
    /* A longer name than the buffer is cut, and len says the full size. */
    if (getsockname(fd, (struct sockaddr *)&addr, &len) == 0 && len > sizeof addr)
        len = sizeof addr;
    if (len > base && addr.sun_path[0] != '\0')
        snprintf(door.path, sizeof door.path, "%.*s", (int)(len - base), addr.sun_path);
    else
        snprintf(door.path, sizeof door.path, "(unnamed, passed by systemd)");
}

int frontdoor_start(struct ev_loop *loop, const struct isl_config *config)
{
    door.loop = loop;
    take_limits(config);
    int fd = notify_listen_fd();
    if (fd == -2)
        return -2;
    door.created = fd < 0;
    if (fd < 0) {
        fd = frontdoor_socket_create(config->socket, &door.file);
        if (fd < 0)
            return -1;
        snprintf(door.path, sizeof door.path, "%s", config->socket);
    } else {
        name_passed_socket(fd);
    }
    frontdoor_clients_start(loop, fd, config);
    door.listening = true;
    isl_log(ISL_LOG_INFO, "event=listening socket=%s from=%s max_clients=%u max_request=%zu",
            door.path, door.created ? "config" : "systemd", config->max_clients,
            door.max_request);
    return 0;
}

const char *frontdoor_socket_name(void)
{
    return door.path;
}

void frontdoor_stop_accepting(void)
{
    if (!door.listening)
        return;
    door.listening = false;
    frontdoor_clients_stop();
    if (door.created)
        frontdoor_socket_remove(door.path, &door.file);
}
