/* The games the bench plays, and filling a store with them. */
#include "games.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "islands/codec.h"
#include "islands/game.h"
#include "islands/store.h"

#define BATCH 1000                      /* games per store transaction */
#define SQUARES (ISL_BOARD_SIZE * ISL_BOARD_SIZE)

const struct bench_island_place bench_layout[5] = {
    {"atoll", 1, 1}, {"dot", 1, 4}, {"l_shape", 1, 5}, {"s_shape", 5, 1}, {"square", 5, 5},
};

void bench_game_name(unsigned index, char *out, size_t len)
{
    snprintf(out, len, "g%07u", index);
}

void bench_game_tokens(unsigned index, char *token1, char *token2)
{
    snprintf(token1, BENCH_TOKEN_SIZE, "%08x%08x%08x%08x", index, 1u, 0xbe2c4u, index ^ 0x5a5a5a5au);
    snprintf(token2, BENCH_TOKEN_SIZE, "%08x%08x%08x%08x", index, 2u, 0xbe2c4u, index ^ 0xa5a5a5a5u);
}

/* The guess order: every square off the islands (row by row), then the
 * island squares, so that a game lasts as long as the rules allow. */
static int order[SQUARES];
static int order_ready;

static void build_order(void)
{
    struct isl_board board = {0};
    for (int i = 0; i < 5; i++) {
        enum isl_island_type t;
        isl_island_from_name(bench_layout[i].island, &t);
        isl_board_position_island(&board, t, bench_layout[i].row, bench_layout[i].col);
    }
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int sq = 0; sq < SQUARES; sq++) {
            int row = sq / ISL_BOARD_SIZE + 1, col = sq % ISL_BOARD_SIZE + 1;
            bool covered = false;
            for (int t = 0; t < ISL_ISLAND_KINDS; t++)
                covered |= isl_squares_has(&board.islands[t].squares, row, col);
            if (covered == (pass == 1))
                order[n++] = sq;
        }
    order_ready = 1;
}

void bench_move(unsigned m, int *player, int *row, int *col)
{
    if (!order_ready)
        build_order();
    int sq = order[(m / 2) % SQUARES];
    *player = (int)(m % 2);
    *row = sq / ISL_BOARD_SIZE + 1;
    *col = sq % ISL_BOARD_SIZE + 1;
}

/* A game ready for player1's first guess, through the engine. */
static int set_up_game(unsigned index, struct isl_game *g)
{
    char name[ISL_GAME_NAME_MAX + 1], token1[BENCH_TOKEN_SIZE], token2[BENCH_TOKEN_SIZE];
    bench_game_name(index, name, sizeof name);
    bench_game_tokens(index, token1, token2);
    isl_game_new(g, name, "Ann", token1);
    if (isl_game_add_player(g, "Bob", token2) != ISL_OK)
        return -1;
    for (int p = 0; p < 2; p++) {
        for (int i = 0; i < 5; i++)
            if (isl_game_position_island(g, (enum isl_player)p, bench_layout[i].island,
                                         bench_layout[i].row, bench_layout[i].col) != ISL_OK)
                return -1;
        if (isl_game_set_islands(g, (enum isl_player)p) != ISL_OK)
            return -1;
    }
    return 0;
}

static int commit_batch(struct isl_store *store, struct isl_store_write *writes, size_t n)
{
    char err[256];
    int rc = isl_store_commit(store, writes, n, err, sizeof err);
    for (size_t i = 0; i < n; i++)
        free((char *)writes[i].doc);
    if (rc != ISL_STORE_OK)
        say("prefill: commit failed: %s", err);
    return rc == ISL_STORE_OK ? 0 : -1;
}

int bench_prefill(const char *store_dir, unsigned first, unsigned count)
{
    /* No sync while filling: the daemon opens the same file afterwards and
     * sees it through the page cache. */
    struct isl_store_options options = {
        .path = store_dir, .map_size = 4ULL << 30, .sync = ISL_SYNC_NONE,
    };
    struct isl_store *store;
    char err[256];
    if (isl_store_open(&options, &store, err, sizeof err) != ISL_STORE_OK) {
        say("prefill: cannot open the store %s: %s", store_dir, err);
        return -1;
    }
    static struct isl_store_write writes[BATCH];
    static char names[BATCH][ISL_GAME_NAME_MAX + 1];
    static struct isl_game game;
    size_t n = 0;
    int rc = 0;
    for (unsigned i = first; i < first + count && rc == 0; i++) {
        char *doc = NULL;
        if (set_up_game(i, &game) != 0 || !(doc = isl_codec_dump(&game))) {
            say("prefill: cannot encode game %u", i);
            rc = -1;
            break;
        }
        memcpy(names[n], game.name, sizeof names[n]);
        writes[n] = (struct isl_store_write){
            .kind = ISL_WRITE_PUT, .game = names[n], .doc = doc, .doc_len = strlen(doc),
            .rules = isl_rules_state_name(game.state),
        };
        if (++n == BATCH) {
            rc = commit_batch(store, writes, n);
            n = 0;
        }
    }
    if (rc == 0 && n)
        rc = commit_batch(store, writes, n);
    else
        for (size_t i = 0; i < n; i++)
            free((char *)writes[i].doc);
    isl_store_close(store);
    return rc;
}
