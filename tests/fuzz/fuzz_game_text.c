/* Games the engine plays from the fuzzer's bytes (names of any valid
 * kind, then moves valid or not), each state checked as it comes:
 * doc_text and state_text write what jansson writes, and the document
 * reads back as the same game by both readers (game_text_checks.h). */
#include <string.h>

#include "fuzz_check.h"
#include "game_text_checks.h"
#include "islands/request.h"

struct input {
    const uint8_t *p, *end;
};

static unsigned next(struct input *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

/* A name of up to max bytes, its length the next byte. */
static void take_name(struct input *in, char *out, size_t max)
{
    size_t n = next(in) % (max + 1);
    size_t i = 0;
    for (; i < n && in->p < in->end; i++)
        out[i] = (char)next(in);
    out[i] = '\0';
}

static void take_game_name(struct input *in, char out[ISL_GAME_NAME_MAX + 1])
{
    take_name(in, out, ISL_GAME_NAME_MAX);
    if (!isl_game_name_valid(out, strlen(out)))
        strcpy(out, "g1");
}

static void take_player_name(struct input *in, char out[ISL_PLAYER_NAME_MAX + 1],
                             const char *fallback)
{
    take_name(in, out, 24);   /* long enough for escapes and multibyte text */
    if (!isl_player_name_valid(out, strlen(out)))
        strcpy(out, fallback);
}

/* A token as token.c makes them: 32 lowercase hex digits. */
static void take_token(struct input *in, char out[ISL_TOKEN_LEN + 1])
{
    unsigned seed = next(in);
    for (int i = 0; i < ISL_TOKEN_LEN; i++)
        out[i] = "0123456789abcdef"[(seed + (unsigned)i * 7) % 16];
    out[ISL_TOKEN_LEN] = '\0';
}

/* Mostly on the board, sometimes off it. */
static int coordinate(struct input *in)
{
    return (int)(next(in) % 12);
}

static void play(struct input *in, struct isl_game *g)
{
    static const char *const islands[] = {"atoll", "dot", "l_shape", "s_shape", "square"};
    unsigned op = next(in);
    enum isl_player p = (op & 8) ? ISL_PLAYER2 : ISL_PLAYER1;
    switch (op % 4) {
    case 0: {
        char name[ISL_PLAYER_NAME_MAX + 1], token[ISL_TOKEN_LEN + 1];
        take_player_name(in, name, "Bo");
        take_token(in, token);
        isl_game_add_player(g, name, token);
        break;
    }
    case 1: {
        const char *island = islands[next(in) % 5];
        int row = coordinate(in);
        isl_game_position_island(g, p, island, row, coordinate(in));
        break;
    }
    case 2:
        isl_game_set_islands(g, p);
        break;
    default: {
        int row = coordinate(in);
        isl_game_guess(g, p, row, coordinate(in), NULL);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, data + size};
    struct isl_game g;
    char game[ISL_GAME_NAME_MAX + 1], name[ISL_PLAYER_NAME_MAX + 1], token[ISL_TOKEN_LEN + 1];
    take_game_name(&in, game);
    take_player_name(&in, name, "Ann");
    take_token(&in, token);
    isl_game_new(&g, game, name, token);
    check_game_texts(&g);
    /* Checked at each change of rules state and at the end: checking
     * every move made a long game take a second. */
    while (in.p < in.end) {
        enum isl_rules_state before = g.state;
        play(&in, &g);
        if (g.state != before)
            check_game_texts(&g);
    }
    check_game_texts(&g);
    return 0;
}
