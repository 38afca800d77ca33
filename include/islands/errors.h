/* Outcome codes of PROTOCOL.md, shared by every layer. */
#ifndef ISLANDS_ERRORS_H
#define ISLANDS_ERRORS_H

enum isl_error {
    ISL_OK = 0,
    ISL_E_BAD_REQUEST,
    ISL_E_REQUEST_TOO_LARGE,
    ISL_E_UNKNOWN_OP,
    ISL_E_NO_SUCH_GAME,
    ISL_E_GAME_EXISTS,
    ISL_E_UNAUTHORIZED,
    ISL_E_FORBIDDEN,
    ISL_E_INVALID_COORDINATE,
    ISL_E_INVALID_ISLAND_TYPE,
    ISL_E_OVERLAPPING_ISLAND,
    ISL_E_NOT_ALL_ISLANDS_POSITIONED,
    ISL_E_NOT_ALLOWED,
    ISL_E_GAME_UNAVAILABLE,
    ISL_E_STORE_ERROR,
    ISL_E_BUSY,
    ISL_E_INTERNAL,
    ISL_ERROR_COUNT
};

/* The wire code ("not_allowed"), or NULL for an out-of-range value. */
const char *isl_error_code(enum isl_error e);
/* Parse a wire code; returns 0 and sets *out, or -1 if unknown. */
int isl_error_from_code(const char *code, enum isl_error *out);
/* A default human sentence for the code (used when no better one exists). */
const char *isl_error_message(enum isl_error e);

#endif
