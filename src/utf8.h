/* UTF-8 as JSON and the protocol take it (private to the library). */
#ifndef ISLANDS_UTF8_H
#define ISLANDS_UTF8_H

#include <stddef.h>

/* Decode the sequence at s[*i] (*i < len) and step past it; the code
 * point, or -1 for an invalid, cut-short, overlong or surrogate sequence
 * (*i unchanged then). */
long isl_utf8_next(const unsigned char *s, size_t len, size_t *i);

#endif
