/* The `islands` program against tests/programs/fake_islandsd: the exact
 * requests sent, the token remembered and used again, exit statuses 0/1/2,
 * --json, NO_COLOR, XDG_STATE_HOME and the modes of the state files. */
#include "test_cli_harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../support/check_main.h"

static char log_path[192], answers_path[192];
static pid_t fake = -1, other_fake = -1, answering_child = -1;

static void setup(void)
{
    sandbox_enter();
    snprintf(log_path, sizeof log_path, "%s/requests.log", sandbox.dir);
    snprintf(answers_path, sizeof answers_path, "%s/answers", sandbox.dir);
}

static void stop_answering(void)
{
    stop_program(answering_child);
    answering_child = -1;
}

static void teardown(void)
{
    stop_program(fake);
    fake = -1;
    stop_program(other_fake);
    other_fake = -1;
    stop_answering();
    sandbox_leave();
}

/* Start a fake daemon on socket with these canned answers ("OP JSON"
 * lines, kept in answers_file), logging the requests to log. */
static pid_t start_fake_on(const char *socket, const char *log, const char *answers_file,
                           const char *answers)
{
    write_whole_file(answers_file, answers);
    char fake_path[512];
    snprintf(fake_path, sizeof fake_path, "%s/tests/programs/fake_islandsd",
             program_path("ISLANDS_BUILD", "build"));
    const char *argv[] = { fake_path, socket, log, answers_file, NULL };
    pid_t pid = start_program(NULL, argv);
    wait_for_server(socket, pid, 5000);
    write_whole_file(log, "");      /* forget the readiness ping */
    return pid;
}

/* The fake daemon on the sandbox's socket. */
static void start_fake(const char *answers)
{
    fake = start_fake_on(sandbox.socket_path, log_path, answers_path, answers);
}

static void write_or_exit(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        if (n <= 0)
            _exit(0);       /* the client gave up reading */
        text += n;
        len -= (size_t)n;
    }
}

/* An answer fake_islandsd cannot give (it answers at once, in lines of at
 * most 64 KiB), from a child of the test on the sandbox's socket: it takes
 * one connection, reads the request line, waits delay_ms, then writes head,
 * `count` times `unit`, tail and a newline. */
static void answer_once(int delay_ms, const char *head, const char *unit, size_t count,
                        const char *tail)
{
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    ck_assert_uint_lt(strlen(sandbox.socket_path), sizeof addr.sun_path);
    strcpy(addr.sun_path, sandbox.socket_path);
    unlink(sandbox.socket_path);
    ck_assert_int_eq(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(listener, 1), 0);
    answering_child = fork();
    ck_assert_int_ge(answering_child, 0);
    if (answering_child == 0) {
        signal(SIGTERM, SIG_DFL);   /* Check's handler would stop the whole run */
        int fd = accept(listener, NULL, NULL);
        char c;
        while (fd >= 0 && read(fd, &c, 1) == 1 && c != '\n')
            ;
        struct timespec delay = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
        nanosleep(&delay, NULL);
        write_or_exit(fd, head, strlen(head));
        for (size_t i = 0; i < count; i++)
            write_or_exit(fd, unit, strlen(unit));
        write_or_exit(fd, tail, strlen(tail));
        write_or_exit(fd, "\n", 1);
        _exit(0);
    }
    close(listener);
}

/* Run islands with the sandbox's environment plus `extra` (may be NULL). */
static void islands_env(const char *extra, bool terminal, struct cli_result *r, ...)
{
    const char *args[15] = { NULL };
    va_list ap;
    va_start(ap, r);
    const char *a;
    for (int n = 0; (a = va_arg(ap, const char *)) != NULL && n < 14; n++)
        args[n] = a;
    va_end(ap);
    run_islands(args, extra, terminal, r);
}

#define ISLANDS(r, ...) islands_env(NULL, false, r, __VA_ARGS__, (const char *)NULL)

static char *requests(void)
{
    char *text = read_whole_file(log_path);
    ck_assert_ptr_nonnull(text);
    return text;
}

static void check_requests(const char *expected)
{
    char *text = requests();
    ck_assert_str_eq(text, expected);
    free(text);
}

/* A file of what islands remembers for the sandbox's daemon. */
static char *state_file(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", sandbox.memory_dir, name);
    return path;
}

/* mkdir -p, mode 0700, as islands makes its state directories. */
static void make_private_dirs(const char *dir)
{
    char path[512];
    format_path(path, sizeof path, "%s", dir);
    for (char *slash = strchr(path + 1, '/'); ; slash = strchr(slash + 1, '/')) {
        if (slash != NULL)
            *slash = '\0';
        ck_assert_msg(mkdir(path, 0700) == 0 || errno == EEXIST, "mkdir %s", path);
        if (slash == NULL)
            return;
        *slash = '/';
    }
}

#define NEW_G1 "new_game {\"ok\":true,\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}\n"
#define JOIN_G1 "add_player {\"ok\":true,\"player\":\"player2\",\"token\":\"tok2\"}\n"

START_TEST(new_remembers_the_token_in_a_private_file)
{
    start_fake(NEW_G1);
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann Lee");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Created game g1: you are player1 (Ann Lee).\n"
                            "Waiting for a second player: islands join g1 NAME\n");
    ck_assert_str_eq(r.err, "");
    free_result(&r);
    check_requests("{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann Lee\"}\n");

    struct stat st;
    char islands_dir[256];
    snprintf(islands_dir, sizeof islands_dir, "%s/islands", sandbox.state_home);
    ck_assert_int_eq(stat(islands_dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(sandbox.memory_dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(state_file("game-g1.json"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *saved = read_whole_file(state_file("game-g1.json"));
    json_t *doc = json_loads(saved, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "game")), "g1");
    json_t *p1 = json_object_get(json_object_get(doc, "players"), "player1");
    ck_assert_str_eq(json_string_value(json_object_get(p1, "token")), "tok1");
    ck_assert_str_eq(json_string_value(json_object_get(p1, "name")), "Ann Lee");
    json_decref(doc);
    free(saved);
}
END_TEST

START_TEST(the_token_is_used_again_for_moves)
{
    start_fake(NEW_G1
               "position_island {\"ok\":true}\n"
               "set_islands {\"ok\":true,\"board\":{\"dot\":{\"squares\":[[1,1]],\"hit\":[],"
               "\"forested\":false}}}\n"
               "guess {\"ok\":true,\"hit\":true,\"forested\":\"dot\",\"win\":true}\n");
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "place", "g1", "dot", "1", "1");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Placed the dot at row 1, column 1.\n");
    free_result(&r);
    ISLANDS(&r, "ready", "g1");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Your board\n    1  2  3"));
    ck_assert_ptr_nonnull(strstr(r.out, "\n 1  D  .  ."));
    ck_assert_ptr_nonnull(strstr(r.out, "Your islands are set.\n"));
    free_result(&r);
    ISLANDS(&r, "guess", "g1", "7", "10");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Hit!\nYou forested the dot.\nYou won!\n");
    free_result(&r);
    check_requests(
        "{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
        "{\"id\":1,\"op\":\"position_island\",\"game\":\"g1\",\"player\":\"player1\","
        "\"token\":\"tok1\",\"island\":\"dot\",\"row\":1,\"col\":1}\n"
        "{\"id\":1,\"op\":\"set_islands\",\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}\n"
        "{\"id\":1,\"op\":\"guess\",\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\","
        "\"row\":7,\"col\":10}\n");
}
END_TEST

#define STATE_OK "state {\"ok\":true,\"game\":\"g1\",\"rules\":{\"state\":\"players_set\"}}\n"
#define UNAUTHORIZED "{\"ok\":false,\"error\":\"unauthorized\",\"message\":\"wrong token\"}\n"

/* Two daemons each with a game "dup" of their own: what is remembered for
 * one is never sent to the other, nor forgotten because of it. */
START_TEST(each_daemon_has_a_memory_of_its_own)
{
    start_fake("new_game {\"ok\":true,\"game\":\"dup\",\"player\":\"player1\",\"token\":\"tokA\"}\n"
               "position_island {\"ok\":true}\n");
    char other_dir[256], other_socket[320], other_log[320], other_answers[320];
    format_path(other_dir, sizeof other_dir, "%s/other", sandbox.dir);
    ck_assert_int_eq(mkdir(other_dir, 0700), 0);
    format_path(other_socket, sizeof other_socket, "%s/islandsd.sock", other_dir);
    format_path(other_log, sizeof other_log, "%s/requests.log", other_dir);
    format_path(other_answers, sizeof other_answers, "%s/answers", other_dir);
    other_fake = start_fake_on(other_socket, other_log, other_answers,
        "new_game {\"ok\":true,\"game\":\"dup\",\"player\":\"player1\",\"token\":\"tokB\"}\n"
        "position_island {\"ok\":true}\n");

    struct cli_result r;
    ISLANDS(&r, "new", "dup", "Ann");
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    ISLANDS(&r, "--socket", other_socket, "new", "dup", "Ann");
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    ISLANDS(&r, "place", "dup", "dot", "1", "1");
    ck_assert_msg(r.status == 0, "%s", r.err);
    free_result(&r);
    ISLANDS(&r, "--socket", other_socket, "place", "dup", "dot", "2", "2");
    ck_assert_msg(r.status == 0, "%s", r.err);
    free_result(&r);
    check_requests("{\"id\":1,\"op\":\"new_game\",\"game\":\"dup\",\"name\":\"Ann\"}\n"
                   "{\"id\":1,\"op\":\"position_island\",\"game\":\"dup\",\"player\":\"player1\","
                   "\"token\":\"tokA\",\"island\":\"dot\",\"row\":1,\"col\":1}\n");
    char *other_requests = read_whole_file(other_log);
    ck_assert_str_eq(other_requests,
                     "{\"id\":1,\"op\":\"new_game\",\"game\":\"dup\",\"name\":\"Ann\"}\n"
                     "{\"id\":1,\"op\":\"position_island\",\"game\":\"dup\",\"player\":\"player1\","
                     "\"token\":\"tokB\",\"island\":\"dot\",\"row\":2,\"col\":2}\n");
    free(other_requests);

    /* Laid out as documented: the socket's path under daemons/. */
    char other_memory[448], path[512];
    daemon_memory_dir(other_memory, sizeof other_memory, sandbox.state_home, other_dir,
                      "islandsd%2Esock");
    format_path(path, sizeof path, "%s/game-dup.json", other_memory);
    char *saved = read_whole_file(path);
    ck_assert_ptr_nonnull(saved);
    ck_assert_ptr_nonnull(strstr(saved, "\"tokB\""));
    free(saved);
}
END_TEST

START_TEST(both_identities_need_player_to_choose)
{
    start_fake(NEW_G1 JOIN_G1 STATE_OK
               "guess {\"ok\":true,\"hit\":false,\"forested\":null,\"win\":false}\n");
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "join", "g1", "Bob");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Joined game g1: you are player2 (Bob).\n"
                            "Next: islands place g1 ISLAND ROW COL\n");
    free_result(&r);
    ISLANDS(&r, "guess", "g1", "1", "1");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: you hold both players of game g1 here: "
                            "choose one with --player\n");
    free_result(&r);
    ISLANDS(&r, "--player", "player2", "guess", "g1", "1", "1");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Miss.\n");
    free_result(&r);
    check_requests(
        "{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
        "{\"id\":1,\"op\":\"add_player\",\"game\":\"g1\",\"name\":\"Bob\"}\n"
        "{\"id\":1,\"op\":\"state\",\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}\n"
        "{\"id\":1,\"op\":\"guess\",\"game\":\"g1\",\"player\":\"player2\",\"token\":\"tok2\","
        "\"row\":1,\"col\":1}\n");
}
END_TEST

START_TEST(join_drops_a_player1_the_server_no_longer_accepts)
{
    /* tok1 is from an old game g1: the g1 joined now is another one. */
    start_fake(NEW_G1 JOIN_G1 "state " UNAUTHORIZED "position_island {\"ok\":true}\n");
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "join", "g1", "Ann");
    ck_assert_msg(r.status == 0 && strstr(r.out, "you are player2 (Ann)") != NULL, "%s", r.out);
    ck_assert_str_eq(r.err, "islands: forgot your token for game g1 as player1: the server "
                            "no longer accepts it\n");
    free_result(&r);
    char *saved = read_whole_file(state_file("game-g1.json"));
    ck_assert_ptr_null(strstr(saved, "tok1"));
    ck_assert_ptr_nonnull(strstr(saved, "tok2"));
    free(saved);
    ISLANDS(&r, "place", "g1", "dot", "1", "1");
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    check_requests(
        "{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
        "{\"id\":1,\"op\":\"add_player\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
        "{\"id\":1,\"op\":\"state\",\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}\n"
        "{\"id\":1,\"op\":\"position_island\",\"game\":\"g1\",\"player\":\"player2\","
        "\"token\":\"tok2\",\"island\":\"dot\",\"row\":1,\"col\":1}\n");
}
END_TEST

START_TEST(a_token_answered_unauthorized_is_forgotten)
{
    start_fake(NEW_G1 "guess " UNAUTHORIZED);
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "guess", "g1", "1", "1");
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "islands: forgot your token for game g1 as player1: "
                                        "the server no longer accepts it\n"));
    free_result(&r);
    ck_assert_int_eq(access(state_file("game-g1.json"), F_OK), -1);
    ISLANDS(&r, "guess", "g1", "1", "1");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "you have not joined game g1 here"));
    free_result(&r);
}
END_TEST

START_TEST(moves_without_an_identity_send_nothing)
{
    start_fake("");
    struct cli_result r;
    ISLANDS(&r, "ready", "g9");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: you have not joined game g9 here "
                            "(islands new or islands join first)\n");
    free_result(&r);
    check_requests("");
}
END_TEST

START_TEST(an_error_answer_is_exit_1_with_a_sentence)
{
    start_fake(NEW_G1 "guess {\"ok\":false,\"error\":\"not_allowed\",\"message\":\"not your turn\"}\n");
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "guess", "g1", "2", "2");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "islands: That move is not allowed now. (not_allowed: not your turn)\n");
    free_result(&r);
}
END_TEST

START_TEST(json_prints_the_response_line_unchanged)
{
    start_fake("ping {\"ok\":true,\"version\":\"9.9\",\"protocol\":1}\n"
               "new_game {\"ok\":false,\"error\":\"game_exists\",\"message\":\"taken\"}\n");
    struct cli_result r;
    ISLANDS(&r, "ping", "--json");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "{\"id\":1,\"ok\":true,\"version\":\"9.9\",\"protocol\":1}\n");
    free_result(&r);
    ISLANDS(&r, "ping");
    ck_assert_str_eq(r.out, "islandsd 9.9, protocol 1\n");
    free_result(&r);
    ISLANDS(&r, "--json", "new", "g1", "Ann");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "{\"id\":1,\"ok\":false,\"error\":\"game_exists\",\"message\":\"taken\"}\n");
    ck_assert_str_eq(r.err, "");
    free_result(&r);
    /* A refused new game remembers nothing. */
    ck_assert_int_eq(access(state_file("game-g1.json"), F_OK), -1);
}
END_TEST

START_TEST(connection_trouble_is_exit_2)
{
    struct cli_result r;
    ISLANDS(&r, "ping");    /* nothing listens yet */
    ck_assert_int_eq(r.status, 2);
    char expected[512];
    snprintf(expected, sizeof expected, "islands: cannot connect to %s: No such file or "
             "directory (is islandsd running?)\n", sandbox.socket_path);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);

    start_fake("status CLOSE\n");
    ISLANDS(&r, "status");
    ck_assert_int_eq(r.status, 2);
    snprintf(expected, sizeof expected,
             "islands: %s closed the connection without answering\n", sandbox.socket_path);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);
}
END_TEST

/* Run `islands --socket path ping`; as root, as the user nobody, whom
 * permissions stop. Its stderr must be "cannot connect to PATH: " + rest. */
static void check_connect_error(const char *path, const char *rest)
{
    const char *client = program_path("ISLANDS_CLIENT", "build/islands");
    const char *as_nobody[] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                "--clear-groups", client, "--socket", path, "ping", NULL };
    const char *const *argv = getuid() == 0 ? as_nobody : as_nobody + 4;
    struct cli_result r;
    run_program(sandbox.dir, NULL, argv, false, &r);
    char expected[768];
    snprintf(expected, sizeof expected, "islands: cannot connect to %s: %s\n", path, rest);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);
}

/* "Is islandsd running?" only where that is the question. */
START_TEST(a_connection_refused_says_what_helps)
{
    char path[256];
    format_path(path, sizeof path, "%s/nobody-listens.sock", sandbox.dir);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    ck_assert_uint_lt(strlen(path), sizeof addr.sun_path);
    memcpy(addr.sun_path, path, strlen(path) + 1);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    close(fd);      /* the socket file stays, with no one behind it */
    /* Only the error under test may stop the user nobody. */
    ck_assert_int_eq(chmod(path, 0777), 0);
    ck_assert_int_eq(chmod(sandbox.root, 0755), 0);
    ck_assert_int_eq(chmod(sandbox.dir, 0755), 0);
    check_connect_error(path, "Connection refused (is islandsd running?)");

    char locked[256];
    format_path(locked, sizeof locked, "%s/locked", sandbox.dir);
    ck_assert_int_eq(mkdir(locked, 0), 0);
    format_path(path, sizeof path, "%s/locked/islandsd.sock", sandbox.dir);
    check_connect_error(path, "Permission denied (only members of the socket's group may "
                        "connect; for the installed service that is the group islands: "
                        "sudo usermod -aG islands $USER, then log in again)");

    format_path(path, sizeof path, "%s/requests.log/islandsd.sock", sandbox.dir);
    write_whole_file(log_path, "");
    check_connect_error(path, "Not a directory");
}
END_TEST

START_TEST(usage_errors_are_exit_2_with_the_usage_line)
{
    start_fake("");
    struct cli_result r;
    ISLANDS(&r, "place", "g1", "atoll", "one", "2");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: ROW must be an integer, not 'one'\n"
                            "usage: islands [OPTIONS] place GAME ISLAND ROW COL\n");
    free_result(&r);
    ISLANDS(&r, "join", "g1");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: join: too few arguments\n"
                            "usage: islands [OPTIONS] join GAME NAME\n");
    free_result(&r);
    ISLANDS(&r, "help", "guess");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "usage: islands [OPTIONS] guess GAME ROW COL\n"));
    free_result(&r);
    ISLANDS(&r, "--version");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "islands "));
    free_result(&r);
    check_requests("");
}
END_TEST

/* Run islands with its standard output on /dev/full (every write fails
 * with ENOSPC), as `islands ... > file` on a full disk. */
static void islands_to_full_disk(struct cli_result *r, const char *arg1, const char *arg2)
{
    const char *argv[] = { "/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full",
                           program_path("ISLANDS_CLIENT", "build/islands"), arg1, arg2, NULL };
    const char *env[] = { sandbox.env_socket, sandbox.env_xdg, sandbox.env_home, NULL };
    run_program(sandbox.dir, env, argv, false, r);
}

START_TEST(output_that_cannot_be_written_is_exit_2)
{
    start_fake("ping {\"ok\":true,\"version\":\"9.9\",\"protocol\":1}\n");
    static const char *const commands[][2] = { { "ping", NULL }, { "help", NULL },
                                               { "help", "guess" }, { "--version", NULL } };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        struct cli_result r;
        islands_to_full_disk(&r, commands[i][0], commands[i][1]);
        ck_assert_msg(r.status == 2, "%s: exit %d", commands[i][0], r.status);
        ck_assert_str_eq(r.err, "islands: standard output: No space left on device\n");
        free_result(&r);
    }
}
END_TEST

START_TEST(arguments_that_are_not_utf8_are_usage_errors)
{
    start_fake(NEW_G1);
    struct cli_result r;
    ISLANDS(&r, "new", "g8", "Ann\xff");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: NAME must be UTF-8 text\n"
                            "usage: islands [OPTIONS] new GAME NAME\n");
    free_result(&r);
    ISLANDS(&r, "join", "g\xc3", "Bob");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "islands: GAME must be UTF-8 text\n"));
    free_result(&r);
    ISLANDS(&r, "place", "g1", "\xed\xa0\x80", "1", "1");     /* a surrogate */
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "islands: ISLAND must be UTF-8 text\n"));
    free_result(&r);
    ISLANDS(&r, "help", "\xff");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "islands: COMMAND must be UTF-8 text\n"));
    free_result(&r);
    check_requests("");
    ck_assert_int_eq(access(state_file("game-g8.json"), F_OK), -1);
}
END_TEST

START_TEST(the_help_tells_how_to_name_a_game_starting_with_a_dash)
{
    start_fake("new_game {\"ok\":true,\"game\":\"-g\",\"player\":\"player1\",\"token\":\"t\"}\n");
    struct cli_result r;
    ISLANDS(&r, "--help");
    ck_assert_ptr_nonnull(strstr(r.out, "\n  --                         the end of the options"));
    free_result(&r);
    ISLANDS(&r, "help", "new");
    ck_assert_ptr_nonnull(strstr(r.out, "islands -- new -g Ann\n"));
    free_result(&r);
    ISLANDS(&r, "--", "new", "-g", "Ann");
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    check_requests("{\"id\":1,\"op\":\"new_game\",\"game\":\"-g\",\"name\":\"Ann\"}\n");
}
END_TEST

START_TEST(end_forgets_the_game)
{
    start_fake(NEW_G1 "end_game {\"ok\":true}\n"
               "end_game {\"ok\":false,\"error\":\"no_such_game\",\"message\":\"gone\"}\n");
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ck_assert_int_eq(access(state_file("game-g1.json"), F_OK), 0);
    ISLANDS(&r, "end", "g1");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Game g1 ended.\n");
    free_result(&r);
    ck_assert_int_eq(access(state_file("game-g1.json"), F_OK), -1);
    /* Ending a game that is already gone also forgets a stale memory. */
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "end", "g1");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.err, "islands: There is no such game. (no_such_game: gone)\n");
    free_result(&r);
    ck_assert_int_eq(access(state_file("game-g1.json"), F_OK), -1);
    ISLANDS(&r, "end", "g1");       /* nothing remembered: an admin-style end */
    free_result(&r);
    check_requests(
        "{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
        "{\"id\":1,\"op\":\"end_game\",\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}\n"
        "{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
        "{\"id\":1,\"op\":\"end_game\",\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}\n"
        "{\"id\":1,\"op\":\"end_game\",\"game\":\"g1\"}\n");
}
END_TEST

START_TEST(unauthorized_without_a_token_says_there_is_none)
{
    start_fake("end_game " UNAUTHORIZED);
    struct cli_result r;
    ISLANDS(&r, "end", "g5");
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.err, "islands: You hold no player token for this game here, and only its "
                            "players and the daemon's administrator may do that. "
                            "(unauthorized: wrong token)\n");
    free_result(&r);
}
END_TEST

START_TEST(a_corrupt_state_file_blocks_only_what_needs_an_identity)
{
    start_fake(STATE_OK JOIN_G1);
    make_private_dirs(sandbox.memory_dir);
    write_whole_file(state_file("game-g1.json"), "{not json");
    struct cli_result r;
    ISLANDS(&r, "place", "g1", "dot", "1", "1");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, state_file("game-g1.json")));
    ck_assert_ptr_nonnull(strstr(r.err, "; remove that file to forget the game here\n"));
    free_result(&r);
    ISLANDS(&r, "show", "g1");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "islands: warning: cannot read "));
    ck_assert_ptr_nonnull(strstr(r.err, "; going on without it (remove that file"));
    free_result(&r);
    ISLANDS(&r, "join", "g1", "Bob");
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    char *saved = read_whole_file(state_file("game-g1.json"));
    ck_assert_ptr_nonnull(strstr(saved, "\"tok2\""));
    free(saved);
    check_requests("{\"id\":1,\"op\":\"state\",\"game\":\"g1\"}\n"
                   "{\"id\":1,\"op\":\"add_player\",\"game\":\"g1\",\"name\":\"Bob\"}\n");
}
END_TEST

START_TEST(dot_names_are_stored_under_escaped_file_names)
{
    start_fake("new_game {\"ok\":true,\"game\":\"..\",\"player\":\"player1\",\"token\":\"tokdd\"}\n");
    struct cli_result r;
    ISLANDS(&r, "new", "..", "Ann");
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    /* The only game file in the directory (beside the lock that changes
     * take), whose name is neither "." nor "..". */
    DIR *d = opendir(sandbox.memory_dir);
    ck_assert_ptr_nonnull(d);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, ".lock") == 0)
            continue;
        ck_assert_str_eq(e->d_name, "game-%2E%2E.json");
        files++;
    }
    closedir(d);
    ck_assert_int_eq(files, 1);
    char *saved = read_whole_file(state_file("game-%2E%2E.json"));
    ck_assert_ptr_nonnull(strstr(saved, "\"tokdd\""));
    free(saved);
}
END_TEST

#define SHOW_ANSWER \
    "state {\"ok\":true,\"game\":\"g1\",\"rules\":{\"state\":\"player1_turn\"," \
    "\"player1\":\"islands_set\",\"player2\":\"islands_set\"},\"player1\":{\"name\":\"Ann\"," \
    "\"board\":{\"dot\":{\"squares\":[[3,3]],\"hit\":[],\"forested\":false}}," \
    "\"guesses\":{\"hits\":[],\"misses\":[]}},\"player2\":{\"name\":\"Bob\"," \
    "\"guesses\":{\"hits\":[],\"misses\":[[9,9]]}}}\n"

START_TEST(show_draws_the_board_with_the_token)
{
    start_fake(NEW_G1 SHOW_ANSWER);
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "show", "g1");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Game g1: Ann vs Bob (you are Ann, player1)\n"));
    ck_assert_ptr_nonnull(strstr(r.out, " 3  .  .  D  ."));
    ck_assert_ptr_nonnull(strstr(r.out, " 9  .  .  .  .  .  .  .  .  o  ."));
    ck_assert_ptr_nonnull(strstr(r.out, "\nYour turn\n"));
    ck_assert_ptr_null(strchr(r.out, '\033'));      /* not a terminal: no colour */
    free_result(&r);
    check_requests("{\"id\":1,\"op\":\"new_game\",\"game\":\"g1\",\"name\":\"Ann\"}\n"
                   "{\"id\":1,\"op\":\"state\",\"game\":\"g1\",\"player\":\"player1\","
                   "\"token\":\"tok1\"}\n");
}
END_TEST

START_TEST(colour_on_a_terminal_unless_no_color)
{
    start_fake(NEW_G1 SHOW_ANSWER);
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    islands_env(NULL, true, &r, "show", "g1", (const char *)NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\033[32mD\033[0m"));
    free_result(&r);
    islands_env("NO_COLOR=1", true, &r, "show", "g1", (const char *)NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Your turn"));
    ck_assert_ptr_null(strchr(r.out, '\033'));
    free_result(&r);
    /* An empty NO_COLOR does not count. */
    islands_env("NO_COLOR=", true, &r, "show", "g1", (const char *)NULL);
    ck_assert_ptr_nonnull(strstr(r.out, "\033[32mD\033[0m"));
    free_result(&r);
}
END_TEST

START_TEST(state_goes_under_home_without_xdg_state_home)
{
    start_fake(NEW_G1);
    struct cli_result r;
    const char *argv[] = { program_path("ISLANDS_CLIENT", "build/islands"), "new", "g1", "Ann", NULL };
    const char *env[] = { sandbox.env_socket, sandbox.env_home, "XDG_STATE_HOME=relative/dir", NULL };
    run_program(sandbox.dir, env, argv, false, &r);
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    char home_state[256], memory_dir[448], path[512];
    format_path(home_state, sizeof home_state, "%s/home/.local/state", sandbox.dir);
    daemon_memory_dir(memory_dir, sizeof memory_dir, home_state, sandbox.dir, "islandsd%2Esock");
    format_path(path, sizeof path, "%s/game-g1.json", memory_dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert_int_eq(access(state_file("game-g1.json"), F_OK), -1);
}
END_TEST

/* Without HOME and XDG_STATE_HOME there is no state directory: what needs
 * no identity goes on, what does stops before asking. */
START_TEST(no_state_directory_stops_only_what_needs_one)
{
    start_fake("state {\"ok\":true,\"game\":\"sea\",\"rules\":{\"state\":\"initialized\"}}\n"
               "end_game {\"ok\":true}\n");
    static const char warning[] = "islands: warning: cannot find a state directory: set "
                                  "XDG_STATE_HOME or HOME; going on without remembered players\n";
    static const char stop[] = "islands: cannot find a state directory: set XDG_STATE_HOME "
                               "or HOME\n";
    const char *client = program_path("ISLANDS_CLIENT", "build/islands");
    const char *env[] = { sandbox.env_socket, NULL };
    struct cli_result r;
    const char *show[] = { client, "show", "sea", NULL };
    run_program(sandbox.dir, env, show, false, &r);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "Waiting for a second player"));
    ck_assert_str_eq(r.err, warning);
    free_result(&r);
    const char *end[] = { client, "end", "sea", NULL };
    run_program(sandbox.dir, env, end, false, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Game sea ended.\n");
    free_result(&r);
    const char *const stopped[][6] = {
        { client, "new", "sea", "Ann", NULL },
        { client, "join", "sea", "Bob", NULL },
        { client, "place", "sea", "dot", "1", "1" },
        { client, "--player", "player1", "show", "sea", NULL },
    };
    for (size_t i = 0; i < sizeof stopped / sizeof stopped[0]; i++) {
        const char *argv[7] = { NULL };
        memcpy(argv, stopped[i], sizeof stopped[i]);
        run_program(sandbox.dir, env, argv, false, &r);
        ck_assert_msg(r.status == 2, "%s: status %d", argv[1], r.status);
        ck_assert_str_eq(r.err, stop);
        free_result(&r);
    }
    check_requests("{\"id\":1,\"op\":\"state\",\"game\":\"sea\"}\n"
                   "{\"id\":1,\"op\":\"end_game\",\"game\":\"sea\"}\n");
}
END_TEST

START_TEST(socket_option_wins_over_the_environment)
{
    start_fake("ping {\"ok\":true,\"version\":\"1\",\"protocol\":1}\n");
    struct cli_result r;
    const char *argv[] = { program_path("ISLANDS_CLIENT", "build/islands"),
                           "--socket", sandbox.socket_path, "ping", NULL };
    const char *env[] = { "ISLANDS_SOCKET=/nonexistent/islands.sock", sandbox.env_xdg, NULL };
    run_program(sandbox.dir, env, argv, false, &r);
    ck_assert_int_eq(r.status, 0);
    free_result(&r);
    argv[1] = "ping";
    argv[2] = NULL;
    run_program(sandbox.dir, env, argv, false, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot connect to /nonexistent/islands.sock"));
    free_result(&r);
}
END_TEST

/* Without --socket or $ISLANDS_SOCKET the client reads the daemon's
 * configuration (--config, else /etc/islands/islands.conf) for its socket. */
START_TEST(the_socket_comes_from_the_daemons_configuration_last)
{
    start_fake("ping {\"ok\":true,\"version\":\"1\",\"protocol\":1}\n");
    char config[256], text[320];
    format_path(config, sizeof config, "%s/islands.conf", sandbox.dir);
    format_path(text, sizeof text, "# the daemon's\nsocket = %s\nintensity = 3\n",
                sandbox.socket_path);
    write_whole_file(config, text);
    struct cli_result r;
    const char *argv[] = { program_path("ISLANDS_CLIENT", "build/islands"), "--config", config,
                           "ping", NULL };
    const char *env[] = { sandbox.env_xdg, NULL };
    run_program(sandbox.dir, env, argv, false, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.err, "");
    free_result(&r);
    /* The environment comes first. */
    const char *env_first[] = { "ISLANDS_SOCKET=/nonexistent/islands.sock", sandbox.env_xdg, NULL };
    run_program(sandbox.dir, env_first, argv, false, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot connect to /nonexistent/islands.sock"));
    free_result(&r);
    /* A configuration that does not read is said, and the default tried. */
    write_whole_file(config, "socket = /tmp/x.sock\nno_such_key = 1\n");
    run_program(sandbox.dir, env, argv, false, &r);
    ck_assert_ptr_nonnull(strstr(r.err, "warning:"));
    ck_assert_ptr_nonnull(strstr(r.err, "no_such_key"));
    ck_assert_ptr_nonnull(strstr(r.err, "trying /run/islands/islandsd.sock"));
    free_result(&r);
}
END_TEST

START_TEST(admin_tables)
{
    start_fake("list {\"ok\":true,\"games\":[{\"game\":\"g1\",\"state\":\"player1_turn\","
               "\"pid\":4242,\"restarts\":0},{\"game\":\"longer-name\",\"state\":\"initialized\","
               "\"pid\":null,\"restarts\":3}]}\n"
               "status {\"ok\":true,\"strategy\":\"simple_one_for_one\",\"intensity\":1,"
               "\"period\":5,\"children\":1,\"games\":2,\"restarts\":3,\"uptime_s\":60,"
               "\"spares\":2}\n"
               "list {\"ok\":true,\"games\":[{\"game\":\"g1\",\"state\":\"player1_turn\","
               "\"pid\":null,\"restarts\":2,\"failed\":true},{\"game\":\"g2\",\"state\":null,"
               "\"pid\":null,\"restarts\":0,\"failed\":true}]}\n"
               "status {\"ok\":true,\"strategy\":\"one_for_one\",\"intensity\":1,"
               "\"period\":5,\"children\":0,\"games\":2,\"restarts\":0,\"uptime_s\":1,"
               "\"group_commit\":true}\n"
               "crash {\"ok\":true,\"pid\":4242}\n");
    struct cli_result r;
    ISLANDS(&r, "list");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out,
        "GAME         STATE               PID  RESTARTS\n"
        "g1           player1_turn       4242         0\n"
        "longer-name  initialized           -         3\n");
    free_result(&r);
    ISLANDS(&r, "status");
    ck_assert_str_eq(r.out,
        "strategy   simple_one_for_one\n"
        "intensity  1\n"
        "period     5\n"
        "children   1\n"
        "games      2\n"
        "restarts   3\n"
        "uptime_s   60\n"
        "spares     2\n");
    free_result(&r);
    /* A game left alone says so; a longer key widens the keys' column. */
    ISLANDS(&r, "list");
    ck_assert_str_eq(r.out,
        "GAME  STATE                      PID  RESTARTS\n"
        "g1    player1_turn (failed)        -         2\n"
        "g2    - (failed)                   -         0\n");
    free_result(&r);
    ISLANDS(&r, "status");
    ck_assert_str_eq(r.out,
        "strategy     one_for_one\n"
        "intensity    1\n"
        "period       5\n"
        "children     0\n"
        "games        2\n"
        "restarts     0\n"
        "uptime_s     1\n"
        "group_commit true\n");
    free_result(&r);
    ISLANDS(&r, "crash", "g1", "segv");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Crashed the worker of game g1 (pid 4242) with SEGV.\n");
    free_result(&r);
    check_requests("{\"id\":1,\"op\":\"list\"}\n{\"id\":1,\"op\":\"status\"}\n"
                   "{\"id\":1,\"op\":\"list\"}\n{\"id\":1,\"op\":\"status\"}\n"
                   "{\"id\":1,\"op\":\"crash\",\"game\":\"g1\",\"signal\":\"SEGV\"}\n");
}
END_TEST

/* 64 KiB of padding, for answers of many MiB. */
static const char *padding(void)
{
    static char pad[64 * 1024 + 1];
    memset(pad, 'x', sizeof pad - 1);
    return pad;
}

START_TEST(a_list_longer_than_other_answers_is_shown)
{
    /* 17 MiB: over the limit of other answers. */
    answer_once(0, "{\"id\":1,\"ok\":true,\"games\":[{\"game\":\"g1\",\"state\":\"initialized\","
                "\"pid\":null,\"restarts\":0}],\"pad\":\"", padding(), 17 * 16, "\"}");
    struct cli_result r;
    ISLANDS(&r, "list");
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_str_eq(r.out, "GAME  STATE               PID  RESTARTS\n"
                            "g1    initialized           -         0\n");
    free_result(&r);
}
END_TEST

START_TEST(an_answer_over_the_limit_names_it)
{
    char expected[512];
    answer_once(0, "{\"id\":1,\"ok\":true,\"games\":[],\"pad\":\"", padding(), 32 * 16 + 1, "\"}");
    struct cli_result r;
    ISLANDS(&r, "list");
    ck_assert_int_eq(r.status, 2);
    snprintf(expected, sizeof expected, "islands: the answer from %s is longer than 32 MiB, the "
             "most this client reads for list: more games than islands list can show "
             "(islands status counts them)\n", sandbox.socket_path);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);
    stop_answering();

    answer_once(0, "{\"id\":1,\"ok\":true,\"pad\":\"", padding(), 16 * 16 + 1, "\"}");
    ISLANDS(&r, "status");
    ck_assert_int_eq(r.status, 2);
    snprintf(expected, sizeof expected, "islands: the answer from %s is longer than 16 MiB, the "
             "most this client reads\n", sandbox.socket_path);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);
}
END_TEST

#define NEW_G1_LINE "{\"id\":1,\"ok\":true,\"game\":\"g1\",\"player\":\"player1\",\"token\":\"tok1\"}"

/* The daemon may hold a request longer than the default 30 s (its
 * request_timeout_ms goes up to an hour): --timeout, else
 * $ISLANDS_TIMEOUT, says how long to wait, 0 as long as it takes. */
START_TEST(the_timeout_is_what_the_user_says)
{
    char expected[512];
    struct cli_result r;
    answer_once(3000, NEW_G1_LINE, "", 0, "");
    ISLANDS(&r, "--timeout", "1", "new", "g1", "Ann");
    ck_assert_int_eq(r.status, 2);
    snprintf(expected, sizeof expected,
             "islands: no answer from %s within 1 s (--timeout SECONDS waits longer, 0 as long "
             "as it takes)\n"
             "islands: game g1 may have been created all the same, but your token is not "
             "remembered here: look with islands show g1\n", sandbox.socket_path);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);
    stop_answering();

    answer_once(3000, "{\"id\":1,\"ok\":true,\"player\":\"player2\",\"token\":\"tok2\"}", "", 0,
                "");
    islands_env("ISLANDS_TIMEOUT=1", false, &r, "join", "g1", "Bob", (const char *)NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "within 1 s"));
    ck_assert_ptr_nonnull(strstr(r.err, "\nislands: you may have joined game g1 all the same, "
                                        "but your token is not remembered here: look with "
                                        "islands show g1\n"));
    free_result(&r);
    stop_answering();

    /* The option wins over the environment; 0 waits for the answer. */
    answer_once(2000, NEW_G1_LINE, "", 0, "");
    islands_env("ISLANDS_TIMEOUT=1", false, &r, "--timeout=0", "new", "g1", "Ann",
                (const char *)NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "Created game g1"));
    free_result(&r);
}
END_TEST

START_TEST(a_change_left_unanswered_may_have_been_made)
{
    start_fake(NEW_G1 "guess CLOSE\n");
    struct cli_result r;
    ISLANDS(&r, "new", "g1", "Ann");
    free_result(&r);
    ISLANDS(&r, "guess", "g1", "1", "1");
    ck_assert_int_eq(r.status, 2);
    char expected[512];
    snprintf(expected, sizeof expected,
             "islands: %s closed the connection without answering\n"
             "islands: the change may have been made all the same: look with islands show g1\n",
             sandbox.socket_path);
    ck_assert_str_eq(r.err, expected);
    free_result(&r);
}
END_TEST

START_TEST(a_timeout_that_is_not_whole_seconds_is_refused)
{
    struct cli_result r;
    ISLANDS(&r, "--timeout", "1.5", "ping");
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: --timeout must be whole seconds from 0 (no limit) to "
                            "2147483, not '1.5'\n"
                            "usage: islands [OPTIONS] COMMAND [ARGUMENTS]\n");
    free_result(&r);
    islands_env("ISLANDS_TIMEOUT=soon", false, &r, "ping", (const char *)NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_str_eq(r.err, "islands: ISLANDS_TIMEOUT must be whole seconds from 0 (no limit) "
                            "to 2147483, not 'soon'\n");
    free_result(&r);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("fake_daemon");
    tcase_add_unchecked_fixture(tc, sandbox_make_root, sandbox_remove_root);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, new_remembers_the_token_in_a_private_file);
    tcase_add_test(tc, the_token_is_used_again_for_moves);
    tcase_add_test(tc, each_daemon_has_a_memory_of_its_own);
    tcase_add_test(tc, both_identities_need_player_to_choose);
    tcase_add_test(tc, join_drops_a_player1_the_server_no_longer_accepts);
    tcase_add_test(tc, a_token_answered_unauthorized_is_forgotten);
    tcase_add_test(tc, moves_without_an_identity_send_nothing);
    tcase_add_test(tc, an_error_answer_is_exit_1_with_a_sentence);
    tcase_add_test(tc, json_prints_the_response_line_unchanged);
    tcase_add_test(tc, connection_trouble_is_exit_2);
    tcase_add_test(tc, a_connection_refused_says_what_helps);
    tcase_add_test(tc, usage_errors_are_exit_2_with_the_usage_line);
    tcase_add_test(tc, output_that_cannot_be_written_is_exit_2);
    tcase_add_test(tc, arguments_that_are_not_utf8_are_usage_errors);
    tcase_add_test(tc, the_help_tells_how_to_name_a_game_starting_with_a_dash);
    tcase_add_test(tc, end_forgets_the_game);
    tcase_add_test(tc, unauthorized_without_a_token_says_there_is_none);
    tcase_add_test(tc, dot_names_are_stored_under_escaped_file_names);
    tcase_add_test(tc, a_corrupt_state_file_blocks_only_what_needs_an_identity);
    tcase_add_test(tc, show_draws_the_board_with_the_token);
    tcase_add_test(tc, colour_on_a_terminal_unless_no_color);
    tcase_add_test(tc, state_goes_under_home_without_xdg_state_home);
    tcase_add_test(tc, no_state_directory_stops_only_what_needs_one);
    tcase_add_test(tc, socket_option_wins_over_the_environment);
    tcase_add_test(tc, the_socket_comes_from_the_daemons_configuration_last);
    tcase_add_test(tc, admin_tables);
    tcase_add_test(tc, a_list_longer_than_other_answers_is_shown);
    tcase_add_test(tc, an_answer_over_the_limit_names_it);
    tcase_add_test(tc, the_timeout_is_what_the_user_says);
    tcase_add_test(tc, a_change_left_unanswered_may_have_been_made);
    tcase_add_test(tc, a_timeout_that_is_not_whole_seconds_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(cli_suite)
