/* JSON -> game: decode a stored document (format in codec.c) and refuse
 * anything the engine could not have produced. Each failure names the
 * offending field by its path, e.g. "players[0].board.atoll.hits[2]". */
#include "islands/codec.h"

#include <string.h>

#include "codec_fields.h"
#include "islands/request.h"

/* --------------------------------------------------------- square sets */

/* The first square of a (in row, then col order) whose membership in b is
 * `inside`, with its index in a's canonical list. */
static bool first_square(const struct isl_squares *a, const struct isl_squares *b,
                         bool inside, int *row, int *col, int *index)
{
    int i = 0;
    for (int r = 1; r <= ISL_BOARD_SIZE; r++) {
        for (int c = 1; c <= ISL_BOARD_SIZE; c++) {
            if (!isl_squares_has(a, r, c))
                continue;
            if (isl_squares_has(b, r, c) == inside) {
                *row = r;
                *col = c;
                *index = i;
                return true;
            }
            i++;
        }
    }
    return false;
}

static const char *island_at(const struct isl_board *b, int row, int col)
{
    for (int t = 0; t < ISL_ISLAND_KINDS; t++)
        if (b->islands[t].positioned && isl_squares_has(&b->islands[t].squares, row, col))
            return isl_island_name((enum isl_island_type)t);
    return NULL;
}

static void board_union(const struct isl_board *b, struct isl_squares *squares,
                        struct isl_squares *hits)
{
    memset(squares, 0, sizeof *squares);
    memset(hits, 0, sizeof *hits);
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        for (int w = 0; w < 2; w++) {
            squares->bits[w] |= b->islands[t].squares.bits[w];
            hits->bits[w] |= b->islands[t].hits.bits[w];
        }
    }
}

static bool squares_empty(const struct isl_squares *s)
{
    return isl_squares_count(s) == 0;
}

static bool has_guessed(const struct isl_player_state *p)
{
    return !squares_empty(&p->guesses.hits) || !squares_empty(&p->guesses.misses);
}

/* -------------------------------------------------------------- players */

int codec_place_island(struct codec_error *e, const char *path, enum isl_island_type type,
                       int row, int col, struct isl_board *board)
{
    const char *name = isl_island_name(type);
    struct isl_squares squares;
    if (isl_island_shape(type, row, col, &squares) != ISL_OK)
        return codec_fail(e, path, "the %s at (%d,%d) does not fit on the board",
                          name, row, col);
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        const struct isl_island *other = &board->islands[t];
        if (other->positioned && isl_squares_intersect(&other->squares, &squares))
            return codec_fail(e, path, "the %s at (%d,%d) overlaps the %s", name, row, col,
                              isl_island_name((enum isl_island_type)t));
    }
    isl_board_position_island(board, type, row, col);
    return 0;
}

int codec_set_island_hits(struct codec_error *e, const char *hits_path,
                          enum isl_island_type type, const struct isl_squares *hits,
                          struct isl_board *board)
{
    int r, c, i;
    if (first_square(hits, &board->islands[type].squares, false, &r, &c, &i))
        return codec_fail_at(e, hits_path, i, "square (%d,%d) is not part of the %s",
                             r, c, isl_island_name(type));
    board->islands[type].hits = *hits;
    return 0;
}

static int decode_island(struct codec_error *e, const json_t *obj, const char *path,
                         enum isl_island_type type, struct isl_board *board)
{
    static const char *const keys[] = {"col", "hits", "row", NULL};
    int row, col;
    if (codec_check_object(e, obj, path, keys) != 0 ||
        codec_coordinate_member(e, obj, path, "row", &row) != 0 ||
        codec_coordinate_member(e, obj, path, "col", &col) != 0 ||
        codec_place_island(e, path, type, row, col, board) != 0)
        return -1;
    char hits_path[CODEC_PATH_LEN];
    codec_path(hits_path, "%s.hits", path);
    json_t *hits_json = codec_member(e, obj, path, "hits", JSON_ARRAY);
    struct isl_squares hits;
    if (hits_json == NULL || codec_decode_squares(e, hits_json, hits_path, &hits) != 0)
        return -1;
    return codec_set_island_hits(e, hits_path, type, &hits, board);
}

static int decode_board(struct codec_error *e, const json_t *obj, const char *path,
                        struct isl_board *board)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        enum isl_island_type type;
        if (isl_island_from_name(key, &type) != 0)
            return codec_fail(e, path, "unknown island type \"%s\"", key);
        char island_path[CODEC_PATH_LEN];
        codec_path(island_path, "%s.%s", path, key);
        if (decode_island(e, value, island_path, type, board) != 0)
            return -1;
    }
    return 0;
}

static int decode_guesses(struct codec_error *e, const json_t *obj, const char *path,
                          struct isl_guesses *guesses)
{
    static const char *const keys[] = {"hits", "misses", NULL};
    char hits_path[CODEC_PATH_LEN], misses_path[CODEC_PATH_LEN];
    codec_path(hits_path, "%s.hits", path);
    codec_path(misses_path, "%s.misses", path);
    json_t *hits, *misses;
    if (codec_check_object(e, obj, path, keys) != 0 ||
        (hits = codec_member(e, obj, path, "hits", JSON_ARRAY)) == NULL ||
        (misses = codec_member(e, obj, path, "misses", JSON_ARRAY)) == NULL ||
        codec_decode_squares(e, hits, hits_path, &guesses->hits) != 0 ||
        codec_decode_squares(e, misses, misses_path, &guesses->misses) != 0)
        return -1;
    return 0;
}

static bool token_valid(const char *s, size_t len)
{
    if (len != ISL_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int codec_player_name(struct codec_error *e, const char *path, const char *name, size_t len)
{
    if (len <= ISL_PLAYER_NAME_MAX && isl_player_name_valid(name, len))
        return 0;
    char field[CODEC_PATH_LEN];
    codec_path(field, "%s.name", path);
    return codec_fail(e, field, "must be 1 to %d characters without control characters",
                      ISL_PLAYER_NAME_MAX_CHARS);
}

int codec_player_token(struct codec_error *e, const char *path, const char *token, size_t len)
{
    if (token_valid(token, len))
        return 0;
    char field[CODEC_PATH_LEN];
    codec_path(field, "%s.token", path);
    return codec_fail(e, field, "must be %d lowercase hex digits", ISL_TOKEN_LEN);
}

int codec_join_player(struct codec_error *e, const char *path, const char *name,
                      size_t name_len, const char *token, size_t token_len, bool islands_set,
                      struct isl_player_state *p)
{
    p->joined = true;
    p->islands_set = islands_set;
    memcpy(p->name, name, name_len);
    memcpy(p->token, token, token_len);
    if (p->islands_set && !isl_board_all_positioned(&p->board)) {
        char field[CODEC_PATH_LEN];
        codec_path(field, "%s.islands_set", path);
        int positioned = 0;
        for (int t = 0; t < ISL_ISLAND_KINDS; t++)
            positioned += p->board.islands[t].positioned;
        return codec_fail(e, field, "true, but only %d of %d islands are positioned",
                          positioned, ISL_ISLAND_KINDS);
    }
    return 0;
}

static int decode_player(struct codec_error *e, const json_t *obj, const char *path,
                         struct isl_player_state *p)
{
    static const char *const keys[] = {"board", "guesses", "islands_set", "name", "token",
                                       NULL};
    char field[CODEC_PATH_LEN];
    size_t name_len, token_len;
    const char *name, *token;
    json_t *islands_set, *board, *guesses;
    if (codec_check_object(e, obj, path, keys) != 0 ||
        (name = codec_string_member(e, obj, path, "name", &name_len)) == NULL ||
        codec_player_name(e, path, name, name_len) != 0 ||
        (token = codec_string_member(e, obj, path, "token", &token_len)) == NULL ||
        codec_player_token(e, path, token, token_len) != 0)
        return -1;
    if ((islands_set = codec_member(e, obj, path, "islands_set", JSON_TRUE)) == NULL ||
        (board = codec_member(e, obj, path, "board", JSON_OBJECT)) == NULL ||
        (guesses = codec_member(e, obj, path, "guesses", JSON_OBJECT)) == NULL)
        return -1;
    codec_path(field, "%s.board", path);
    if (decode_board(e, board, field, &p->board) != 0)
        return -1;
    codec_path(field, "%s.guesses", path);
    if (decode_guesses(e, guesses, field, &p->guesses) != 0)
        return -1;
    return codec_join_player(e, path, name, name_len, token, token_len,
                             json_is_true(islands_set), p);
}

/* ---------------------------------------------------------- consistency */

/* What `guesser` recorded must match the other board: a recorded hit is a
 * hit on an island there, a miss is on no island, and every hit on that
 * board is one of the guesser's hits. */
static int check_guesses(struct codec_error *e, const struct isl_game *g,
                         enum isl_player guesser)
{
    enum isl_player target = isl_other_player(guesser);
    const struct isl_player_state *me = &g->players[guesser];
    const struct isl_player_state *them = &g->players[target];
    const char *target_name = isl_player_name(target);
    /* Constant paths: this runs for every load, failures are rare. */
    static const char *const hits_paths[] = {"players[0].guesses.hits",
                                             "players[1].guesses.hits"};
    static const char *const misses_paths[] = {"players[0].guesses.misses",
                                               "players[1].guesses.misses"};
    const char *hits = hits_paths[guesser], *misses = misses_paths[guesser];
    if (!them->joined) {
        if (has_guessed(me))
            return codec_fail(e, hits, "no %s to guess against yet", target_name);
        return 0;
    }
    struct isl_squares island_squares, island_hits;
    board_union(&them->board, &island_squares, &island_hits);
    int r, c, i;
    if (first_square(&me->guesses.hits, &island_squares, false, &r, &c, &i))
        return codec_fail_at(e, hits, i, "square (%d,%d) is not on an island of %s",
                             r, c, target_name);
    if (first_square(&me->guesses.hits, &island_hits, false, &r, &c, &i))
        return codec_fail_at(e, hits, i, "square (%d,%d) is not among the hits on %s's %s",
                             r, c, target_name, island_at(&them->board, r, c));
    if (first_square(&me->guesses.misses, &island_squares, true, &r, &c, &i))
        return codec_fail_at(e, misses, i, "square (%d,%d) is on %s's %s, so not a miss",
                             r, c, target_name, island_at(&them->board, r, c));
    for (int t = 0; t < ISL_ISLAND_KINDS; t++) {
        const struct isl_squares *island_hit = &them->board.islands[t].hits;
        if (first_square(island_hit, &me->guesses.hits, false, &r, &c, &i)) {
            char path[CODEC_PATH_LEN];
            codec_path(path, "players[%d].board.%s.hits", target,
                       isl_island_name((enum isl_island_type)t));
            return codec_fail_at(e, path, i, "square (%d,%d) was never guessed by %s",
                                 r, c, isl_player_name(guesser));
        }
    }
    return 0;
}

/* initialized: player 1 alone, nothing positioned (the rules allow no
 * move but add_player). players_set: islands may be positioned, at most
 * one player has set them, nobody has guessed. */
static int check_before_start(struct codec_error *e, const struct isl_game *g)
{
    const char *state = isl_rules_state_name(g->state);
    const struct isl_player_state *p1 = &g->players[ISL_PLAYER1];
    if (g->state == ISL_RULES_INITIALIZED) {
        if (g->players[ISL_PLAYER2].joined)
            return codec_fail(e, "players[1]", "must be null in rules state %s", state);
        for (int t = 0; t < ISL_ISLAND_KINDS; t++)
            if (p1->board.islands[t].positioned)
                return codec_fail(e, "players[0].board", "must be empty in rules state %s "
                                  "(islands are positioned once both players joined)", state);
        if (p1->islands_set)
            return codec_fail(e, "players[0].islands_set", "must be false in rules state %s",
                              state);
        return 0;
    }
    if (p1->islands_set && g->players[ISL_PLAYER2].islands_set)
        return codec_fail(e, "rules", "%s, but both players have set their islands "
                          "(it would be player1_turn)", state);
    for (int p = 0; p < 2; p++) {
        if (has_guessed(&g->players[p])) {
            char path[CODEC_PATH_LEN];
            codec_path(path, "players[%d].guesses", p);
            return codec_fail(e, path, "no guesses before the game starts (rules state %s)",
                              state);
        }
    }
    return 0;
}

/* The turns and game_over: both islands set, a fully forested board if
 * and only if the game is over, and player 1 guesses first. */
static int check_after_start(struct codec_error *e, const struct isl_game *g)
{
    const char *state = isl_rules_state_name(g->state);
    for (int p = 0; p < 2; p++) {
        if (!g->players[p].islands_set) {
            char path[CODEC_PATH_LEN];
            codec_path(path, "players[%d].islands_set", p);
            return codec_fail(e, path, "must be true once the game has started "
                              "(rules state %s)", state);
        }
    }
    bool forested1 = isl_board_all_forested(&g->players[ISL_PLAYER1].board);
    bool forested2 = isl_board_all_forested(&g->players[ISL_PLAYER2].board);
    if (forested1 && forested2)
        return codec_fail(e, "players", "both boards are fully forested");
    if (g->state == ISL_RULES_GAME_OVER && !forested1 && !forested2)
        return codec_fail(e, "rules", "game_over, but neither board is fully forested");
    if (g->state != ISL_RULES_GAME_OVER && (forested1 || forested2))
        return codec_fail(e, "rules", "%s, but %s's board is fully forested "
                          "(it would be game_over)", state, forested1 ? "player1" : "player2");
    bool guessed1 = has_guessed(&g->players[ISL_PLAYER1]);
    if (has_guessed(&g->players[ISL_PLAYER2]) && !guessed1)
        return codec_fail(e, "players[0].guesses", "player2 has guessed, but player1, "
                          "who guesses first, has not");
    if (g->state == ISL_RULES_PLAYER2_TURN && !guessed1)
        return codec_fail(e, "rules", "player2_turn, but player1 has not guessed yet");
    return 0;
}

static int check_rules(struct codec_error *e, const struct isl_game *g)
{
    if (g->state != ISL_RULES_INITIALIZED && !g->players[ISL_PLAYER2].joined)
        return codec_fail(e, "players[1]", "a second player is needed in rules state %s",
                          isl_rules_state_name(g->state));
    if (g->state == ISL_RULES_INITIALIZED || g->state == ISL_RULES_PLAYERS_SET)
        return check_before_start(e, g);
    return check_after_start(e, g);
}

int codec_check_game(struct codec_error *e, const struct isl_game *g)
{
    if (check_guesses(e, g, ISL_PLAYER1) != 0 || check_guesses(e, g, ISL_PLAYER2) != 0)
        return -1;
    return check_rules(e, g);
}

/* ------------------------------------------------------------- document */

static int decode_players(struct codec_error *e, const json_t *players, struct isl_game *g)
{
    if (json_array_size(players) != 2)
        return codec_fail(e, "players", "must hold exactly 2 entries (player2 may be null)");
    for (int p = 0; p < 2; p++) {
        const json_t *player = json_array_get(players, (size_t)p);
        char path[CODEC_PATH_LEN];
        codec_path(path, "players[%d]", p);
        if (json_is_null(player)) {
            if (p == ISL_PLAYER1)
                return codec_fail(e, path, "player1 must be present");
        } else if (decode_player(e, player, path, &g->players[p]) != 0) {
            return -1;
        }
    }
    return 0;
}

static int decode_document(struct codec_error *e, const json_t *doc, struct isl_game *g)
{
    static const char *const keys[] = {"changes", "game", "players", "rules", "version", NULL};
    const char *top = "document";
    json_t *version, *players, *changes;
    const char *game, *rules;
    size_t game_len, rules_len;
    if (codec_check_object(e, doc, top, keys) != 0 ||
        (version = codec_member(e, doc, top, "version", JSON_INTEGER)) == NULL)
        return -1;
    json_int_t v = json_integer_value(version);
    if (v != 1 && v != ISL_CODEC_VERSION)
        return codec_fail(e, "version", "unsupported version %" JSON_INTEGER_FORMAT
                          " (this program reads versions 1 to %d)", v, ISL_CODEC_VERSION);
    if (v == 1) {
        if (json_object_get(doc, "changes") != NULL)
            return codec_fail(e, "changes", "not a field of version 1");
    } else {
        if ((changes = codec_member(e, doc, top, "changes", JSON_INTEGER)) == NULL)
            return -1;
        if (json_integer_value(changes) < 0)
            return codec_fail(e, "changes", "must not be negative");
        g->changes = (uint64_t)json_integer_value(changes);
    }
    if ((game = codec_string_member(e, doc, top, "game", &game_len)) == NULL)
        return -1;
    if (!isl_game_name_valid(game, game_len))
        return codec_fail(e, "game", "must be 1 to %d characters of A-Z a-z 0-9 _ . -",
                          ISL_GAME_NAME_MAX);
    memcpy(g->name, game, game_len);
    if ((rules = codec_string_member(e, doc, top, "rules", &rules_len)) == NULL)
        return -1;
    if (isl_rules_state_from_name(rules, &g->state) != 0)
        return codec_fail(e, "rules", "unknown rules state \"%s\"", rules);
    if ((players = codec_member(e, doc, top, "players", JSON_ARRAY)) == NULL ||
        decode_players(e, players, g) != 0)
        return -1;
    return codec_check_game(e, g);
}

int isl_codec_decode(const json_t *doc, struct isl_game *out, char *err, size_t errlen)
{
    struct codec_error error = {err, errlen};
    struct isl_game game;   /* built here, copied out only when all is valid */
    memset(&game, 0, sizeof game);
    if (doc == NULL)
        return codec_fail(&error, "document", "missing");
    if (decode_document(&error, doc, &game) != 0)
        return -1;
    memcpy(out, &game, sizeof *out);
    return 0;
}
