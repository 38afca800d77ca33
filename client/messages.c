/* Plain sentences for the error codes of PROTOCOL.md. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *code, *sentence; } sentences[] = {
    { "bad_request", "The server did not understand the request." },
    { "request_too_large", "The request was too large for the server." },
    { "unknown_op", "The server does not know this operation (is it an older version?)." },
    { "no_such_game", "There is no such game." },
    { "game_exists", "A game with that name exists already." },
    { "unauthorized", "The server did not accept your player token for this game." },
    { "forbidden", "Only the daemon's administrator may do that." },
    { "invalid_coordinate", "That is off the board: rows and columns go from 1 to 10." },
    { "invalid_island_type",
      "There is no such island: use atoll, dot, l_shape, s_shape or square." },
    { "overlapping_island", "That island would overlap another one." },
    { "not_all_islands_positioned", "Position all five islands first." },
    { "not_allowed", "That move is not allowed now." },
    { "game_unavailable", "The game is not available right now; try again shortly." },
    { "store_error", "The server could not save the change, so it was not made." },
    { "busy", "The server is busy; try again shortly." },
    { "internal", "The server had an internal error." },
};

const char *cli_error_sentence(const char *code)
{
    for (size_t i = 0; code != NULL && i < sizeof sentences / sizeof *sentences; i++)
        if (strcmp(sentences[i].code, code) == 0)
            return sentences[i].sentence;
    return "The server refused the request.";
}

/* The sentence for a code when what was asked is known: the general one
 * unless the request, or the reason in the server's message, makes another
 * clearer. */
static const char *sentence_for(const char *code, const char *message,
                                const struct cli_error_context *ctx)
{
    /* `forbidden` is also the answer to an admin's crash while the daemon
     * does not inject crashes (supervisor/router.c): not a question of
     * who asks. */
    if (code != NULL && strcmp(code, "forbidden") == 0 && message != NULL &&
        strstr(message, "crash injection is disabled") != NULL &&
        (ctx == NULL || ctx->command == CMD_CRASH))
        return "The daemon refuses crash to everyone, its administrator too: crash injection "
               "is disabled. An operator enables it with crash_injection = true in "
               "islands.conf and a reload (systemctl reload islandsd), or with "
               "islandsd --crash-injection.";
    if (ctx != NULL && code != NULL) {
        if (ctx->command == CMD_PLACE && strcmp(code, "invalid_coordinate") == 0)
            return "The island does not fit there: all of its squares must be on the board, "
                   "whose rows and columns go from 1 to 10.";
        if (!ctx->token_sent && strcmp(code, "unauthorized") == 0)
            return "You hold no player token for this game here, and only its players and "
                   "the daemon's administrator may do that.";
    }
    return cli_error_sentence(code);
}

char *cli_error_text(const json_t *response)
{
    return cli_error_text_for(response, NULL);
}

char *cli_error_text_for(const json_t *response, const struct cli_error_context *ctx)
{
    const char *code = json_string_value(json_object_get(response, "error"));
    const char *message = json_string_value(json_object_get(response, "message"));
    const char *outcome = json_string_value(json_object_get(response, "outcome"));
    const char *hint = "";
    if (outcome != NULL && strcmp(outcome, "unknown") == 0)
        hint = " The move may or may not have been made: look with islands show.";
    else if (code != NULL && strcmp(code, "unauthorized") == 0 && (ctx == NULL || ctx->token_sent))
        hint = " (Did the game end and start again under the same name?)";

    char *text = NULL;
    int n;
    if (message != NULL && message[0] != '\0')
        n = asprintf(&text, "%s (%s: %s)%s", sentence_for(code, message, ctx),
                     code != NULL ? code : "error", message, hint);
    else
        n = asprintf(&text, "%s (%s)%s", sentence_for(code, message, ctx),
                     code != NULL ? code : "error", hint);
    if (n < 0)
        return NULL;
    cli_sanitize(text);
    return text;
}

const char *cli_connect_hint(int errnum)
{
    switch (errnum) {
    case ENOENT: case ECONNREFUSED:     /* no socket, or nobody listening on it */
        return " (is islandsd running?)";
    case EACCES: case EPERM:
        return " (only members of the socket's group may connect; for the installed "
               "service that is the group islands: sudo usermod -aG islands $USER, "
               "then log in again)";
    default:
        return "";
    }
}

int cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
