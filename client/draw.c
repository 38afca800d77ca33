/* Boards and turn sentences as text, from the `state` result of
 * PROTOCOL.md. Pure: JSON in, malloc'd text out; the caller decides about
 * colour and width. Whatever the server sends, bad squares are skipped and
 * control characters in names are shown as '?'. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define GRID_TEXT_WIDTH 32      /* "10" + 10 cells of 3 */
#define GRID_GAP 6
#define ALL_ISLAND_SQUARES 18   /* 5 + 1 + 4 + 4 + 4: every island forested */

enum paint { PAINT_WATER, PAINT_ISLAND, PAINT_HIT, PAINT_FORESTED, PAINT_MISS };

struct grid {
    char title[ISL_PLAYER_NAME_MAX + 64];   /* a name and a few words */
    char glyph[ISL_BOARD_SIZE][ISL_BOARD_SIZE];
    enum paint paint[ISL_BOARD_SIZE][ISL_BOARD_SIZE];
};

static const char *const paint_colour[] = {
    [PAINT_WATER] = "", [PAINT_ISLAND] = "\033[32m", [PAINT_HIT] = "\033[1;31m",
    [PAINT_FORESTED] = "\033[33m", [PAINT_MISS] = "\033[36m",
};
#define COLOUR_RESET "\033[0m"

static const struct { const char *island; char letter; } island_letters[] = {
    { "atoll", 'A' }, { "dot", 'D' }, { "l_shape", 'L' }, { "s_shape", 'S' }, { "square", 'Q' },
};

/* ---------------------------------------------------------------- names */

void cli_sanitize(char *s)
{
    unsigned char *out = (unsigned char *)s;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            *out++ = '?';       /* a C1 control, two bytes in UTF-8 */
            p++;
        } else {
            *out++ = *p < 0x20 || *p == 0x7F ? '?' : *p;
        }
    }
    *out = '\0';
}

static void safe_name(const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", name);
    cli_sanitize(out);
}

/* Columns a UTF-8 string takes, counting one per code point. */
static size_t text_columns(const char *s)
{
    size_t cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        cols += (*p & 0xC0) != 0x80;
    return cols;
}

static const json_t *player_of(const json_t *state, int p)
{
    const json_t *v = json_object_get(state, isl_player_name((enum isl_player)p));
    return json_is_object(v) ? v : NULL;
}

/* The player's name made safe, or `fallback` if the player is absent. */
static void name_of(const json_t *state, int p, const char *fallback, char *out, size_t outlen)
{
    const char *name = json_string_value(json_object_get(player_of(state, p), "name"));
    safe_name(name != NULL ? name : fallback, out, outlen);
}

static int player_index(const char *me)
{
    enum isl_player p;
    return me != NULL && isl_player_from_name(me, &p) == 0 ? (int)p : -1;
}

/* ---------------------------------------------------------------- grids */

/* The title is `before` + `name` + `after` (a long name is cut). */
static void grid_init(struct grid *g, const char *before, const char *name, const char *after)
{
    memset(g->glyph, '.', sizeof g->glyph);
    memset(g->paint, 0, sizeof g->paint);
    if (snprintf(g->title, sizeof g->title, "%s%s%s", before, name, after) < 0)
        g->title[0] = '\0';
}

/* Mark every valid [row, col] of a JSON array. */
static void grid_mark(struct grid *g, const json_t *squares, char glyph, enum paint paint)
{
    size_t i;
    const json_t *sq;
    json_array_foreach(squares, i, sq) {
        json_int_t r = json_integer_value(json_array_get(sq, 0));
        json_int_t c = json_integer_value(json_array_get(sq, 1));
        if (json_array_size(sq) != 2 || r < 1 || r > ISL_BOARD_SIZE || c < 1 || c > ISL_BOARD_SIZE)
            continue;
        g->glyph[r - 1][c - 1] = glyph;
        g->paint[r - 1][c - 1] = paint;
    }
}

static char island_letter(const char *island)
{
    for (size_t i = 0; i < sizeof island_letters / sizeof *island_letters; i++)
        if (strcmp(island_letters[i].island, island) == 0)
            return island_letters[i].letter;
    return '?';
}

/* A BOARD object: islands by letter, hit squares, forested islands. */
static void grid_add_board(struct grid *g, const json_t *board)
{
    const char *island;
    const json_t *v;
    json_object_foreach((json_t *)board, island, v) {
        const json_t *squares = json_object_get(v, "squares");
        if (json_is_true(json_object_get(v, "forested"))) {
            grid_mark(g, squares, '^', PAINT_FORESTED);
        } else {
            grid_mark(g, squares, island_letter(island), PAINT_ISLAND);
            grid_mark(g, json_object_get(v, "hit"), 'X', PAINT_HIT);
        }
    }
}

/* GUESSES: with_hits false for an overlay on a board, whose own "hit"
 * lists already show the hits (and which of them forested an island). */
static void grid_add_guesses(struct grid *g, const json_t *guesses, bool with_hits)
{
    grid_mark(g, json_object_get(guesses, "misses"), 'o', PAINT_MISS);
    if (with_hits)
        grid_mark(g, json_object_get(guesses, "hits"), 'X', PAINT_HIT);
}

/* Line `line` of a grid: 0 is the column labels, 1..10 the rows. */
static void put_grid_line(FILE *f, const struct grid *g, int line, bool colour)
{
    if (line == 0) {
        fputs("  ", f);
        for (int c = 1; c <= ISL_BOARD_SIZE; c++)
            fprintf(f, "%3d", c);
        return;
    }
    fprintf(f, "%2d", line);
    for (int c = 0; c < ISL_BOARD_SIZE; c++) {
        enum paint p = g->paint[line - 1][c];
        if (colour && p != PAINT_WATER)
            fprintf(f, "  %s%c%s", paint_colour[p], g->glyph[line - 1][c], COLOUR_RESET);
        else
            fprintf(f, "  %c", g->glyph[line - 1][c]);
    }
}

static void put_padding(FILE *f, size_t used, size_t width)
{
    for (; used < width; used++)
        fputc(' ', f);
}

/* One or two grids: side by side when two fit the width, else stacked. */
static void put_grids(FILE *f, const struct grid *grids, int count, const struct cli_draw_opts *o)
{
    if (count == 2 && o->width >= CLI_DRAW_WIDE) {
        fputs(grids[0].title, f);
        put_padding(f, text_columns(grids[0].title), GRID_TEXT_WIDTH + GRID_GAP);
        fprintf(f, "%s\n", grids[1].title);
        for (int line = 0; line <= ISL_BOARD_SIZE; line++) {
            put_grid_line(f, &grids[0], line, o->color);
            put_padding(f, GRID_TEXT_WIDTH, GRID_TEXT_WIDTH + GRID_GAP);
            put_grid_line(f, &grids[1], line, o->color);
            fputc('\n', f);
        }
        return;
    }
    for (int i = 0; i < count; i++) {
        if (i > 0)
            fputc('\n', f);
        fprintf(f, "%s\n", grids[i].title);
        for (int line = 0; line <= ISL_BOARD_SIZE; line++) {
            put_grid_line(f, &grids[i], line, o->color);
            fputc('\n', f);
        }
    }
}

static void put_legend_item(FILE *f, char glyph, enum paint p, const char *what, bool colour)
{
    if (colour && p != PAINT_WATER)
        fprintf(f, "  %s%c%s %s", paint_colour[p], glyph, COLOUR_RESET, what);
    else
        fprintf(f, "  %c %s", glyph, what);
}

static void put_legend(FILE *f, bool colour)
{
    fputs("Legend:", f);
    put_legend_item(f, '.', PAINT_WATER, "water", colour);
    put_legend_item(f, 'o', PAINT_MISS, "miss", colour);
    put_legend_item(f, 'X', PAINT_HIT, "hit", colour);
    put_legend_item(f, '^', PAINT_FORESTED, "forested island", colour);
    fputs("\n       ", f);
    for (size_t i = 0; i < sizeof island_letters / sizeof *island_letters; i++)
        put_legend_item(f, island_letters[i].letter, PAINT_ISLAND, island_letters[i].island, colour);
    fputc('\n', f);
}

/* ---------------------------------------------------------------- text */

/* Close an open_memstream stream: its text (which the stream updates on
 * close, hence the pointer), or NULL with nothing leaked on failure. */
static char *finish(FILE *f, char **text)
{
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(*text);
        return NULL;
    }
    return *text;
}

char *cli_draw_board(const json_t *board, const struct cli_draw_opts *o)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return NULL;
    struct grid g;
    grid_init(&g, "Your board", "", "");
    grid_add_board(&g, board);
    put_grids(f, &g, 1, o);
    fputc('\n', f);
    put_legend(f, o->color);
    return finish(f, &text);
}

static const json_t *board_of(const json_t *state, int p)
{
    return json_object_get(player_of(state, p), "board");
}

static const json_t *guesses_of(const json_t *state, int p)
{
    return json_object_get(player_of(state, p), "guesses");
}

/* The grids a view can show: 2 for a player or an admin view, 2 for a
 * public view once someone guessed (each player's guesses, the boards
 * hidden), else 0. */
static int build_grids(const json_t *state, int me, struct grid grids[2])
{
    char names[2][ISL_PLAYER_NAME_MAX + 1];
    name_of(state, 0, "player 1", names[0], sizeof names[0]);
    name_of(state, 1, "player 2", names[1], sizeof names[1]);
    if (me >= 0) {
        grid_init(&grids[0], "Your board", "", "");
        grid_add_board(&grids[0], board_of(state, me));
        grid_add_guesses(&grids[0], guesses_of(state, 1 - me), false);
        grid_init(&grids[1], "Your guesses at ", names[1 - me], "'s board");
        grid_add_guesses(&grids[1], guesses_of(state, me), true);
        return 2;
    }
    if (board_of(state, 0) == NULL && board_of(state, 1) == NULL) {
        if (guesses_of(state, 0) == NULL && guesses_of(state, 1) == NULL)
            return 0;
        for (int p = 0; p < 2; p++) {
            grid_init(&grids[p], "", names[p], "'s guesses");
            grid_add_guesses(&grids[p], guesses_of(state, p), true);
        }
        return 2;
    }
    for (int p = 0; p < 2; p++) {
        grid_init(&grids[p], "", names[p], "'s board");
        grid_add_board(&grids[p], board_of(state, p));
        grid_add_guesses(&grids[p], guesses_of(state, 1 - p), false);
    }
    return 2;
}

char *cli_draw_state(const json_t *state, const char *me, const struct cli_draw_opts *o)
{
    int who = player_index(me);
    char *turn = cli_turn_sentence(state, me);
    char *text = NULL;
    size_t size = 0;
    FILE *f = turn != NULL ? open_memstream(&text, &size) : NULL;
    if (f == NULL) {
        free(turn);
        return NULL;
    }
    char game[ISL_GAME_NAME_MAX * 4 + 1], names[2][ISL_PLAYER_NAME_MAX + 1];
    const char *game_name = json_string_value(json_object_get(state, "game"));
    safe_name(game_name != NULL ? game_name : "?", game, sizeof game);
    name_of(state, 0, "?", names[0], sizeof names[0]);
    name_of(state, 1, "(nobody yet)", names[1], sizeof names[1]);
    fprintf(f, "Game %s: %s vs %s", game, names[0], names[1]);
    if (who >= 0)
        fprintf(f, " (you are %s, %s)", names[who], me);
    fputs("\n\n", f);

    struct grid grids[2];
    int count = build_grids(state, who, grids);
    if (count > 0) {
        put_grids(f, grids, count, o);
        fputc('\n', f);
        put_legend(f, o->color);
        fputc('\n', f);
    }
    fprintf(f, "%s\n", turn);
    free(turn);
    return finish(f, &text);
}

/* ---------------------------------------------------------------- turn */

static bool has_won(const json_t *state, int p)
{
    return json_array_size(json_object_get(guesses_of(state, p), "hits")) >= ALL_ISLAND_SQUARES;
}

static bool islands_set(const json_t *state, int p)
{
    const char *s = json_string_value(json_object_get(json_object_get(state, "rules"),
                                                      isl_player_name((enum isl_player)p)));
    return s != NULL && strcmp(s, "islands_set") == 0;
}

char *cli_turn_sentence(const json_t *state, const char *me)
{
    int who = player_index(me);
    char names[2][ISL_PLAYER_NAME_MAX + 1];
    name_of(state, 0, "player 1", names[0], sizeof names[0]);
    name_of(state, 1, "player 2", names[1], sizeof names[1]);
    const char *rules = json_string_value(json_object_get(json_object_get(state, "rules"), "state"));
    enum isl_rules_state rs;
    char *out = NULL;
    int n = -1;

    if (rules == NULL || isl_rules_state_from_name(rules, &rs) != 0) {
        n = asprintf(&out, "The game is in an unknown state (%s)", rules != NULL ? rules : "none");
    } else if (rs == ISL_RULES_INITIALIZED) {
        n = asprintf(&out, "Waiting for a second player");
    } else if (rs == ISL_RULES_PLAYERS_SET && who < 0) {
        n = asprintf(&out, "The players are positioning their islands");
    } else if (rs == ISL_RULES_PLAYERS_SET && !islands_set(state, who)) {
        size_t placed = json_object_size(board_of(state, who));
        const char *game = json_string_value(json_object_get(state, "game"));
        char safe_game[ISL_GAME_NAME_MAX * 4 + 1];
        safe_name(game != NULL ? game : "GAME", safe_game, sizeof safe_game);
        if (placed < ISL_ISLAND_KINDS)
            n = asprintf(&out, "Position your islands (%zu of %d placed)", placed, ISL_ISLAND_KINDS);
        else
            n = asprintf(&out, "Position your islands (%d of %d placed; set them with: "
                         "islands ready %s)", ISL_ISLAND_KINDS, ISL_ISLAND_KINDS, safe_game);
    } else if (rs == ISL_RULES_PLAYERS_SET) {
        n = asprintf(&out, "Waiting for %s to set their islands", names[1 - who]);
    } else if (rs == ISL_RULES_PLAYER1_TURN || rs == ISL_RULES_PLAYER2_TURN) {
        int turn = rs == ISL_RULES_PLAYER1_TURN ? 0 : 1;
        if (who < 0)
            n = asprintf(&out, "%s's turn", names[turn]);
        else if (turn == who)
            n = asprintf(&out, "Your turn");
        else
            n = asprintf(&out, "Waiting for %s", names[turn]);
    } else {
        int winner = has_won(state, 0) ? 0 : has_won(state, 1) ? 1 : -1;
        if (winner < 0)
            n = asprintf(&out, "The game is over");
        else if (winner == who)
            n = asprintf(&out, "You won!");
        else
            n = asprintf(&out, "%s won", names[winner]);
    }
    return n < 0 ? NULL : out;
}
