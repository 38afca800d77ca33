/* Thousands of seeded random games, valid and invalid moves mixed, with
 * the engine's invariants checked after every move and the codec's round
 * trip checked along the way. The seed is fixed: a failure reproduces. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/check_main.h"
#include "../support/game_fixtures.h"
#include "islands/codec.h"

#define GAMES 3000
#define MAX_MOVES 700
#define ROUND_TRIP_EVERY 128

/* Check's ck_assert reports every passing check to the parent process;
 * at millions of checks that is most of the run, so these report only
 * failures. */
#define REQUIRE(cond)                                                       \
    do {                                                                    \
        if (!(cond))                                                        \
            ck_abort_msg("line %d: %s", __LINE__, #cond);                   \
    } while (0)
#define REQUIRE_EQ(a, b)                                                    \
    do {                                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b);                 \
        if (a_ != b_)                                                       \
            ck_abort_msg("line %d: %s == %s (%lld != %lld)", __LINE__, #a, #b, a_, b_); \
    } while (0)

static uint64_t rng_state;

static uint32_t rng(void)
{
    /* xorshift64*: small, fast, and the same sequence everywhere. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static int pick(int n)
{
    return (int)(rng() % (uint32_t)n);
}

/* Mostly on the board, sometimes just off it, rarely far off. */
static int random_coordinate(void)
{
    int roll = pick(20);
    if (roll == 0)
        return pick(2) ? 0 : 11;
    if (roll == 1)
        return -1000 + pick(2001);
    return 1 + pick(ISL_BOARD_SIZE);
}

struct totals {
    int moves, failures, wins[2], round_trips;
};

static void assert_round_trip(const struct isl_game *g, struct totals *t)
{
    char *text = isl_codec_dump(g);
    REQUIRE(text != NULL);
    struct isl_game back;
    char err[256];
    if (isl_codec_load(text, strlen(text), &back, err, sizeof err) != 0)
        ck_abort_msg("round trip refused: %s", err);
    REQUIRE(memcmp(g, &back, sizeof back) == 0);
    char *again = isl_codec_dump(&back);
    REQUIRE(strcmp(again, text) == 0);
    free(again);
    free(text);
    t->round_trips++;
}

/* What must hold of any game the engine produced. */
static void assert_invariants(const struct isl_game *g)
{
    bool started = g->state >= ISL_RULES_PLAYER1_TURN;
    bool any_forested = false;
    REQUIRE(g->players[ISL_PLAYER1].joined);
    REQUIRE_EQ(g->players[ISL_PLAYER2].joined, g->state != ISL_RULES_INITIALIZED);
    REQUIRE(!(g->players[0].islands_set && g->players[1].islands_set) || started);
    for (int p = 0; p < 2; p++) {
        const struct isl_player_state *me = &g->players[p];
        const struct isl_player_state *them = &g->players[1 - p];
        struct isl_squares covered = {{0, 0}};
        int island_hits = 0;
        for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
            const struct isl_island *island = &me->board.islands[t];
            if (!island->positioned)
                continue;
            struct isl_squares shape;
            REQUIRE_EQ(isl_island_shape((enum isl_island_type)t, island->row, island->col,
                                        &shape), ISL_OK);
            REQUIRE(isl_squares_equal(&shape, &island->squares));
            REQUIRE(!isl_squares_intersect(&covered, &shape));
            REQUIRE(isl_squares_subset(&island->hits, &island->squares));
            for (int w = 0; w < 2; w++)
                covered.bits[w] |= shape.bits[w];
            island_hits += isl_squares_count(&island->hits);
        }
        if (me->islands_set)
            REQUIRE(isl_board_all_positioned(&me->board));
        if (started)
            REQUIRE(me->islands_set);
        /* The hits on my board are exactly the other player's hits. */
        REQUIRE_EQ(island_hits, isl_squares_count(&them->guesses.hits));
        REQUIRE(isl_squares_subset(&them->guesses.hits, &covered));
        REQUIRE(!isl_squares_intersect(&them->guesses.misses, &covered));
        if (!started)
            REQUIRE_EQ(island_hits + isl_squares_count(&them->guesses.misses), 0);
        any_forested |= isl_board_all_forested(&me->board);
    }
    REQUIRE_EQ(any_forested, g->state == ISL_RULES_GAME_OVER);
}

/* A square of p's opponent worth guessing: often an island square not yet
 * hit (so games end), otherwise anything. */
static void choose_guess(const struct isl_game *g, enum isl_player p, int *row, int *col)
{
    const struct isl_board *target = &g->players[isl_other_player(p)].board;
    if (pick(3) != 0) {
        int t = pick(ISL_ISLAND_KINDS);
        const struct isl_island *island = &target->islands[t];
        for (int r = 1; r <= ISL_BOARD_SIZE; r++)
            for (int c = 1; c <= ISL_BOARD_SIZE; c++)
                if (isl_squares_has(&island->squares, r, c) &&
                    !isl_squares_has(&island->hits, r, c)) {
                    *row = r;
                    *col = c;
                    return;
                }
    }
    *row = random_coordinate();
    *col = random_coordinate();
}

static const char *const island_args[] = {"atoll", "dot", "l_shape", "s_shape", "square",
                                          "volcano", ""};

enum move_kind { MOVE_ADD_PLAYER, MOVE_POSITION, MOVE_SET_ISLANDS, MOVE_GUESS };

/* Mostly the moves that move the game on, with every kind tried in every
 * state (percentages in the order of enum move_kind). */
static enum move_kind choose_kind(const struct isl_game *g)
{
    static const int weights[3][4] = {
        {50, 20, 15, 15},   /* initialized */
        {4, 76, 12, 8},     /* players_set */
        {4, 4, 4, 88},      /* turns */
    };
    int row = g->state == ISL_RULES_INITIALIZED ? 0 : g->state == ISL_RULES_PLAYERS_SET ? 1 : 2;
    int roll = pick(100);
    for (int k = 0; k < 3; k++) {
        if (roll < weights[row][k])
            return (enum move_kind)k;
        roll -= weights[row][k];
    }
    return MOVE_GUESS;
}

/* One random move; checks its outcome against the rules it must follow. */
static void random_move(struct isl_game *g, struct totals *t)
{
    struct isl_game before;
    memcpy(&before, g, sizeof before);
    enum isl_player p = (enum isl_player)pick(2);
    enum isl_error e;
    enum move_kind kind = choose_kind(&before);
    if (kind == MOVE_ADD_PLAYER) {
        e = isl_game_add_player(g, "Bob", FX_TOKEN2);
        REQUIRE_EQ(e == ISL_OK, before.state == ISL_RULES_INITIALIZED);
    } else if (kind == MOVE_POSITION) {
        int row = random_coordinate(), col = random_coordinate();
        const char *island = island_args[pick(10) ? pick(ISL_ISLAND_KINDS) : pick(7)];
        e = isl_game_position_island(g, p, island, row, col);
        bool allowed = before.state == ISL_RULES_PLAYERS_SET && !before.players[p].islands_set;
        enum isl_island_type type;
        if (!allowed)
            REQUIRE_EQ(e, ISL_E_NOT_ALLOWED);
        else if (!isl_coordinate_valid(row, col))
            REQUIRE_EQ(e, ISL_E_INVALID_COORDINATE);
        else if (isl_island_from_name(island, &type) != 0)
            REQUIRE_EQ(e, ISL_E_INVALID_ISLAND_TYPE);
        else if (e == ISL_OK)
            REQUIRE(g->players[p].board.islands[type].row == row &&
                      g->players[p].board.islands[type].col == col);
        else
            REQUIRE(e == ISL_E_INVALID_COORDINATE || e == ISL_E_OVERLAPPING_ISLAND);
    } else if (kind == MOVE_SET_ISLANDS) {
        e = isl_game_set_islands(g, p);
        if (before.state != ISL_RULES_PLAYERS_SET)
            REQUIRE_EQ(e, ISL_E_NOT_ALLOWED);
        else
            REQUIRE_EQ(e == ISL_OK, isl_board_all_positioned(&before.players[p].board));
    } else {
        /* Mostly the player whose turn it is, so that games move on. */
        if (pick(10) != 0)
            p = before.state == ISL_RULES_PLAYER2_TURN ? ISL_PLAYER2 : ISL_PLAYER1;
        int row, col;
        choose_guess(g, p, &row, &col);
        struct isl_guess_result r;
        e = isl_game_guess(g, p, row, col, &r);
        bool my_turn = (before.state == ISL_RULES_PLAYER1_TURN && p == ISL_PLAYER1) ||
                       (before.state == ISL_RULES_PLAYER2_TURN && p == ISL_PLAYER2);
        if (!my_turn)
            REQUIRE_EQ(e, ISL_E_NOT_ALLOWED);
        else if (!isl_coordinate_valid(row, col))
            REQUIRE_EQ(e, ISL_E_INVALID_COORDINATE);
        else {
            REQUIRE_EQ(e, ISL_OK);
            const struct isl_board *target = &g->players[isl_other_player(p)].board;
            REQUIRE_EQ(r.hit, isl_squares_has(&g->players[p].guesses.hits, row, col));
            REQUIRE_EQ(!r.hit, isl_squares_has(&g->players[p].guesses.misses, row, col));
            if (r.forested_any)
                REQUIRE(r.hit && isl_island_forested(&target->islands[r.forested]));
            REQUIRE_EQ(r.win, isl_board_all_forested(target));
            REQUIRE_EQ(g->state, r.win ? ISL_RULES_GAME_OVER
                             : p == ISL_PLAYER1 ? ISL_RULES_PLAYER2_TURN : ISL_RULES_PLAYER1_TURN);
            t->wins[p] += r.win;
        }
    }
    t->moves++;
    if (e != ISL_OK) {
        t->failures++;
        REQUIRE(memcmp(&before, g, sizeof before) == 0);
    }
    assert_invariants(g);
    bool turn_flip = before.state >= ISL_RULES_PLAYER1_TURN && g->state >= ISL_RULES_PLAYER1_TURN
                     && g->state != ISL_RULES_GAME_OVER;
    if ((g->state != before.state && !turn_flip) || t->moves % ROUND_TRIP_EVERY == 0)
        assert_round_trip(g, t);
}

START_TEST(random_games_keep_every_invariant)
{
    struct totals t = {0};
    rng_state = UINT64_C(0x9E3779B97F4A7C15);
    int finished = 0;
    for (int game = 0; game < GAMES; game++) {
        struct isl_game g;
        isl_game_new(&g, "g1", "Ann", FX_TOKEN1);
        for (int move = 0; move < MAX_MOVES && g.state != ISL_RULES_GAME_OVER; move++)
            random_move(&g, &t);
        finished += g.state == ISL_RULES_GAME_OVER;
    }
    /* The mix must really reach every part of the rules. */
    ck_assert_int_gt(finished, GAMES / 2);
    ck_assert_int_gt(t.wins[ISL_PLAYER1], GAMES / 10);
    ck_assert_int_gt(t.wins[ISL_PLAYER2], GAMES / 10);
    ck_assert_int_gt(t.failures, t.moves / 10);
    ck_assert_int_gt(t.round_trips, GAMES * 3);
}
END_TEST

static Suite *random_games_suite(void)
{
    Suite *s = suite_create("random_games");
    TCase *tc = tcase_create("games");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, random_games_keep_every_invariant);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(random_games_suite)
