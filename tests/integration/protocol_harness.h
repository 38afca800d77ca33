/* Shared by the test_protocol_*.c programs: a real islandsd spoken to
 * byte for byte (raw sockets, so the tests see exactly what a foreign
 * client sees), plus assertions on responses and a scripted game. */
#ifndef ISLANDS_PROTOCOL_HARNESS_H
#define ISLANDS_PROTOCOL_HARNESS_H

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "testd.h"

#define RAW_TIMEOUT_MS 20000

/* One raw connection with its own line buffer. */
struct raw {
    int fd;
    char buf[1 << 20];
    size_t len;
};

static inline void ms_sleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline int raw_connect_fd(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof a.sun_path) {
        if (fd >= 0)
            close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(a.sun_path, path, len + 1);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static inline struct raw *raw_open(struct testd *d)
{
    struct raw *r = calloc(1, sizeof *r);
    ck_assert_ptr_nonnull(r);
    r->fd = raw_connect_fd(d->socket);
    ck_assert_msg(r->fd >= 0, "connect %s: %s", d->socket, strerror(errno));
    return r;
}

static inline void raw_close(struct raw *r)
{
    if (r) {
        close(r->fd);
        free(r);
    }
}

static inline void raw_send(struct raw *r, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

static inline void raw_sends(struct raw *r, const char *text)
{
    raw_send(r, text, strlen(text));
}

/* Next response line, malloc'd without "\n"; NULL on EOF or timeout. */
static inline char *raw_line(struct raw *r, int timeout_ms)
{
    for (;;) {
        char *nl = memchr(r->buf, '\n', r->len);
        if (nl) {
            size_t n = (size_t)(nl - r->buf);
            char *line = strndup(r->buf, n);
            memmove(r->buf, nl + 1, r->len - n - 1);
            r->len -= n + 1;
            return line;
        }
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        int ready = poll(&p, 1, timeout_ms);
        if (ready <= 0)
            return NULL;
        ck_assert_msg(r->len < sizeof r->buf, "response line too long");
        ssize_t n = recv(r->fd, r->buf + r->len, sizeof r->buf - r->len, 0);
        if (n <= 0)
            return NULL;
        r->len += (size_t)n;
    }
}

/* Next response as JSON; fails the test on EOF, timeout or bad JSON. */
static inline json_t *raw_recv(struct raw *r)
{
    char *line = raw_line(r, RAW_TIMEOUT_MS);
    ck_assert_msg(line != NULL, "no response line");
    json_error_t e;
    json_t *j = json_loads(line, 0, &e);
    ck_assert_msg(json_is_object(j), "response is not a JSON object: %s", line);
    free(line);
    return j;
}

/* Send one line (a "\n" is appended) and read one response. */
static inline json_t *raw_call(struct raw *r, const char *line)
{
    raw_sends(r, line);
    raw_sends(r, "\n");
    return raw_recv(r);
}

/* True once the peer has closed (EOF) within timeout_ms, after draining. */
static inline int raw_closed(struct raw *r, int timeout_ms)
{
    char tmp[4096];
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    while (poll(&p, 1, timeout_ms) > 0) {
        ssize_t n = recv(r->fd, tmp, sizeof tmp, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 1;
        if (n < 0)
            return 0;
    }
    return 0;
}

static inline void expect_ok_free(json_t *r, const char *what)
{
    char *text = json_dumps(r, JSON_COMPACT);
    ck_assert_msg(testd_ok(r), "%s: expected ok, got %s", what, text);
    free(text);
    json_decref(r);
}

/* A failure response with the given code and a message string. */
static inline void expect_error_free(json_t *r, const char *code, const char *what)
{
    char *text = json_dumps(r, JSON_COMPACT);
    ck_assert_msg(json_is_false(json_object_get(r, "ok")) && strcmp(testd_error(r), code) == 0,
                  "%s: expected %s, got %s", what, code, text);
    ck_assert_msg(json_is_string(json_object_get(r, "message")), "%s: no message: %s", what, text);
    free(text);
    json_decref(r);
}

static inline void raw_expect_error(struct raw *r, const char *line, const char *code)
{
    expect_error_free(raw_call(r, line), code, line);
}

static inline void raw_expect_ok(struct raw *r, const char *line)
{
    expect_ok_free(raw_call(r, line), line);
}

/* The squares of testd_setup_game's layout (18 squares, in island order:
 * atoll, dot, l_shape, s_shape, square). */
__attribute__((unused)) static const int layout_squares[18][2] = {
    {1, 1}, {1, 2}, {2, 2}, {3, 1}, {3, 2}, {1, 4}, {1, 5}, {2, 5}, {3, 5},
    {3, 6}, {5, 2}, {5, 3}, {6, 1}, {6, 2}, {5, 5}, {5, 6}, {6, 5}, {6, 6}};

static inline json_t *guess(struct testd *d, const char *game, int player, const char *token, int row,
                     int col)
{
    return testd_call(d, "{s:s, s:s, s:s, s:s, s:i, s:i}", "op", "guess", "game", game,
                      "player", player == 1 ? "player1" : "player2", "token", token, "row", row,
                      "col", col);
}

/* Player 1 hits moves [from, to) of layout_squares; player 2 misses in
 * row 10 after each (so the turn comes back to player 1). */
static inline void play_moves(struct testd *d, const char *game, const char *tok1, const char *tok2,
                       int from, int to)
{
    for (int i = from; i < to; i++) {
        json_t *r = guess(d, game, 1, tok1, layout_squares[i][0], layout_squares[i][1]);
        ck_assert_msg(testd_ok(r) && json_is_true(json_object_get(r, "hit")),
                      "player1 guess %d failed: %s", i, testd_error(r));
        int last = i == 17;
        ck_assert(json_is_true(json_object_get(r, "win")) == last);
        json_decref(r);
        if (!last)
            expect_ok_free(guess(d, game, 2, tok2, 10, 1 + i % 10), "player2 miss");
    }
}

/* Admin view of a game, compact with sorted keys (for byte comparison). */
static inline char *admin_state(struct testd *d, const char *game)
{
    json_t *r = testd_call(d, "{s:s, s:s}", "op", "state", "game", game);
    ck_assert_msg(testd_ok(r), "state %s: %s", game, testd_error(r));
    json_object_del(r, "id");
    char *text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(r);
    return text;
}

/* Is game in `list` (which touches no game)? */
static inline bool game_listed(struct testd *d, const char *game)
{
    json_t *l = testd_call(d, "{s:s}", "op", "list");
    bool found = false;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(l, "games"), i, g)
        found = found || strcmp(json_string_value(json_object_get(g, "game")), game) == 0;
    json_decref(l);
    return found;
}

static inline const char *rules_state(const json_t *state)
{
    return json_string_value(json_object_get(json_object_get(state, "rules"), "state"));
}

#endif
