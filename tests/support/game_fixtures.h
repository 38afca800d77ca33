/* Games in known states for the engine and codec tests. */
#ifndef ISLANDS_GAME_FIXTURES_H
#define ISLANDS_GAME_FIXTURES_H

#include <check.h>
#include <string.h>

#include "islands/game.h"

#define FX_TOKEN1 "0123456789abcdef0123456789abcdef"
#define FX_TOKEN2 "fedcba9876543210fedcba9876543210"

/* The book's layout: atoll (1,1), dot (1,4), l_shape (1,5), s_shape (5,1),
 * square (5,5); its 18 squares in row, then col order. */
#define FX_LAYOUT_SQUARES 18
extern const int fx_layout_squares[FX_LAYOUT_SQUARES][2];

/* A failing call must return `expected` and leave *g bit-for-bit as it was. */
#define FX_ASSERT_FAILS_UNCHANGED(g, expected, call)                        \
    do {                                                                    \
        struct isl_game fx_before_;                                         \
        memcpy(&fx_before_, (g), sizeof fx_before_);                        \
        ck_assert_int_eq((call), (expected));                               \
        ck_assert_msg(memcmp(&fx_before_, (g), sizeof fx_before_) == 0,     \
                      "a failed operation changed the game");               \
    } while (0)

/* "g1" with player1 "Ann" only (initialized). */
void fx_new_game(struct isl_game *g);
/* Both players joined (players_set). */
void fx_players_set(struct isl_game *g);
/* Position the book's layout for p. */
void fx_position_layout(struct isl_game *g, enum isl_player p);
/* Both layouts positioned and set (player1_turn). */
void fx_game_started(struct isl_game *g);
/* From player1_turn, player1 hits every island of player2 while player2
 * misses, until player1 is one square short of winning (player1_turn). */
void fx_one_guess_from_win(struct isl_game *g);

#endif
