/* The games the bench plays: names, tokens, one fixed island layout, the
 * order of guesses that makes a game long, and filling a store directly
 * with games ready to be played (faster than set-up through the protocol). */
#ifndef ISLANDS_BENCH_GAMES_H
#define ISLANDS_BENCH_GAMES_H

#include <stddef.h>

#define BENCH_TOKEN_SIZE 33             /* 32 hex characters and the NUL */
/* Each player guesses the 82 water squares, then the 18 island squares:
 * player1's 100th guess (move 199) wins. */
#define BENCH_MOVES_PER_GAME 199

struct bench_island_place {
    const char *island;
    int row, col;
};
/* Both players place their islands here. */
extern const struct bench_island_place bench_layout[5];

/* "g0000042": the name of game number index. */
void bench_game_name(unsigned index, char *out, size_t len);
/* The tokens prefilled games have (player1, player2). */
void bench_game_tokens(unsigned index, char *token1, char *token2);

/* Move number m (0-based, < BENCH_MOVES_PER_GAME): who guesses where.
 * player is 0 for player1, 1 for player2. */
void bench_move(unsigned m, int *player, int *row, int *col);

/* Store games index first .. first + count - 1, each set up (both players
 * joined, islands set, player1 to move), directly with store.c and the
 * codec. 0, or -1 (said why). */
int bench_prefill(const char *store_dir, unsigned first, unsigned count);

#endif
