/* The command table of `islands`, its argument parsing and help texts. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "islands/client.h"

static const struct cli_command_info commands[CMD_COUNT] = {
    [CMD_NEW] = { "new", "GAME NAME", 2, 2, "start a game as player 1",
        "Creates GAME on the server with you, NAME, as player 1, and remembers\n"
        "your player token for GAME. Game names are 1 to 64 of A-Z a-z 0-9 _ . -\n"
        "A name that starts with - goes after --: islands -- new -g Ann\n" },
    [CMD_JOIN] = { "join", "GAME NAME", 2, 2, "join a game as player 2",
        "Joins GAME as player 2 under NAME and remembers your player token.\n"
        "A player 1 remembered for GAME is kept only if the server still\n"
        "accepts its token (a game of that name may have ended since).\n" },
    [CMD_PLACE] = { "place", "GAME ISLAND ROW COL", 4, 4,
        "position an island by its upper-left square",
        "ISLAND is one of atoll, dot, l_shape, s_shape, square; ROW and COL\n"
        "(1 to 10) are its upper-left square. Placing an island again moves it.\n" },
    [CMD_READY] = { "ready", "GAME", 1, 1, "set your islands once all five are placed",
        "Fixes your islands for the game and prints your board. The game\n"
        "starts when both players are ready; player 1 guesses first.\n" },
    [CMD_GUESS] = { "guess", "GAME ROW COL", 3, 3, "guess a square of the other board",
        "Guesses the square at ROW, COL (1 to 10) of the other player's board\n"
        "and prints whether it hit, whether it forested an island, and a win.\n" },
    [CMD_SHOW] = { "show", "GAME", 1, 1, "draw your board and your guesses",
        "Draws your board and your guesses side by side and says whose turn it\n"
        "is. Without a remembered identity it shows what anyone may see.\n" },
    [CMD_END] = { "end", "GAME", 1, 1, "end and delete a game",
        "Ends GAME on the server (deleting it) and forgets its token here.\n" },
    [CMD_LIST] = { "list", "", 0, 0, "list the games (administrators)",
        "Lists every stored game with its state, worker pid and restarts.\n" },
    [CMD_STATUS] = { "status", "", 0, 0, "show the daemon's status (administrators)",
        "Shows the supervision strategy, the running workers, the stored games,\n"
        "the restarts and the uptime.\n" },
    [CMD_PING] = { "ping", "", 0, 0, "check that islandsd answers",
        "Prints the daemon's version and protocol.\n" },
    [CMD_CRASH] = { "crash", "GAME SIGNAL", 2, 2, "crash the worker of a game (testing)",
        "Makes the worker process of GAME die: SIGNAL is KILL, SEGV, ABRT, TERM\n"
        "or EXIT. For administrators, when the daemon enables crash injection.\n" },
    [CMD_HELP] = { "help", "[COMMAND]", 0, 1, "show this help or a command's",
        "Shows the help of COMMAND, or the general help.\n" },
};

static const char *const crash_signals[] = { "KILL", "SEGV", "ABRT", "TERM", "EXIT" };

const struct cli_command_info *cli_command_info(enum cli_command cmd)
{
    return (unsigned)cmd < CMD_COUNT ? &commands[cmd] : NULL;
}

int cli_command_find(const char *name, enum cli_command *out)
{
    for (int i = 0; i < CMD_COUNT; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            *out = (enum cli_command)i;
            return 0;
        }
    }
    return -1;
}

/* A whole decimal integer (sign allowed), nothing else. */
static int parse_integer(const char *s, long long *out)
{
    if (*s == '\0' || isspace((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* "kill", "SIGKILL" and "KILL" all mean KILL. */
static int normalize_signal(const char *s, char out[8])
{
    char up[16];
    size_t n = strlen(s);
    if (n >= sizeof up)
        return -1;
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    const char *name = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++) {
        if (strcmp(name, crash_signals[i]) == 0) {
            strcpy(out, crash_signals[i]);
            return 0;
        }
    }
    return -1;
}

/* An option that takes a value: "--socket PATH" or "--socket=PATH".
 * Returns 1 (consumed, *i advanced past a separate value), 0 (not this
 * option), -1 (value missing). */
static int option_value(const char *opt, int argc, char *const argv[], int *i,
                        const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int cli_timeout_from(const char *what, const char *seconds, int *ms, char *err, size_t errlen)
{
    long long s;
    if (parse_integer(seconds, &s) != 0 || s < 0 || s > CLI_TIMEOUT_MAX_S)
        return cli_fail(err, errlen, "%s must be whole seconds from 0 (no limit) to %d, not '%s'",
                        what, CLI_TIMEOUT_MAX_S, seconds);
    *ms = s == 0 ? -1 : (int)s * 1000;
    return 0;
}

static int parse_option(int argc, char *const argv[], int *i, struct cli_args *out,
                        char *err, size_t errlen)
{
    const char *a = argv[*i], *seconds;
    int rc;
    if ((rc = option_value("--timeout", argc, argv, i, &seconds)) != 0) {
        if (rc < 0)
            return cli_fail(err, errlen, "--timeout needs a number of seconds");
        out->has_timeout = true;
        return cli_timeout_from("--timeout", seconds, &out->timeout_ms, err, errlen);
    }
    if ((rc = option_value("--socket", argc, argv, i, &out->socket)) != 0) {
        if (rc < 0 || out->socket[0] == '\0')
            return cli_fail(err, errlen, "--socket needs a path");
        return 0;
    }
    if ((rc = option_value("--config", argc, argv, i, &out->config)) != 0) {
        if (rc < 0 || out->config[0] == '\0')
            return cli_fail(err, errlen, "--config needs a file");
        return 0;
    }
    if ((rc = option_value("--player", argc, argv, i, &out->player)) != 0) {
        if (rc < 0)
            return cli_fail(err, errlen, "--player needs player1 or player2");
        enum isl_player p;
        if (isl_player_from_name(out->player, &p) != 0)
            return cli_fail(err, errlen, "--player must be player1 or player2, not '%s'", out->player);
        return 0;
    }
    if (strcmp(a, "--json") == 0)
        out->json = true;
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        out->action = CLI_SHOW_HELP;
    else if (strcmp(a, "--version") == 0)
        out->action = CLI_SHOW_VERSION;
    else
        return cli_fail(err, errlen, "unknown option '%s'", a);
    return 0;
}

/* Text the request can carry: JSON strings are UTF-8, and jansson's own
 * check is the one that would otherwise drop the argument. */
static bool is_utf8(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

/* Every argument must be UTF-8: named by its word in info->args. */
static int check_utf8(const struct cli_args *out, char *err, size_t errlen)
{
    const char *word = commands[out->command].args;
    for (int i = 0; i < out->nargs; i++) {
        word += strspn(word, " [");
        size_t len = strcspn(word, " ]");
        if (!is_utf8(out->arg[i]))
            return cli_fail(err, errlen, "%.*s must be UTF-8 text", (int)len, word);
        word += len;
    }
    return 0;
}

/* Check the arguments of the command: count, text, integers, signal. */
static int check_arguments(struct cli_args *out, char *err, size_t errlen)
{
    const struct cli_command_info *info = &commands[out->command];
    if (out->nargs < info->min_args)
        return cli_fail(err, errlen, "%s: too few arguments", info->name);
    if (out->nargs > info->max_args)
        return cli_fail(err, errlen, "%s: too many arguments", info->name);
    if (check_utf8(out, err, errlen) != 0)
        return -1;

    int row_at = out->command == CMD_PLACE ? 2 : out->command == CMD_GUESS ? 1 : -1;
    if (row_at >= 0) {
        if (parse_integer(out->arg[row_at], &out->row) != 0)
            return cli_fail(err, errlen, "ROW must be an integer, not '%s'", out->arg[row_at]);
        if (parse_integer(out->arg[row_at + 1], &out->col) != 0)
            return cli_fail(err, errlen, "COL must be an integer, not '%s'", out->arg[row_at + 1]);
    }
    if (out->command == CMD_CRASH && normalize_signal(out->arg[1], out->signal) != 0)
        return cli_fail(err, errlen, "SIGNAL must be KILL, SEGV, ABRT, TERM or EXIT, not '%s'",
                    out->arg[1]);
    if (out->command == CMD_HELP && out->nargs == 1) {
        enum cli_command topic;
        if (cli_command_find(out->arg[0], &topic) != 0)
            return cli_fail(err, errlen, "no command '%s'", out->arg[0]);
        out->action = CLI_SHOW_HELP;
        out->command = topic;
    } else if (out->command == CMD_HELP) {
        out->action = CLI_SHOW_HELP;
        out->has_command = false;
    }
    return 0;
}

int cli_parse(int argc, char *const argv[], struct cli_args *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->action = CLI_RUN;
    bool options_done = false;
    int extra = 0;      /* arguments beyond CLI_MAX_ARGS, for the message */

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (!options_done && a[0] == '-' && a[1] != '\0' &&
                   !isdigit((unsigned char)a[1])) {
            /* "-3" is a (bad) row, not an option: the server judges it */
            if (parse_option(argc, argv, &i, out, err, errlen) != 0)
                return -1;
        } else if (!out->has_command) {
            if (cli_command_find(a, &out->command) != 0)
                return cli_fail(err, errlen, "unknown command '%s' (see islands --help)", a);
            out->has_command = true;
        } else if (out->nargs < CLI_MAX_ARGS) {
            out->arg[out->nargs++] = a;
        } else {
            extra++;
        }
    }
    if (out->action != CLI_RUN)
        return 0;       /* --help and --version win over everything else */
    if (!out->has_command)
        return cli_fail(err, errlen, "no command given (see islands --help)");
    if (extra > 0)
        return cli_fail(err, errlen, "%s: too many arguments", commands[out->command].name);
    return check_arguments(out, err, errlen);
}

void cli_print_usage(FILE *f, enum cli_command cmd)
{
    const struct cli_command_info *info = &commands[cmd];
    fprintf(f, "usage: islands [OPTIONS] %s%s%s\n", info->name,
            info->args[0] != '\0' ? " " : "", info->args);
}

void cli_print_command_help(FILE *f, enum cli_command cmd)
{
    cli_print_usage(f, cmd);
    fprintf(f, "\n%s", commands[cmd].details);
}

void cli_print_help(FILE *f)
{
    fputs("usage: islands [OPTIONS] COMMAND [ARGUMENTS]\n"
          "\n"
          "Play the Islands game through islandsd.\n"
          "\n"
          "Commands:\n", f);
    for (int i = 0; i < CMD_COUNT; i++) {
        char left[40];
        snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].args);
        fprintf(f, "  %-26s %s\n", left, commands[i].summary);
    }
    fprintf(f,
          "\n"
          "ISLAND is atoll, dot, l_shape, s_shape or square. ROW and COL go from 1\n"
          "to 10: row 1 is the top, column 1 the left.\n"
          "\n"
          "Options:\n"
          "  --socket PATH              the daemon's socket (default: $%s,\n"
          "                             else the socket key of the daemon's\n"
          "                             configuration, else %s)\n"
          "  --config FILE              the daemon's configuration to read the\n"
          "                             socket key from (default %s)\n"
          "  --player player1|player2   the remembered identity to act as, when\n"
          "                             this account holds both players of a game\n"
          "  --timeout SECONDS          how long to wait for the daemon's answer\n"
          "                             (default: $%s, else %d; 0: as long\n"
          "                             as it takes)\n"
          "  --json                     print the server's response line unchanged\n"
          "  -h, --help                 show this help (islands help COMMAND: one\n"
          "                             command's)\n"
          "  --version                  show the version\n"
          "  --                         the end of the options: later arguments\n"
          "                             starting with - are names, as in\n"
          "                             islands -- new -g Ann\n"
          "\n"
          "Player tokens are remembered in $XDG_STATE_HOME/islands (default\n"
          "~/.local/state/islands), one file per game: there for the daemon on\n"
          "%s, under daemons/ and the socket's path for any\n"
          "other (man islands, FILES). Colours are used on a terminal unless\n"
          "NO_COLOR is set.\n"
          "\n"
          "Exit status: 0 success, 1 the server refused (a game error),\n"
          "2 a usage, local or connection error.\n",
          ISL_CLIENT_SOCKET_ENV, ISL_CLIENT_DEFAULT_SOCKET, ISL_CONFIG_DEFAULT_PATH,
          CLI_TIMEOUT_ENV, CLI_DEFAULT_TIMEOUT_S, ISL_CLIENT_DEFAULT_SOCKET);
}
