/* A damaged data.mdb. LMDB trusts its file: a page cut off or scribbled on
 * makes it crash (SIGBUS, SIGSEGV) rather than report, so the process that
 * was reading names the store in its last log line (src/fault_note.c), and
 * islandsd goes on as supervision says: the game left alone, or, when the
 * writer cannot read the store at all, a clean exit. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/codec.h"
#include "islands/game.h"
#include "islands/store.h"
#include "protocol_harness.h"

#define GAMES 300

/* GAMES new games in d's store, one transaction each: the same pages
 * every time (the daemon's group commit would batch them as it goes). */
static void create_games(struct testd *d)
{
    testd_prepare(d);
    struct isl_store_options o = { .path = d->store };
    struct isl_store *s;
    char err[256];
    ck_assert_msg(isl_store_open(&o, &s, err, sizeof err) == ISL_STORE_OK, "%s", err);
    for (int i = 0; i < GAMES; i++) {
        char game[16];
        snprintf(game, sizeof game, "g%d", i);
        struct isl_game g;
        isl_game_new(&g, game, "Ann", "0123456789abcdef0123456789abcdef");
        char *doc = isl_codec_dump(&g);
        struct isl_store_write w = { .kind = ISL_WRITE_PUT, .game = game, .doc = doc,
                                     .doc_len = strlen(doc), .rules = "initialized" };
        ck_assert_msg(isl_store_commit(s, &w, 1, err, sizeof err) == ISL_STORE_OK, "%s", err);
        free(doc);
    }
    isl_store_close(s);
}

/* Spares that have the store open (their `spare` frame heard). */
static void wait_for_spares(struct testd *d, int want)
{
    for (int i = 0; i < 1000 && testd_log_count(d, "event=spare_ready") < want; i++)
        ms_sleep(10);
    ck_assert_int_ge(testd_log_count(d, "event=spare_ready"), want);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = calloc(1, 65536);
    size_t n = text ? fread(text, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return text;
}

static void data_file(const struct testd *d, char *path, size_t size)
{
    snprintf(path, size, "%s/data.mdb", d->store);
}

/* Cut under a running islandsd, whose warm spares have the store mapped:
 * the first to load a game reads past the end of the file. */
START_TEST(a_data_file_cut_short_under_a_worker_is_named_and_the_game_left_alone)
{
    struct testd d = {0};
    create_games(&d);
    testd_start(&d, "spare_workers = 2\nlog_level = debug\n");
    wait_for_spares(&d, 2);
    char path[400];
    data_file(&d, path, sizeof path);
    ck_assert_int_eq(truncate(path, 8192), 0);   /* LMDB's two meta pages */

    json_t *r = testd_call(&d, "{s:s, s:s}", "op", "state", "game", "g150");
    ck_assert_msg(!testd_ok(r), "a game read from a cut file");
    json_decref(r);
    ck_assert_int_ge(testd_log_count(&d, "event=store_fault signal=BUS"), 1);
    ck_assert_int_ge(testd_log_count(&d, "during=read note=\"reading the store's data.mdb "
                                         "failed"), 1);
    expect_ok_free(testd_call(&d, "{s:s}", "op", "ping"), "islandsd serves on");
    testd_stop(&d);
    testd_cleanup(&d);
}
END_TEST

/* Cut while the writer reads the index (held there by a fault hook): it
 * names the store as it dies, the next writer finds the file truncated,
 * and islandsd gives up with both reasons in its log. */
START_TEST(a_data_file_cut_under_the_writer_stops_islandsd_with_the_reason)
{
    struct testd d = {0};
    create_games(&d);
    char log_path[400], config[400], path[400];
    snprintf(log_path, sizeof log_path, "%s/islandsd.log", d.dir);
    snprintf(config, sizeof config, "%s/islands.conf", d.dir);
    FILE *f = fopen(config, "w");
    ck_assert_ptr_nonnull(f);
    fputs("crash_injection = true\n", f);
    fclose(f);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        setenv("ISLANDS_FAULT_INJECTION", "1", 1);
        setenv("ISLANDS_FAULT_SCAN_SLEEP_MS", "1000", 1);
        execl(testd_program("ISLANDSD", "islandsd"), "islandsd", "--config", config, "--socket",
              d.socket, "--store", d.store, (char *)NULL);
        _exit(127);
    }
    bool sleeping = false;
    for (int i = 0; i < 1000 && !sleeping; i++) {
        ms_sleep(10);
        char *text = read_file(log_path);
        sleeping = text && strstr(text, "event=fault point=scan");
        free(text);
    }
    ck_assert_msg(sleeping, "the writer never reached its scan");
    data_file(&d, path, sizeof path);
    ck_assert_int_eq(truncate(path, 8192), 0);   /* LMDB's two meta pages */
    int status = -1;
    for (int i = 0; i < 1000 && waitpid(pid, &status, WNOHANG) == 0; i++)
        ms_sleep(10);
    char *text = read_file(log_path);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d: %s", status, text);
    ck_assert_msg(strstr(text, "islands-writer[") && strstr(text, "event=store_fault signal=BUS")
                  && strstr(text, "during=scan"), "the fault not named: %s", text);
    ck_assert_msg(strstr(text, "store truncated"), "the next writer's reason: %s", text);
    ck_assert_msg(strstr(text, "event=give_up supervisor=top child=writer"), "%s", text);
    free(text);
    testd_cleanup(&d);
}
END_TEST

static Suite *store_damage_suite(void)
{
    Suite *s = suite_create("store_damage");
    TCase *tc = tcase_create("damage");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_data_file_cut_short_under_a_worker_is_named_and_the_game_left_alone);
    tcase_add_test(tc, a_data_file_cut_under_the_writer_stops_islandsd_with_the_reason);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(store_damage_suite)
