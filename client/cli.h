/* The `islands` command-line client: the pieces shared by its modules.
 *   args.c      the command table, argument parsing and help texts
 *   statefile.c remembered identities (game, player, token) on disk
 *   statechange.c changes to them: the rules and the locked read-modify-write
 *   draw.c      boards and the turn sentence, as pure text functions
 *   messages.c  plain sentences for the protocol's error codes
 *   commands.c  requests, the exchange with islandsd, remembering tokens
 *   output.c    what a success prints for people
 *   main.c      the program: parse, run, exit status
 * Everything but commands.c and main.c is pure enough to unit-test. */
#ifndef ISLANDS_CLI_H
#define ISLANDS_CLI_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "islands/game.h"
#include "islands/request.h"

#ifndef ISLANDS_VERSION
#define ISLANDS_VERSION "1.0.0"
#endif

/* Exit statuses of `islands`. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_GAME_ERROR = 1,    /* the server answered with an error */
    CLI_EXIT_USAGE = 2          /* bad command line, local or connection trouble */
};

/* ---------------------------------------------------------------- args.c */

enum cli_command {
    CMD_NEW, CMD_JOIN, CMD_PLACE, CMD_READY, CMD_GUESS, CMD_SHOW, CMD_END,
    CMD_LIST, CMD_STATUS, CMD_PING, CMD_CRASH, CMD_HELP,
    CMD_COUNT
};

struct cli_command_info {
    const char *name;       /* "place" */
    const char *args;       /* "GAME ISLAND ROW COL" */
    int min_args, max_args;
    const char *summary;    /* one line for the command list */
    const char *details;    /* the rest of `islands help COMMAND` */
};

const struct cli_command_info *cli_command_info(enum cli_command cmd);
/* 0 and *out, or -1 for an unknown name. */
int cli_command_find(const char *name, enum cli_command *out);

enum cli_action { CLI_RUN, CLI_SHOW_HELP, CLI_SHOW_VERSION };

#define CLI_MAX_ARGS 4

struct cli_args {
    enum cli_action action;
    bool has_command;           /* CLI_SHOW_HELP: for one command? */
    enum cli_command command;
    const char *socket;         /* --socket, or NULL */
    const char *config;         /* --config (the daemon's, for its socket), or NULL */
    const char *player;         /* --player ("player1" / "player2"), or NULL */
    bool has_timeout;           /* --timeout given: */
    int timeout_ms;             /*   as cli_timeout_from */
    bool json;                  /* --json */
    const char *arg[CLI_MAX_ARGS];  /* the command's arguments, as given */
    int nargs;
    long long row, col;         /* place, guess: parsed ROW and COL */
    char signal[8];             /* crash: normalized ("KILL") */
};

/* Parse argv (argv[0] is the program). Options may come before or after
 * the command; "--" ends them (so a name may start with "--"). 0 on
 * success; -1 on a usage error with the reason in err (one line, without
 * the usage line; *out->command is set when the command was known). */
int cli_parse(int argc, char *const argv[], struct cli_args *out,
              char *err, size_t errlen);

/* How long to wait for the daemon: --timeout SECONDS, else this variable,
 * else CLI_DEFAULT_TIMEOUT_S. */
#define CLI_TIMEOUT_ENV "ISLANDS_TIMEOUT"
#define CLI_DEFAULT_TIMEOUT_S 30
/* Whole seconds from 0 to what fits an int of milliseconds. */
#define CLI_TIMEOUT_MAX_S (INT_MAX / 1000)

/* Read a timeout in seconds as the client library's milliseconds (0: no
 * limit, -1 there). -1 with "WHAT must be ..." in err for anything but
 * whole seconds from 0 to CLI_TIMEOUT_MAX_S. */
int cli_timeout_from(const char *what, const char *seconds, int *ms, char *err, size_t errlen);

/* "usage: islands place GAME ISLAND ROW COL" */
void cli_print_usage(FILE *f, enum cli_command cmd);
void cli_print_help(FILE *f);
void cli_print_command_help(FILE *f, enum cli_command cmd);

/* ---------------------------------------------------------------- statefile.c */

#define CLI_TOKEN_MAX ISL_TOKEN_ARG_MAX

struct cli_identity {
    bool known;
    char token[CLI_TOKEN_MAX + 1];
    char name[ISL_PLAYER_NAME_MAX + 1];
};

/* What this account remembers about one game: an identity per player
 * (both when the same account joined twice). */
struct cli_memory {
    char game[ISL_GAME_NAME_MAX + 1];
    struct cli_identity players[2];     /* [ISL_PLAYER1], [ISL_PLAYER2] */
};

/* $XDG_STATE_HOME/islands if XDG_STATE_HOME is an absolute path (the XDG
 * spec ignores relative ones), else $HOME/.local/state/islands. -1 with a
 * reason in err if neither can be found or the path is too long. */
int cli_state_dir(char *out, size_t outlen, char *err, size_t errlen);

/* The file name (no directory) for a game: "game-" + the name with every
 * byte other than A-Z a-z 0-9 _ - written as %XX (upper-case hex), + ".json".
 * "." -> "game-%2E.json", ".." -> "game-%2E%2E.json", "a/b" -> "game-a%2Fb.json".
 * One-to-one, never "." or "..", never a '/'. -1 if it does not fit. */
int cli_state_file_name(const char *game, char *out, size_t outlen);

/* The directory of what is remembered for the daemon on `socket`, a path
 * inside state_dir (from cli_state_dir):
 *  - state_dir itself for ISL_CLIENT_DEFAULT_SOCKET, where every game was
 *    remembered before each daemon had a directory of its own;
 *  - else state_dir/daemons + the socket's absolute path (links resolved
 *    where it exists), each component escaped as cli_state_file_name
 *    escapes game names: /home/ann/run/islandsd.sock ->
 *    STATE/daemons/home/ann/run/islandsd%2Esock.
 * So games of the same name on two daemons are never one memory, and game
 * files ("game-*.json") never meet a daemon's directory (escaped: no '.').
 * -1 with err if a path does not fit. */
int cli_daemon_dir(const char *state_dir, const char *socket, char *out, size_t outlen,
                   char *err, size_t errlen);

/* Read the memory of a game: 1 and *m when remembered, 0 when nothing is
 * (m cleared, game set), -1 on an unreadable or corrupt file (err). */
int cli_state_load(const char *dir, const char *game, struct cli_memory *m,
                   char *err, size_t errlen);
/* Write it (creating the directory 0700, the file 0600, atomically via a
 * temporary file and rename). A memory with no identity removes the file.
 * 0, or -1 with err. */
int cli_state_save(const char *dir, const struct cli_memory *m, char *err, size_t errlen);
/* Forget a game: 0 (also when nothing was remembered), -1 with err. */
int cli_state_forget(const char *dir, const char *game, char *err, size_t errlen);
/* mkdir -p, mode 0700 for what is created (the XDG rule for state). */
int cli_state_make_dir(const char *dir, char *err, size_t errlen);

/* The identity to act as: `want` ("player1"/"player2" from --player, or
 * NULL) picks one; without it the only one remembered. Returns the player
 * index, or -1 with a sentence in err (none remembered, not that one, both
 * remembered and no --player). */
int cli_pick_identity(const struct cli_memory *m, const char *want,
                      char *err, size_t errlen);

/* ---------------------------------------------------------------- statechange.c */

/* What one command changes in the memory of a game, applied to whatever
 * the file holds when the change is made: another command of the same
 * account may have changed it since this one read it. */
struct cli_memory_change {
    bool forget_game;               /* forget every identity (the game ended) */
    /* Forget these identities, each only while it is remembered with the
     * very same token (a token the server refused, or one of an old game
     * of the same name): never one remembered since. */
    struct cli_identity stale[2];
    int remember;                   /* -1, or the player remembered as `identity` */
    struct cli_identity identity;
};

/* Apply c to m. Returns the players forgotten as stale, 1 << player each. */
unsigned cli_memory_apply(struct cli_memory *m, const struct cli_memory_change *c);

/* Make the change to the game's file in dir: under an exclusive lock (on
 * DIR/.lock), read the file again, apply c, write it atomically, unlock.
 * A change that remembers nothing creates nothing. *forgotten (NULL: not
 * wanted) as cli_memory_apply. 0, or -1 with err. */
int cli_state_change(const char *dir, const char *game, const struct cli_memory_change *c,
                     unsigned *forgotten, char *err, size_t errlen);

/* ---------------------------------------------------------------- draw.c */

struct cli_draw_opts {
    bool color;     /* ANSI colours */
    int width;      /* terminal columns: boards side by side if they fit */
};

/* Columns needed to draw two boards side by side. */
#define CLI_DRAW_WIDE 70

/* The `state` result as text: a title line, two boards (for a player: their
 * board and their guesses; for an admin view: both boards), a legend and
 * the turn sentence. `me` is "player1"/"player2", or NULL for a view
 * without a token. Returns malloc'd text, or NULL if out of memory. */
char *cli_draw_state(const json_t *state, const char *me, const struct cli_draw_opts *o);
/* Replace C0, DEL and C1 control characters of a UTF-8 string by '?', in
 * place: text from the server never drives the terminal. */
void cli_sanitize(char *s);
/* One BOARD object (the result of set_islands) with the legend. */
char *cli_draw_board(const json_t *board, const struct cli_draw_opts *o);
/* "Your turn", "Waiting for Bob", "You won!", "Position your islands (3 of 5
 * placed)", ...: malloc'd, or NULL if out of memory. */
char *cli_turn_sentence(const json_t *state, const char *me);

/* ---------------------------------------------------------------- messages.c */

/* A plain sentence for a protocol error code; a generic one for a code
 * this client does not know. */
const char *cli_error_sentence(const char *code);
/* The whole explanation of an error response: the sentence, the server's
 * message in parentheses, and a hint where one helps. malloc'd. */
char *cli_error_text(const json_t *response);

/* What the client asked, for a sentence that fits it better. */
struct cli_error_context {
    enum cli_command command;
    bool token_sent;        /* the request carried a player's token */
};
/* cli_error_text for a known request (ctx NULL: as cli_error_text). */
char *cli_error_text_for(const json_t *response, const struct cli_error_context *ctx);

/* What may help after connecting to the daemon's socket failed with
 * errnum, as " (...)" to follow strerror; "" when nothing is known to. */
const char *cli_connect_hint(int errnum);

/* Write a message into err and return -1: for the functions above that
 * explain their failures. */
int cli_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------- commands.c */

struct cli_env {
    const char *socket;     /* the daemon's socket path */
    FILE *out, *err;
    struct cli_draw_opts draw;
    int timeout_ms;
};

/* The request for a command; `who` is the identity acted as (NULL for
 * none) and `player` its index. A new reference, or NULL for no request
 * (help, version) or when a field cannot be set (no memory, text that is
 * not UTF-8): never a request with a field left out. */
json_t *cli_build_request(const struct cli_args *a, const struct cli_identity *who,
                          int player);

/* Run a parsed command against the daemon; returns the exit status. */
int cli_run(const struct cli_args *a, const struct cli_env *env);

/* ---------------------------------------------------------------- output.c */

/* Print a success response for people; `me` is the player acted as. */
void cli_print_result(const struct cli_args *a, const json_t *response, const char *me,
                      const struct cli_env *env);

#endif
