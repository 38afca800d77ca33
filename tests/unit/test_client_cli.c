/* The `islands` program's pure parts: argument parsing, the requests it
 * builds, the state files and their names, and the error sentences. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/check_main.h"
#include "../../client/cli.h"
#include "islands/client.h"
#include "islands/errors.h"

/* ---------------------------------------------------------------- args */

#define ARGV(...) ((char *const[]){ "islands", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "islands", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(out, err, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out, err, sizeof err)

START_TEST(parse_a_guess_with_options_anywhere)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "--socket", "/s", "guess", "g1", "3", "--json", "10",
                           "--player=player2"), 0);
    ck_assert_int_eq(a.action, CLI_RUN);
    ck_assert_int_eq(a.command, CMD_GUESS);
    ck_assert_str_eq(a.socket, "/s");
    ck_assert_str_eq(a.player, "player2");
    ck_assert(a.json);
    ck_assert_int_eq(a.nargs, 3);
    ck_assert_str_eq(a.arg[0], "g1");
    ck_assert_int_eq(a.row, 3);
    ck_assert_int_eq(a.col, 10);
}
END_TEST

START_TEST(parse_out_of_range_integers_for_the_server_to_judge)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "place", "g", "atoll", "-3", "+11"), 0);
    ck_assert_int_eq(a.row, -3);
    ck_assert_int_eq(a.col, 11);
    ck_assert_str_eq(a.arg[1], "atoll");
}
END_TEST

START_TEST(parse_rejects_non_integers)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "guess", "g", "x", "1"), -1);
    ck_assert_str_eq(err, "ROW must be an integer, not 'x'");
    ck_assert(a.has_command);
    ck_assert_int_eq(a.command, CMD_GUESS);
    ck_assert_int_eq(PARSE(&a, err, "guess", "g", "1", "2.0"), -1);
    ck_assert_str_eq(err, "COL must be an integer, not '2.0'");
    ck_assert_int_eq(PARSE(&a, err, "place", "g", "dot", "", "1"), -1);
    ck_assert_int_eq(PARSE(&a, err, "place", "g", "dot", " 1", "1"), -1);
    ck_assert_int_eq(PARSE(&a, err, "guess", "g", "99999999999999999999", "1"), -1);
}
END_TEST

START_TEST(parse_checks_the_argument_count)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "new", "g1"), -1);
    ck_assert_str_eq(err, "new: too few arguments");
    ck_assert_int_eq(PARSE(&a, err, "show", "g1", "extra"), -1);
    ck_assert_str_eq(err, "show: too many arguments");
    ck_assert_int_eq(PARSE(&a, err, "place", "g", "dot", "1", "2", "3", "4"), -1);
    ck_assert_str_eq(err, "place: too many arguments");
    ck_assert_int_eq(PARSE(&a, err, "list", "x"), -1);
    ck_assert_int_eq(PARSE(&a, err, "ping"), 0);
}
END_TEST

START_TEST(parse_rejects_bad_commands_and_options)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(cli_parse(1, ARGV(NULL), &a, err, sizeof err), -1);
    ck_assert_str_eq(err, "no command given (see islands --help)");
    ck_assert_int_eq(PARSE(&a, err, "fly"), -1);
    ck_assert_str_eq(err, "unknown command 'fly' (see islands --help)");
    ck_assert_int_eq(PARSE(&a, err, "--colour", "ping"), -1);
    ck_assert_str_eq(err, "unknown option '--colour'");
    ck_assert_int_eq(PARSE(&a, err, "ping", "--socket"), -1);
    ck_assert_str_eq(err, "--socket needs a path");
    ck_assert_int_eq(PARSE(&a, err, "ping", "--socket="), -1);
    ck_assert_int_eq(PARSE(&a, err, "show", "g", "--player", "player3"), -1);
    ck_assert_str_eq(err, "--player must be player1 or player2, not 'player3'");
}
END_TEST

START_TEST(parse_double_dash_ends_options)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "new", "--", "g", "--json"), 0);
    ck_assert(!a.json);
    ck_assert_str_eq(a.arg[1], "--json");
}
END_TEST

START_TEST(parse_the_timeout)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "ping"), 0);
    ck_assert(!a.has_timeout);
    ck_assert_int_eq(PARSE(&a, err, "--timeout", "90", "ping"), 0);
    ck_assert(a.has_timeout);
    ck_assert_int_eq(a.timeout_ms, 90000);
    ck_assert_int_eq(PARSE(&a, err, "ping", "--timeout=0"), 0);
    ck_assert_int_eq(a.timeout_ms, -1);         /* the client library's "no limit" */
    ck_assert_int_eq(PARSE(&a, err, "ping", "--timeout=2147483"), 0);
    ck_assert_int_eq(a.timeout_ms, 2147483000);
    ck_assert_int_eq(PARSE(&a, err, "ping", "--timeout", "2147484"), -1);
    ck_assert_str_eq(err, "--timeout must be whole seconds from 0 (no limit) to 2147483, "
                          "not '2147484'");
    ck_assert_int_eq(PARSE(&a, err, "ping", "--timeout", "-1"), -1);
    ck_assert_int_eq(PARSE(&a, err, "ping", "--timeout", " 5"), -1);
    ck_assert_int_eq(PARSE(&a, err, "ping", "--timeout"), -1);
    ck_assert_str_eq(err, "--timeout needs a number of seconds");
}
END_TEST

START_TEST(parse_crash_signals)
{
    struct cli_args a;
    char err[256];
    char *given[] = { "KILL", "kill", "SIGSEGV", "sigabrt", "Term", "EXIT" };
    const char *normal[] = { "KILL", "KILL", "SEGV", "ABRT", "TERM", "EXIT" };
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(PARSE(&a, err, "crash", "g", given[i]), 0);
        ck_assert_str_eq(a.signal, normal[i]);
    }
    ck_assert_int_eq(PARSE(&a, err, "crash", "g", "HUP"), -1);
    ck_assert_str_eq(err, "SIGNAL must be KILL, SEGV, ABRT, TERM or EXIT, not 'HUP'");
    ck_assert_int_eq(PARSE(&a, err, "crash", "g", "SIGKILLXXXXXXXXXXXXXXX"), -1);
}
END_TEST

START_TEST(parse_help_and_version)
{
    struct cli_args a;
    char err[256];
    ck_assert_int_eq(PARSE(&a, err, "--help"), 0);
    ck_assert_int_eq(a.action, CLI_SHOW_HELP);
    ck_assert(!a.has_command);
    ck_assert_int_eq(PARSE(&a, err, "help"), 0);
    ck_assert_int_eq(a.action, CLI_SHOW_HELP);
    ck_assert(!a.has_command);
    ck_assert_int_eq(PARSE(&a, err, "help", "place"), 0);
    ck_assert_int_eq(a.action, CLI_SHOW_HELP);
    ck_assert(a.has_command);
    ck_assert_int_eq(a.command, CMD_PLACE);
    ck_assert_int_eq(PARSE(&a, err, "guess", "-h"), 0);
    ck_assert_int_eq(a.action, CLI_SHOW_HELP);
    ck_assert_int_eq(a.command, CMD_GUESS);
    ck_assert_int_eq(PARSE(&a, err, "help", "fly"), -1);
    ck_assert_str_eq(err, "no command 'fly'");
    ck_assert_int_eq(PARSE(&a, err, "--version"), 0);
    ck_assert_int_eq(a.action, CLI_SHOW_VERSION);
}
END_TEST

START_TEST(every_command_has_help_and_usage)
{
    for (int i = 0; i < CMD_COUNT; i++) {
        const struct cli_command_info *info = cli_command_info((enum cli_command)i);
        ck_assert_ptr_nonnull(info);
        ck_assert_ptr_nonnull(info->summary);
        ck_assert_ptr_nonnull(info->details);
        enum cli_command found;
        ck_assert_int_eq(cli_command_find(info->name, &found), 0);
        ck_assert_int_eq(found, i);
    }
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    cli_print_usage(f, CMD_PLACE);
    fclose(f);
    ck_assert_str_eq(text, "usage: islands [OPTIONS] place GAME ISLAND ROW COL\n");
    free(text);
}
END_TEST

/* ---------------------------------------------------------------- requests */

static void check_request(const struct cli_args *a, const struct cli_identity *who, int player,
                          const char *expected)
{
    json_t *r = cli_build_request(a, who, player);
    ck_assert_ptr_nonnull(r);
    char *text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(text, expected);
    free(text);
    json_decref(r);
}

START_TEST(requests_for_every_op)
{
    struct cli_args a;
    char err[256];
    struct cli_identity bob = { .known = true, .token = "t2", .name = "Bob" };
    ck_assert_int_eq(PARSE(&a, err, "new", "g1", "Ann Lee"), 0);
    check_request(&a, NULL, -1, "{\"game\":\"g1\",\"id\":1,\"name\":\"Ann Lee\",\"op\":\"new_game\"}");
    ck_assert_int_eq(PARSE(&a, err, "join", "g1", "Bob"), 0);
    check_request(&a, NULL, -1, "{\"game\":\"g1\",\"id\":1,\"name\":\"Bob\",\"op\":\"add_player\"}");
    ck_assert_int_eq(PARSE(&a, err, "place", "g1", "l_shape", "2", "9"), 0);
    check_request(&a, &bob, 1, "{\"col\":9,\"game\":\"g1\",\"id\":1,\"island\":\"l_shape\","
                  "\"op\":\"position_island\",\"player\":\"player2\",\"row\":2,\"token\":\"t2\"}");
    ck_assert_int_eq(PARSE(&a, err, "ready", "g1"), 0);
    check_request(&a, &bob, 1, "{\"game\":\"g1\",\"id\":1,\"op\":\"set_islands\","
                  "\"player\":\"player2\",\"token\":\"t2\"}");
    ck_assert_int_eq(PARSE(&a, err, "guess", "g1", "1", "10"), 0);
    check_request(&a, &bob, 1, "{\"col\":10,\"game\":\"g1\",\"id\":1,\"op\":\"guess\","
                  "\"player\":\"player2\",\"row\":1,\"token\":\"t2\"}");
    ck_assert_int_eq(PARSE(&a, err, "show", ".."), 0);
    check_request(&a, NULL, -1, "{\"game\":\"..\",\"id\":1,\"op\":\"state\"}");
    ck_assert_int_eq(PARSE(&a, err, "end", "g1"), 0);
    check_request(&a, &bob, 1, "{\"game\":\"g1\",\"id\":1,\"op\":\"end_game\","
                  "\"player\":\"player2\",\"token\":\"t2\"}");
    ck_assert_int_eq(PARSE(&a, err, "list"), 0);
    check_request(&a, NULL, -1, "{\"id\":1,\"op\":\"list\"}");
    ck_assert_int_eq(PARSE(&a, err, "status"), 0);
    check_request(&a, NULL, -1, "{\"id\":1,\"op\":\"status\"}");
    ck_assert_int_eq(PARSE(&a, err, "ping"), 0);
    check_request(&a, NULL, -1, "{\"id\":1,\"op\":\"ping\"}");
    ck_assert_int_eq(PARSE(&a, err, "crash", "g1", "segv"), 0);
    check_request(&a, NULL, -1, "{\"game\":\"g1\",\"id\":1,\"op\":\"crash\",\"signal\":\"SEGV\"}");
    ck_assert_int_eq(PARSE(&a, err, "help"), 0);
    ck_assert_ptr_null(cli_build_request(&a, NULL, -1));
}
END_TEST

/* ---------------------------------------------------------------- state files */

static char state_dir[64];

static void make_state_dir(void)
{
    strcpy(state_dir, "/tmp/islands-state-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(state_dir));
}

static void remove_state_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", state_dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void check_file_name(const char *game, const char *expected)
{
    char name[256];
    ck_assert_int_eq(cli_state_file_name(game, name, sizeof name), 0);
    ck_assert_str_eq(name, expected);
}

START_TEST(file_names_are_escaped)
{
    check_file_name("g1", "game-g1.json");
    check_file_name(".", "game-%2E.json");
    check_file_name("..", "game-%2E%2E.json");
    check_file_name("a/b", "game-a%2Fb.json");
    check_file_name("A-z_0.9", "game-A-z_0%2E9.json");
    check_file_name("%2E", "game-%252E.json");     /* no two names share a file */
    check_file_name("\xff ", "game-%FF%20.json");
    char small[12];
    ck_assert_int_eq(cli_state_file_name("ab", small, sizeof small), -1);
    ck_assert_int_eq(cli_state_file_name("a", small, sizeof small), 0);
    ck_assert_str_eq(small, "game-a.json");
}
END_TEST

START_TEST(state_dir_follows_xdg_then_home)
{
    char dir[256], err[256];
    setenv("XDG_STATE_HOME", "/x/state", 1);
    setenv("HOME", "/home/ann", 1);
    ck_assert_int_eq(cli_state_dir(dir, sizeof dir, err, sizeof err), 0);
    ck_assert_str_eq(dir, "/x/state/islands");
    setenv("XDG_STATE_HOME", "relative/state", 1);     /* ignored, as the spec says */
    ck_assert_int_eq(cli_state_dir(dir, sizeof dir, err, sizeof err), 0);
    ck_assert_str_eq(dir, "/home/ann/.local/state/islands");
    unsetenv("XDG_STATE_HOME");
    ck_assert_int_eq(cli_state_dir(dir, sizeof dir, err, sizeof err), 0);
    ck_assert_str_eq(dir, "/home/ann/.local/state/islands");
    unsetenv("HOME");
    ck_assert_int_eq(cli_state_dir(dir, sizeof dir, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot find a state directory: set XDG_STATE_HOME or HOME");
}
END_TEST

static void check_daemon_dir(const char *socket, const char *expected)
{
    char dir[512], err[256];
    ck_assert_int_eq(cli_daemon_dir("/s/islands", socket, dir, sizeof dir, err, sizeof err), 0);
    ck_assert_str_eq(dir, expected);
}

START_TEST(each_daemon_has_a_directory_named_by_its_socket)
{
    check_daemon_dir("/home/ann/run/islandsd.sock", "/s/islands/daemons/home/ann/run/islandsd%2Esock");
    check_daemon_dir("/srv//a/./b.sock", "/s/islands/daemons/srv/a/b%2Esock");
    check_daemon_dir("/srv/../my %.sock", "/s/islands/daemons/srv/%2E%2E/my%20%25%2Esock");
    /* The installed service's socket keeps the directory of every game
     * remembered before. */
    check_daemon_dir(ISL_CLIENT_DEFAULT_SOCKET, "/s/islands");

    char dir[512], err[256], socket[256];
    memset(socket, 0, sizeof socket);
    socket[0] = '/';
    for (int i = 0; i < 50; i++)
        strcat(socket, "\xc3\xa9");     /* 100 bytes, 300 escaped: over NAME_MAX */
    ck_assert_int_eq(cli_daemon_dir("/s/islands", socket, dir, sizeof dir, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "is too long to remember games for"));
    ck_assert_int_eq(cli_daemon_dir("/s/islands", "/a.sock", dir, 20, err, sizeof err), -1);
}
END_TEST

/* One daemon reached by two paths is one memory: relative paths are taken
 * from the working directory, links resolved. */
START_TEST(a_daemon_is_known_by_its_sockets_real_path)
{
    make_state_dir();
    char real[128], link[128], socket[160], expected[256], via_link[160];
    snprintf(real, sizeof real, "%s/real", state_dir);
    snprintf(link, sizeof link, "%s/link", state_dir);
    ck_assert_int_eq(mkdir(real, 0700), 0);
    ck_assert_int_eq(symlink("real", link), 0);
    snprintf(socket, sizeof socket, "%s/s.sock", real);
    close(open(socket, O_WRONLY | O_CREAT, 0600));
    snprintf(expected, sizeof expected, "/s/islands/daemons%s/real/s%%2Esock", state_dir);
    snprintf(via_link, sizeof via_link, "%s/s.sock", link);
    check_daemon_dir(via_link, expected);
    ck_assert_int_eq(chdir(link), 0);
    check_daemon_dir("s.sock", expected);
    check_daemon_dir("./s.sock", expected);
    /* A socket not there (yet): its path as given, from the working
     * directory. */
    snprintf(expected, sizeof expected, "/s/islands/daemons%s/real/run/t%%2Esock", state_dir);
    check_daemon_dir("run/t.sock", expected);
    remove_state_dir();
}
END_TEST

/* A user upgrading from a client that kept every game in the state
 * directory itself keeps the tokens of the installed service's games. */
START_TEST(the_default_sockets_games_are_where_they_were)
{
    make_state_dir();
    char path[128], dir[512], err[512];
    snprintf(path, sizeof path, "%s/game-g1.json", state_dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"game\":\"g1\",\"players\":{\"player1\":{\"name\":\"Ann\",\"token\":\"t1\"}}}", f);
    fclose(f);
    ck_assert_int_eq(cli_daemon_dir(state_dir, ISL_CLIENT_DEFAULT_SOCKET, dir, sizeof dir, err,
                                    sizeof err), 0);
    struct cli_memory m;
    ck_assert_int_eq(cli_state_load(dir, "g1", &m, err, sizeof err), 1);
    ck_assert_str_eq(m.players[ISL_PLAYER1].token, "t1");
    /* Another daemon's game of that name is another memory. */
    ck_assert_int_eq(cli_daemon_dir(state_dir, "/srv/islands.sock", dir, sizeof dir, err,
                                    sizeof err), 0);
    ck_assert_int_eq(cli_state_load(dir, "g1", &m, err, sizeof err), 0);
    remove_state_dir();
}
END_TEST

START_TEST(save_load_and_forget)
{
    make_state_dir();
    char dir[128], err[512];
    snprintf(dir, sizeof dir, "%s/deep/islands", state_dir);
    struct cli_memory m, back;
    ck_assert_int_eq(cli_state_load(dir, "..", &m, err, sizeof err), 0);
    ck_assert_str_eq(m.game, "..");
    ck_assert(!m.players[0].known && !m.players[1].known);

    m.players[1] = (struct cli_identity){ .known = true, .token = "tok2", .name = "Bob" };
    ck_assert_int_eq(cli_state_save(dir, &m, err, sizeof err), 0);
    ck_assert_int_eq(cli_state_load(dir, "..", &back, err, sizeof err), 1);
    ck_assert(!back.players[0].known);
    ck_assert(back.players[1].known);
    ck_assert_str_eq(back.players[1].token, "tok2");
    ck_assert_str_eq(back.players[1].name, "Bob");

    /* Modes: the directories made are 0700, the file 0600; no temporary left. */
    struct stat st;
    char path[256];
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/deep", state_dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/game-%%2E%%2E.json", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", dir);
    ck_assert_int_eq(system(cmd), 0);

    /* Another game is another file. */
    ck_assert_int_eq(cli_state_load(dir, ".", &back, err, sizeof err), 0);

    ck_assert_int_eq(cli_state_forget(dir, "..", err, sizeof err), 0);
    ck_assert_int_eq(cli_state_load(dir, "..", &back, err, sizeof err), 0);
    ck_assert_int_eq(cli_state_forget(dir, "..", err, sizeof err), 0);

    /* Saving a memory without identities removes the file. */
    ck_assert_int_eq(cli_state_save(dir, &m, err, sizeof err), 0);
    memset(m.players, 0, sizeof m.players);
    ck_assert_int_eq(cli_state_save(dir, &m, err, sizeof err), 0);
    ck_assert_int_eq(stat(path, &st), -1);
    remove_state_dir();
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(corrupt_files_are_reported)
{
    make_state_dir();
    char path[256], err[512];
    struct cli_memory m;
    snprintf(path, sizeof path, "%s/game-g1.json", state_dir);
    write_file(path, "{not json");
    ck_assert_int_eq(cli_state_load(state_dir, "g1", &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot read"));
    write_file(path, "{\"game\":\"g2\",\"players\":{}}");
    ck_assert_int_eq(cli_state_load(state_dir, "g1", &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "does not hold the memory of game g1"));
    write_file(path, "{\"game\":\"g1\",\"players\":{\"player1\":{\"token\":5}}}");
    ck_assert_int_eq(cli_state_load(state_dir, "g1", &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad entry for player1"));
    remove_state_dir();
}
END_TEST

START_TEST(pick_identity_rules)
{
    struct cli_memory m = { .game = "g1" };
    char err[256];
    ck_assert_int_eq(cli_pick_identity(&m, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "you have not joined game g1 here (islands new or islands join first)");
    m.players[1].known = true;
    ck_assert_int_eq(cli_pick_identity(&m, NULL, err, sizeof err), ISL_PLAYER2);
    ck_assert_int_eq(cli_pick_identity(&m, "player2", err, sizeof err), ISL_PLAYER2);
    ck_assert_int_eq(cli_pick_identity(&m, "player1", err, sizeof err), -1);
    ck_assert_str_eq(err, "you have not joined game g1 as player1 here");
    m.players[0].known = true;
    ck_assert_int_eq(cli_pick_identity(&m, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "you hold both players of game g1 here: choose one with --player");
    ck_assert_int_eq(cli_pick_identity(&m, "player1", err, sizeof err), ISL_PLAYER1);
}
END_TEST

/* ---------------------------------------------------------------- messages */

START_TEST(every_error_code_has_its_own_sentence)
{
    const char *generic = cli_error_sentence("no_such_code");
    for (int e = ISL_E_BAD_REQUEST; e < ISL_ERROR_COUNT; e++) {
        const char *code = isl_error_code((enum isl_error)e);
        ck_assert_ptr_nonnull(code);
        const char *sentence = cli_error_sentence(code);
        ck_assert_msg(strcmp(sentence, generic) != 0, "no sentence for %s", code);
        for (int other = ISL_E_BAD_REQUEST; other < e; other++)
            ck_assert_str_ne(sentence, cli_error_sentence(isl_error_code((enum isl_error)other)));
    }
    ck_assert_str_eq(cli_error_sentence("not_allowed"), "That move is not allowed now.");
    ck_assert_str_eq(cli_error_sentence(NULL), generic);
}
END_TEST

static void check_error_text(const char *response, const char *expected)
{
    json_t *r = json_loads(response, 0, NULL);
    char *text = cli_error_text(r);
    ck_assert_str_eq(text, expected);
    free(text);
    json_decref(r);
}

START_TEST(error_text_adds_the_server_message_and_hints)
{
    check_error_text("{\"ok\":false,\"error\":\"not_allowed\",\"message\":\"not your turn\"}",
                     "That move is not allowed now. (not_allowed: not your turn)");
    check_error_text("{\"ok\":false,\"error\":\"busy\"}",
                     "The server is busy; try again shortly. (busy)");
    check_error_text("{\"ok\":false,\"error\":\"game_unavailable\",\"message\":\"worker died\","
                     "\"outcome\":\"unknown\"}",
                     "The game is not available right now; try again shortly. (game_unavailable: "
                     "worker died) The move may or may not have been made: look with islands show.");
    check_error_text("{\"ok\":false,\"error\":\"teleported\",\"message\":\"a\\u001bb\"}",
                     "The server refused the request. (teleported: a?b)");
}
END_TEST

static void check_error_text_for(const char *response, enum cli_command command,
                                 const char *expected)
{
    json_t *r = json_loads(response, 0, NULL);
    struct cli_error_context ctx = { .command = command };
    char *text = cli_error_text_for(r, &ctx);
    ck_assert_str_eq(text, expected);
    free(text);
    json_decref(r);
}

/* `forbidden` has two reasons: who asks, or crash injection turned off. */
START_TEST(forbidden_says_why)
{
    check_error_text_for("{\"ok\":false,\"error\":\"forbidden\","
                         "\"message\":\"crash injection is disabled\"}", CMD_CRASH,
                         "The daemon refuses crash to everyone, its administrator too: crash "
                         "injection is disabled. An operator enables it with crash_injection = "
                         "true in islands.conf and a reload (systemctl reload islandsd), or with "
                         "islandsd --crash-injection. (forbidden: crash injection is disabled)");
    check_error_text_for("{\"ok\":false,\"error\":\"forbidden\","
                         "\"message\":\"admin ops need uid 0 or the daemon's uid\"}", CMD_STATUS,
                         "Only the daemon's administrator may do that. "
                         "(forbidden: admin ops need uid 0 or the daemon's uid)");
    check_error_text_for("{\"ok\":false,\"error\":\"forbidden\","
                         "\"message\":\"crash is an admin op\"}", CMD_CRASH,
                         "Only the daemon's administrator may do that. "
                         "(forbidden: crash is an admin op)");
}
END_TEST

START_TEST(connect_hints_only_where_they_help)
{
    ck_assert_str_eq(cli_connect_hint(ENOENT), " (is islandsd running?)");
    ck_assert_str_eq(cli_connect_hint(ECONNREFUSED), " (is islandsd running?)");
    ck_assert_ptr_nonnull(strstr(cli_connect_hint(EACCES), "usermod -aG islands"));
    ck_assert_str_eq(cli_connect_hint(EPERM), cli_connect_hint(EACCES));
    ck_assert_str_eq(cli_connect_hint(ENOTDIR), "");
    ck_assert_str_eq(cli_connect_hint(ENAMETOOLONG), "");
}
END_TEST

static Suite *client_cli_suite(void)
{
    Suite *s = suite_create("client_cli");
    TCase *args = tcase_create("args");
    tcase_add_test(args, parse_a_guess_with_options_anywhere);
    tcase_add_test(args, parse_out_of_range_integers_for_the_server_to_judge);
    tcase_add_test(args, parse_rejects_non_integers);
    tcase_add_test(args, parse_checks_the_argument_count);
    tcase_add_test(args, parse_rejects_bad_commands_and_options);
    tcase_add_test(args, parse_double_dash_ends_options);
    tcase_add_test(args, parse_the_timeout);
    tcase_add_test(args, parse_crash_signals);
    tcase_add_test(args, parse_help_and_version);
    tcase_add_test(args, every_command_has_help_and_usage);
    tcase_add_test(args, requests_for_every_op);
    suite_add_tcase(s, args);
    TCase *files = tcase_create("state_files");
    tcase_add_test(files, file_names_are_escaped);
    tcase_add_test(files, state_dir_follows_xdg_then_home);
    tcase_add_test(files, each_daemon_has_a_directory_named_by_its_socket);
    tcase_add_test(files, a_daemon_is_known_by_its_sockets_real_path);
    tcase_add_test(files, the_default_sockets_games_are_where_they_were);
    tcase_add_test(files, save_load_and_forget);
    tcase_add_test(files, corrupt_files_are_reported);
    tcase_add_test(files, pick_identity_rules);
    suite_add_tcase(s, files);
    TCase *messages = tcase_create("messages");
    tcase_add_test(messages, every_error_code_has_its_own_sentence);
    tcase_add_test(messages, error_text_adds_the_server_message_and_hints);
    tcase_add_test(messages, forbidden_says_why);
    tcase_add_test(messages, connect_hints_only_where_they_help);
    suite_add_tcase(s, messages);
    return s;
}

ISL_CHECK_MAIN(client_cli_suite)
