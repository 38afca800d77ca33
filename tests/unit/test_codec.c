/* The codec: the stored document (canonical text, exact round trips, and
 * every kind of corrupted document refused with the field named) and the
 * `state` views of PROTOCOL.md. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../support/check_main.h"
#include "../support/game_fixtures.h"
#include "islands/codec.h"

/* Player 1 hit (1,4) the dot and (1,1), missed (9,9); player 2 hit (1,1)
 * and missed (8,8); player 2 to play. */
static void mid_game(struct isl_game *g)
{
    struct isl_guess_result r;
    fx_game_started(g);
    static const int moves[5][2] = {{1, 4}, {1, 1}, {9, 9}, {8, 8}, {1, 1}};
    for (int i = 0; i < 5; i++) {
        enum isl_player p = i % 2 ? ISL_PLAYER2 : ISL_PLAYER1;
        ck_assert_int_eq(isl_game_guess(g, p, moves[i][0], moves[i][1], &r), ISL_OK);
    }
}

static const char mid_game_text[] =
    "{\"changes\":18,\"game\":\"g1\",\"players\":["
    "{\"board\":{\"atoll\":{\"col\":1,\"hits\":[[1,1]],\"row\":1},"
    "\"dot\":{\"col\":4,\"hits\":[],\"row\":1},\"l_shape\":{\"col\":5,\"hits\":[],\"row\":1},"
    "\"s_shape\":{\"col\":1,\"hits\":[],\"row\":5},\"square\":{\"col\":5,\"hits\":[],\"row\":5}},"
    "\"guesses\":{\"hits\":[[1,1],[1,4]],\"misses\":[[9,9]]},\"islands_set\":true,"
    "\"name\":\"Ann\",\"token\":\"" FX_TOKEN1 "\"},"
    "{\"board\":{\"atoll\":{\"col\":1,\"hits\":[[1,1]],\"row\":1},"
    "\"dot\":{\"col\":4,\"hits\":[[1,4]],\"row\":1},\"l_shape\":{\"col\":5,\"hits\":[],\"row\":1},"
    "\"s_shape\":{\"col\":1,\"hits\":[],\"row\":5},\"square\":{\"col\":5,\"hits\":[],\"row\":5}},"
    "\"guesses\":{\"hits\":[[1,1]],\"misses\":[[8,8]]},\"islands_set\":true,"
    "\"name\":\"Bob\",\"token\":\"" FX_TOKEN2 "\"}],"
    "\"rules\":\"player2_turn\",\"version\":2}";

static const char new_game_text[] =
    "{\"changes\":0,\"game\":\"g1\",\"players\":[{\"board\":{},\"guesses\":{\"hits\":[],\"misses\":[]},"
    "\"islands_set\":false,\"name\":\"Ann\",\"token\":\"" FX_TOKEN1 "\"},null],"
    "\"rules\":\"initialized\",\"version\":2}";

/* decode(encode(g)) == g byte for byte, and the text survives a round trip. */
static void assert_round_trip(const struct isl_game *g)
{
    char *text = isl_codec_dump(g);
    ck_assert_ptr_nonnull(text);
    struct isl_game back;
    char err[256] = "";
    ck_assert_msg(isl_codec_load(text, strlen(text), &back, err, sizeof err) == 0,
                  "%s in %s", err, text);
    ck_assert(memcmp(g, &back, sizeof back) == 0);
    char *again = isl_codec_dump(&back);
    ck_assert_str_eq(again, text);
    free(again);
    free(text);
}

START_TEST(encode_new_game)
{
    struct isl_game g;
    fx_new_game(&g);
    char *text = isl_codec_dump(&g);
    ck_assert_str_eq(text, new_game_text);
    free(text);
    assert_round_trip(&g);
}
END_TEST

START_TEST(encode_mid_game)
{
    struct isl_game g;
    mid_game(&g);
    char *text = isl_codec_dump(&g);
    ck_assert_str_eq(text, mid_game_text);
    free(text);
    assert_round_trip(&g);
}
END_TEST

START_TEST(round_trips_in_every_state)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_players_set(&g);
    assert_round_trip(&g);
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER2, "s_shape", 9, 8), ISL_OK);
    fx_position_layout(&g, ISL_PLAYER1);
    ck_assert_int_eq(isl_game_set_islands(&g, ISL_PLAYER1), ISL_OK);
    assert_round_trip(&g);
    fx_game_started(&g);
    assert_round_trip(&g);
    fx_one_guess_from_win(&g);
    assert_round_trip(&g);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 6, 6, &r), ISL_OK);
    ck_assert(r.win);
    assert_round_trip(&g);
}
END_TEST

START_TEST(names_beyond_ascii_round_trip)
{
    struct isl_game g;
    /* 64 code points of 4-byte UTF-8, the longest name there is. */
    char name[ISL_PLAYER_NAME_MAX + 1] = "";
    for (int i = 0; i < ISL_PLAYER_NAME_MAX_CHARS; i++)
        strcat(name, "\xF0\x9F\x8C\xB4");
    isl_game_new(&g, "a.b-c_D", name, FX_TOKEN1);
    ck_assert_int_eq(isl_game_add_player(&g, "Zoë Ann", FX_TOKEN2), ISL_OK);
    assert_round_trip(&g);
}
END_TEST

START_TEST(pretty_text_decodes_to_the_same_game)
{
    struct isl_game g, back;
    mid_game(&g);
    json_t *doc = isl_codec_encode(&g);
    char *pretty = json_dumps(doc, JSON_INDENT(2));
    char err[256];
    ck_assert_int_eq(isl_codec_load(pretty, strlen(pretty), &back, err, sizeof err), 0);
    ck_assert(memcmp(&g, &back, sizeof g) == 0);
    free(pretty);
    json_decref(doc);
}
END_TEST

/* ------------------------------------------------------------ corruption */

/* A version 1 document (before "changes") loads with no changes counted
 * and is written back as the current version. */
START_TEST(version_1_document_loads)
{
    const char *v2_head = "{\"changes\":18,";
    char v1[2048];
    snprintf(v1, sizeof v1, "{%.*s\"version\":1}",
             (int)(strlen(mid_game_text) - strlen(v2_head) - strlen("\"version\":2}")),
             mid_game_text + strlen(v2_head));
    struct isl_game g, expected;
    char err[256] = "";
    ck_assert_int_eq(isl_codec_read_canonical(v1, strlen(v1), &g), 0);
    ck_assert_msg(isl_codec_load(v1, strlen(v1), &g, err, sizeof err) == 0, "%s in %s", err, v1);
    mid_game(&expected);
    ck_assert_uint_eq(g.changes, 0);
    expected.changes = 0;
    ck_assert(memcmp(&g, &expected, sizeof g) == 0);
    char *text = isl_codec_dump(&g);
    ck_assert_ptr_nonnull(strstr(text, "\"version\":2}"));
    ck_assert_ptr_nonnull(strstr(text, "{\"changes\":0,"));
    free(text);
}
END_TEST

struct corruption {
    const char *from, *to;     /* first occurrence of from, in the base text */
    const char *message;       /* expected start of the error */
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Applied to mid_game_text. */
static const struct corruption mid_game_corruptions[] = {
    {"\"version\":2", "\"version\":3", "version: unsupported version 3"},
    {"\"version\":2", "\"version\":0", "version: unsupported version 0"},
    {"\"version\":2", "\"version\":\"2\"", "document.version: must be an integer"},
    {"\"version\":2}", "\"version\":2,\"extra\":0}", "document: unknown field \"extra\""},
    {"\"version\":2", "\"version\":1", "changes: not a field of version 1"},
    {"\"changes\":18", "\"changes\":-1", "changes: must not be negative"},
    {"\"changes\":18", "\"changes\":1.5", "document.changes: must be an integer"},
    {"\"changes\":18,", "", "document: missing field \"changes\""},
    {"\"game\":\"g1\"", "\"game\":\"g/1\"", "game: must be 1 to 64 characters"},
    {"\"game\":\"g1\"", "\"game\":7", "document.game: must be a string"},
    {"\"rules\":\"player2_turn\"", "\"rules\":\"player3_turn\"", "rules: unknown rules state"},
    {"],\"rules\"", ",null],\"rules\"", "players: must hold exactly 2 entries"},
    {"\"name\":\"Ann\"", "\"name\":\"\"", "players[0].name: must be 1 to 64 characters"},
    {"\"name\":\"Bob\"", "\"name\":\"B\\u0007b\"", "players[1].name: must be 1 to 64"},
    {"\"token\":\"0123456789abcdef", "\"token\":\"0123456789ABCDEF",
     "players[0].token: must be 32 lowercase hex digits"},
    {"\"token\":\"fedcba", "\"token\":\"", "players[1].token: must be 32 lowercase hex"},
    {"\"islands_set\":true", "\"islands_set\":1", "players[0].islands_set: must be a boolean"},
    {"\"guesses\":{\"hits\":[[1,1],[1,4]],\"misses\":[[9,9]]},", "",
     "players[0]: missing field \"guesses\""},
    {"\"dot\":{\"col\":4,\"hits\":[],\"row\":1}", "\"volcano\":{\"col\":4,\"hits\":[],\"row\":1}",
     "players[0].board: unknown island type \"volcano\""},
    {"\"dot\":{\"col\":4,\"hits\":[],\"row\":1}",
     "\"dot\":{\"col\":4,\"hits\":[],\"row\":1,\"z\":1}",
     "players[0].board.dot: unknown field \"z\""},
    {"\"square\":{\"col\":5,\"hits\":[],\"row\":5}",
     "\"square\":{\"col\":5,\"hits\":[],\"row\":11}",
     "players[0].board.square.row: must be an integer from 1 to 10"},
    {"\"l_shape\":{\"col\":5", "\"l_shape\":{\"col\":10",
     "players[0].board.l_shape: the l_shape at (1,10) does not fit on the board"},
    {"\"dot\":{\"col\":4,\"hits\":[],\"row\":1}", "\"dot\":{\"col\":2,\"hits\":[],\"row\":2}",
     "players[0].board.dot: the dot at (2,2) overlaps the atoll"},
    {"\"atoll\":{\"col\":1,\"hits\":[[1,1]]", "\"atoll\":{\"col\":1,\"hits\":[[1,1],[4,4]]",
     "players[0].board.atoll.hits[1]: square (4,4) is not part of the atoll"},
    {"\"hits\":[[1,1],[1,4]]", "\"hits\":[[1,4],[1,1]]",
     "players[0].guesses.hits[1]: (1,1) is out of order or repeated"},
    {"\"hits\":[[1,1],[1,4]]", "\"hits\":[[1,1],[1,1],[1,4]]",
     "players[0].guesses.hits[1]: (1,1) is out of order or repeated"},
    {"\"misses\":[[9,9]]", "\"misses\":[[9,9,1]]",
     "players[0].guesses.misses[0]: must be [row, col]"},
    {"\"misses\":[[9,9]]", "\"misses\":[[9,0]]",
     "players[0].guesses.misses[0]: must be [row, col]"},
    {"\"misses\":[[9,9]]", "\"misses\":{}", "players[0].guesses.misses: must be an array"},
    {"\"hits\":[[1,1],[1,4]]", "\"hits\":[[1,1],[1,4],[9,10]]",
     "players[0].guesses.hits[2]: square (9,10) is not on an island of player2"},
    {"\"dot\":{\"col\":4,\"hits\":[[1,4]]", "\"dot\":{\"col\":4,\"hits\":[]",
     "players[0].guesses.hits[1]: square (1,4) is not among the hits on player2's dot"},
    {"\"misses\":[[9,9]]", "\"misses\":[[1,2]]",
     "players[0].guesses.misses[0]: square (1,2) is on player2's atoll, so not a miss"},
    {"\"hits\":[[1,1],[1,4]]", "\"hits\":[[1,1]]",
     "players[1].board.dot.hits[0]: square (1,4) was never guessed by player1"},
    {"\"rules\":\"player2_turn\"", "\"rules\":\"players_set\"",
     "rules: players_set, but both players have set their islands"},
    {"\"rules\":\"player2_turn\"", "\"rules\":\"initialized\"",
     "players[1]: must be null in rules state initialized"},
    {"\"rules\":\"player2_turn\"", "\"rules\":\"game_over\"",
     "rules: game_over, but neither board is fully forested"},
    {"\"islands_set\":true,\"name\":\"Bob\"", "\"islands_set\":false,\"name\":\"Bob\"",
     "players[1].islands_set: must be true once the game has started"},
    {"\"dot\":{\"col\":4,\"hits\":[],\"row\":1},", "",
     "players[0].islands_set: true, but only 4 of 5 islands are positioned"},
    {"{\"changes\"", "[{\"changes\"", "not a JSON document"},
    {"\"game\":\"g1\",", "\"game\":\"g1\",\"game\":\"g1\",", "not a JSON document"},
};

/* Applied to new_game_text. */
static const struct corruption new_game_corruptions[] = {
    {"\"rules\":\"initialized\"", "\"rules\":\"players_set\"",
     "players[1]: a second player is needed in rules state players_set"},
    {"\"board\":{}", "\"board\":{\"dot\":{\"col\":1,\"hits\":[],\"row\":1}}",
     "players[0].board: must be empty in rules state initialized"},
    {"[{\"board\"", "[null,{\"board\"", "players: must hold exactly 2"},
    {"[{\"board\":{},\"guesses\":{\"hits\":[],\"misses\":[]},\"islands_set\":false,"
     "\"name\":\"Ann\",\"token\":\"" FX_TOKEN1 "\"},null]", "[null,null]",
     "players[0]: player1 must be present"},
    {"\"misses\":[]", "\"misses\":[[3,3]]", "players[0].guesses.hits: no player2 to guess against"},
    {"{\"changes\"", "[]", "not a JSON document"},
};

static void assert_rejected(const char *base, const struct corruption *c)
{
    const char *at = strstr(base, c->from);
    ck_assert_msg(at != NULL, "test bug: %s not in the base text", c->from);
    size_t head = (size_t)(at - base);
    size_t len = strlen(base) - strlen(c->from) + strlen(c->to);
    char *text = malloc(len + 1);
    memcpy(text, base, head);
    strcpy(text + head, c->to);
    strcat(text, at + strlen(c->from));

    struct isl_game out, sentinel;
    memset(&out, 0x5A, sizeof out);
    memcpy(&sentinel, &out, sizeof out);
    char err[256] = "";
    ck_assert_msg(isl_codec_load(text, len, &out, err, sizeof err) == -1,
                  "accepted: %s", text);
    ck_assert_msg(strncmp(err, c->message, strlen(c->message)) == 0,
                  "expected \"%s...\", got \"%s\"", c->message, err);
    ck_assert(memcmp(&out, &sentinel, sizeof out) == 0);
    free(text);
}

START_TEST(corrupted_mid_game)
{
    assert_rejected(mid_game_text, &mid_game_corruptions[_i]);
}
END_TEST

START_TEST(corrupted_new_game)
{
    assert_rejected(new_game_text, &new_game_corruptions[_i]);
}
END_TEST

/* Documents that need a whole game to build: a won game whose state was
 * not moved on, and a game where player 2 guessed before player 1. */
START_TEST(corrupted_turns)
{
    struct isl_game g;
    struct isl_guess_result r;
    fx_game_started(&g);
    fx_one_guess_from_win(&g);
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 6, 6, &r), ISL_OK);
    char *text = isl_codec_dump(&g);
    struct corruption not_over = {"\"rules\":\"game_over\"", "\"rules\":\"player2_turn\"",
        "rules: player2_turn, but player2's board is fully forested (it would be game_over)"};
    assert_rejected(text, &not_over);
    free(text);

    fx_game_started(&g);
    text = isl_codec_dump(&g);
    struct corruption p2_first = {"\"rules\":\"player1_turn\"", "\"rules\":\"player2_turn\"",
                                  "rules: player2_turn, but player1 has not guessed yet"};
    assert_rejected(text, &p2_first);
    free(text);
}
END_TEST

START_TEST(nul_in_a_name_is_refused)
{
    struct isl_game g, out;
    fx_new_game(&g);
    json_t *doc = isl_codec_encode(&g);
    json_t *player = json_array_get(json_object_get(doc, "players"), 0);
    json_object_set_new(player, "name", json_stringn("A\0n", 3));
    char err[256];
    ck_assert_int_eq(isl_codec_decode(doc, &out, err, sizeof err), -1);
    ck_assert_str_eq(err, "players[0].name: must not contain NUL characters");
    ck_assert_int_eq(isl_codec_decode(NULL, &out, err, sizeof err), -1);
    ck_assert_str_eq(err, "document: missing");
    json_decref(doc);
}
END_TEST

/* ------------------------------------------------------ canonical reader */

/* The jansson path alone (isl_codec_load tries the canonical reader first). */
static int load_by_jansson(const char *text, size_t len, struct isl_game *out)
{
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    char err[256];
    int rc = doc ? isl_codec_decode(doc, out, err, sizeof err) : -1;
    json_decref(doc);
    return rc;
}

/* The reader takes g's canonical text and builds exactly jansson's game. */
static void assert_read_canonical(const struct isl_game *g)
{
    char *text = isl_codec_dump(g);
    struct isl_game fast, slow;
    memset(&fast, 0x5A, sizeof fast);
    memset(&slow, 0xA5, sizeof slow);
    ck_assert_msg(isl_codec_read_canonical(text, strlen(text), &fast) == 1, "declined %s", text);
    ck_assert_int_eq(load_by_jansson(text, strlen(text), &slow), 0);
    ck_assert(memcmp(&fast, &slow, sizeof fast) == 0);
    ck_assert(memcmp(&fast, g, sizeof fast) == 0);
    free(text);
}

START_TEST(canonical_reader_builds_the_same_games)
{
    struct isl_game g;
    fx_new_game(&g);
    assert_read_canonical(&g);
    fx_players_set(&g);
    assert_read_canonical(&g);
    fx_position_layout(&g, ISL_PLAYER1);
    assert_read_canonical(&g);
    fx_game_started(&g);
    assert_read_canonical(&g);
    mid_game(&g);
    assert_read_canonical(&g);
    fx_game_started(&g);
    fx_one_guess_from_win(&g);
    assert_read_canonical(&g);
    struct isl_guess_result r;
    ck_assert_int_eq(isl_game_guess(&g, ISL_PLAYER1, 6, 6, &r), ISL_OK);
    assert_read_canonical(&g);   /* game_over */
    srand(99);
    for (int n = 0; n < 6; n++) {
        fx_game_started(&g);
        for (int move = 0; g.state != ISL_RULES_GAME_OVER && move < 400; move++) {
            enum isl_player p = g.state == ISL_RULES_PLAYER1_TURN ? ISL_PLAYER1 : ISL_PLAYER2;
            if (isl_game_guess(&g, p, 1 + rand() % 10, 1 + rand() % 10, &r) == ISL_OK)
                assert_read_canonical(&g);
        }
    }
}
END_TEST

/* Every corrupted document above, and text that is valid but not in the
 * canonical layout: declined, so that jansson judges it. */
START_TEST(canonical_reader_declines_the_rest)
{
    struct isl_game out;
    for (int i = 0; i < COUNT(mid_game_corruptions); i++) {
        const struct corruption *c = &mid_game_corruptions[i];
        const char *at = strstr(mid_game_text, c->from);
        char text[2048];
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - mid_game_text), mid_game_text,
                 c->to, at + strlen(c->from));
        ck_assert_msg(isl_codec_read_canonical(text, strlen(text), &out) == 0, "took %s", text);
    }
    static const char *const valid_elsewhere[] = {
        "{\"changes\":18,\"game\":\"g1\", \"players\"",   /* a space */
        "{\"changes\":18,\"game\":\"\\u0067\\u0031\"",        /* an escaped name */
    };
    const char *from[] = {"{\"changes\":18,\"game\":\"g1\",\"players\"",
                          "{\"changes\":18,\"game\":\"g1\""};
    for (int i = 0; i < COUNT(valid_elsewhere); i++) {
        char text[2048];
        snprintf(text, sizeof text, "%s%s", valid_elsewhere[i], mid_game_text + strlen(from[i]));
        ck_assert_int_eq(isl_codec_read_canonical(text, strlen(text), &out), 0);
        ck_assert_int_eq(load_by_jansson(text, strlen(text), &out), 0);
    }
    ck_assert_int_eq(isl_codec_read_canonical(mid_game_text, strlen(mid_game_text) - 1, &out), 0);
}
END_TEST

/* Random one-byte edits of real documents: whatever the reader takes,
 * jansson takes too, as the same game. Some edits (a token's digit, a
 * name's letter) stay valid, so both sides of the rule are exercised. */
START_TEST(canonical_reader_never_takes_what_jansson_refuses)
{
    static const char alphabet[] = "0123456789[]{},:\"\\aeflnrstu ";
    struct isl_game g, fast, slow;
    struct isl_guess_result r;
    unsigned taken = 0, refused = 0;
    srand(7);
    for (int n = 0; n < 40; n++) {
        fx_game_started(&g);
        for (int move = rand() % 60; move > 0 && g.state != ISL_RULES_GAME_OVER; move--) {
            enum isl_player p = g.state == ISL_RULES_PLAYER1_TURN ? ISL_PLAYER1 : ISL_PLAYER2;
            isl_game_guess(&g, p, 1 + rand() % 10, 1 + rand() % 10, &r);
        }
        char *text = isl_codec_dump(&g);
        size_t len = strlen(text);
        char *edit = malloc(len + 2);
        for (int k = 0; k < 200; k++) {
            size_t at = (size_t)rand() % len, edit_len = len;
            char c = alphabet[rand() % (int)(sizeof alphabet - 1)];
            memcpy(edit, text, len);
            switch (rand() % 3) {
            case 0: edit[at] = c; break;
            case 1: memmove(edit + at, edit + at + 1, len - at - 1); edit_len--; break;
            default: memmove(edit + at + 1, edit + at, len - at); edit[at] = c; edit_len++; break;
            }
            if (isl_codec_read_canonical(edit, edit_len, &fast) == 1) {
                taken++;
                ck_assert_msg(load_by_jansson(edit, edit_len, &slow) == 0, "%.*s",
                              (int)edit_len, edit);
                ck_assert(memcmp(&fast, &slow, sizeof fast) == 0);
            } else {
                refused++;
            }
        }
        free(edit);
        free(text);
    }
    ck_assert_uint_gt(taken, 100);
    ck_assert_uint_gt(refused, 1000);
}
END_TEST

/* ------------------------------------------------------------ state view */

static void assert_json(json_t *value, const char *expected)
{
    ck_assert_ptr_nonnull(value);
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    ck_assert_str_eq(text, expected);
    free(text);
    json_decref(value);
}

START_TEST(state_view_before_player2)
{
    struct isl_game g;
    fx_new_game(&g);
    assert_json(isl_codec_state_view(&g, ISL_VIEW_ADMIN),
                "{\"game\":\"g1\",\"rules\":{\"state\":\"initialized\","
                "\"player1\":\"islands_not_set\",\"player2\":\"islands_not_set\"},"
                "\"player1\":{\"name\":\"Ann\",\"board\":{},"
                "\"guesses\":{\"hits\":[],\"misses\":[]}},\"player2\":null,\"changes\":0}");
}
END_TEST

START_TEST(state_views_hide_the_right_boards)
{
    struct isl_game g;
    fx_players_set(&g);
    ck_assert_int_eq(isl_game_position_island(&g, ISL_PLAYER1, "dot", 2, 3), ISL_OK);
    static const char head[] =
        "{\"game\":\"g1\",\"rules\":{\"state\":\"players_set\","
        "\"player1\":\"islands_not_set\",\"player2\":\"islands_not_set\"},";
    static const char board1[] =
        "\"board\":{\"dot\":{\"squares\":[[2,3]],\"hit\":[],\"forested\":false}},";
    static const char none[] = "\"guesses\":{\"hits\":[],\"misses\":[]}";
    char expected[1024];
    snprintf(expected, sizeof expected, "%s\"player1\":{\"name\":\"Ann\",%s%s},"
             "\"player2\":{\"name\":\"Bob\",\"board\":{},%s},\"changes\":2}", head, board1, none, none);
    assert_json(isl_codec_state_view(&g, ISL_VIEW_ADMIN), expected);
    snprintf(expected, sizeof expected, "%s\"player1\":{\"name\":\"Ann\",%s%s},"
             "\"player2\":{\"name\":\"Bob\",%s},\"changes\":2}", head, board1, none, none);
    assert_json(isl_codec_state_view(&g, ISL_VIEW_PLAYER1), expected);
    snprintf(expected, sizeof expected, "%s\"player1\":{\"name\":\"Ann\",%s},"
             "\"player2\":{\"name\":\"Bob\",\"board\":{},%s},\"changes\":2}", head, none, none);
    assert_json(isl_codec_state_view(&g, ISL_VIEW_PLAYER2), expected);
    snprintf(expected, sizeof expected, "%s\"player1\":{\"name\":\"Ann\",%s},"
             "\"player2\":{\"name\":\"Bob\",%s},\"changes\":2}", head, none, none);
    assert_json(isl_codec_state_view(&g, ISL_VIEW_PUBLIC), expected);
}
END_TEST

START_TEST(state_view_mid_game)
{
    struct isl_game g;
    mid_game(&g);
    json_t *view = isl_codec_state_view(&g, ISL_VIEW_PLAYER2);
    json_t *rules = json_object_get(view, "rules");
    ck_assert_str_eq(json_string_value(json_object_get(rules, "state")), "player2_turn");
    ck_assert_str_eq(json_string_value(json_object_get(rules, "player1")), "islands_set");
    ck_assert_str_eq(json_string_value(json_object_get(rules, "player2")), "islands_set");
    json_t *p1 = json_object_get(view, "player1");
    ck_assert_ptr_null(json_object_get(p1, "board"));
    assert_json(json_incref(json_object_get(p1, "guesses")),
                "{\"hits\":[[1,1],[1,4]],\"misses\":[[9,9]]}");
    json_decref(view);
}
END_TEST

START_TEST(board_object_shows_hits_and_forests)
{
    struct isl_game g;
    mid_game(&g);
    assert_json(isl_codec_board(&g.players[ISL_PLAYER2].board),
                "{\"atoll\":{\"squares\":[[1,1],[1,2],[2,2],[3,1],[3,2]],\"hit\":[[1,1]],"
                "\"forested\":false},"
                "\"dot\":{\"squares\":[[1,4]],\"hit\":[[1,4]],\"forested\":true},"
                "\"l_shape\":{\"squares\":[[1,5],[2,5],[3,5],[3,6]],\"hit\":[],\"forested\":false},"
                "\"s_shape\":{\"squares\":[[5,2],[5,3],[6,1],[6,2]],\"hit\":[],\"forested\":false},"
                "\"square\":{\"squares\":[[5,5],[5,6],[6,5],[6,6]],\"hit\":[],"
                "\"forested\":false}}");
}
END_TEST


static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("document");
    tcase_add_test(tc, encode_new_game);
    tcase_add_test(tc, encode_mid_game);
    tcase_add_test(tc, version_1_document_loads);
    tcase_add_test(tc, round_trips_in_every_state);
    tcase_add_test(tc, names_beyond_ascii_round_trip);
    tcase_add_test(tc, pretty_text_decodes_to_the_same_game);
    suite_add_tcase(s, tc);
    tc = tcase_create("corruption");
    tcase_add_loop_test(tc, corrupted_mid_game, 0, COUNT(mid_game_corruptions));
    tcase_add_loop_test(tc, corrupted_new_game, 0, COUNT(new_game_corruptions));
    tcase_add_test(tc, corrupted_turns);
    tcase_add_test(tc, nul_in_a_name_is_refused);
    tcase_add_test(tc, canonical_reader_builds_the_same_games);
    tcase_add_test(tc, canonical_reader_declines_the_rest);
    tcase_add_test(tc, canonical_reader_never_takes_what_jansson_refuses);
    suite_add_tcase(s, tc);
    tc = tcase_create("state_view");
    tcase_add_test(tc, state_view_before_player2);
    tcase_add_test(tc, state_views_hide_the_right_boards);
    tcase_add_test(tc, state_view_mid_game);
    tcase_add_test(tc, board_object_shows_hits_and_forests);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(codec_suite)
