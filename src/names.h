/* Lookup in the engine's tables of wire names (islands, players, rules
 * states, error codes). Private to src/. */
#ifndef ISLANDS_NAMES_H
#define ISLANDS_NAMES_H

/* The index of s in names[0..count-1], or -1 (also for s == NULL). */
int isl_name_index(const char *const *names, int count, const char *s);

#endif
