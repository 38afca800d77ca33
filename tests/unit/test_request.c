/* Request parsing: every op's arguments, types, names, and the encode
 * round trip. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "islands/request.h"
#include "islands/worker_proto.h"

static enum isl_error parse_text(const char *text, bool trusted,
                                 struct isl_request *r, const char **msg)
{
    json_error_t err;
    json_t *obj = json_loads(text, 0, &err);
    ck_assert_msg(obj != NULL, "test JSON does not parse: %s", err.text);
    enum isl_error e = isl_request_parse(obj, trusted, r, msg);
    json_decref(obj);
    return e;
}

/* Expect bad_request with a message that names `field`. */
static void assert_bad(const char *text, const char *field)
{
    struct isl_request r;
    const char *msg = NULL;
    enum isl_error e = parse_text(text, false, &r, &msg);
    ck_assert_msg(e == ISL_E_BAD_REQUEST, "%s: expected bad_request, got %d", text, e);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, field) != NULL, "%s: message '%s' does not name %s",
                  text, msg, field);
}

static void assert_ok(const char *text, struct isl_request *r)
{
    const char *msg = NULL;
    enum isl_error e = parse_text(text, false, r, &msg);
    ck_assert_msg(e == ISL_OK, "%s: expected ok, got %d (%s)", text, e, msg ? msg : "");
}

/* ---------------------------------------------------------------- envelope */

START_TEST(op_missing_or_mistyped)
{
    assert_bad("{}", "op");
    assert_bad("{\"op\":5}", "op");
    assert_bad("{\"op\":null}", "op");
    assert_bad("{\"op\":[\"ping\"]}", "op");
    struct isl_request r;
    const char *msg;
    ck_assert_int_eq(parse_text("{\"op\":\"fly\"}", false, &r, &msg), ISL_E_UNKNOWN_OP);
    ck_assert_int_eq(parse_text("{\"op\":\"PING\"}", false, &r, &msg), ISL_E_UNKNOWN_OP);
    ck_assert_int_eq(parse_text("{\"op\":\"\"}", false, &r, &msg), ISL_E_UNKNOWN_OP);
    /* A non-object is a bad request too (callers normally check first). */
    json_t *array = json_array();
    ck_assert_int_eq(isl_request_parse(array, false, &r, &msg), ISL_E_BAD_REQUEST);
    json_decref(array);
}
END_TEST

START_TEST(op_with_nul_is_unknown)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "op", json_stringn("ping\0x", 6));
    struct isl_request r;
    const char *msg;
    ck_assert_int_eq(isl_request_parse(obj, false, &r, &msg), ISL_E_UNKNOWN_OP);
    json_decref(obj);
}
END_TEST

START_TEST(every_op_minimal)
{
    struct isl_request r;
    assert_ok("{\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_NEW_GAME);
    ck_assert_str_eq(r.game, "g1");
    ck_assert_str_eq(r.name, "Ann");
    assert_ok("{\"op\":\"add_player\",\"game\":\"g1\",\"name\":\"Bob\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_ADD_PLAYER);
    ck_assert_str_eq(r.name, "Bob");
    assert_ok("{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player2\","
              "\"token\":\"t\",\"island\":\"atoll\",\"row\":3,\"col\":4}", &r);
    ck_assert_int_eq(r.op, ISL_OP_POSITION_ISLAND);
    ck_assert(r.has_player);
    ck_assert_int_eq(r.player, ISL_PLAYER2);
    ck_assert(r.has_token);
    ck_assert_str_eq(r.token, "t");
    ck_assert_str_eq(r.island, "atoll");
    ck_assert_int_eq(r.row, 3);
    ck_assert_int_eq(r.col, 4);
    assert_ok("{\"op\":\"set_islands\",\"game\":\"g\",\"player\":\"player1\",\"token\":\"t\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_SET_ISLANDS);
    ck_assert_int_eq(r.player, ISL_PLAYER1);
    assert_ok("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"token\":\"t\","
              "\"row\":10,\"col\":1}", &r);
    ck_assert_int_eq(r.op, ISL_OP_GUESS);
    ck_assert_int_eq(r.row, 10);
    ck_assert_int_eq(r.col, 1);
    assert_ok("{\"op\":\"state\",\"game\":\"g\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_STATE);
    ck_assert(!r.has_player);
    ck_assert(!r.has_token);
    assert_ok("{\"op\":\"end_game\",\"game\":\"g\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_END_GAME);
    assert_ok("{\"op\":\"ping\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_PING);
    assert_ok("{\"op\":\"list\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_LIST);
    assert_ok("{\"op\":\"status\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_STATUS);
    assert_ok("{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"SEGV\"}", &r);
    ck_assert_int_eq(r.op, ISL_OP_CRASH);
    ck_assert_str_eq(r.signal, "SEGV");
}
END_TEST

START_TEST(required_arguments)
{
    assert_bad("{\"op\":\"new_game\",\"name\":\"Ann\"}", "game");
    assert_bad("{\"op\":\"new_game\",\"game\":\"g\"}", "name");
    assert_bad("{\"op\":\"add_player\",\"game\":\"g\"}", "name");
    assert_bad("{\"op\":\"add_player\",\"name\":\"B\"}", "game");
    const char *pos = "{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player1\","
                      "\"token\":\"t\",\"island\":\"dot\",\"row\":1,\"col\":1}";
    const char *drop[] = {"game", "player", "island", "row", "col"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++) {
        json_t *obj = json_loads(pos, 0, NULL);
        json_object_del(obj, drop[i]);
        struct isl_request r;
        const char *msg = NULL;
        ck_assert_int_eq(isl_request_parse(obj, false, &r, &msg), ISL_E_BAD_REQUEST);
        ck_assert_msg(strstr(msg, drop[i]) != NULL, "%s: %s", drop[i], msg);
        json_decref(obj);
    }
    assert_bad("{\"op\":\"set_islands\",\"game\":\"g\",\"token\":\"t\"}", "player");
    assert_bad("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"row\":1}", "col");
    assert_bad("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"col\":1}", "row");
    assert_bad("{\"op\":\"guess\",\"player\":\"player1\",\"row\":1,\"col\":1}", "game");
    assert_bad("{\"op\":\"state\"}", "game");
    assert_bad("{\"op\":\"end_game\"}", "game");
    assert_bad("{\"op\":\"crash\",\"game\":\"g\"}", "signal");
    assert_bad("{\"op\":\"crash\",\"signal\":\"KILL\"}", "game");
}
END_TEST

START_TEST(missing_token_is_not_bad_request)
{
    struct isl_request r;
    assert_ok("{\"op\":\"set_islands\",\"game\":\"g\",\"player\":\"player1\"}", &r);
    ck_assert(!r.has_token);
    assert_ok("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player2\",\"row\":1,\"col\":2}", &r);
    ck_assert(!r.has_token);
    assert_ok("{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player2\","
              "\"island\":\"dot\",\"row\":1,\"col\":2}", &r);
    ck_assert(!r.has_token);
}
END_TEST

START_TEST(optional_player_and_token)
{
    struct isl_request r;
    assert_ok("{\"op\":\"state\",\"game\":\"g\",\"player\":\"player2\",\"token\":\"abc\"}", &r);
    ck_assert(r.has_player && r.has_token);
    ck_assert_int_eq(r.player, ISL_PLAYER2);
    ck_assert_str_eq(r.token, "abc");
    assert_ok("{\"op\":\"end_game\",\"game\":\"g\",\"player\":\"player1\",\"token\":\"x\"}", &r);
    ck_assert(r.has_player && r.has_token);
    assert_bad("{\"op\":\"state\",\"game\":\"g\",\"player\":\"player3\"}", "player");
    assert_bad("{\"op\":\"state\",\"game\":\"g\",\"player\":1}", "player");
    assert_bad("{\"op\":\"end_game\",\"game\":\"g\",\"token\":7}", "token");
}
END_TEST

START_TEST(unknown_fields_ignored)
{
    struct isl_request r;
    assert_ok("{\"op\":\"ping\",\"game\":5,\"row\":\"x\",\"extra\":[1,2]}", &r);
    ck_assert_int_eq(r.op, ISL_OP_PING);
    ck_assert_str_eq(r.game, "");
    assert_ok("{\"op\":\"new_game\",\"game\":\"g\",\"name\":\"A\",\"row\":1.5,\"player\":3}", &r);
    ck_assert(!r.has_player);
    ck_assert_int_eq(r.row, 0);
}
END_TEST

/* ---------------------------------------------------------------- types */

/* Every wrong JSON type of `field` in `base` is bad_request naming it. */
static void assert_wrong_types(const char *base, const char *field, const char *const *bad)
{
    for (size_t i = 0; bad[i] != NULL; i++) {
        json_t *obj = json_loads(base, 0, NULL);
        ck_assert_ptr_nonnull(obj);
        json_t *value = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(value);
        json_object_set_new(obj, field, value);
        struct isl_request r;
        const char *msg = NULL;
        ck_assert_msg(isl_request_parse(obj, false, &r, &msg) == ISL_E_BAD_REQUEST,
                      "%s = %s accepted", field, bad[i]);
        ck_assert_msg(msg != NULL && strstr(msg, field) != NULL,
                      "%s = %s: message '%s'", field, bad[i], msg ? msg : "(null)");
        json_decref(obj);
    }
}

static const char *const not_strings[] = {"5", "5.0", "true", "false", "null", "[]",
                                          "[\"g\"]", "{}", NULL};
static const char *const not_integers[] = {"5.0", "\"5\"", "true", "null", "[5]",
                                           "{}", "1e2", "-0.0", NULL};

START_TEST(wrong_types)
{
    const char *pos = "{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player1\","
                      "\"token\":\"t\",\"island\":\"dot\",\"row\":1,\"col\":1}";
    const char *guess = "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\","
                        "\"token\":\"t\",\"row\":1,\"col\":1}";
    const char *newg = "{\"op\":\"new_game\",\"game\":\"g\",\"name\":\"Ann\"}";
    const char *crash = "{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"KILL\"}";
    const char *state = "{\"op\":\"state\",\"game\":\"g\"}";
    assert_wrong_types(pos, "game", not_strings);
    assert_wrong_types(pos, "player", not_strings);
    assert_wrong_types(pos, "token", not_strings);
    assert_wrong_types(pos, "island", not_strings);
    assert_wrong_types(pos, "row", not_integers);
    assert_wrong_types(pos, "col", not_integers);
    assert_wrong_types(guess, "row", not_integers);
    assert_wrong_types(guess, "col", not_integers);
    assert_wrong_types(guess, "token", not_strings);
    assert_wrong_types(newg, "game", not_strings);
    assert_wrong_types(newg, "name", not_strings);
    assert_wrong_types(crash, "signal", not_strings);
    assert_wrong_types(state, "player", not_strings);
    assert_wrong_types(state, "token", not_strings);
}
END_TEST

START_TEST(coordinates_clamped)
{
    struct isl_request r;
    assert_ok("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"row\":0,\"col\":-3}", &r);
    ck_assert_int_eq(r.row, 0);
    ck_assert_int_eq(r.col, -3);
    assert_ok("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\","
              "\"row\":99999999999,\"col\":-9223372036854775808}", &r);
    ck_assert_int_eq(r.row, 1000);
    ck_assert_int_eq(r.col, -1000);
    assert_ok("{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"row\":1000,\"col\":-1000}", &r);
    ck_assert_int_eq(r.row, 1000);
    ck_assert_int_eq(r.col, -1000);
}
END_TEST

START_TEST(signals)
{
    const char *names[] = {"KILL", "SEGV", "ABRT", "TERM", "EXIT"};
    for (size_t i = 0; i < 5; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"%s\"}", names[i]);
        struct isl_request r;
        assert_ok(text, &r);
        ck_assert_str_eq(r.signal, names[i]);
    }
    assert_bad("{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"kill\"}", "signal");
    assert_bad("{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"SIGKILL\"}", "signal");
    assert_bad("{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"\"}", "signal");
}
END_TEST

/* ---------------------------------------------------------------- names */

static char *repeat(const char *unit, size_t times)
{
    size_t n = strlen(unit);
    char *s = malloc(n * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * n, unit, n);
    s[n * times] = '\0';
    return s;
}

static enum isl_error parse_with(const char *base, const char *field, const char *value,
                                 struct isl_request *r)
{
    json_t *obj = json_loads(base, 0, NULL);
    json_object_set_new(obj, field, json_string(value));
    const char *msg;
    enum isl_error e = isl_request_parse(obj, false, r, &msg);
    json_decref(obj);
    return e;
}

START_TEST(game_names)
{
    const char *ops[] = {"{\"op\":\"new_game\",\"name\":\"A\"}", "{\"op\":\"state\"}",
                         "{\"op\":\"guess\",\"player\":\"player1\",\"row\":1,\"col\":1}",
                         "{\"op\":\"crash\",\"signal\":\"KILL\"}"};
    char *max = repeat("a", 64), *over = repeat("a", 65);
    const char *good[] = {".", "..", "a", "Z9_.-", max};
    const char *bad[] = {"", over, "a b", "a/b", "caf\xc3\xa9", "a\tb", "g!", "../x"};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        struct isl_request r;
        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
            ck_assert_msg(parse_with(ops[o], "game", good[i], &r) == ISL_OK, "%s", good[i]);
            ck_assert_str_eq(r.game, good[i]);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            ck_assert_msg(parse_with(ops[o], "game", bad[i], &r) == ISL_E_BAD_REQUEST,
                          "%s accepted", bad[i]);
    }
    ck_assert(!isl_game_name_valid("ab\0c", 4));
    free(max);
    free(over);
}
END_TEST

START_TEST(player_names)
{
    const char *base = "{\"op\":\"add_player\",\"game\":\"g\"}";
    char *ascii64 = repeat("x", 64), *ascii65 = repeat("x", 65);
    char *emoji64 = repeat("\xf0\x9f\x98\x80", 64), *emoji65 = repeat("\xf0\x9f\x98\x80", 65);
    const char *good[] = {"A", " Ann  B ", ascii64, emoji64, "\xc3\xa9l\xc3\xa8ve", "\xc2\xa0"};
    const char *bad[] = {"", ascii65, emoji65, "a\tb", "a\nb", "\x1f", "a\x7f",
                         "\xc2\x85", "\xc2\x9f", "\xc2\x80"};
    struct isl_request r;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_msg(parse_with(base, "name", good[i], &r) == ISL_OK, "%s", good[i]);
        ck_assert_str_eq(r.name, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *msg;
        json_t *obj = json_loads(base, 0, NULL);
        json_object_set_new(obj, "name", json_string(bad[i]));
        ck_assert_msg(isl_request_parse(obj, false, &r, &msg) == ISL_E_BAD_REQUEST,
                      "name %zu accepted", i);
        ck_assert(strstr(msg, "name") != NULL);
        json_decref(obj);
    }
    /* The validator itself refuses what jansson would never pass on. */
    ck_assert(!isl_player_name_valid("\xc0\x80", 2));         /* overlong NUL */
    ck_assert(!isl_player_name_valid("\xed\xa0\x80", 3));     /* surrogate */
    ck_assert(!isl_player_name_valid("\xf0\x9f\x98", 3));     /* truncated */
    ck_assert(!isl_player_name_valid("a\0b", 3));
    ck_assert(isl_player_name_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
    ck_assert(!isl_player_name_valid("\xf4\x90\x80\x80", 4)); /* beyond */
    free(ascii64);
    free(ascii65);
    free(emoji64);
    free(emoji65);
}
END_TEST

START_TEST(players)
{
    const char *base = "{\"op\":\"set_islands\",\"game\":\"g\"}";
    struct isl_request r;
    ck_assert_int_eq(parse_with(base, "player", "player1", &r), ISL_OK);
    ck_assert_int_eq(r.player, ISL_PLAYER1);
    ck_assert_int_eq(parse_with(base, "player", "player2", &r), ISL_OK);
    ck_assert_int_eq(r.player, ISL_PLAYER2);
    const char *bad[] = {"player3", "Player1", "", "player1 ", "1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(parse_with(base, "player", bad[i], &r), ISL_E_BAD_REQUEST);
}
END_TEST

START_TEST(long_tokens_and_islands_are_kept_impossible)
{
    const char *pos = "{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player1\","
                      "\"island\":\"dot\",\"row\":1,\"col\":1}";
    char *tok128 = repeat("t", ISL_TOKEN_ARG_MAX), *tok129 = repeat("t", ISL_TOKEN_ARG_MAX + 1);
    struct isl_request r;
    ck_assert_int_eq(parse_with(pos, "token", tok128, &r), ISL_OK);
    ck_assert_str_eq(r.token, tok128);
    ck_assert_int_eq(parse_with(pos, "token", tok129, &r), ISL_OK);
    ck_assert(r.has_token);
    ck_assert_str_ne(r.token, tok128);
    ck_assert_uint_le(strlen(r.token), ISL_TOKEN_ARG_MAX);
    ck_assert_int_eq(parse_with(pos, "token", "", &r), ISL_OK);
    ck_assert(r.has_token);
    ck_assert_str_eq(r.token, "");

    ck_assert_int_eq(parse_with(pos, "island", "volcano", &r), ISL_OK);
    ck_assert_str_eq(r.island, "volcano");
    ck_assert_int_eq(parse_with(pos, "island", "atoll_atoll_atoll", &r), ISL_OK);
    enum isl_island_type t;
    ck_assert_int_ne(isl_island_from_name(r.island, &t), 0);
    ck_assert_int_eq(parse_with(pos, "island", "", &r), ISL_OK);
    ck_assert_str_eq(r.island, "");
    free(tok128);
    free(tok129);
}
END_TEST

/* ---------------------------------------------------------------- trust */

START_TEST(admin_only_when_trusted)
{
    struct isl_request r;
    const char *msg;
    ck_assert_int_eq(parse_text("{\"op\":\"list\",\"admin\":true}", false, &r, &msg), ISL_OK);
    ck_assert(!r.admin);
    ck_assert_int_eq(parse_text("{\"op\":\"list\",\"admin\":true}", true, &r, &msg), ISL_OK);
    ck_assert(r.admin);
    ck_assert_int_eq(parse_text("{\"op\":\"list\"}", true, &r, &msg), ISL_OK);
    ck_assert(!r.admin);
    ck_assert_int_eq(parse_text("{\"op\":\"list\",\"admin\":1}", true, &r, &msg),
                     ISL_E_BAD_REQUEST);
    ck_assert(strstr(msg, "admin") != NULL);
    ck_assert_int_eq(parse_text("{\"op\":\"list\",\"admin\":1}", false, &r, &msg), ISL_OK);
}
END_TEST

/* ---------------------------------------------------------------- encode */

static void assert_round_trip(const char *text, bool admin)
{
    struct isl_request r, back;
    assert_ok(text, &r);
    r.admin = admin;
    json_t *obj = isl_request_encode(&r);
    ck_assert_ptr_nonnull(obj);
    const char *msg;
    ck_assert_int_eq(isl_request_parse(obj, true, &back, &msg), ISL_OK);
    ck_assert_msg(memcmp(&r, &back, sizeof r) == 0, "round trip differs for %s", text);
    json_decref(obj);
}

START_TEST(encode_round_trip)
{
    const char *texts[] = {
        "{\"op\":\"new_game\",\"game\":\"..\",\"name\":\"\xc3\xa9 x \xf0\x9f\x98\x80\"}",
        "{\"op\":\"add_player\",\"game\":\"g-1\",\"name\":\"Bob\",\"junk\":1}",
        "{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player2\",\"token\":\"abc\","
        "\"island\":\"l_shape\",\"row\":-5000,\"col\":7}",
        "{\"op\":\"position_island\",\"game\":\"g\",\"player\":\"player1\","
        "\"island\":\"a very long island name\",\"row\":1,\"col\":1}",
        "{\"op\":\"set_islands\",\"game\":\"g\",\"player\":\"player1\"}",
        "{\"op\":\"guess\",\"game\":\"g\",\"player\":\"player1\",\"token\":\"t\",\"row\":1,\"col\":10}",
        "{\"op\":\"state\",\"game\":\"g\"}",
        "{\"op\":\"state\",\"game\":\"g\",\"player\":\"player2\",\"token\":\"\"}",
        "{\"op\":\"end_game\",\"game\":\"g\",\"player\":\"player1\"}",
        "{\"op\":\"ping\"}",
        "{\"op\":\"list\"}",
        "{\"op\":\"status\"}",
        "{\"op\":\"crash\",\"game\":\"g\",\"signal\":\"EXIT\"}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        assert_round_trip(texts[i], false);
        assert_round_trip(texts[i], true);
    }
    struct isl_request r;
    char *long_token = repeat("z", 500);
    ck_assert_int_eq(parse_with("{\"op\":\"state\",\"game\":\"g\",\"player\":\"player1\"}",
                                "token", long_token, &r), ISL_OK);
    json_t *obj = isl_request_encode(&r);
    struct isl_request back;
    ck_assert_int_eq(isl_request_parse(obj, true, &back, NULL), ISL_OK);
    ck_assert(memcmp(&r, &back, sizeof r) == 0);
    json_decref(obj);
    free(long_token);
}
END_TEST

START_TEST(predicates)
{
    ck_assert_str_eq(isl_op_name(ISL_OP_POSITION_ISLAND), "position_island");
    ck_assert_ptr_null(isl_op_name(ISL_OP_COUNT));
    enum isl_op changing[] = {ISL_OP_NEW_GAME, ISL_OP_ADD_PLAYER, ISL_OP_POSITION_ISLAND,
                              ISL_OP_SET_ISLANDS, ISL_OP_GUESS, ISL_OP_END_GAME};
    unsigned changes = 0, admin = 0, game = 0;
    for (int op = 0; op < ISL_OP_COUNT; op++) {
        changes += isl_op_changes_game(op);
        admin += isl_op_is_admin(op);
        game += isl_op_is_game_op(op);
    }
    ck_assert_uint_eq(changes, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert(isl_op_changes_game(changing[i]));
    ck_assert_uint_eq(admin, 3);
    ck_assert(isl_op_is_admin(ISL_OP_LIST) && isl_op_is_admin(ISL_OP_STATUS) &&
              isl_op_is_admin(ISL_OP_CRASH));
    ck_assert(!isl_op_is_admin(ISL_OP_PING));
    ck_assert_uint_eq(game, 7);
    ck_assert(isl_op_is_game_op(ISL_OP_STATE) && !isl_op_is_game_op(ISL_OP_PING));
}
END_TEST

START_TEST(responses)
{
    json_t *ok = isl_response_ok();
    ck_assert(json_is_true(json_object_get(ok, "ok")));
    ck_assert_uint_eq(json_object_size(ok), 1);
    json_decref(ok);
    json_t *err = isl_response_error(ISL_E_BAD_REQUEST, "row must be an integer");
    ck_assert(json_is_false(json_object_get(err, "ok")));
    ck_assert_str_eq(json_string_value(json_object_get(err, "error")), "bad_request");
    ck_assert_str_eq(json_string_value(json_object_get(err, "message")), "row must be an integer");
    json_decref(err);
    err = isl_response_error(ISL_E_BUSY, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(err, "error")), "busy");
    ck_assert(json_is_string(json_object_get(err, "message")));
    json_decref(err);
}
END_TEST

/* The text forms say byte for byte what jansson would: islandsd parses
 * both the same way, and the writer relays the frame as it is. */
static void assert_dumps_to(json_t *value, const char *text)
{
    char *dumped = json_dumps(value, JSON_COMPACT);
    ck_assert_ptr_nonnull(dumped);
    ck_assert_str_eq(text, dumped);
    free(dumped);
    json_decref(value);
}

START_TEST(guess_response_text_is_what_jansson_writes)
{
    /* Every combination, every island forested. */
    for (int hit = 0; hit < 2; hit++)
        for (int win = 0; win < 2; win++)
            for (int island = -1; island <= ISL_SQUARE; island++) {
                struct isl_guess_result g = {.hit = hit, .win = win, .forested_any = island >= 0,
                                             .forested = island >= 0 ? island : ISL_ATOLL};
                char text[128];
                int n = isl_response_guess_text(&g, text, sizeof text);
                ck_assert_int_eq(n, (int)strlen(text));
                assert_dumps_to(isl_response_guess(&g), text);
            }
    struct isl_guess_result g = {.hit = true, .forested_any = true, .forested = ISL_L_SHAPE};
    char small[32];
    ck_assert_int_eq(isl_response_guess_text(&g, small, sizeof small), -1);
}
END_TEST

START_TEST(resp_frame_text_is_what_jansson_writes)
{
    struct isl_guess_result g = {.hit = true, .forested_any = true, .forested = ISL_DOT};
    char response[128];
    ck_assert_int_gt(isl_response_guess_text(&g, response, sizeof response), 0);
    long long seqs[] = {0, 7, 123456789012LL};
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        char *text = isl_resp_frame_text(seqs[i], response, "player2_turn");
        ck_assert_ptr_nonnull(text);
        assert_dumps_to(isl_resp_frame(seqs[i], isl_response_guess(&g),
                                       json_string("player2_turn")), text);
        free(text);
    }
    /* A game not stored (yet): its rules are null. */
    char *text = isl_resp_frame_text(3, "{\"ok\":true}", NULL);
    ck_assert_ptr_nonnull(text);
    assert_dumps_to(isl_resp_frame(3, isl_response_ok(), json_null()), text);
    free(text);
}
END_TEST

/* islandsd's frame for r, as send_to_worker writes it. */
static char *request_frame(const struct isl_request *r, long long seq)
{
    json_t *frame = json_pack("{s:s, s:I, s:o}", "t", "req", "seq", (json_int_t)seq, "req",
                              isl_request_encode(r));
    char *text = json_dumps(frame, JSON_COMPACT);
    json_decref(frame);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* What the jansson path makes of a frame. */
static void jansson_decode(const char *text, long long *seq, struct isl_request *out)
{
    json_t *frame = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(frame);
    *seq = json_integer_value(json_object_get(frame, "seq"));
    ck_assert_int_eq(isl_request_parse(json_object_get(frame, "req"), true, out, NULL), ISL_OK);
    json_decref(frame);
}

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

START_TEST(request_frame_text_decodes_as_jansson_does)
{
    static const int coords[] = {-5000, -1001, -1000, -1, 0, 1, 5, 10, 11, 1000, 1001, 99999};
    static const char name_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
    unsigned state = 42, taken = 0, canonical_taken = 0, canonical = 0;
    for (int i = 0; i < 4000; i++) {
        struct isl_request r = {.op = ISL_OP_GUESS, .has_player = true, .has_token = true};
        size_t name_len = 1 + next_random(&state) % ISL_GAME_NAME_MAX;
        for (size_t k = 0; k < name_len; k++)
            r.game[k] = name_chars[next_random(&state) % (sizeof name_chars - 1)];
        r.player = next_random(&state) % 2 ? ISL_PLAYER2 : ISL_PLAYER1;
        /* Half canonical tokens (32 hex), half anything up to past the cap:
         * quotes, backslashes and control characters get escaped. */
        bool hex = i % 2 == 0;
        size_t token_len = hex ? 32 : next_random(&state) % (ISL_TOKEN_ARG_MAX + 4);
        if (token_len > ISL_TOKEN_ARG_MAX)
            token_len = ISL_TOKEN_ARG_MAX;   /* the struct's own cap */
        for (size_t k = 0; k < token_len; k++)
            r.token[k] = hex ? "0123456789abcdef"[next_random(&state) % 16]
                             : (char)(1 + next_random(&state) % 126);
        r.row = coords[next_random(&state) % (sizeof coords / sizeof coords[0])];
        r.col = hex ? 1 + (int)(next_random(&state) % 10)
                    : coords[next_random(&state) % (sizeof coords / sizeof coords[0])];
        r.admin = next_random(&state) % 2;
        long long seq = (long long)next_random(&state) * next_random(&state);
        char *text = request_frame(&r, seq);
        struct isl_request fast, slow;
        long long fast_seq = -1, slow_seq = -2;
        jansson_decode(text, &slow_seq, &slow);
        int rc = isl_req_frame_text(text, strlen(text), &fast_seq, &fast);
        if (rc == 1) {
            ck_assert_msg(memcmp(&fast, &slow, sizeof fast) == 0, "decoded differently: %s", text);
            ck_assert_int_eq(fast_seq, slow_seq);
            taken++;
        }
        if (hex && r.row >= -1000 && r.row <= 1000) {
            canonical++;
            canonical_taken += rc == 1;
        }
        free(text);
    }
    /* The frames every move brings all take the fast path. */
    ck_assert_uint_eq(canonical_taken, canonical);
    ck_assert_uint_gt(taken, canonical);
}
END_TEST

/* `state` frames, with and without player and token, as islandsd writes
 * them: every one taken, each decoded as jansson decodes it. */
START_TEST(state_frame_text_decodes_as_jansson_does)
{
    unsigned state = 7;
    for (int i = 0; i < 400; i++) {
        struct isl_request r = {.op = ISL_OP_STATE};
        snprintf(r.game, sizeof r.game, "game-%u", next_random(&state));
        r.has_player = next_random(&state) % 2;
        r.player = next_random(&state) % 2 ? ISL_PLAYER2 : ISL_PLAYER1;
        r.has_token = next_random(&state) % 2;
        if (r.has_token)
            for (size_t k = 0; k < 32; k++)
                r.token[k] = "0123456789abcdef"[next_random(&state) % 16];
        r.admin = next_random(&state) % 2;
        long long seq = next_random(&state), fast_seq = -1, slow_seq = -2;
        char *text = request_frame(&r, seq);
        struct isl_request fast, slow;
        jansson_decode(text, &slow_seq, &slow);
        ck_assert_msg(isl_req_frame_text(text, strlen(text), &fast_seq, &fast) == 1, "%s", text);
        ck_assert_msg(memcmp(&fast, &slow, sizeof fast) == 0, "decoded differently: %s", text);
        ck_assert_int_eq(fast_seq, slow_seq);
        free(text);
    }
}
END_TEST

/* islandsd's adopt, as supervisor/workers.c builds it. */
static char *adopt_frame(const char *game, json_t *after)
{
    json_t *msg = json_pack("{s:s, s:s}", "t", "adopt", "game", game);
    if (after)
        json_object_set_new(msg, "after", after);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return text;
}

START_TEST(adopt_frame_text_takes_only_an_empty_fence)
{
    char game[ISL_GAME_NAME_MAX + 1];
    char *text = adopt_frame("g-1.x_Y", json_array());
    ck_assert_int_eq(isl_adopt_frame_text(text, strlen(text), game, sizeof game), 1);
    ck_assert_str_eq(game, "g-1.x_Y");
    ck_assert_int_eq(isl_adopt_frame_text(text, strlen(text) - 1, game, sizeof game), 0);
    free(text);
    json_t *lists[] = {NULL, json_pack("[i]", 123), json_pack("[i, i]", 1, 2)};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        text = adopt_frame("g1", lists[i]);
        ck_assert_msg(isl_adopt_frame_text(text, strlen(text), game, sizeof game) == 0, "%s",
                      text);
        free(text);
    }
    text = adopt_frame("g/1", json_array());   /* not a game name: jansson's to refuse */
    ck_assert_int_eq(isl_adopt_frame_text(text, strlen(text), game, sizeof game), 0);
    free(text);
    ck_assert_int_eq(isl_adopt_frame_text("{\"t\":\"adopt\",\"game\":\"g1\",\"after\":[]} ", 35,
                                          game, sizeof game), 0);
}
END_TEST

START_TEST(ready_frame_text_is_what_jansson_writes)
{
    char text[256];
    const char *rules[] = {"player1_turn", NULL};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_gt(isl_ready_frame_text(text, sizeof text, "g-1", rules[i]), 0);
        assert_dumps_to(json_pack("{s:s, s:s, s:o}", "t", "ready", "game", "g-1", "rules",
                                  rules[i] ? json_string(rules[i]) : json_null()), text);
    }
    ck_assert_int_eq(isl_ready_frame_text(text, 20, "g-1", "player1_turn"), -1);
}
END_TEST

START_TEST(request_frame_text_leaves_the_rest_to_jansson)
{
    static const char *const others[] = {
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"end_game\",\"game\":\"g\",\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"state\",\"game\":\"g\",\"token\":\"t\","
        "\"player\":\"player1\",\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"state\",\"game\":\"g\",\"player\":\"p\","
        "\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"state\",\"game\":\"g\",\"row\":1,"
        "\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"row\":1,\"col\":1,\"admin\":false}}",
        "{\"seq\":1,\"t\":\"req\",\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":false}}",
        "{\"t\":\"req\", \"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g/h\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player3\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1.0,\"col\":1,\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":false}} ",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":false,\"x\":1}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\\u00e9\",\"row\":1,\"col\":1,\"admin\":false}}",
        "{\"t\":\"req\",\"seq\":1,\"req\":{\"op\":\"guess\",\"game\":\"g\",\"player\":"
        "\"player1\",\"token\":\"t\",\"row\":1,\"col\":1,\"admin\":",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        struct isl_request r;
        long long seq;
        ck_assert_msg(isl_req_frame_text(others[i], strlen(others[i]), &seq, &r) == 0,
                      "took %s", others[i]);
    }
}
END_TEST

static Suite *request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, op_missing_or_mistyped);
    tcase_add_test(tc, op_with_nul_is_unknown);
    tcase_add_test(tc, every_op_minimal);
    tcase_add_test(tc, required_arguments);
    tcase_add_test(tc, missing_token_is_not_bad_request);
    tcase_add_test(tc, optional_player_and_token);
    tcase_add_test(tc, unknown_fields_ignored);
    tcase_add_test(tc, wrong_types);
    tcase_add_test(tc, coordinates_clamped);
    tcase_add_test(tc, signals);
    tcase_add_test(tc, game_names);
    tcase_add_test(tc, player_names);
    tcase_add_test(tc, players);
    tcase_add_test(tc, long_tokens_and_islands_are_kept_impossible);
    tcase_add_test(tc, admin_only_when_trusted);
    tcase_add_test(tc, encode_round_trip);
    tcase_add_test(tc, predicates);
    tcase_add_test(tc, responses);
    tcase_add_test(tc, guess_response_text_is_what_jansson_writes);
    tcase_add_test(tc, resp_frame_text_is_what_jansson_writes);
    tcase_add_test(tc, request_frame_text_decodes_as_jansson_does);
    tcase_add_test(tc, state_frame_text_decodes_as_jansson_does);
    tcase_add_test(tc, adopt_frame_text_takes_only_an_empty_fence);
    tcase_add_test(tc, ready_frame_text_is_what_jansson_writes);
    tcase_add_test(tc, request_frame_text_leaves_the_rest_to_jansson);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(request_suite)
