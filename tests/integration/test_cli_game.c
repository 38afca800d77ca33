/* A whole game between two identities through the real islandsd, with the
 * `islands` program alone.
 *
 * NEEDS THE DAEMON: this test starts $ISLANDSD (default build/islandsd)
 *   $ISLANDSD --socket DIR/islandsd.sock --store DIR/store --config /dev/null
 * with ISLANDS_WORKER and ISLANDS_WRITER set, and fails (never skips) when
 * the daemon is missing or does not answer. */
#include "test_cli_harness.h"

#include <stdarg.h>

#include "../support/check_main.h"

#define DAEMON_START_MS 15000

static char store_path[192];
static pid_t daemon_pid = -1;

static void start_daemon(void)
{
    sandbox_enter();
    snprintf(store_path, sizeof store_path, "%s/store", sandbox.dir);

    static char env_worker[512], env_writer[512];
    snprintf(env_worker, sizeof env_worker, "ISLANDS_WORKER=%s",
             program_path("ISLANDS_WORKER", "build/islands-worker"));
    snprintf(env_writer, sizeof env_writer, "ISLANDS_WRITER=%s",
             program_path("ISLANDS_WRITER", "build/islands-writer"));
    const char *env[] = { env_worker, env_writer, NULL };
    const char *argv[] = { program_path("ISLANDSD", "build/islandsd"), "--socket", sandbox.socket_path,
                           "--store", store_path, "--config", "/dev/null", NULL };
    ck_assert_msg(access(argv[0], X_OK) == 0, "islandsd is missing: %s", argv[0]);
    daemon_pid = start_program(env, argv);
    wait_for_server(sandbox.socket_path, daemon_pid, DAEMON_START_MS);
}

static void stop_daemon(void)
{
    int status = stop_program_within(daemon_pid, 10000);
    daemon_pid = -1;
    sandbox_leave();
    ck_assert_int_eq(status, 0);    /* SIGTERM is a normal stop */
}

/* Run and check the exit status and that stdout or stderr holds `text`. */
static void expect(int status, const char *text, ...)
{
    const char *args[15] = { NULL };
    char line[512] = "islands";
    va_list ap;
    va_start(ap, text);
    const char *a;
    for (int n = 0; (a = va_arg(ap, const char *)) != NULL && n < 14; n++) {
        args[n] = a;
        snprintf(line + strlen(line), sizeof line - strlen(line), " %s", a);
    }
    va_end(ap);
    struct cli_result r;
    run_islands(args, NULL, false, &r);
    ck_assert_msg(r.status == status, "%s: status %d, not %d\n%s%s",
                  line, r.status, status, r.out, r.err);
    ck_assert_msg(strstr(r.out, text) != NULL || strstr(r.err, text) != NULL,
                  "%s: no \"%s\" in\n%s%s", line, text, r.out, r.err);
    free_result(&r);
}

#define EXPECT(status, text, ...) expect(status, text, __VA_ARGS__, (const char *)NULL)

/* The same layout for both players: 18 squares. */
static const struct { const char *island, *row, *col; } layout[] = {
    { "atoll", "1", "1" }, { "dot", "1", "5" }, { "l_shape", "5", "1" },
    { "s_shape", "5", "5" }, { "square", "9", "9" },
};
static const char *const island_squares[18][2] = {
    { "1", "1" }, { "1", "2" }, { "2", "2" }, { "3", "1" }, { "3", "2" },   /* atoll */
    { "1", "5" },                                                           /* dot */
    { "5", "1" }, { "6", "1" }, { "7", "1" }, { "7", "2" },                 /* l_shape */
    { "5", "6" }, { "5", "7" }, { "6", "5" }, { "6", "6" },                 /* s_shape */
    { "9", "9" }, { "9", "10" }, { "10", "9" }, { "10", "10" },             /* square */
};
/* Squares of row 4 and 8 are water in that layout. */
static const char *const water_cols[10] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10" };

static void position_all(const char *player)
{
    for (size_t i = 0; i < sizeof layout / sizeof *layout; i++)
        EXPECT(0, "Placed the", "--player", player, "place", "g1", layout[i].island,
               layout[i].row, layout[i].col);
}

START_TEST(a_whole_game_with_the_command_line_client)
{
    EXPECT(0, "protocol 1", "ping");
    EXPECT(0, "you are player1 (Ann)", "new", "g1", "Ann");
    EXPECT(1, "A game with that name exists already.", "new", "g1", "Eve");
    EXPECT(0, "you are player2 (Bob)", "join", "g1", "Bob");
    EXPECT(1, "That move is not allowed now.", "join", "g1", "Eve");

    EXPECT(0, "Position your islands (0 of 5 placed)", "--player", "player1", "show", "g1");
    EXPECT(2, "choose one with --player", "show", "g1");
    EXPECT(1, "That move is not allowed now.", "--player", "player1", "guess", "g1", "1", "1");
    EXPECT(1, "the game now: Position your islands (0 of 5 placed).", "--player", "player1",
           "guess", "g1", "1", "1");
    EXPECT(1, "The island does not fit there: all of its squares must be on the board",
           "--player", "player1", "place", "g1", "atoll", "9", "1");
    EXPECT(1, "There is no such island", "--player", "player1", "place", "g1", "volcano", "1", "1");
    EXPECT(1, "Position all five islands first.", "--player", "player1", "ready", "g1");

    EXPECT(0, "Placed the atoll", "--player", "player1", "place", "g1", "atoll", "1", "1");
    EXPECT(1, "That island would overlap another one.",
           "--player", "player1", "place", "g1", "dot", "1", "2");
    position_all("player1");
    position_all("player2");
    EXPECT(0, "Position your islands (5 of 5 placed; set them with: islands ready g1)",
           "--player", "player2", "show", "g1");

    EXPECT(0, "Your islands are set.", "--player", "player2", "ready", "g1");
    EXPECT(0, "Waiting for Ann to set their islands", "--player", "player2", "show", "g1");
    EXPECT(0, " 1  A  A  .  .  D", "--player", "player1", "ready", "g1");
    EXPECT(1, "That move is not allowed now.",
           "--player", "player1", "place", "g1", "dot", "4", "4");

    EXPECT(0, "Your turn", "--player", "player1", "show", "g1");
    EXPECT(0, "Waiting for Ann", "--player", "player2", "show", "g1");
    EXPECT(1, "That move is not allowed now.", "--player", "player2", "guess", "g1", "4", "4");
    /* ... and why: where the game stands, asked after the refusal. */
    EXPECT(1, "the game now: Waiting for Ann.", "--player", "player2", "guess", "g1", "4", "4");
    EXPECT(1, "That is off the board", "--player", "player1", "guess", "g1", "11", "1");

    /* Ann hits every square of Bob's islands; Bob misses on row 4 and 8. */
    for (int i = 0; i < 18; i++) {
        const char *want = i == 5 ? "You forested the dot." : i == 17 ? "You won!" : "Hit!";
        EXPECT(0, want, "--player", "player1", "guess", "g1",
               island_squares[i][0], island_squares[i][1]);
        if (i < 17)
            EXPECT(0, "Miss.", "--player", "player2", "guess", "g1",
                   i < 10 ? "4" : "8", water_cols[i % 10]);
    }
    EXPECT(0, "You won!", "--player", "player1", "show", "g1");
    EXPECT(0, "Ann won", "--player", "player2", "show", "g1");
    EXPECT(0, " 1  ^  ^  .  .  ^", "--player", "player2", "show", "g1");
    EXPECT(1, "That move is not allowed now.", "--player", "player2", "guess", "g1", "1", "1");
    /* One full stop, none after an exclamation mark. */
    EXPECT(1, "islands: the game now: Ann won.\n", "--player", "player2", "guess", "g1", "1", "1");
    EXPECT(1, "islands: the game now: You won!\n", "--player", "player1", "guess", "g1", "1", "1");
    EXPECT(0, "\"ok\":true", "--json", "--player", "player1", "show", "g1");

    EXPECT(0, "game_over", "list");
    EXPECT(0, "strategy", "status");

    EXPECT(0, "Game g1 ended.", "end", "g1");
    EXPECT(1, "There is no such game.", "show", "g1");
    EXPECT(2, "you have not joined game g1 as player1 here", "--player", "player1", "guess", "g1", "1", "1");
}
END_TEST

START_TEST(a_wrong_token_is_refused)
{
    EXPECT(0, "you are player1 (Ann)", "new", "g2", "Ann");
    /* Forge the remembered token. */
    char path[512];
    snprintf(path, sizeof path, "%s/game-g2.json", sandbox.memory_dir);
    write_whole_file(path, "{\"game\":\"g2\",\"players\":{\"player1\":{\"name\":\"Ann\","
                           "\"token\":\"00000000000000000000000000000000\"}}}");
    EXPECT(1, "did not accept your player token", "place", "g2", "dot", "1", "1");
    /* That token is forgotten; the game's admin (the same user) can end it. */
    ck_assert_int_eq(access(path, F_OK), -1);
    EXPECT(0, "Game g2 ended.", "end", "g2");
}
END_TEST

/* Two accounts in turn, one state file: A creates "stale", the game ends
 * behind A's back, B creates a new "stale", and A joins that one. */
START_TEST(joining_a_reused_name_drops_the_old_token)
{
    char path[512];
    snprintf(path, sizeof path, "%s/game-stale.json", sandbox.memory_dir);
    EXPECT(0, "you are player1 (Ann)", "new", "stale", "Ann");
    char *old_memory = read_whole_file(path);
    ck_assert_ptr_nonnull(old_memory);
    EXPECT(0, "Game stale ended.", "end", "stale");
    EXPECT(0, "you are player1 (Bob)", "new", "stale", "Bob");
    write_whole_file(path, old_memory);     /* back to A's memory */
    free(old_memory);
    EXPECT(0, "you are player2 (Ann)", "join", "stale", "Ann");
    EXPECT(0, "Placed the dot", "place", "stale", "dot", "1", "1");
    char *memory = read_whole_file(path);
    ck_assert_ptr_null(strstr(memory, "player1"));
    free(memory);
    EXPECT(0, "Game stale ended.", "end", "stale");
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* The same account as both players keeps both. */
START_TEST(joining_ones_own_game_keeps_both_players)
{
    EXPECT(0, "you are player1 (Ann)", "new", "solo", "Ann");
    EXPECT(0, "you are player2 (Bob)", "join", "solo", "Bob");
    EXPECT(2, "choose one with --player", "place", "solo", "dot", "1", "1");
    EXPECT(0, "Placed the dot", "--player", "player1", "place", "solo", "dot", "1", "1");
}
END_TEST

/* The daemon runs without crash injection (--config /dev/null): its
 * administrator (the tests run as the daemon's user) is told so, not that
 * only an administrator may crash a worker. */
START_TEST(crash_without_crash_injection_says_so)
{
    EXPECT(0, "you are player1 (Ann)", "new", "g3", "Ann");
    EXPECT(1, "crash injection is disabled. An operator enables it with crash_injection = true",
           "crash", "g3", "kill");
    struct cli_result r;
    const char *args[] = { "crash", "g3", "kill", NULL };
    run_islands(args, NULL, false, &r);
    ck_assert_msg(strstr(r.err, "Only the daemon's administrator") == NULL, "%s", r.err);
    free_result(&r);
}
END_TEST

/* Start islands in the background, its output thrown away. */
static pid_t start_islands(const char *const args[])
{
    const char *argv[8] = { program_path("ISLANDS_CLIENT", "build/islands") };
    for (int i = 0; args[i] != NULL && i < 6; i++)
        argv[i + 1] = args[i];
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0)
            _exit(126);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        const char *env[] = { sandbox.env_socket, sandbox.env_xdg, sandbox.env_home, NULL };
        set_child_environment(env);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* One account, two terminals: `new` and `join` of the same game at once,
 * the join tried again until the game exists. Both answers arrive close
 * together, and both identities must be remembered whichever is written
 * last. Without a read-modify-write under a lock one of them is lost in
 * about one round of eight here, so many rounds fail reliably. */
START_TEST(new_and_join_at_once_remember_both_players)
{
    enum { ROUNDS = 60, JOIN_TRIES = 400 };
    for (int round = 0; round < ROUNDS; round++) {
        char game[16], path[512];
        snprintf(game, sizeof game, "race%d", round);
        snprintf(path, sizeof path, "%s/game-%s.json", sandbox.memory_dir, game);
        const char *new_args[] = { "new", game, "Ann", NULL };
        pid_t creator = start_islands(new_args);
        const char *join_args[] = { "join", game, "Bob", NULL };
        struct cli_result r = { .status = -1 };
        for (int tries = 0; tries < JOIN_TRIES && r.status != 0; tries++) {
            free_result(&r);
            run_islands(join_args, NULL, false, &r);
            ck_assert_msg(r.status == 0 || strstr(r.err, "There is no such game.") != NULL,
                          "join %s: status %d\n%s", game, r.status, r.err);
        }
        ck_assert_msg(r.status == 0, "join %s never succeeded", game);
        free_result(&r);
        int status;
        ck_assert_int_eq(waitpid(creator, &status, 0), creator);
        ck_assert_msg(wait_status_code(status) == 0, "new %s: status %d", game,
                      wait_status_code(status));

        char *memory = read_whole_file(path);
        ck_assert_ptr_nonnull(memory);
        json_t *doc = json_loads(memory, 0, NULL);
        json_t *players = json_object_get(doc, "players");
        ck_assert_msg(json_object_get(players, "player1") != NULL &&
                      json_object_get(players, "player2") != NULL,
                      "round %d: an identity was lost:\n%s", round, memory);
        json_decref(doc);
        free(memory);
    }
}
END_TEST

static Suite *cli_game_suite(void)
{
    Suite *s = suite_create("cli_game");
    TCase *tc = tcase_create("real_daemon");
    tcase_add_unchecked_fixture(tc, sandbox_make_root, sandbox_remove_root);
    tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, a_whole_game_with_the_command_line_client);
    tcase_add_test(tc, a_wrong_token_is_refused);
    tcase_add_test(tc, joining_a_reused_name_drops_the_old_token);
    tcase_add_test(tc, joining_ones_own_game_keeps_both_players);
    tcase_add_test(tc, new_and_join_at_once_remember_both_players);
    tcase_add_test(tc, crash_without_crash_injection_says_so);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(cli_game_suite)
