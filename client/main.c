/* islands: the command-line client of islandsd (see `islands --help`). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "islands/client.h"

#define DEFAULT_COLUMNS 80

/* https://no-color.org: any non-empty NO_COLOR turns colour off. */
static bool colour_wanted(void)
{
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (no_color != NULL && no_color[0] != '\0')
        return false;
    if (term != NULL && strcmp(term, "dumb") == 0)
        return false;
    return isatty(STDOUT_FILENO);
}

static int terminal_columns(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *columns = getenv("COLUMNS");
    int n = columns != NULL ? atoi(columns) : 0;
    return n > 0 ? n : DEFAULT_COLUMNS;
}

/* A full disk or a closed pipe must not pass for success: the error is
 * sticky, so a write that failed before the last flush counts too. */
static int output_written(int status)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && status == CLI_EXIT_OK) {
        perror("islands: standard output");
        status = CLI_EXIT_USAGE;
    }
    return status;
}

int main(int argc, char *argv[])
{
    struct cli_args args;
    char err[512];
    if (cli_parse(argc, argv, &args, err, sizeof err) != 0) {
        fprintf(stderr, "islands: %s\n", err);
        if (args.has_command)
            cli_print_usage(stderr, args.command);
        else
            fputs("usage: islands [OPTIONS] COMMAND [ARGUMENTS]\n", stderr);
        return CLI_EXIT_USAGE;
    }
    if (args.action == CLI_SHOW_VERSION) {
        printf("islands %s\n", ISLANDS_VERSION);
        return output_written(CLI_EXIT_OK);
    }
    if (args.action == CLI_SHOW_HELP) {
        if (args.has_command)
            cli_print_command_help(stdout, args.command);
        else
            cli_print_help(stdout);
        return output_written(CLI_EXIT_OK);
    }
    /* Found once: what is remembered depends on it as well. */
    char socket_path[ISL_PATH_MAX], warning[512];
    const char *socket = isl_client_socket_path(args.socket, args.config, socket_path, warning,
                                                sizeof warning);
    if (warning[0])
        fprintf(stderr, "islands: warning: %s; trying %s\n", warning, socket);
    struct cli_env env = {
        .socket = socket,
        .out = stdout,
        .err = stderr,
        .draw = { .color = colour_wanted(), .width = terminal_columns() },
        .timeout_ms = args.has_timeout ? args.timeout_ms : CLI_DEFAULT_TIMEOUT_S * 1000,
    };
    const char *env_timeout = getenv(CLI_TIMEOUT_ENV);
    if (!args.has_timeout && env_timeout != NULL && env_timeout[0] != '\0' &&
        cli_timeout_from(CLI_TIMEOUT_ENV, env_timeout, &env.timeout_ms, err, sizeof err) != 0) {
        fprintf(stderr, "islands: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    return output_written(cli_run(&args, &env));
}
