/* Changes to the memory of a game (client/statechange.c): the rules that
 * merge one command's change into what the file holds now, and the lock
 * that makes each change a read-modify-write. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/check_main.h"
#include "../../client/cli.h"

#define ANN_OLD { .known = true, .token = "ann-old", .name = "Ann" }
#define ANN_NEW { .known = true, .token = "ann-new", .name = "Ann" }
#define BOB_OLD { .known = true, .token = "bob-old", .name = "Bob" }
#define BOB_NEW { .known = true, .token = "bob-new", .name = "Bob" }

static struct cli_memory memory(struct cli_identity p1, struct cli_identity p2)
{
    struct cli_memory m = { .game = "g1" };
    m.players[ISL_PLAYER1] = p1;
    m.players[ISL_PLAYER2] = p2;
    return m;
}

static void check_identity(const struct cli_identity *id, const char *token)
{
    if (token == NULL) {
        ck_assert_msg(!id->known, "%s is still remembered", id->token);
        return;
    }
    ck_assert_msg(id->known, "%s is not remembered", token);
    ck_assert_str_eq(id->token, token);
}

START_TEST(remembering_keeps_the_other_player)
{
    struct cli_memory m = memory((struct cli_identity)ANN_NEW, (struct cli_identity){ 0 });
    struct cli_memory_change join = { .remember = ISL_PLAYER2, .identity = BOB_NEW };
    join.identity.known = false;        /* the change itself marks it known */
    ck_assert_uint_eq(cli_memory_apply(&m, &join), 0);
    check_identity(&m.players[ISL_PLAYER1], "ann-new");
    check_identity(&m.players[ISL_PLAYER2], "bob-new");
    ck_assert_str_eq(m.players[ISL_PLAYER2].name, "Bob");
}
END_TEST

START_TEST(a_refused_token_is_forgotten_only_while_it_is_remembered)
{
    struct cli_memory_change refused = { .remember = -1 };
    refused.stale[ISL_PLAYER1] = (struct cli_identity)ANN_OLD;
    struct cli_memory m = memory((struct cli_identity)ANN_OLD, (struct cli_identity)BOB_NEW);
    ck_assert_uint_eq(cli_memory_apply(&m, &refused), 1u << ISL_PLAYER1);
    check_identity(&m.players[ISL_PLAYER1], NULL);
    check_identity(&m.players[ISL_PLAYER2], "bob-new");
    /* Another command remembered a new token meanwhile: it stays. */
    m = memory((struct cli_identity)ANN_NEW, (struct cli_identity){ 0 });
    ck_assert_uint_eq(cli_memory_apply(&m, &refused), 0);
    check_identity(&m.players[ISL_PLAYER1], "ann-new");
}
END_TEST

/* `new` forgets what was remembered before its request (an old game of
 * that name) but keeps the `join` of the new game saved meanwhile. */
START_TEST(new_forgets_the_old_game_but_keeps_a_join_since)
{
    struct cli_memory before = memory((struct cli_identity)ANN_OLD, (struct cli_identity)BOB_OLD);
    struct cli_memory_change created = { .remember = ISL_PLAYER1, .identity = ANN_NEW };
    memcpy(created.stale, before.players, sizeof created.stale);

    struct cli_memory now = memory((struct cli_identity)ANN_OLD, (struct cli_identity)BOB_NEW);
    cli_memory_apply(&now, &created);
    check_identity(&now.players[ISL_PLAYER1], "ann-new");
    check_identity(&now.players[ISL_PLAYER2], "bob-new");

    now = before;
    ck_assert_uint_eq(cli_memory_apply(&now, &created), 1u << ISL_PLAYER1 | 1u << ISL_PLAYER2);
    check_identity(&now.players[ISL_PLAYER1], "ann-new");
    check_identity(&now.players[ISL_PLAYER2], NULL);
}
END_TEST

START_TEST(forget_game_forgets_everything)
{
    struct cli_memory m = memory((struct cli_identity)ANN_NEW, (struct cli_identity)BOB_NEW);
    struct cli_memory_change end = { .forget_game = true, .remember = -1 };
    cli_memory_apply(&m, &end);
    check_identity(&m.players[ISL_PLAYER1], NULL);
    check_identity(&m.players[ISL_PLAYER2], NULL);
}
END_TEST

/* ---------------------------------------------------------------- files */

static char base[64], dir[128];

static void make_dirs(void)
{
    strcpy(base, "/tmp/islands-memory-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(dir, sizeof dir, "%s/islands", base);
}

static void remove_dirs(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ck_assert_int_eq(system(cmd), 0);
}

static struct cli_memory_change remember(int player, const char *token)
{
    struct cli_memory_change c = { .remember = player };
    snprintf(c.identity.token, sizeof c.identity.token, "%s", token);
    return c;
}

static void check_file(const char *game, const char *p1, const char *p2)
{
    struct cli_memory m;
    char err[512];
    ck_assert_int_ge(cli_state_load(dir, game, &m, err, sizeof err), 0);
    check_identity(&m.players[ISL_PLAYER1], p1);
    check_identity(&m.players[ISL_PLAYER2], p2);
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(a_change_reads_the_file_again)
{
    make_dirs();
    char err[512];
    struct cli_memory_change forget = { .forget_game = true, .remember = -1 };
    ck_assert_int_eq(cli_state_change(dir, "g1", &forget, NULL, err, sizeof err), 0);
    ck_assert_int_eq(access(dir, F_OK), -1);        /* nothing to forget creates nothing */

    struct cli_memory_change c = remember(ISL_PLAYER2, "bob-new");
    ck_assert_int_eq(cli_state_change(dir, "g1", &c, NULL, err, sizeof err), 0);
    c = remember(ISL_PLAYER1, "ann-new");
    ck_assert_int_eq(cli_state_change(dir, "g1", &c, NULL, err, sizeof err), 0);
    check_file("g1", "ann-new", "bob-new");

    struct cli_memory_change refused = { .remember = -1 };
    refused.stale[ISL_PLAYER2] = (struct cli_identity)BOB_NEW;
    unsigned forgotten;
    ck_assert_int_eq(cli_state_change(dir, "g1", &refused, &forgotten, err, sizeof err), 0);
    ck_assert_uint_eq(forgotten, 1u << ISL_PLAYER2);
    check_file("g1", "ann-new", NULL);

    ck_assert_int_eq(cli_state_change(dir, "g1", &forget, NULL, err, sizeof err), 0);
    ck_assert_int_eq(cli_state_load(dir, "g1", &(struct cli_memory){ 0 }, err, sizeof err), 0);
    remove_dirs();
}
END_TEST

START_TEST(a_file_that_cannot_be_read)
{
    make_dirs();
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char err[512];
    struct cli_memory m;
    /* Left alone by a change that only forgets: its tokens are unknown. */
    write_file("game-g1.json", "{not json");
    struct cli_memory_change refused = { .remember = -1 };
    refused.stale[ISL_PLAYER1] = (struct cli_identity)ANN_OLD;
    ck_assert_int_eq(cli_state_change(dir, "g1", &refused, NULL, err, sizeof err), 0);
    ck_assert_int_eq(cli_state_load(dir, "g1", &m, err, sizeof err), -1);
    /* Replaced by one that remembers. */
    struct cli_memory_change c = remember(ISL_PLAYER2, "bob-new");
    ck_assert_int_eq(cli_state_change(dir, "g1", &c, NULL, err, sizeof err), 0);
    check_file("g1", NULL, "bob-new");
    /* Removed when the game is forgotten. */
    write_file("game-g1.json", "{not json");
    struct cli_memory_change forget = { .forget_game = true, .remember = -1 };
    ck_assert_int_eq(cli_state_change(dir, "g1", &forget, NULL, err, sizeof err), 0);
    ck_assert_int_eq(cli_state_load(dir, "g1", &m, err, sizeof err), 0);
    remove_dirs();
}
END_TEST

/* `unlocked`: the parent's lock fd, closed in the child (a flock belongs to
 * the open file, which the child would hold too). */
static pid_t change_in_child(const char *game, int player, const char *token, int unlocked)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(unlocked);
        char err[512];
        struct cli_memory_change c = remember(player, token);
        _exit(cli_state_change(dir, game, &c, NULL, err, sizeof err) == 0 ? 0 : 1);
    }
    return pid;
}

static void check_exit_0(pid_t pid)
{
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

START_TEST(a_change_waits_for_the_lock)
{
    make_dirs();
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char lock_path[160];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", dir);
    int lock = open(lock_path, O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(lock, 0);
    ck_assert_int_eq(flock(lock, LOCK_EX), 0);
    pid_t child = change_in_child("g1", ISL_PLAYER1, "ann-new", lock);
    struct timespec pause = { 0, 200 * 1000000L };
    nanosleep(&pause, NULL);
    int status;
    ck_assert_int_eq(waitpid(child, &status, WNOHANG), 0);     /* still waiting */
    struct cli_memory m;
    char err[512];
    ck_assert_int_eq(cli_state_load(dir, "g1", &m, err, sizeof err), 0);
    close(lock);
    check_exit_0(child);
    check_file("g1", "ann-new", NULL);
    remove_dirs();
}
END_TEST

/* Two processes remembering the two players of the same games at once:
 * every game keeps both. */
START_TEST(changes_at_once_lose_nothing)
{
    enum { GAMES = 300 };
    make_dirs();
    pid_t writers[2];
    for (int p = 0; p < 2; p++) {
        writers[p] = fork();
        ck_assert_int_ge(writers[p], 0);
        if (writers[p] == 0) {
            for (int g = 0; g < GAMES; g++) {
                char game[16], err[512];
                snprintf(game, sizeof game, "g%d", g);
                struct cli_memory_change c = remember(p, p == ISL_PLAYER1 ? "ann" : "bob");
                if (cli_state_change(dir, game, &c, NULL, err, sizeof err) != 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    check_exit_0(writers[0]);
    check_exit_0(writers[1]);
    for (int g = 0; g < GAMES; g++) {
        char game[16];
        snprintf(game, sizeof game, "g%d", g);
        check_file(game, "ann", "bob");
    }
    remove_dirs();
}
END_TEST

static Suite *client_memory_suite(void)
{
    Suite *s = suite_create("client_memory");
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, remembering_keeps_the_other_player);
    tcase_add_test(rules, a_refused_token_is_forgotten_only_while_it_is_remembered);
    tcase_add_test(rules, new_forgets_the_old_game_but_keeps_a_join_since);
    tcase_add_test(rules, forget_game_forgets_everything);
    suite_add_tcase(s, rules);
    TCase *files = tcase_create("files");
    tcase_set_timeout(files, 30);
    tcase_add_test(files, a_change_reads_the_file_again);
    tcase_add_test(files, a_file_that_cannot_be_read);
    tcase_add_test(files, a_change_waits_for_the_lock);
    tcase_add_test(files, changes_at_once_lose_nothing);
    suite_add_tcase(s, files);
    return s;
}

ISL_CHECK_MAIN(client_memory_suite)
