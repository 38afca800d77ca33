/* Many requests at once: pipelining on one connection, 200 clients side by
 * side, and a barrage of bad input that must leave games untouched. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/resource.h>

#include "check_main.h"
#include "protocol_harness.h"

#define PIPE_GAMES 4
#define CLIENTS 200


static void append(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char **buf, size_t *len, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    *buf = realloc(*buf, *len + (size_t)n + 1);
    memcpy(*buf + *len, line, (size_t)n + 1);
    *len += (size_t)n;
}

/* Read `count` responses with ids "G-N": all ok, and for each game the
 * sequence numbers arrive in the order sent. Returns the responses to
 * N == 0 and N == 1 per game (for tokens), new references. */
static void read_pipelined(struct raw *c, int count, json_t *first[PIPE_GAMES][2])
{
    int last[PIPE_GAMES];
    for (int g = 0; g < PIPE_GAMES; g++)
        last[g] = -1;
    for (int i = 0; i < count; i++) {
        json_t *r = raw_recv(c);
        int g, n;
        const char *id = json_string_value(json_object_get(r, "id"));
        ck_assert_msg(id && sscanf(id, "%d-%d", &g, &n) == 2 && g >= 0 && g < PIPE_GAMES,
                      "bad id");
        ck_assert_msg(n > last[g], "game %d: response %d after %d", g, n, last[g]);
        last[g] = n;
        ck_assert_msg(testd_ok(r), "response %s: %s", id, testd_error(r));
        if (first && n < 2)
            first[g][n] = json_incref(r);
        json_decref(r);
    }
}

START_TEST(pipelined_requests_for_several_games_keep_per_game_order)
{
    struct raw *c = raw_open(&testd_fixture);
    char *buf = NULL;
    size_t len = 0;
    for (int g = 0; g < PIPE_GAMES; g++) {
        append(&buf, &len, "{\"id\":\"%d-0\",\"op\":\"new_game\",\"game\":\"p%d\",\"name\":\"A\"}\n",
               g, g);
        append(&buf, &len, "{\"id\":\"%d-1\",\"op\":\"add_player\",\"game\":\"p%d\",\"name\":\"B\"}\n",
               g, g);
    }
    raw_send(c, buf, len);
    json_t *first[PIPE_GAMES][2];
    read_pipelined(c, 2 * PIPE_GAMES, first);
    char tok[PIPE_GAMES][2][33];
    for (int g = 0; g < PIPE_GAMES; g++)
        for (int p = 0; p < 2; p++) {
            snprintf(tok[g][p], 33, "%s", json_string_value(json_object_get(first[g][p], "token")));
            json_decref(first[g][p]);
        }
    /* Everything else of every game, interleaved, in one write. */
    static const struct { const char *island; int row, col; } layout[] = {
        {"atoll", 1, 1}, {"dot", 1, 4}, {"l_shape", 1, 5}, {"s_shape", 5, 1}, {"square", 5, 5}};
    len = 0;
    int sent = 0;
    for (int step = 0; step < 12 + 35; step++)
        for (int g = 0; g < PIPE_GAMES; g++) {
            int n = step + 2;
            if (step < 12) {
                int p = step / 6, i = step % 6;
                if (i < 5)
                    append(&buf, &len, "{\"id\":\"%d-%d\",\"op\":\"position_island\",\"game\":"
                           "\"p%d\",\"player\":\"player%d\",\"token\":\"%s\",\"island\":\"%s\","
                           "\"row\":%d,\"col\":%d}\n", g, n, g, p + 1, tok[g][p],
                           layout[i].island, layout[i].row, layout[i].col);
                else
                    append(&buf, &len, "{\"id\":\"%d-%d\",\"op\":\"set_islands\",\"game\":\"p%d\","
                           "\"player\":\"player%d\",\"token\":\"%s\"}\n", g, n, g, p + 1,
                           tok[g][p]);
            } else {
                int move = step - 12, p = move % 2, k = move / 2;
                int row = p ? 10 : layout_squares[k][0], col = p ? 1 + k % 10 : layout_squares[k][1];
                append(&buf, &len, "{\"id\":\"%d-%d\",\"op\":\"guess\",\"game\":\"p%d\","
                       "\"player\":\"player%d\",\"token\":\"%s\",\"row\":%d,\"col\":%d}\n", g, n,
                       g, p + 1, tok[g][p], row, col);
            }
            sent++;
        }
    raw_send(c, buf, len);
    free(buf);
    read_pipelined(c, sent, NULL);
    raw_close(c);
    for (int g = 0; g < PIPE_GAMES; g++) {
        char name[8];
        snprintf(name, sizeof name, "p%d", g);
        json_t *s = testd_call(&testd_fixture, "{s:s, s:s}", "op", "state", "game", name);
        ck_assert_str_eq(rules_state(s), "game_over");
        json_decref(s);
    }
}
END_TEST

/* One of many clients: a player walks new_game -> add_player -> state,
 * a pinger pings; each step's answer is checked. */
struct client {
    struct raw *raw;
    int step;
};

static void client_send(struct client *c, int index)
{
    char line[256];
    if (index % 2)
        snprintf(line, sizeof line, "{\"id\":%d,\"op\":\"ping\"}\n", c->step);
    else if (c->step == 0)
        snprintf(line, sizeof line, "{\"id\":0,\"op\":\"new_game\",\"game\":\"c%d\",\"name\":\"A\"}\n",
                 index);
    else if (c->step == 1)
        snprintf(line, sizeof line, "{\"id\":1,\"op\":\"add_player\",\"game\":\"c%d\",\"name\":\"B\"}\n",
                 index);
    else
        snprintf(line, sizeof line, "{\"id\":%d,\"op\":\"state\",\"game\":\"c%d\"}\n", c->step,
                 index);
    raw_sends(c->raw, line);
}

START_TEST(two_hundred_concurrent_clients_are_all_served)
{
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < 4096) {
        lim.rlim_cur = lim.rlim_max < 4096 ? lim.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    struct testd d = {0};
    /* Served, not served fast: 100 worker starts at once take seconds of
     * CPU under the sanitizers, more on a busy host, and a request waits
     * for its game's start within request_timeout_ms (5 s by default). */
    testd_start(&d, "request_timeout_ms = 60000\n");
    static struct client clients[CLIENTS];
    struct pollfd fds[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        clients[i].raw = raw_open(&d);
        clients[i].step = 0;
        fds[i] = (struct pollfd){.fd = clients[i].raw->fd, .events = POLLIN};
    }
    for (int i = 0; i < CLIENTS; i++)
        client_send(&clients[i], i);
    const int steps = 5;
    int done = 0;
    while (done < CLIENTS) {
        ck_assert_msg(poll(fds, CLIENTS, RAW_TIMEOUT_MS) > 0, "clients starved");
        for (int i = 0; i < CLIENTS; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            json_t *r = raw_recv(clients[i].raw);
            ck_assert_msg(testd_ok(r), "client %d step %d: %s", i, clients[i].step,
                          testd_error(r));
            ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), clients[i].step);
            if (i % 2 == 0 && clients[i].step >= 2)
                ck_assert_str_eq(rules_state(r), "players_set");
            json_decref(r);
            if (++clients[i].step < steps) {
                client_send(&clients[i], i);
            } else {
                fds[i].fd = -1;
                done++;
            }
        }
    }
    for (int i = 0; i < CLIENTS; i++)
        raw_close(clients[i].raw);
    json_t *st = testd_call(&d, "{s:s}", "op", "status");
    ck_assert_int_eq(json_integer_value(json_object_get(st, "games")), CLIENTS / 2);
    json_decref(st);
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

START_TEST(bad_input_barrage_leaves_games_byte_for_byte_unchanged)
{
    struct testd *d = &testd_fixture;
    char tok1[33], tok2[33];
    testd_setup_game(d, "keep1", tok1, tok2);
    play_moves(d, "keep1", tok1, tok2, 0, 5);
    expect_ok_free(testd_call(d, "{s:s, s:s, s:s}", "op", "new_game", "game", "keep2", "name",
                              "Zoë"), "new_game");
    char *before1 = admin_state(d, "keep1"), *before2 = admin_state(d, "keep2");

    /* Binary garbage with newlines in it. */
    struct raw *c = raw_open(d);
    unsigned seed = 12345;
    char junk[8192];
    for (size_t i = 0; i < sizeof junk; i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (char)(seed >> 16);
    }
    raw_send(c, junk, sizeof junk);
    raw_close(c);
    /* A whole request without its newline, then gone: not a request. */
    c = raw_open(d);
    raw_sends(c, "{\"op\":\"end_game\",\"game\":\"keep1\"}");
    raw_close(c);
    /* Invalid UTF-8 in otherwise valid requests aimed at the games. */
    c = raw_open(d);
    raw_expect_error(c, "{\"op\":\"end_game\",\"game\":\"keep2\",\"x\":\"\xc3\x28\"}", "bad_request");
    raw_expect_error(c, "{\"op\":\"end_game\",\"game\":\"keep\xed\xa0\x80\"}", "bad_request");
    raw_close(c);
    /* Oversized lines, from several clients. */
    size_t big = 70000;
    char *huge = malloc(big);
    memset(huge, 'a', big);
    for (int k = 0; k < 3; k++) {
        c = raw_open(d);
        raw_send(c, huge, big);
        json_t *r = raw_recv(c);
        ck_assert_str_eq(testd_error(r), "request_too_large");
        json_decref(r);
        raw_close(c);
    }
    free(huge);
    /* A client that never reads its many answers. */
    struct raw *deaf = raw_open(d);
    fcntl(deaf->fd, F_SETFL, O_NONBLOCK);
    const char *ping = "{\"op\":\"list\"}\n";
    for (int i = 0; i < 20000; i++)
        if (send(deaf->fd, ping, strlen(ping), MSG_NOSIGNAL) < 0)
            break;

    char *after1 = admin_state(d, "keep1"), *after2 = admin_state(d, "keep2");
    ck_assert_str_eq(after1, before1);
    ck_assert_str_eq(after2, before2);
    free(before1), free(before2), free(after1), free(after2);
    /* Still serving: a fresh client can play on. */
    play_moves(d, "keep1", tok1, tok2, 5, 18);
    raw_close(deaf);
}
END_TEST

static Suite *protocol_load_suite(void)
{
    Suite *s = suite_create("protocol_load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, testd_fixture_start, testd_fixture_stop);
    tcase_add_test(tc, pipelined_requests_for_several_games_keep_per_game_order);
    tcase_add_test(tc, bad_input_barrage_leaves_games_byte_for_byte_unchanged);
    suite_add_tcase(s, tc);
    TCase *many = tcase_create("many");
    tcase_set_timeout(many, 60);
    tcase_add_test(many, two_hundred_concurrent_clients_are_all_served);
    suite_add_tcase(s, many);
    return s;
}

ISL_CHECK_MAIN(protocol_load_suite)
