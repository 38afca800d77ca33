/* Strict parsing of client requests (PROTOCOL.md "Envelope", "Names and
 * values", the ops tables) into struct isl_request, and back to JSON. */
#include "islands/request.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* Arguments, in the order they are checked (the first bad one is named). */
enum arg {
    ARG_GAME = 1u << 0,
    ARG_NAME = 1u << 1,
    ARG_PLAYER = 1u << 2,
    ARG_TOKEN = 1u << 3,
    ARG_ISLAND = 1u << 4,
    ARG_ROW = 1u << 5,
    ARG_COL = 1u << 6,
    ARG_SIGNAL = 1u << 7,
};

#define PLAYER_OP_ARGS (ARG_GAME | ARG_PLAYER)

struct op_spec {
    const char *name;
    unsigned required;
    unsigned optional;   /* read when present; a missing one is fine */
    bool game_op, admin, changes_game;
};

static const struct op_spec ops[ISL_OP_COUNT] = {
    [ISL_OP_NEW_GAME] = {"new_game", ARG_GAME | ARG_NAME, 0, true, false, true},
    [ISL_OP_ADD_PLAYER] = {"add_player", ARG_GAME | ARG_NAME, 0, true, false, true},
    /* A missing token is the worker's `unauthorized`, not a bad request. */
    [ISL_OP_POSITION_ISLAND] = {"position_island",
                                PLAYER_OP_ARGS | ARG_ISLAND | ARG_ROW | ARG_COL,
                                ARG_TOKEN, true, false, true},
    [ISL_OP_SET_ISLANDS] = {"set_islands", PLAYER_OP_ARGS, ARG_TOKEN, true, false, true},
    [ISL_OP_GUESS] = {"guess", PLAYER_OP_ARGS | ARG_ROW | ARG_COL, ARG_TOKEN,
                      true, false, true},
    [ISL_OP_STATE] = {"state", ARG_GAME, ARG_PLAYER | ARG_TOKEN, true, false, false},
    [ISL_OP_END_GAME] = {"end_game", ARG_GAME, ARG_PLAYER | ARG_TOKEN, true, false, true},
    [ISL_OP_PING] = {"ping", 0, 0, false, false, false},
    [ISL_OP_LIST] = {"list", 0, 0, false, true, false},
    [ISL_OP_STATUS] = {"status", 0, 0, false, true, false},
    [ISL_OP_CRASH] = {"crash", ARG_GAME | ARG_SIGNAL, 0, false, true, false},
};

/* Stored instead of a string too long (or holding NUL) to be a real token
 * or island: it can never match, so the worker answers as for any wrong
 * value, and it is valid UTF-8 wherever it is echoed. */
#define IMPOSSIBLE_VALUE "<too long>"

#define COORD_CLAMP 1000

static const char *const signal_names[] = {"KILL", "SEGV", "ABRT", "TERM", "EXIT"};

const char *isl_op_name(enum isl_op op)
{
    return (unsigned)op < ISL_OP_COUNT ? ops[op].name : NULL;
}

bool isl_op_is_game_op(enum isl_op op)
{
    return (unsigned)op < ISL_OP_COUNT && ops[op].game_op;
}

bool isl_op_is_admin(enum isl_op op)
{
    return (unsigned)op < ISL_OP_COUNT && ops[op].admin;
}

bool isl_op_changes_game(enum isl_op op)
{
    return (unsigned)op < ISL_OP_COUNT && ops[op].changes_game;
}

bool isl_game_name_valid(const char *s, size_t len)
{
    if (len < 1 || len > ISL_GAME_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool isl_player_name_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t chars = 0;
    if (len < 1 || len > ISL_PLAYER_NAME_MAX)
        return false;
    for (size_t i = 0; i < len;) {
        long cp = isl_utf8_next(u, len, &i);
        if (cp < 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            return false;
        if (++chars > ISL_PLAYER_NAME_MAX_CHARS)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- fields */

/* What a field reader found. */
enum read_result { READ_OK, READ_MISTYPED, READ_INVALID };

/* One argument: its JSON key, its bit, how to read it, and the messages
 * that name it. */
struct field {
    const char *key;
    unsigned bit;
    enum read_result (*read)(const json_t *v, struct isl_request *out);
    const char *missing;    /* when required and absent */
    const char *mistyped;   /* wrong JSON type */
    const char *invalid;    /* right type, value not allowed */
};

/* Copy a JSON string that has no NUL inside and fits in cap - 1 bytes;
 * false otherwise (dst untouched). */
static bool copy_string(const json_t *v, char *dst, size_t cap)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len >= cap || memchr(s, '\0', len) != NULL)
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* A string argument checked by `valid` and copied into dst. */
static enum read_result read_checked_string(const json_t *v, bool (*valid)(const char *, size_t),
                                            char *dst, size_t cap)
{
    if (!json_is_string(v))
        return READ_MISTYPED;
    if (!valid(json_string_value(v), json_string_length(v)) || !copy_string(v, dst, cap))
        return READ_INVALID;
    return READ_OK;
}

static enum read_result read_game(const json_t *v, struct isl_request *out)
{
    return read_checked_string(v, isl_game_name_valid, out->game, sizeof out->game);
}

static enum read_result read_name(const json_t *v, struct isl_request *out)
{
    return read_checked_string(v, isl_player_name_valid, out->name, sizeof out->name);
}

static enum read_result read_player(const json_t *v, struct isl_request *out)
{
    if (!json_is_string(v))
        return READ_MISTYPED;
    if (isl_player_from_name(json_string_value(v), &out->player) != 0 ||
        strlen(json_string_value(v)) != json_string_length(v))
        return READ_INVALID;
    out->has_player = true;
    return READ_OK;
}

/* A string the worker judges (token, island): kept as given, or as the
 * impossible value when it cannot be kept. */
static enum read_result read_kept_string(const json_t *v, char *dst, size_t cap)
{
    if (!json_is_string(v))
        return READ_MISTYPED;
    if (!copy_string(v, dst, cap))
        strcpy(dst, IMPOSSIBLE_VALUE);
    return READ_OK;
}

static enum read_result read_token(const json_t *v, struct isl_request *out)
{
    enum read_result r = read_kept_string(v, out->token, sizeof out->token);
    out->has_token = r == READ_OK;
    return r;
}

static enum read_result read_island(const json_t *v, struct isl_request *out)
{
    return read_kept_string(v, out->island, sizeof out->island);
}

static int clamp_coordinate(const json_t *v)
{
    json_int_t n = json_integer_value(v);
    if (n < -COORD_CLAMP)
        return -COORD_CLAMP;
    if (n > COORD_CLAMP)
        return COORD_CLAMP;
    return (int)n;
}

static enum read_result read_row(const json_t *v, struct isl_request *out)
{
    if (!json_is_integer(v))
        return READ_MISTYPED;
    out->row = clamp_coordinate(v);
    return READ_OK;
}

static enum read_result read_col(const json_t *v, struct isl_request *out)
{
    if (!json_is_integer(v))
        return READ_MISTYPED;
    out->col = clamp_coordinate(v);
    return READ_OK;
}

static enum read_result read_signal(const json_t *v, struct isl_request *out)
{
    if (!json_is_string(v))
        return READ_MISTYPED;
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++) {
        if (strcmp(json_string_value(v), signal_names[i]) == 0 &&
            json_string_length(v) == strlen(signal_names[i])) {
            strcpy(out->signal, signal_names[i]);
            return READ_OK;
        }
    }
    return READ_INVALID;
}

static const struct field fields[] = {
    {"game", ARG_GAME, read_game, "game is required", "game must be a string",
     "game must be 1 to 64 characters of A-Z a-z 0-9 _ . -"},
    {"name", ARG_NAME, read_name, "name is required", "name must be a string",
     "name must be 1 to 64 characters with no control characters"},
    {"player", ARG_PLAYER, read_player, "player is required", "player must be a string",
     "player must be \"player1\" or \"player2\""},
    {"token", ARG_TOKEN, read_token, "token is required", "token must be a string", NULL},
    {"island", ARG_ISLAND, read_island, "island is required", "island must be a string", NULL},
    {"row", ARG_ROW, read_row, "row is required", "row must be an integer", NULL},
    {"col", ARG_COL, read_col, "col is required", "col must be an integer", NULL},
    {"signal", ARG_SIGNAL, read_signal, "signal is required", "signal must be a string",
     "signal must be one of KILL, SEGV, ABRT, TERM, EXIT"},
};

#define FIELD_COUNT (sizeof fields / sizeof fields[0])

/* A wrong type and a bad value are both bad_request, with different messages. */
static enum isl_error read_field(const struct field *f, const json_t *v,
                                 struct isl_request *out, const char **message)
{
    enum read_result r = f->read(v, out);
    if (r == READ_OK)
        return ISL_OK;
    *message = r == READ_MISTYPED ? f->mistyped : f->invalid;
    return ISL_E_BAD_REQUEST;
}

static int find_op(const json_t *v, enum isl_op *op)
{
    for (unsigned i = 0; i < ISL_OP_COUNT; i++) {
        if (strcmp(json_string_value(v), ops[i].name) == 0 &&
            json_string_length(v) == strlen(ops[i].name)) {
            *op = (enum isl_op)i;
            return 0;
        }
    }
    return -1;
}

enum isl_error isl_request_parse(const json_t *obj, bool trusted,
                                 struct isl_request *out, const char **message)
{
    const char *unused;
    if (message == NULL)
        message = &unused;
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj)) {
        *message = "request must be a JSON object";
        return ISL_E_BAD_REQUEST;
    }
    const json_t *opv = json_object_get(obj, "op");
    if (opv == NULL) {
        *message = "op is required";
        return ISL_E_BAD_REQUEST;
    }
    if (!json_is_string(opv)) {
        *message = "op must be a string";
        return ISL_E_BAD_REQUEST;
    }
    if (find_op(opv, &out->op) != 0) {
        *message = "unknown op";
        return ISL_E_UNKNOWN_OP;
    }
    const struct op_spec *spec = &ops[out->op];
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        const struct field *f = &fields[i];
        if (!((spec->required | spec->optional) & f->bit))
            continue;
        const json_t *v = json_object_get(obj, f->key);
        if (v == NULL) {
            if (spec->required & f->bit) {
                *message = f->missing;
                return ISL_E_BAD_REQUEST;
            }
            continue;
        }
        if (read_field(f, v, out, message) != ISL_OK)
            return ISL_E_BAD_REQUEST;
    }
    if (trusted) {
        const json_t *admin = json_object_get(obj, "admin");
        if (admin != NULL && !json_is_boolean(admin)) {
            *message = "admin must be a boolean";
            return ISL_E_BAD_REQUEST;
        }
        out->admin = json_is_true(admin);
    }
    *message = NULL;
    return ISL_OK;
}

json_t *isl_request_encode(const struct isl_request *r)
{
    if ((unsigned)r->op >= ISL_OP_COUNT)
        return NULL;
    const struct op_spec *spec = &ops[r->op];
    unsigned args = spec->required | spec->optional;
    json_t *o = json_object();
    int failed = 0;
    if (o == NULL)
        return NULL;
    failed |= json_object_set_new(o, "op", json_string(spec->name));
    if (args & ARG_GAME)
        failed |= json_object_set_new(o, "game", json_string(r->game));
    if (args & ARG_NAME)
        failed |= json_object_set_new(o, "name", json_string(r->name));
    if ((args & ARG_PLAYER) && r->has_player)
        failed |= json_object_set_new(o, "player", json_string(isl_player_name(r->player)));
    if ((args & ARG_TOKEN) && r->has_token)
        failed |= json_object_set_new(o, "token", json_string(r->token));
    if (args & ARG_ISLAND)
        failed |= json_object_set_new(o, "island", json_string(r->island));
    if (args & ARG_ROW)
        failed |= json_object_set_new(o, "row", json_integer(r->row));
    if (args & ARG_COL)
        failed |= json_object_set_new(o, "col", json_integer(r->col));
    if (args & ARG_SIGNAL)
        failed |= json_object_set_new(o, "signal", json_string(r->signal));
    failed |= json_object_set_new(o, "admin", json_boolean(r->admin));
    if (failed) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *isl_response_ok(void)
{
    return json_pack("{s:b}", "ok", 1);
}

json_t *isl_response_guess(const struct isl_guess_result *g)
{
    json_t *r = isl_response_ok();
    json_object_set_new(r, "hit", json_boolean(g->hit));
    json_object_set_new(r, "forested",
                        g->forested_any ? json_string(isl_island_name(g->forested)) : json_null());
    json_object_set_new(r, "win", json_boolean(g->win));
    return r;
}

int isl_response_guess_text(const struct isl_guess_result *g, char *out, size_t size)
{
    /* Island names are plain identifiers: nothing to escape. */
    const char *island = g->forested_any ? isl_island_name(g->forested) : NULL;
    int n = snprintf(out, size, "{\"ok\":true,\"hit\":%s,\"forested\":%s%s%s,\"win\":%s}",
                     g->hit ? "true" : "false", island ? "\"" : "", island ? island : "null",
                     island ? "\"" : "", g->win ? "true" : "false");
    return n < 0 || (size_t)n >= size ? -1 : n;
}

json_t *isl_response_error(enum isl_error e, const char *message)
{
    const char *code = isl_error_code(e);
    if (code == NULL || e == ISL_OK) {
        e = ISL_E_INTERNAL;
        code = isl_error_code(e);
    }
    if (message == NULL)
        message = isl_error_message(e);
    return json_pack("{s:b, s:s, s:s}", "ok", 0, "error", code, "message",
                     message != NULL ? message : code);
}
