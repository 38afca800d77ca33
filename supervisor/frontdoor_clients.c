/* The front door's places: accepting clients, max_clients and the waiting
 * room past it.
 *
 * Past max_clients a connection is kept (PROTOCOL.md: only
 * request_too_large closes one) but waits: each of its requests is answered
 * busy until a served connection leaves, and the oldest waiting one takes
 * its place. As many may wait as may be served; beyond that, clients stay
 * in the listen backlog until a place frees. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontdoor_conn.h"
#include "islands/log.h"

#define ACCEPT_BATCH 64          /* accepts per wakeup, so clients cannot starve the loop */
#define ACCEPT_PAUSE_S 0.1       /* after running out of fds */

static struct {
    struct ev_loop *loop;
    ev_io acceptor;
    ev_timer accept_pause;
    bool listening;
    unsigned max_clients;
    struct conn *conns;          /* the newest first */
    unsigned count;              /* served connections */
    unsigned waiting;            /* connections past max_clients (as many at most) */
} places;

static void resume_accepting(void)
{
    if (places.listening && places.waiting < places.max_clients)
        ev_io_start(places.loop, &places.acceptor);   /* a no-op when active */
}

static void admit_waiting(void)
{
    struct conn *oldest = NULL;
    if (places.waiting > 0 && places.count < places.max_clients)
        for (struct conn *c = places.conns; c != NULL; c = c->next)
            if (c->waiting)
                oldest = c;
    if (oldest != NULL) {
        oldest->waiting = false;
        places.waiting--;
        places.count++;
        isl_log(ISL_LOG_DEBUG, "event=client_admitted conn=%llu", oldest->serial);
    }
    if (!ev_is_active(&places.accept_pause))
        resume_accepting();
}

static void take_place(struct conn *c)
{
    c->next = places.conns;
    if (places.conns != NULL)
        places.conns->prev = c;
    places.conns = c;
    c->waiting = places.count >= places.max_clients;
    if (c->waiting)
        places.waiting++;
    else
        places.count++;
}

void frontdoor_clients_leave(struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        places.conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    if (c->waiting)
        places.waiting--;
    else
        places.count--;
    admit_waiting();
}

static void on_accept_pause_over(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)t, (void)revents;
    resume_accepting();
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            /* Out of fds or memory: waiting clients stay in the backlog
             * instead of waking the loop in a busy circle. */
            isl_log(ISL_LOG_WARNING, "event=accept_failed error=\"%s\"", strerror(errno));
            ev_io_stop(loop, w);
            ev_timer_set(&places.accept_pause, ACCEPT_PAUSE_S, 0.);
            ev_timer_start(loop, &places.accept_pause);
            return;
        }
        struct conn *c = conn_open(fd);
        if (c != NULL)
            take_place(c);
        if (places.waiting >= places.max_clients) {
            ev_io_stop(loop, w);   /* the waiting room is full: the backlog holds the rest */
            return;
        }
    }
}

void frontdoor_clients_reconfigure(const struct isl_config *config)
{
    places.max_clients = config->max_clients;
}

void frontdoor_clients_start(struct ev_loop *loop, int listen_fd,
                             const struct isl_config *config)
{
    places.loop = loop;
    frontdoor_clients_reconfigure(config);
    ev_io_init(&places.acceptor, on_accept, listen_fd, EV_READ);
    ev_timer_init(&places.accept_pause, on_accept_pause_over, ACCEPT_PAUSE_S, 0.);
    ev_io_start(loop, &places.acceptor);
    places.listening = true;
}

void frontdoor_clients_stop(void)
{
    if (!places.listening)
        return;
    places.listening = false;
    ev_io_stop(places.loop, &places.acceptor);
    ev_timer_stop(places.loop, &places.accept_pause);
    close(places.acceptor.fd);
}

void frontdoor_close_all(void)
{
    while (places.conns != NULL) {
        /* One last non-blocking try to hand over the answers already made. */
        isl_buf_write_fd(&places.conns->out, places.conns->fd);
        conn_close(places.conns, "shutdown");
    }
}

unsigned frontdoor_client_count(void)
{
    return places.count;
}
