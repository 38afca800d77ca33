/* The rules state machine: which move each state allows, and where each
 * successful move leads.
 *   initialized -> players_set -> player1_turn <-> player2_turn -> game_over */
#include "islands/game.h"

#include <stddef.h>

#include "names.h"

static const char *const rules_state_names[] = {
    [ISL_RULES_INITIALIZED] = "initialized",
    [ISL_RULES_PLAYERS_SET] = "players_set",
    [ISL_RULES_PLAYER1_TURN] = "player1_turn",
    [ISL_RULES_PLAYER2_TURN] = "player2_turn",
    [ISL_RULES_GAME_OVER] = "game_over",
};
#define RULES_STATE_COUNT ((int)(sizeof rules_state_names / sizeof rules_state_names[0]))

static const char *const player_names[] = {
    [ISL_PLAYER1] = "player1",
    [ISL_PLAYER2] = "player2",
};

const char *isl_rules_state_name(enum isl_rules_state s)
{
    if ((int)s < 0 || (int)s >= RULES_STATE_COUNT)
        return NULL;
    return rules_state_names[s];
}

int isl_rules_state_from_name(const char *s, enum isl_rules_state *out)
{
    int i = isl_name_index(rules_state_names, RULES_STATE_COUNT, s);
    if (i < 0)
        return -1;
    *out = (enum isl_rules_state)i;
    return 0;
}

const char *isl_player_name(enum isl_player p)
{
    if (p != ISL_PLAYER1 && p != ISL_PLAYER2)
        return NULL;
    return player_names[p];
}

int isl_player_from_name(const char *s, enum isl_player *out)
{
    int i = isl_name_index(player_names, 2, s);
    if (i < 0)
        return -1;
    *out = (enum isl_player)i;
    return 0;
}

enum isl_player isl_other_player(enum isl_player p)
{
    return p == ISL_PLAYER1 ? ISL_PLAYER2 : ISL_PLAYER1;
}

static bool valid_player(enum isl_player p)
{
    return p == ISL_PLAYER1 || p == ISL_PLAYER2;
}

bool isl_rules_allows(const struct isl_game *g, enum isl_rules_action action,
                      enum isl_player p)
{
    if (action != ISL_ACTION_ADD_PLAYER && !valid_player(p))
        return false;
    switch (action) {
    case ISL_ACTION_ADD_PLAYER:
        return g->state == ISL_RULES_INITIALIZED;
    case ISL_ACTION_POSITION_ISLANDS:
        return g->state == ISL_RULES_PLAYERS_SET && !g->players[p].islands_set;
    case ISL_ACTION_SET_ISLANDS:
        /* Repeating set_islands is harmless until both have set. */
        return g->state == ISL_RULES_PLAYERS_SET;
    case ISL_ACTION_GUESS:
        return (g->state == ISL_RULES_PLAYER1_TURN && p == ISL_PLAYER1) ||
               (g->state == ISL_RULES_PLAYER2_TURN && p == ISL_PLAYER2);
    }
    return false;
}

void isl_rules_player_added(struct isl_game *g)
{
    g->state = ISL_RULES_PLAYERS_SET;
}

void isl_rules_islands_set(struct isl_game *g, enum isl_player p)
{
    g->players[p].islands_set = true;
    /* Player 1 always guesses first, whoever set islands first. */
    if (g->players[ISL_PLAYER1].islands_set && g->players[ISL_PLAYER2].islands_set)
        g->state = ISL_RULES_PLAYER1_TURN;
}

void isl_rules_guessed(struct isl_game *g, enum isl_player p, bool win)
{
    if (win)
        g->state = ISL_RULES_GAME_OVER;
    else
        g->state = p == ISL_PLAYER1 ? ISL_RULES_PLAYER2_TURN : ISL_RULES_PLAYER1_TURN;
}
