/* Game operations, in the book engine's order: the rules check first, then
 * the coordinate, then the island, then the board. Every check happens
 * before the first write, so a failed operation changes nothing. */
#include "islands/game.h"

#include <string.h>

#include "islands/token.h"

/* Copy at most cap bytes of src and NUL-terminate; the names reach us
 * validated, the bound only keeps a caller's mistake inside the struct. */
static void copy_bounded(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap) : 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* Every operation that succeeds ends here. */
static enum isl_error changed(struct isl_game *g)
{
    if (g->changes < ISL_CHANGES_MAX)
        g->changes++;
    return ISL_OK;
}

static void join_player(struct isl_player_state *player, const char *name,
                        const char *token)
{
    player->joined = true;
    copy_bounded(player->name, ISL_PLAYER_NAME_MAX, name);
    copy_bounded(player->token, ISL_TOKEN_LEN, token);
}

void isl_game_new(struct isl_game *g, const char *game_name,
                  const char *player1_name, const char *player1_token)
{
    memset(g, 0, sizeof *g);
    copy_bounded(g->name, ISL_GAME_NAME_MAX, game_name);
    g->state = ISL_RULES_INITIALIZED;
    join_player(&g->players[ISL_PLAYER1], player1_name, player1_token);
}

enum isl_error isl_game_add_player(struct isl_game *g, const char *name,
                                   const char *token)
{
    if (!isl_rules_allows(g, ISL_ACTION_ADD_PLAYER, ISL_PLAYER2))
        return ISL_E_NOT_ALLOWED;
    join_player(&g->players[ISL_PLAYER2], name, token);
    isl_rules_player_added(g);
    return changed(g);
}

enum isl_error isl_game_position_island(struct isl_game *g, enum isl_player p,
                                        const char *island, int row, int col)
{
    if (!isl_rules_allows(g, ISL_ACTION_POSITION_ISLANDS, p))
        return ISL_E_NOT_ALLOWED;
    if (!isl_coordinate_valid(row, col))
        return ISL_E_INVALID_COORDINATE;
    enum isl_island_type type;
    if (isl_island_from_name(island, &type) != 0)
        return ISL_E_INVALID_ISLAND_TYPE;
    /* Fails before writing anything (off the board, overlapping). */
    enum isl_error e = isl_board_position_island(&g->players[p].board, type, row, col);
    return e == ISL_OK ? changed(g) : e;
}

enum isl_error isl_game_set_islands(struct isl_game *g, enum isl_player p)
{
    if (!isl_rules_allows(g, ISL_ACTION_SET_ISLANDS, p))
        return ISL_E_NOT_ALLOWED;
    if (!isl_board_all_positioned(&g->players[p].board))
        return ISL_E_NOT_ALL_ISLANDS_POSITIONED;
    isl_rules_islands_set(g, p);
    return changed(g);
}

enum isl_error isl_game_guess(struct isl_game *g, enum isl_player p,
                              int row, int col, struct isl_guess_result *out)
{
    if (!isl_rules_allows(g, ISL_ACTION_GUESS, p))
        return ISL_E_NOT_ALLOWED;
    if (!isl_coordinate_valid(row, col))
        return ISL_E_INVALID_COORDINATE;
    struct isl_guess_result result;
    isl_board_guess(&g->players[isl_other_player(p)].board, row, col, &result);
    /* Guesses are sets: a repeated guess records nothing new. */
    struct isl_guesses *guesses = &g->players[p].guesses;
    isl_squares_add(result.hit ? &guesses->hits : &guesses->misses, row, col);
    isl_rules_guessed(g, p, result.win);
    if (out)
        *out = result;
    return changed(g);
}

bool isl_game_token_matches(const struct isl_game *g, enum isl_player p,
                            const char *token)
{
    if ((p != ISL_PLAYER1 && p != ISL_PLAYER2) || !g->players[p].joined || token == NULL)
        return false;
    return isl_token_equal(g->players[p].token, token);
}
