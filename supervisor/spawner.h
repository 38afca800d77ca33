/* The spawner (spawner_main.c) starts spare workers for islandsd so that
 * a start never holds islandsd's loop: islandsd sends a request and goes
 * on; the answer turns into a tracked child of islandsd. While the
 * spawner is not running (not yet, restarting after a death) the caller
 * spawns itself. */
#ifndef ISLANDS_SPAWNER_H
#define ISLANDS_SPAWNER_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "procs.h"

/* Largest request (argv and environment as JSON). */
#define SPAWNER_REQUEST_MAX 65536

/* The child, tracked with the ops and label it was asked with, or NULL if
 * it could not start (logged). tag is the caller's, passed back. */
typedef void (*spawner_done)(struct proc *p, uintptr_t tag);

void spawner_init(struct ev_loop *loop);
/* Start the spawner process if it is not running (nor about to be). */
void spawner_start(void);
/* True when a request can be sent now. */
bool spawner_available(void);
/* Ask for path/argv with islandsd's child environment; done is called
 * exactly once, later. -1 if the request cannot go now (spawn yourself). */
int spawner_spawn(const char *label, const char *path, char *const argv[],
                  const struct proc_ops *ops, spawner_done done, uintptr_t tag);
/* Shutdown: starts still in flight fail, the spawner is told to stop. */
void spawner_stop(void);

/* The spawner process's main (islandsd --spawner [--faults]); --faults,
 * given when crash_injection was on as it started, lets the test-only
 * pause ISLANDS_FAULT_SPAWNED_SLEEP_MS act (islands/fault_sleep.h). */
int spawner_main(bool faults);

#endif
