/* The checks every valid game must pass, whichever way the fuzz target
 * came by it: written as text exactly as jansson writes it, and read back
 * the same by both readers. */
#ifndef ISLANDS_GAME_TEXT_CHECKS_H
#define ISLANDS_GAME_TEXT_CHECKS_H

#include "islands/game.h"

/* Aborts on the first difference. */
void check_game_texts(const struct isl_game *g);

#endif
