/* The front door's places: accepting clients, max_clients and the waiting
 * room past it, and client_timeout.
 *
 * Past max_clients a connection is kept (PROTOCOL.md: only
 * request_too_large closes one as an error) but waits: each of its requests
 * is answered busy until a served connection leaves, and the oldest waiting
 * one takes its place. As many may wait as may be served; beyond that,
 * clients stay in the listen backlog until a place frees.
 *
 * So that connections which do nothing cannot hold every place for ever
 * (and lock out everyone, admins included), one that makes no progress for
 * client_timeout seconds is closed: nothing read from it, none of its
 * output taken, and none of its requests in the daemon (a request waiting
 * for a worker or the store is the daemon's delay, and ends within
 * request_timeout_ms). A served connection that holds nothing (no half
 * line, no answer it did not take) is closed so only when a client waits
 * for its place: a player waiting quietly for a long game loses nothing
 * while there is room. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontdoor_conn.h"
#include "islands/clock.h"
#include "islands/log.h"

#define ACCEPT_BATCH 64          /* accepts per wakeup, so clients cannot starve the loop */
#define ACCEPT_PAUSE_S 0.1       /* after running out of fds */

static struct {
    struct ev_loop *loop;
    ev_io acceptor;
    ev_timer accept_pause;
    bool listening;
    unsigned max_clients;
    unsigned client_timeout;     /* seconds; 0: never */
    struct conn *conns;          /* the newest first */
    unsigned count;              /* served connections */
    unsigned waiting;            /* connections past max_clients (as many at most) */
} places;

static void resume_accepting(void)
{
    if (places.listening && places.waiting < places.max_clients)
        ev_io_start(places.loop, &places.acceptor);   /* a no-op when active */
}

static bool place_for_a_waiting_one(void)
{
    return places.waiting > 0 && places.count < places.max_clients;
}

/* Waiting connections take the free places, the oldest first (one after
 * a close; as many as a reload's higher max_clients allows). */
static void admit_waiting(void)
{
    struct conn *c = NULL;
    if (place_for_a_waiting_one())
        for (c = places.conns; c->next != NULL; c = c->next)
            ;   /* to the oldest: the list holds the newest first */
    for (; c != NULL && place_for_a_waiting_one(); c = c->prev)
        if (c->waiting) {
            c->waiting = false;
            places.waiting--;
            places.count++;
            isl_log(ISL_LOG_DEBUG, "event=client_admitted conn=%llu", c->serial);
        }
    if (!ev_is_active(&places.accept_pause))
        resume_accepting();
}

/* libev's cheap way with many timeouts ("Be smart about timeouts"):
 * progress only notes a time, and the timer, when it fires, closes the
 * connection or sleeps until the earliest moment it could be idle long
 * enough. */
static void close_idle(struct conn *c)
{
    isl_log(ISL_LOG_INFO, "event=client_timeout conn=%llu waiting=%d unsent=%zu unhandled=%zu",
            c->serial, c->waiting, c->out.len, c->in.len);
    conn_close(c, "client_timeout");
}

static void check_idle(struct conn *c)
{
    ev_timer_stop(places.loop, &c->idle);
    c->idle_kept = false;
    if (places.client_timeout == 0)
        return;
    uint64_t now_ms = isl_monotonic_ms();
    if (c->pending > 0)
        c->last_progress_ms = now_ms;   /* the daemon's delay, not the client's */
    uint64_t idle_ms = now_ms - c->last_progress_ms;
    uint64_t timeout_ms = (uint64_t)places.client_timeout * 1000;
    if (idle_ms >= timeout_ms) {
        if (c->waiting || c->out.len > 0 || c->in.len > 0 || places.waiting > 0) {
            close_idle(c);
            return;
        }
        c->idle_kept = true;   /* until a client waits for its place, or it moves */
        return;
    }
    ev_timer_set(&c->idle, (double)(timeout_ms - idle_ms) / 1e3, 0.);
    ev_timer_start(places.loop, &c->idle);
}

static void on_idle_check(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    check_idle(t->data);
}

void frontdoor_clients_progress(struct conn *c)
{
    c->last_progress_ms = isl_monotonic_ms();
    if (c->idle_kept)
        check_idle(c);   /* its timer runs again */
}

/* A client waits: the served connection idle the longest past its
 * timeout, if any, gives its place up to it. */
static void reclaim_an_idle_place(void)
{
    struct conn *idlest = NULL;
    for (struct conn *c = places.conns; c != NULL; c = c->next)
        if (c->idle_kept && (!idlest || c->last_progress_ms < idlest->last_progress_ms))
            idlest = c;
    if (idlest)
        close_idle(idlest);
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
    c->last_progress_ms = isl_monotonic_ms();
    ev_init(&c->idle, on_idle_check);
    c->idle.data = c;
    check_idle(c);
    if (c->waiting)
        reclaim_an_idle_place();   /* the oldest waiting one takes it */
}

void frontdoor_clients_leave(struct conn *c)
{
    ev_timer_stop(places.loop, &c->idle);
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

/* A higher max_clients serves waiting connections at once and lets the
 * acceptor go on; a lower one closes nothing (served connections stay
 * served) but takes no more into the waiting room than it allows. */
void frontdoor_clients_reconfigure(const struct isl_config *config)
{
    places.max_clients = config->max_clients;
    admit_waiting();
    if (places.waiting >= places.max_clients)
        ev_io_stop(places.loop, &places.acceptor);
    if (config->client_timeout_s != places.client_timeout) {
        places.client_timeout = config->client_timeout_s;
        /* Counted from each one's last progress: a shorter timeout may
         * close some at once. */
        for (struct conn *c = places.conns, *next; c != NULL; c = next) {
            next = c->next;   /* c may be closed */
            check_idle(c);
        }
    }
}

void frontdoor_clients_start(struct ev_loop *loop, int listen_fd,
                             const struct isl_config *config)
{
    places.loop = loop;
    ev_io_init(&places.acceptor, on_accept, listen_fd, EV_READ);
    ev_timer_init(&places.accept_pause, on_accept_pause_over, ACCEPT_PAUSE_S, 0.);
    places.listening = true;
    frontdoor_clients_reconfigure(config);   /* starts the acceptor */
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
