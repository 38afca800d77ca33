/* Outcome codes: the wire spelling of PROTOCOL.md and a default sentence. */
#include "islands/errors.h"

#include <stdbool.h>
#include <stddef.h>

#include "names.h"

/* Indexed by enum isl_error. */
static const char *const error_codes[ISL_ERROR_COUNT] = {
    [ISL_OK] = "ok",
    [ISL_E_BAD_REQUEST] = "bad_request",
    [ISL_E_REQUEST_TOO_LARGE] = "request_too_large",
    [ISL_E_UNKNOWN_OP] = "unknown_op",
    [ISL_E_NO_SUCH_GAME] = "no_such_game",
    [ISL_E_GAME_EXISTS] = "game_exists",
    [ISL_E_UNAUTHORIZED] = "unauthorized",
    [ISL_E_FORBIDDEN] = "forbidden",
    [ISL_E_INVALID_COORDINATE] = "invalid_coordinate",
    [ISL_E_INVALID_ISLAND_TYPE] = "invalid_island_type",
    [ISL_E_OVERLAPPING_ISLAND] = "overlapping_island",
    [ISL_E_NOT_ALL_ISLANDS_POSITIONED] = "not_all_islands_positioned",
    [ISL_E_NOT_ALLOWED] = "not_allowed",
    [ISL_E_GAME_UNAVAILABLE] = "game_unavailable",
    [ISL_E_STORE_ERROR] = "store_error",
    [ISL_E_BUSY] = "busy",
    [ISL_E_INTERNAL] = "internal",
};

static const char *const error_messages[ISL_ERROR_COUNT] = {
    [ISL_OK] = "Success.",
    [ISL_E_BAD_REQUEST] = "The request is malformed.",
    [ISL_E_REQUEST_TOO_LARGE] = "The request line is too long.",
    [ISL_E_UNKNOWN_OP] = "The operation is not known.",
    [ISL_E_NO_SUCH_GAME] = "There is no game with that name.",
    [ISL_E_GAME_EXISTS] = "A game with that name already exists.",
    [ISL_E_UNAUTHORIZED] = "The player's token is missing or wrong.",
    [ISL_E_FORBIDDEN] = "This operation is not permitted to this caller.",
    [ISL_E_INVALID_COORDINATE] = "The coordinate is not on the board.",
    [ISL_E_INVALID_ISLAND_TYPE] = "There is no island of that type.",
    [ISL_E_OVERLAPPING_ISLAND] = "The island overlaps another island.",
    [ISL_E_NOT_ALL_ISLANDS_POSITIONED] = "All five islands must be positioned first.",
    [ISL_E_NOT_ALLOWED] = "The rules do not allow this move now.",
    [ISL_E_GAME_UNAVAILABLE] = "The game is unavailable right now.",
    [ISL_E_STORE_ERROR] = "The change could not be stored, so it was not made.",
    [ISL_E_BUSY] = "A limit was reached; try again later.",
    [ISL_E_INTERNAL] = "An internal error occurred.",
};

static bool in_range(enum isl_error e)
{
    return (int)e >= 0 && e < ISL_ERROR_COUNT;
}

const char *isl_error_code(enum isl_error e)
{
    return in_range(e) ? error_codes[e] : NULL;
}

int isl_error_from_code(const char *code, enum isl_error *out)
{
    int i = isl_name_index(error_codes, ISL_ERROR_COUNT, code);
    if (i < 0)
        return -1;
    *out = (enum isl_error)i;
    return 0;
}

const char *isl_error_message(enum isl_error e)
{
    return in_range(e) ? error_messages[e] : "Unknown error.";
}
