/* Player tokens: random (getrandom), compared in constant time. */
#ifndef ISLANDS_TOKEN_H
#define ISLANDS_TOKEN_H

#include <stdbool.h>
#include "islands/game.h"

/* Fill out with ISL_TOKEN_LEN hex characters + NUL from the OS CSPRNG.
 * Returns 0, or -1 with errno set. */
int isl_token_generate(char out[ISL_TOKEN_LEN + 1]);

/* Constant-time equality of two NUL-terminated strings (time depends only
 * on the length of `expected`). */
bool isl_token_equal(const char *expected, const char *given);

#endif
