/* A spare's warm-up: run the code a game's first request needs once, on a
 * made-up game, while it waits to be adopted (main.c starts it when no
 * adopt came within a millisecond of `spare`: a game waiting for this
 * spare is served first, cold).
 *
 * A freshly exec'd process pays a page fault the first time it touches
 * each page of its heap, of its code and of the store's map; on a
 * virtualized host each costs microseconds, and a game adopted by a cold
 * spare paid some 40 of them between `adopt` and its first answer. Paying
 * them here, while the spare waits anyway, takes them off the path of a
 * crashed game coming back and of a game's first request. Nothing here
 * reaches the store's writer or the supervisor. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "islands/codec.h"
#include "islands/doc_text.h"
#include "islands/request.h"
#include "islands/worker_proto.h"
#include "worker.h"

/* Keep the heap a loaded game grows into: free() must not hand the top
 * back to the kernel only for the next game to fault it in again. */
#define KEEP_HEAP_BYTES (256 * 1024)

static const struct { const char *island; int row, col; } layout[] = {
    {"atoll", 1, 1}, {"dot", 1, 4}, {"l_shape", 1, 5}, {"s_shape", 5, 1}, {"square", 5, 5},
};

/* Both players set and most of the board guessed: a late game's document
 * and answers are the largest the buffers must hold. */
static void play_sample(struct isl_game *g)
{
    isl_game_new(g, "warm-up", "player one", "00000000000000000000000000000001");
    isl_game_add_player(g, "player two", "00000000000000000000000000000002");
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++)
            isl_game_position_island(g, (enum isl_player)p, layout[i].island, layout[i].row,
                                     layout[i].col);
        isl_game_set_islands(g, (enum isl_player)p);
    }
    for (int m = 0; m < 150 && g->state != ISL_RULES_GAME_OVER; m++)
        isl_game_guess(g, (enum isl_player)(m % 2), m / 2 / 10 + 1, m / 2 % 10 + 1, NULL);
}

/* A request frame as the supervisor sends one, parsed both ways serving
 * does (text for a guess or a state, jansson for the other ops). */
static void parse_sample_request(void)
{
    static const char frame[] =
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"warm-up\","
        "\"player\":\"player1\",\"token\":\"00000000000000000000000000000001\","
        "\"row\":3,\"col\":4,\"admin\":false}}";
    json_t *f = json_loads(frame, 0, NULL);
    struct isl_request req;
    const char *message;
    long long seq;
    isl_req_frame_text(frame, sizeof frame - 1, &seq, &req);
    if (f)
        isl_request_parse(json_object_get(f, "req"), true, &req, &message);
    json_decref(f);
}

void worker_warm_up(struct worker *w)
{
    mallopt(M_TRIM_THRESHOLD, KEEP_HEAP_BYTES);

    /* The store: the databases' handles, a reader slot and the top pages
     * of the tree, by one lookup (a game of that name is read and dropped). */
    char *doc = NULL, err[256];
    size_t len = 0;
    if (isl_store_load(w->store, "warm-up", &doc, &len, err, sizeof err) == ISL_STORE_OK)
        free(doc);

    /* A game's document written and read back, and its `state` answer,
     * as a move and an adopt write and read them (text, no jansson). */
    static struct isl_game game, copy;
    play_sample(&game);
    if (isl_doc_text_append(&game, &w->doc) == 0 &&
        isl_codec_load(isl_buf_head(&w->doc), w->doc.len, &copy, err, sizeof err) == 0 &&
        isl_state_text_append(&copy, ISL_VIEW_ADMIN, &w->text) == 0)
        isl_buf_consume(&w->text, w->text.len);
    isl_buf_consume(&w->doc, w->doc.len);
    parse_sample_request();
}
