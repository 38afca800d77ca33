/* The front door with an echo router, for tests/integration/test_frontdoor.c.
 *
 *   frontdoor_echo --socket PATH [--max-clients N] [--max-request BYTES]
 *                  [--max-output BYTES]
 *
 * Every request is answered {"ok":true,"echo":OP,"admin":BOOL}. Requests
 * for a game whose name starts with "slow" are answered from a timer, so
 * responses can overtake them ("hold": after 2 s, so they stay pending); a game named "big" gets a 256 KiB "pad"
 * field, to fill a client that does not read. SIGTERM: clean stop, exit 0. */
#include <ev.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../supervisor/frontdoor.h"
#include "../../supervisor/notify.h"
#include "islands/log.h"

#define SLOW_REPLY_S 0.1
#define HOLD_REPLY_S 2.0
#define BIG_PAD (256u * 1024)

/* Used only while supervisor/notify.c is not linked in. */
__attribute__((weak)) int notify_listen_fd(void)
{
    return -1;
}

struct delayed {
    struct delayed *next;
    ev_timer timer;
    struct conn *conn;
    json_t *id;
    json_t *response;
};

static struct ev_loop *loop;
static struct delayed *delayed;
static char *pad;

static void delayed_free(struct delayed *d)
{
    struct delayed **p = &delayed;
    while (*p != d)
        p = &(*p)->next;
    *p = d->next;
    ev_timer_stop(loop, &d->timer);
    json_decref(d->id);
    json_decref(d->response);
    conn_release(d->conn);
    free(d);
}

static void on_delayed(struct ev_loop *l, ev_timer *t, int revents)
{
    (void)l, (void)revents;
    struct delayed *d = t->data;
    conn_reply(d->conn, d->id, d->response);
    d->response = NULL;
    delayed_free(d);
}

void router_submit(struct conn *c, json_t *id, const struct isl_request *req)
{
    json_t *response = json_pack("{s:b, s:s, s:b}", "ok", 1, "echo", isl_op_name(req->op),
                                 "admin", req->admin);
    if (strcmp(req->game, "big") == 0)
        json_object_set_new(response, "pad", json_string(pad));
    bool hold = strncmp(req->game, "hold", 4) == 0;
    if (strncmp(req->game, "slow", 4) != 0 && !hold) {
        conn_reply(c, id, response);
        return;
    }
    struct delayed *d = calloc(1, sizeof *d);
    if (d == NULL) {
        conn_reply(c, id, response);
        return;
    }
    conn_hold(c);
    d->conn = c;
    d->id = json_incref(id);
    d->response = response;
    d->next = delayed;
    delayed = d;
    ev_timer_init(&d->timer, on_delayed, hold ? HOLD_REPLY_S : SLOW_REPLY_S, 0.);
    d->timer.data = d;
    ev_timer_start(loop, &d->timer);
}

void router_refuse(struct conn *c, json_t *id, const char *game, json_t *response)
{
    (void)game;
    conn_reply(c, id, response);
}

static void on_stop(struct ev_loop *l, ev_signal *w, int revents)
{
    (void)w, (void)revents;
    frontdoor_stop_accepting();
    frontdoor_close_all();
    while (delayed != NULL)
        delayed_free(delayed);
    ev_break(l, EVBREAK_ALL);
}

static int usage(void)
{
    fprintf(stderr, "usage: frontdoor_echo --socket PATH [--max-clients N] "
                    "[--max-request BYTES] [--max-output BYTES]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct isl_config config;
    memset(&config, 0, sizeof config);
    config.max_clients = 1024;
    config.max_request = 65536;
    config.max_output = 4u * 1024 * 1024;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *key = argv[i], *value = argv[i + 1];
        if (strcmp(key, "--socket") == 0)
            snprintf(config.socket, sizeof config.socket, "%s", value);
        else if (strcmp(key, "--max-clients") == 0)
            config.max_clients = (unsigned)strtoul(value, NULL, 10);
        else if (strcmp(key, "--max-request") == 0)
            config.max_request = strtoull(value, NULL, 10);
        else if (strcmp(key, "--max-output") == 0)
            config.max_output = strtoull(value, NULL, 10);
        else
            return usage();
    }
    if (argc % 2 == 0 || config.socket[0] == '\0')
        return usage();
    isl_log_init("frontdoor_echo", getenv("FRONTDOOR_ECHO_DEBUG") ? ISL_LOG_DEBUG : ISL_LOG_INFO);
    pad = malloc(BIG_PAD + 1);
    if (pad == NULL)
        return 1;
    memset(pad, 'p', BIG_PAD);
    pad[BIG_PAD] = '\0';
    signal(SIGPIPE, SIG_IGN);
    loop = ev_default_loop(EVFLAG_AUTO);
    /* Caught before the socket is there: a test that can connect may stop
     * us at once. */
    ev_signal term, interrupt;
    ev_signal_init(&term, on_stop, SIGTERM);
    ev_signal_init(&interrupt, on_stop, SIGINT);
    ev_signal_start(loop, &term);
    ev_signal_start(loop, &interrupt);
    if (frontdoor_start(loop, &config) != 0) {
        free(pad);
        return 1;
    }
    ev_run(loop, 0);
    ev_loop_destroy(loop);
    free(pad);
    return 0;
}
