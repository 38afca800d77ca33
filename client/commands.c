/* Running one command: the remembered identity, the request, the exchange
 * with islandsd, and what is remembered or forgotten after it. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "islands/client.h"

#define REQUEST_ID 1

static const char *const ops[CMD_COUNT] = {
    [CMD_NEW] = "new_game", [CMD_JOIN] = "add_player", [CMD_PLACE] = "position_island",
    [CMD_READY] = "set_islands", [CMD_GUESS] = "guess", [CMD_SHOW] = "state",
    [CMD_END] = "end_game", [CMD_LIST] = "list", [CMD_STATUS] = "status",
    [CMD_PING] = "ping", [CMD_CRASH] = "crash",
};

/* How a command uses the remembered identities of its game. */
enum identity_use { ID_NONE, ID_OPTIONAL, ID_REQUIRED };

static enum identity_use identity_use(enum cli_command cmd)
{
    switch (cmd) {
    case CMD_PLACE: case CMD_READY: case CMD_GUESS:
        return ID_REQUIRED;
    case CMD_SHOW: case CMD_END:
        return ID_OPTIONAL;
    default:
        return ID_NONE;
    }
}

static bool uses_state_file(enum cli_command cmd)
{
    return cmd == CMD_NEW || cmd == CMD_JOIN || identity_use(cmd) != ID_NONE;
}

/* Can the command not go on without its remembered identity? */
static bool needs_identity(const struct cli_args *a)
{
    return identity_use(a->command) == ID_REQUIRED || a->player != NULL;
}

/* json_object_set_new that remembers a failure (no memory, or a string
 * that is not UTF-8) in *ok instead of leaving the field out. */
static void set_field(json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0)
        *ok = false;
}

json_t *cli_build_request(const struct cli_args *a, const struct cli_identity *who, int player)
{
    if (a->command >= CMD_HELP)
        return NULL;
    json_t *r = json_pack("{s:i, s:s}", "id", REQUEST_ID, "op", ops[a->command]);
    if (r == NULL)
        return NULL;
    bool ok = true;
    if (a->command <= CMD_END || a->command == CMD_CRASH)
        set_field(r, "game", json_string(a->arg[0]), &ok);
    if (who != NULL) {
        set_field(r, "player", json_string(isl_player_name((enum isl_player)player)), &ok);
        set_field(r, "token", json_string(who->token), &ok);
    }
    switch (a->command) {
    case CMD_NEW: case CMD_JOIN:
        set_field(r, "name", json_string(a->arg[1]), &ok);
        break;
    case CMD_PLACE:
        set_field(r, "island", json_string(a->arg[1]), &ok);
        /* fall through */
    case CMD_GUESS:
        set_field(r, "row", json_integer(a->row), &ok);
        set_field(r, "col", json_integer(a->col), &ok);
        break;
    case CMD_CRASH:
        set_field(r, "signal", json_string(a->signal), &ok);
        break;
    default:
        break;
    }
    if (!ok) {
        json_decref(r);
        return NULL;
    }
    return r;
}

static int local_error(const struct cli_env *env, const char *what)
{
    fprintf(env->err, "islands: %s\n", what);
    return CLI_EXIT_USAGE;
}

/* Choose the identity for the command; -1 = none. *status is set on error. */
static int choose_identity(const struct cli_args *a, const struct cli_memory *mem,
                           const struct cli_env *env, int *status)
{
    enum identity_use use = identity_use(a->command);
    bool any = mem->players[0].known || mem->players[1].known;
    if (use == ID_NONE || (use == ID_OPTIONAL && !any && a->player == NULL))
        return -1;
    /* Either player's token may end a game. */
    if (a->command == CMD_END && a->player == NULL && mem->players[0].known)
        return ISL_PLAYER1;
    char err[512];
    int p = cli_pick_identity(mem, a->player, err, sizeof err);
    if (p < 0)
        *status = local_error(env, err);
    return p;
}

static bool changes_a_game(enum cli_command cmd)
{
    switch (cmd) {
    case CMD_NEW: case CMD_JOIN: case CMD_PLACE: case CMD_READY: case CMD_GUESS: case CMD_END:
        return true;
    default:
        return false;
    }
}

/* After a change was sent and no answer came: the daemon may have made it
 * all the same (its request_timeout_ms may be longer than ours), and for
 * `new` and `join` the token it handed out is then lost. */
static void say_the_change_may_be_made(const struct cli_args *a, const struct cli_env *env)
{
    const char *game = a->arg[0];
    if (a->command == CMD_NEW)
        fprintf(env->err, "islands: game %s may have been created all the same, but your token "
                "is not remembered here: look with islands show %s\n", game, game);
    else if (a->command == CMD_JOIN)
        fprintf(env->err, "islands: you may have joined game %s all the same, but your token "
                "is not remembered here: look with islands show %s\n", game, game);
    else
        fprintf(env->err, "islands: the change may have been made all the same: look with "
                "islands show %s\n", game);
}

/* The longest answer line read for a command: a list of many games is
 * one long line. */
static size_t answer_limit(enum cli_command cmd)
{
    return cmd == CMD_LIST ? ISL_CLIENT_LIST_MAX_LINE : ISL_CLIENT_DEFAULT_MAX_LINE;
}

/* One exchange with the daemon: the raw line and its JSON. Exit status. */
static int exchange(const struct cli_args *a, const json_t *request, const struct cli_env *env,
                    char **line, json_t **response)
{
    const char *path = env->socket;
    struct isl_client *c = isl_client_connect(path, env->timeout_ms);
    if (c == NULL) {
        int saved = errno;
        fprintf(env->err, "islands: cannot connect to %s: %s%s\n", path, strerror(saved),
                cli_connect_hint(saved));
        return CLI_EXIT_USAGE;
    }
    isl_client_set_max_line(c, answer_limit(a->command));
    size_t len = 0;
    enum isl_client_status s = isl_client_send(c, request, env->timeout_ms);
    if (s == ISL_CLIENT_OK)
        s = isl_client_recv_line(c, line, &len, env->timeout_ms);
    int saved = errno;
    isl_client_close(c);
    if (s == ISL_CLIENT_OK) {
        *response = json_loadb(*line, len, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_boolean(json_object_get(*response, "ok")))
            return CLI_EXIT_OK;
        json_decref(*response);
        *response = NULL;
        free(*line);
        *line = NULL;
        s = ISL_CLIENT_BAD_LINE;
        saved = EBADMSG;
    }
    if (s == ISL_CLIENT_EOF)
        fprintf(env->err, "islands: %s closed the connection without answering\n", path);
    else if (s == ISL_CLIENT_TIMEOUT)
        fprintf(env->err, "islands: no answer from %s within %d s (--timeout SECONDS waits "
                "longer, 0 as long as it takes)\n", path, env->timeout_ms / 1000);
    else if (s == ISL_CLIENT_BAD_LINE && saved == EMSGSIZE)
        fprintf(env->err, "islands: the answer from %s is longer than %zu MiB, the most this "
                "client reads%s\n", path, answer_limit(a->command) >> 20,
                a->command == CMD_LIST ? " for list: more games than islands list can show "
                                         "(islands status counts them)" : "");
    else if (s == ISL_CLIENT_BAD_LINE)
        fprintf(env->err, "islands: %s sent something that is not a response\n", path);
    else
        fprintf(env->err, "islands: lost the connection to %s: %s\n", path, strerror(saved));
    if (changes_a_game(a->command))
        say_the_change_may_be_made(a, env);
    return CLI_EXIT_USAGE;
}

/* Send the request of `a` as `who` (NULL: none) and read the answer. */
static int ask(const struct cli_args *a, const struct cli_identity *who, int player,
               const struct cli_env *env, char **line, json_t **response)
{
    json_t *request = cli_build_request(a, who, player);
    if (request == NULL)
        return local_error(env, "out of memory");
    int status = exchange(a, request, env, line, response);
    json_decref(request);
    return status;
}

static bool has_error(const json_t *response, const char *code)
{
    const char *c = json_string_value(json_object_get(response, "error"));
    return c != NULL && strcmp(c, code) == 0;
}

/* Say which identities a change forgot: their tokens are wrong for the
 * game of that name now, and will stay wrong. */
static void report_forgotten(const char *game, unsigned forgotten, const struct cli_env *env)
{
    for (int p = 0; p < 2; p++)
        if (forgotten & (1u << p))
            fprintf(env->err, "islands: forgot your token for game %s as %s: the server no "
                    "longer accepts it\n", game, isl_player_name((enum isl_player)p));
}

/* Forget an identity the server answered `unauthorized` for. */
static void forget_refused(const char *dir, const char *game, const struct cli_identity *who,
                           int player, const struct cli_env *env)
{
    struct cli_memory_change change = { .remember = -1 };
    change.stale[player] = *who;
    unsigned forgotten;
    char err[512];
    if (cli_state_change(dir, game, &change, &forgotten, err, sizeof err) != 0)
        local_error(env, err);
    report_forgotten(game, forgotten, env);
}

/* After `not_allowed` (a move out of turn, islands placed before the
 * second player came, ...), say where the game stands: one `state`
 * more, asked only then. Nothing when it cannot be asked. */
static void explain_not_allowed(const struct cli_args *a, const struct cli_identity *who,
                                int player, const struct cli_env *env)
{
    struct cli_args show = *a;
    show.command = CMD_SHOW;
    char *line = NULL;
    json_t *response = NULL;
    if (ask(&show, who, player, env, &line, &response) == CLI_EXIT_OK &&
        json_is_true(json_object_get(response, "ok"))) {
        char *turn = cli_turn_sentence(response,
                                       isl_player_name((enum isl_player)player));
        if (turn != NULL) {
            size_t len = strlen(turn);
            /* "You won!" ends its sentence already. */
            bool ended = len > 0 && strchr(".!?", turn[len - 1]) != NULL;
            fprintf(env->err, "islands: the game now: %s%s\n", turn, ended ? "" : ".");
        }
        free(turn);
    }
    json_decref(response);
    free(line);
}

/* `join` into a game remembered as player 1 (to play it alone, or an old
 * game of the same name): is player 1's token refused by the server now?
 * When that cannot be asked it is kept: an identity found wrong later is
 * dropped then. */
static bool player1_refused(const struct cli_args *a, const struct cli_memory *mem,
                            const struct cli_env *env)
{
    if (!mem->players[ISL_PLAYER1].known)
        return false;
    struct cli_args show = *a;
    show.command = CMD_SHOW;
    char *line = NULL;
    json_t *response = NULL;
    bool refused = ask(&show, &mem->players[ISL_PLAYER1], ISL_PLAYER1, env, &line,
                       &response) == CLI_EXIT_OK && has_error(response, "unauthorized");
    json_decref(response);
    free(line);
    return refused;
}

/* After a success: remember a new identity, or forget an ended game. `mem`
 * is what was remembered before the request. */
static int update_memory(const struct cli_args *a, const json_t *response, const char *dir,
                         const struct cli_memory *mem, const struct cli_env *env)
{
    struct cli_memory_change change = { .remember = -1 };
    char err[512];
    if (a->command == CMD_END) {
        change.forget_game = true;
        return cli_state_change(dir, a->arg[0], &change, NULL, err, sizeof err) == 0
               ? CLI_EXIT_OK : local_error(env, err);
    }
    if (a->command != CMD_NEW && a->command != CMD_JOIN)
        return CLI_EXIT_OK;

    const char *token = json_string_value(json_object_get(response, "token"));
    enum isl_player p = a->command == CMD_NEW ? ISL_PLAYER1 : ISL_PLAYER2;
    if (token == NULL || strlen(token) > CLI_TOKEN_MAX)
        return local_error(env, "the server's answer holds no usable token");
    isl_player_from_name(json_string_value(json_object_get(response, "player")), &p);
    /* A new game: what was remembered before it was asked for belongs to
     * an old game of that name. What was remembered since (the game's
     * `join`, run at once) is kept. */
    if (a->command == CMD_NEW)
        memcpy(change.stale, mem->players, sizeof change.stale);
    else if (p != ISL_PLAYER1 && player1_refused(a, mem, env))
        change.stale[ISL_PLAYER1] = mem->players[ISL_PLAYER1];
    change.remember = (int)p;
    snprintf(change.identity.token, sizeof change.identity.token, "%s", token);
    snprintf(change.identity.name, sizeof change.identity.name, "%s", a->arg[1]);
    unsigned forgotten;
    if (cli_state_change(dir, a->arg[0], &change, &forgotten, err, sizeof err) != 0) {
        fprintf(env->err, "islands: %s\nislands: your token for game %s as %s is %s\n",
                err, a->arg[0], isl_player_name(p), token);
        return CLI_EXIT_USAGE;
    }
    if (a->command == CMD_JOIN)
        report_forgotten(a->arg[0], forgotten, env);
    return CLI_EXIT_OK;
}

/* Read what is remembered of the game into mem. A corrupt or unreadable
 * file blocks only the commands that need an identity; the others go on
 * without one (`new` replaces it). */
static int load_memory(const struct cli_args *a, const char *dir, struct cli_memory *mem,
                       const struct cli_env *env)
{
    char err[512];
    snprintf(mem->game, sizeof mem->game, "%s", a->arg[0]);
    if (cli_state_load(dir, a->arg[0], mem, err, sizeof err) >= 0)
        return CLI_EXIT_OK;
    memset(mem->players, 0, sizeof mem->players);
    if (a->command == CMD_NEW)
        return CLI_EXIT_OK;
    static const char fix[] = "remove that file to forget the game here";
    if (needs_identity(a)) {
        fprintf(env->err, "islands: %s; %s\n", err, fix);
        return CLI_EXIT_USAGE;
    }
    fprintf(env->err, "islands: warning: %s; going on without it (%s)\n", err, fix);
    return CLI_EXIT_OK;
}

/* Find the directory of what is remembered for the daemon, and read the
 * game's memory. dir is left empty
 * when the command uses none, or needs none and there is none (no HOME):
 * a spectator's `show` goes on. `new` and `join` stop before their
 * request, since the token they get could not be kept. */
static int open_memory(const struct cli_args *a, char *dir, size_t dirlen,
                       struct cli_memory *mem, const struct cli_env *env)
{
    char state_dir[4096], err[512];
    memset(mem, 0, sizeof *mem);
    dir[0] = '\0';
    if (!uses_state_file(a->command))
        return CLI_EXIT_OK;
    if (cli_state_dir(state_dir, sizeof state_dir, err, sizeof err) == 0 &&
        cli_daemon_dir(state_dir, env->socket, dir, dirlen, err, sizeof err) == 0)
        return load_memory(a, dir, mem, env);
    dir[0] = '\0';
    if (a->command == CMD_NEW || a->command == CMD_JOIN || needs_identity(a))
        return local_error(env, err);
    fprintf(env->err, "islands: warning: %s; going on without remembered players\n", err);
    return CLI_EXIT_OK;
}

int cli_run(const struct cli_args *a, const struct cli_env *env)
{
    char dir[4096], err[512];
    struct cli_memory mem;
    int status = open_memory(a, dir, sizeof dir, &mem, env);
    if (status != CLI_EXIT_OK)
        return status;
    int player = choose_identity(a, &mem, env, &status);
    if (status != CLI_EXIT_OK)
        return status;
    const struct cli_identity *who = player >= 0 ? &mem.players[player] : NULL;

    char *line = NULL;
    json_t *response = NULL;
    status = ask(a, who, player, env, &line, &response);
    if (status != CLI_EXIT_OK)
        return status;

    if (a->json)
        fprintf(env->out, "%s\n", line);
    bool ok = json_is_true(json_object_get(response, "ok"));
    if (ok) {
        if (dir[0] != '\0')
            status = update_memory(a, response, dir, &mem, env);
        if (!a->json)
            cli_print_result(a, response, who != NULL ? isl_player_name((enum isl_player)player)
                                                      : NULL, env);
    } else {
        if (a->command == CMD_END && has_error(response, "no_such_game") && dir[0] != '\0') {
            struct cli_memory_change nothing_left_to_end = { .forget_game = true, .remember = -1 };
            cli_state_change(dir, a->arg[0], &nothing_left_to_end, NULL, err, sizeof err);
        }
        if (!a->json) {
            struct cli_error_context ctx = { .command = a->command, .token_sent = who != NULL };
            char *text = cli_error_text_for(response, &ctx);
            fprintf(env->err, "islands: %s\n", text != NULL ? text : "the server refused");
            free(text);
            if (who != NULL && has_error(response, "not_allowed"))
                explain_not_allowed(a, who, player, env);
        }
        if (who != NULL && has_error(response, "unauthorized"))
            forget_refused(dir, a->arg[0], who, player, env);
        status = CLI_EXIT_GAME_ERROR;
    }
    json_decref(response);
    free(line);
    return status;
}
