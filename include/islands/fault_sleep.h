/* Test-only pauses at named points, so that a test can hold a process
 * where a race would otherwise last microseconds. Never active unless the
 * operator allowed crash injection (crash_injection = true) and the
 * environment says ISLANDS_FAULT_INJECTION=1; then the environment
 * variable named at a point gives its pause in milliseconds. */
#ifndef ISLANDS_FAULT_SLEEP_H
#define ISLANDS_FAULT_SLEEP_H

#include <stdbool.h>

/* Whether faults may act in a process whose configuration says
 * crash_injection. */
bool isl_faults_enabled(bool crash_injection);
/* The pause `name` asks for (0: none, or not enabled). */
long isl_fault_ms(bool enabled, const char *name);
/* Sleep that long, after logging event=fault point=... */
void isl_fault_sleep(bool enabled, const char *name, const char *point);

#endif
