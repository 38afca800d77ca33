/* The Islands game engine: pure rules, no I/O, no globals, no allocation.
 * The caller owns every struct; a failed operation leaves the game
 * bit-for-bit unchanged. Rules and order of checks: PROTOCOL.md. */
#ifndef ISLANDS_GAME_H
#define ISLANDS_GAME_H

#include <stdbool.h>
#include <stdint.h>

#include "islands/errors.h"

#define ISL_BOARD_SIZE 10
#define ISL_ISLAND_KINDS 5
#define ISL_GAME_NAME_MAX 64          /* bytes (ASCII) */
#define ISL_PLAYER_NAME_MAX_CHARS 64  /* code points */
#define ISL_PLAYER_NAME_MAX 256       /* bytes of UTF-8 for 64 code points */
#define ISL_TOKEN_LEN 32              /* hex characters */
#define ISL_CHANGES_MAX INT64_MAX     /* isl_game.changes stops there (JSON integers) */

enum isl_island_type { ISL_ATOLL, ISL_DOT, ISL_L_SHAPE, ISL_S_SHAPE, ISL_SQUARE };
enum isl_player { ISL_PLAYER1, ISL_PLAYER2 };
enum isl_rules_state {
    ISL_RULES_INITIALIZED,
    ISL_RULES_PLAYERS_SET,
    ISL_RULES_PLAYER1_TURN,
    ISL_RULES_PLAYER2_TURN,
    ISL_RULES_GAME_OVER
};

/* A set of board squares: bit (row-1)*10 + (col-1). */
struct isl_squares { uint64_t bits[2]; };

struct isl_island {
    bool positioned;
    uint8_t row, col;              /* upper-left square */
    struct isl_squares squares;    /* derived from type + origin */
    struct isl_squares hits;
};

struct isl_board { struct isl_island islands[ISL_ISLAND_KINDS]; };

struct isl_guesses { struct isl_squares hits, misses; };

struct isl_player_state {
    bool joined;
    bool islands_set;
    char name[ISL_PLAYER_NAME_MAX + 1];
    char token[ISL_TOKEN_LEN + 1];
    struct isl_board board;
    struct isl_guesses guesses;    /* this player's guesses against the other */
};

struct isl_game {
    char name[ISL_GAME_NAME_MAX + 1];
    enum isl_rules_state state;
    struct isl_player_state players[2];
    /* Successful operations since isl_game_new: a repeated guess changes
     * nothing else, and one lost would otherwise leave no trace. */
    uint64_t changes;
};

struct isl_guess_result {
    bool hit;
    bool forested_any;             /* the island hit is fully covered */
    enum isl_island_type forested; /* valid when forested_any */
    bool win;
};

/* Names <-> enums ("atoll", "player1", "player1_turn", "islands_set"). */
const char *isl_island_name(enum isl_island_type t);
int isl_island_from_name(const char *s, enum isl_island_type *out);
const char *isl_player_name(enum isl_player p);
int isl_player_from_name(const char *s, enum isl_player *out);
const char *isl_rules_state_name(enum isl_rules_state s);
int isl_rules_state_from_name(const char *s, enum isl_rules_state *out);

/* Squares of an island type whose upper-left is (row, col); returns
 * ISL_E_INVALID_COORDINATE if any square falls off the board. */
enum isl_error isl_island_shape(enum isl_island_type t, int row, int col,
                                struct isl_squares *out);

bool isl_squares_has(const struct isl_squares *s, int row, int col);
void isl_squares_add(struct isl_squares *s, int row, int col);
int isl_squares_count(const struct isl_squares *s);
bool isl_squares_intersect(const struct isl_squares *a, const struct isl_squares *b);
bool isl_squares_subset(const struct isl_squares *a, const struct isl_squares *b);
bool isl_squares_equal(const struct isl_squares *a, const struct isl_squares *b);

/* Row and col both within 1..ISL_BOARD_SIZE. */
bool isl_coordinate_valid(int row, int col);
/* Positioned, and every square of it hit. */
bool isl_island_forested(const struct isl_island *island);

/* Board (board.c). Position or move island t: invalid_island_type,
 * invalid_coordinate (a square off the board) or overlapping_island (with
 * another type; its own old place does not count); unchanged on failure. */
enum isl_error isl_board_position_island(struct isl_board *b, enum isl_island_type t,
                                         int row, int col);
bool isl_board_all_positioned(const struct isl_board *b);
bool isl_board_all_forested(const struct isl_board *b);
/* Record a guess at a valid (row, col) against this board. */
void isl_board_guess(struct isl_board *b, int row, int col, struct isl_guess_result *out);

/* Rules (rules.c): the state machine over g->state and the islands_set
 * flags. isl_rules_allows answers not_allowed questions; the other three
 * apply a successful move's transition. */
enum isl_rules_action {
    ISL_ACTION_ADD_PLAYER,
    ISL_ACTION_POSITION_ISLANDS,
    ISL_ACTION_SET_ISLANDS,
    ISL_ACTION_GUESS
};
bool isl_rules_allows(const struct isl_game *g, enum isl_rules_action action,
                      enum isl_player p);
void isl_rules_player_added(struct isl_game *g);
void isl_rules_islands_set(struct isl_game *g, enum isl_player p);
void isl_rules_guessed(struct isl_game *g, enum isl_player p, bool win);
enum isl_player isl_other_player(enum isl_player p);

/* Game operations, one per game op of PROTOCOL.md. Names and tokens are
 * validated by the caller (request layer); the engine checks the rules.
 * isl_game_new zero-fills *g first, so equal games are equal byte for byte.
 * Each successful operation after it adds one to g->changes. */
void isl_game_new(struct isl_game *g, const char *game_name,
                  const char *player1_name, const char *player1_token);
enum isl_error isl_game_add_player(struct isl_game *g, const char *name,
                                   const char *token);
/* island is the wire name: unknown names are invalid_island_type, checked
 * after the state and the coordinate, as PROTOCOL.md orders them. */
enum isl_error isl_game_position_island(struct isl_game *g, enum isl_player p,
                                        const char *island, int row, int col);
enum isl_error isl_game_set_islands(struct isl_game *g, enum isl_player p);
/* out may be NULL. */
enum isl_error isl_game_guess(struct isl_game *g, enum isl_player p,
                              int row, int col, struct isl_guess_result *out);

/* Constant-time token check; false if the player has not joined. */
bool isl_game_token_matches(const struct isl_game *g, enum isl_player p,
                            const char *token);

#endif
