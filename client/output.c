/* What `islands` prints after a success, for people (--json prints the
 * response line instead). */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *string_or(const json_t *obj, const char *key, const char *fallback)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : fallback;
}

/* Print text from the server with control characters made harmless. */
static void put_safe(FILE *f, const char *fmt, const char *text)
{
    char *copy = strdup(text);
    if (copy == NULL)
        return;
    cli_sanitize(copy);
    fprintf(f, fmt, copy);
    free(copy);
}

/* Text from the server in a table cell (width as printf's: negative pads
 * on the right), control characters made harmless; text is freed. */
static void put_cell(FILE *f, char *text, int width)
{
    if (text == NULL)
        return;
    cli_sanitize(text);
    fprintf(f, "%*s", width, text);
    free(text);
}

/* A JSON value in a table cell: strings bare, null as "-". */
static void put_value(FILE *f, const json_t *v, int width)
{
    put_cell(f, json_is_string(v) ? strdup(json_string_value(v))
                : json_is_null(v) || v == NULL ? strdup("-")
                : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), width);
}

/* A game's STATE cell: its rules state ("-" if unknown), and whether
 * islandsd has left it alone (its record set aside, or no worker could
 * start it: `failed` in the answer). */
static void state_cell(const json_t *g, char *out, size_t size)
{
    const char *state = string_or(g, "state", "-");
    if (json_is_true(json_object_get(g, "failed")))
        snprintf(out, size, "%s (failed)", state);
    else
        snprintf(out, size, "%s", state);
    cli_sanitize(out);
}

static void print_list(FILE *f, const json_t *response)
{
    const json_t *games = json_object_get(response, "games");
    if (json_array_size(games) == 0) {
        fputs("No games.\n", f);
        return;
    }
    int width = 4, state_width = 14;
    size_t i;
    const json_t *g;
    char state[128];
    json_array_foreach(games, i, g) {
        int n = (int)strlen(string_or(g, "game", "?"));
        width = n > width ? n : width;
        state_cell(g, state, sizeof state);
        n = (int)strlen(state);
        state_width = n > state_width ? n : state_width;
    }
    fprintf(f, "%-*s  %-*s %8s %9s\n", width, "GAME", state_width, "STATE", "PID", "RESTARTS");
    json_array_foreach(games, i, g) {
        put_value(f, json_object_get(g, "game"), -width);
        state_cell(g, state, sizeof state);
        fprintf(f, "  %-*s ", state_width, state);
        put_value(f, json_object_get(g, "pid"), 8);
        fputc(' ', f);
        put_value(f, json_object_get(g, "restarts"), 9);
        fputc('\n', f);
    }
}

static bool shown_first(const char *key, const char *const known[], size_t nknown)
{
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(key, known[i]) == 0)
            return true;
    return false;
}

static void print_status(FILE *f, const json_t *response)
{
    static const char *const known[] = {
        "strategy", "intensity", "period", "children", "games", "restarts", "uptime_s",
    };
    size_t nknown = sizeof known / sizeof *known;
    const char *key;
    const json_t *v;
    int width = 10;   /* the keys' column, as wide as the longest key shown */
    json_object_foreach((json_t *)response, key, v) {
        int n = (int)strlen(key);
        if (strcmp(key, "id") != 0 && strcmp(key, "ok") != 0 && n > width)
            width = n;
    }
    for (size_t i = 0; i < nknown; i++) {
        fprintf(f, "%-*s ", width, known[i]);
        put_value(f, json_object_get(response, known[i]), 0);
        fputc('\n', f);
    }
    /* Fields a newer daemon adds are shown too. */
    json_object_foreach((json_t *)response, key, v) {
        if (strcmp(key, "id") == 0 || strcmp(key, "ok") == 0 || shown_first(key, known, nknown))
            continue;
        put_cell(f, strdup(key), -width);
        fputc(' ', f);
        put_value(f, v, 0);
        fputc('\n', f);
    }
}

static void print_guess(FILE *f, const json_t *response)
{
    fputs(json_is_true(json_object_get(response, "hit")) ? "Hit!\n" : "Miss.\n", f);
    const char *forested = json_string_value(json_object_get(response, "forested"));
    if (forested != NULL)
        put_safe(f, "You forested the %s.\n", forested);
    if (json_is_true(json_object_get(response, "win")))
        fputs("You won!\n", f);
}

static void print_text(FILE *f, char *text)
{
    fputs(text != NULL ? text : "(out of memory)\n", f);
    free(text);
}

void cli_print_result(const struct cli_args *a, const json_t *response, const char *me,
                      const struct cli_env *env)
{
    FILE *f = env->out;
    switch (a->command) {
    case CMD_NEW:
        fprintf(f, "Created game %s: you are player1 (%s).\n"
                   "Waiting for a second player: islands join %s NAME\n",
                a->arg[0], a->arg[1], a->arg[0]);
        break;
    case CMD_JOIN:
        fprintf(f, "Joined game %s: you are player2 (%s).\n"
                   "Next: islands place %s ISLAND ROW COL\n", a->arg[0], a->arg[1], a->arg[0]);
        break;
    case CMD_PLACE:
        fprintf(f, "Placed the %s at row %lld, column %lld.\n", a->arg[1], a->row, a->col);
        break;
    case CMD_READY:
        print_text(f, cli_draw_board(json_object_get(response, "board"), &env->draw));
        fputs("\nYour islands are set.\n", f);
        break;
    case CMD_GUESS:
        print_guess(f, response);
        break;
    case CMD_SHOW:
        print_text(f, cli_draw_state(response, me, &env->draw));
        break;
    case CMD_END:
        fprintf(f, "Game %s ended.\n", a->arg[0]);
        break;
    case CMD_LIST:
        print_list(f, response);
        break;
    case CMD_STATUS:
        print_status(f, response);
        break;
    case CMD_PING:
        put_safe(f, "islandsd %s", string_or(response, "version", "(unknown version)"));
        fprintf(f, ", protocol %lld\n",
                (long long)json_integer_value(json_object_get(response, "protocol")));
        break;
    case CMD_CRASH:
        fprintf(f, "Crashed the worker of game %s (pid %lld) with %s.\n", a->arg[0],
                (long long)json_integer_value(json_object_get(response, "pid")), a->signal);
        break;
    default:
        break;
    }
}
