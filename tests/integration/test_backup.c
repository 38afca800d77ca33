/* The backup that docs/SERVICE.md tells operators to take: `mdb_copy -c`
 * of the live store while games are played, restored into an empty store
 * directory, is a store islandsd serves, holding every move acknowledged
 * before the copy began. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "protocol_harness.h"

#define BUSY_ROUNDS 40   /* every square of rows 7-10, missed by both players */

/* Run argv to its end; its exit status, or -1 if it could not run. */
static int run(char *const argv[])
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* In a child process, on its own connection: both players of "busy" miss
 * square after square; one byte on acks for every move acknowledged. */
static pid_t play_busy_game(struct testd *d, const char *tok1, const char *tok2, int acks)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid != 0)
        return pid;
    struct testd own = *d;
    own.client = testd_connect(d);
    for (int i = 0; i < BUSY_ROUNDS; i++) {
        int row = 7 + i / 10, col = 1 + i % 10;
        for (int player = 1; player <= 2; player++) {
            json_t *r = guess(&own, "busy", player, player == 1 ? tok1 : tok2, row, col);
            if (!testd_ok(r))
                _exit(1);
            json_decref(r);
            if (write(acks, "m", 1) != 1)
                _exit(1);
        }
    }
    _exit(0);
}

static size_t misses(const json_t *state, const char *player)
{
    json_t *p = json_object_get(state, player);
    return json_array_size(json_object_get(json_object_get(p, "guesses"), "misses"));
}

START_TEST(a_live_copy_restores_every_acknowledged_move)
{
    struct testd d = {0};
    char tok[3][2][33];
    testd_start(&d, NULL);
    testd_setup_game(&d, "quiet1", tok[0][0], tok[0][1]);
    testd_setup_game(&d, "quiet2", tok[1][0], tok[1][1]);
    testd_setup_game(&d, "busy", tok[2][0], tok[2][1]);
    play_moves(&d, "quiet1", tok[0][0], tok[0][1], 0, 5);
    play_moves(&d, "quiet2", tok[1][0], tok[1][1], 0, 17);
    char *quiet1 = admin_state(&d, "quiet1"), *quiet2 = admin_state(&d, "quiet2");

    int acks[2];
    ck_assert_int_eq(pipe(acks), 0);
    pid_t player = play_busy_game(&d, tok[2][0], tok[2][1], acks[1]);
    close(acks[1]);
    char buf[16];
    size_t acked_before_copy = 0;
    while (acked_before_copy < 10) {
        ssize_t n = read(acks[0], buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        acked_before_copy += (size_t)n;
    }
    char backup[320];
    snprintf(backup, sizeof backup, "%s/backup", d.dir);
    ck_assert_int_eq(mkdir(backup, 0700), 0);
    char *copy[] = {"mdb_copy", "-c", d.store, backup, NULL};
    ck_assert_msg(run(copy) == 0, "mdb_copy -c of the live store failed");
    size_t acked = acked_before_copy;
    for (ssize_t n; (n = read(acks[0], buf, sizeof buf)) > 0;)
        acked += (size_t)n;
    close(acks[0]);
    int status;
    ck_assert_int_eq(waitpid(player, &status, 0), player);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the busy game's player failed");
    ck_assert_uint_eq(acked, 2 * BUSY_ROUNDS);
    status = testd_stop(&d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d", status);

    /* Restore as SERVICE.md says: the copy's data.mdb alone, in an empty
     * store directory. */
    struct testd restored = {0};
    testd_prepare(&restored);
    ck_assert_int_eq(mkdir(restored.store, 0700), 0);
    char from[400];
    snprintf(from, sizeof from, "%s/data.mdb", backup);
    char *install[] = {"cp", from, restored.store, NULL};
    ck_assert_int_eq(run(install), 0);
    testd_start(&restored, NULL);
    char *got1 = admin_state(&restored, "quiet1"), *got2 = admin_state(&restored, "quiet2");
    ck_assert_str_eq(got1, quiet1);
    ck_assert_str_eq(got2, quiet2);
    json_t *busy = testd_call(&restored, "{s:s, s:s}", "op", "state", "game", "busy");
    ck_assert_msg(testd_ok(busy), "busy: %s", testd_error(busy));
    size_t moves = misses(busy, "player1") + misses(busy, "player2");
    ck_assert_msg(moves >= acked_before_copy && moves <= acked,
                  "the copy holds %zu of busy's moves; %zu were acknowledged before it began, "
                  "%zu in all", moves, acked_before_copy, acked);
    /* It plays on from there. */
    play_moves(&restored, "quiet1", tok[0][0], tok[0][1], 5, 18);
    json_decref(busy);
    free(quiet1), free(quiet2), free(got1), free(got2);
    status = testd_stop(&restored);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d", status);
    testd_cleanup(&restored);
    testd_cleanup(&d);
}
END_TEST

static Suite *backup_suite(void)
{
    Suite *s = suite_create("backup");
    TCase *tc = tcase_create("backup");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_live_copy_restores_every_acknowledged_move);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(backup_suite)
