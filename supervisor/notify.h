/* systemd integration (libsystemd): readiness, status, watchdog, reloading,
 * stopping, and the listening socket passed by socket activation. Every call is a
 * no-op outside systemd (NOTIFY_SOCKET / LISTEN_FDS unset). */
#ifndef ISLANDS_NOTIFY_H
#define ISLANDS_NOTIFY_H

#include <ev.h>

/* The listening socket passed by systemd (LISTEN_FDS/LISTEN_PID), made
 * non-blocking and close-on-exec, or -1 if none was passed. Call once: it
 * removes LISTEN_* from the environment (the children must not see them).
 * Of several sockets the first listening Unix stream socket is used and
 * the rest closed. -1 when none was passed; -2 when those passed are of
 * no use (logged): a socket unit that is wrong, which creating a socket
 * of our own at the configured path would only hide. */
int notify_listen_fd(void);

/* Start the watchdog timer on loop if WATCHDOG_USEC is set (pings at half
 * the interval from the event loop, so a wedged loop is noticed). Removes
 * WATCHDOG_USEC/WATCHDOG_PID from the environment. The timer does not keep
 * ev_run() alive on its own. */
void notify_watchdog_start(struct ev_loop *loop);
void notify_watchdog_stop(struct ev_loop *loop);

void notify_ready(void);
void notify_stopping(void);
/* STATUS=<text> */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A reload (SIGHUP) begins: RELOADING=1 with MONOTONIC_USEC=<now>, as
 * Type=notify-reload expects. Nothing before the first READY=1 (the
 * start-up's READY=1 is still to come) nor after STOPPING=1. */
void notify_reloading(void);
/* The reload is over, whatever came of it: READY=1 and STATUS=<text>,
 * only if notify_reloading() sent RELOADING=1. */
void notify_reloaded(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
