/* The LMDB store against a real environment in a temporary directory. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "game_fixtures.h"
#include "islands/clock.h"
#include "islands/codec.h"
#include "islands/store.h"
#include "store_raw.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/islands-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct isl_store *open_store(size_t map_size, bool skip_reader_check)
{
    struct isl_store_options o = { .path = dir, .map_size = map_size,
                                   .skip_reader_check = skip_reader_check };
    struct isl_store *s = NULL;
    char err[256];
    int rc = isl_store_open(&o, &s, err, sizeof err);
    ck_assert_msg(rc == ISL_STORE_OK, "open: %s", err);
    return s;
}

static struct isl_store_write put(const char *game, const char *doc, const char *rules)
{
    return (struct isl_store_write){ .kind = ISL_WRITE_PUT, .game = game, .doc = doc,
                                     .doc_len = strlen(doc), .rules = rules };
}

static int load(struct isl_store *s, const char *game, char **doc)
{
    size_t len;
    char err[256];
    *doc = NULL;
    return isl_store_load(s, game, doc, &len, err, sizeof err);
}

/* "game=rules;" per entry ("?" for an unknown rules state). */
static int collect(void *arg, const struct isl_store_entry *e)
{
    char *out = arg;
    strcat(out, e->game);
    strcat(out, "=");
    strcat(out, e->rules ? e->rules : "?");
    strcat(out, ";");
    return 0;
}

/* The time scanned for one game: -1 when its entry has none, -2 when the
 * game is not in the index. */
struct scanned_time {
    const char *game;
    int64_t active_ms;
};

static int find_time(void *arg, const struct isl_store_entry *e)
{
    struct scanned_time *t = arg;
    if (strcmp(e->game, t->game) == 0)
        t->active_ms = e->has_time ? e->active_ms : -1;
    return 0;
}

static int64_t scanned_time(struct isl_store *s, const char *game)
{
    struct scanned_time t = { game, -2 };
    char err[256];
    ck_assert_int_eq(isl_store_scan(s, find_time, &t, err, sizeof err), ISL_STORE_OK);
    return t.active_ms;
}

/* The index is what islandsd trusts: an entry whose name it would refuse
 * is left out (islandsd would take the writer sending it for a broken
 * one). A bad value does not hide its game: the rules state comes from the
 * game's record, unknown when that does not decode either (its first
 * request quarantines it); without a record there is nothing to index. */
START_TEST(scan_takes_a_bad_meta_value_from_the_record)
{
    struct isl_game g;
    fx_game_started(&g);
    char *doc = isl_codec_dump(&g);
    struct isl_store *s = open_store(0, false);
    char err[256], index[256] = "";
    struct isl_store_write batch[] = {
        put("sea", "{}", "player1_turn"),
        put("bad\001name", "{}", "player1_turn"),
        put("bay", "{}", "no_such_state"),
        put("g1", doc, "no_such_state"),
    };
    ck_assert_int_eq(isl_store_commit(s, batch, 4, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);
    free(doc);
    store_raw_put(dir, "meta", "gone", "no record");
    s = open_store(0, false);
    ck_assert_int_eq(isl_store_scan(s, collect, index, err, sizeof err), ISL_STORE_OK);
    ck_assert_str_eq(index, "bay=?;g1=player1_turn;sea=player1_turn;");
    ck_assert_int_eq(scanned_time(s, "g1"), -1);
    isl_store_close(s);
}
END_TEST

/* Every put keeps the wall-clock time of its transaction in `meta`: a
 * game's idle time must outlive a restart of islandsd. */
START_TEST(meta_keeps_the_time_of_the_last_change)
{
    struct isl_store *s = open_store(0, false);
    char err[256];
    struct isl_store_write w = put("g1", "{}", "initialized");
    int64_t before = isl_wall_ms();
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    int64_t first = scanned_time(s, "g1");
    ck_assert_int_ge(first, before);
    ck_assert_int_le(first, isl_wall_ms());
    struct timespec pause = { 0, 20 * 1000000L };
    nanosleep(&pause, NULL);
    w = put("g1", "{}", "players_set");
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_ge(scanned_time(s, "g1"), first + 20);
    isl_store_close(s);
}
END_TEST

static struct isl_store_write touch(const char *game, int64_t active_ms)
{
    return (struct isl_store_write){ .kind = ISL_WRITE_TOUCH, .game = game,
                                     .active_ms = active_ms };
}

/* A touch (a request that changed nothing, recorded by islandsd) moves a
 * game's time forward and nothing else: not its record, not its rules
 * state, never back, never for a game without an entry (it ended) or with
 * a bad one, never to a time a reset clock gave. */
START_TEST(a_touch_moves_the_time_forward_and_nothing_else)
{
    struct isl_store *s = open_store(0, false);
    char err[256], index[256] = "";
    struct isl_store_write batch[] = { put("g1", "{\"a\":1}", "player1_turn"),
                                       put("old", "{}", "initialized"),
                                       put("bad", "{}", "initialized") };
    ck_assert_int_eq(isl_store_commit(s, batch, 3, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);
    store_raw_put(dir, "meta", "old", "initialized");
    store_raw_put(dir, "meta", "bad", "initialized soon");
    s = open_store(0, false);
    int64_t stored = scanned_time(s, "g1");
    struct isl_store_write touches[] = { touch("g1", stored + 60000), touch("g1", stored + 1000),
                                         touch("old", stored + 5000), touch("bad", stored + 5000),
                                         touch("ghost", stored + 5000) };
    ck_assert_int_eq(isl_store_commit(s, touches, 5, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(scanned_time(s, "g1"), stored + 60000);
    ck_assert_int_eq(scanned_time(s, "old"), stored + 5000);
    ck_assert_int_eq(scanned_time(s, "bad"), -1);
    ck_assert_int_eq(scanned_time(s, "ghost"), -2);
    ck_assert_int_eq(isl_store_scan(s, collect, index, err, sizeof err), ISL_STORE_OK);
    ck_assert_str_eq(index, "bad=?;g1=player1_turn;old=initialized;");
    char *doc;
    ck_assert_int_eq(load(s, "g1", &doc), ISL_STORE_OK);
    ck_assert_str_eq(doc, "{\"a\":1}");
    free(doc);
    ck_assert_int_eq(load(s, "ghost", &doc), ISL_STORE_NOT_FOUND);

    struct isl_store_write late[] = { touch("g1", stored + 30000), touch("old", 5000) };
    ck_assert_int_eq(isl_store_commit(s, late, 2, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(scanned_time(s, "g1"), stored + 60000);
    ck_assert_int_eq(scanned_time(s, "old"), stored + 5000);
    isl_store_close(s);
}
END_TEST

/* A store from before the time was kept: its entries are indexed as they
 * were, without a time; and a time a reset clock wrote counts as none. */
START_TEST(older_meta_entries_are_indexed_without_a_time)
{
    struct isl_store *s = open_store(0, false);
    char err[256], index[256] = "";
    struct isl_store_write batch[] = { put("old", "{}", "player1_turn"),
                                       put("y1970", "{}", "initialized") };
    ck_assert_int_eq(isl_store_commit(s, batch, 2, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);
    store_raw_put(dir, "meta", "old", "player1_turn");
    store_raw_put(dir, "meta", "y1970", "initialized 5000");
    s = open_store(0, false);
    ck_assert_int_eq(isl_store_scan(s, collect, index, err, sizeof err), ISL_STORE_OK);
    ck_assert_str_eq(index, "old=player1_turn;y1970=initialized;");
    ck_assert_int_eq(scanned_time(s, "old"), -1);
    ck_assert_int_eq(scanned_time(s, "y1970"), -1);
    isl_store_close(s);
}
END_TEST

START_TEST(one_claim_per_store_until_its_holder_lets_go)
{
    char err[256], pid[32], sub[96];
    snprintf(sub, sizeof sub, "%s/new/store", dir);
    int fd = isl_store_claim(sub, err, sizeof err);   /* creates the directories */
    ck_assert_msg(fd >= 0, "claim: %s", err);
    ck_assert_int_eq(isl_store_claim(sub, err, sizeof err), -1);
    ck_assert_int_eq(errno, EWOULDBLOCK);
    snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
    ck_assert_msg(strstr(err, "in use by another islandsd") && strstr(err, pid), "%s", err);
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    close(fd);
    fd = isl_store_claim(sub, err, sizeof err);
    ck_assert_msg(fd >= 0, "claim after release: %s", err);
    close(fd);
}
END_TEST

/* An empty data.mdb opens as a new store, as LMDB does, but not in
 * silence: games stored there before are gone. */
START_TEST(an_empty_data_file_opens_with_a_warning)
{
    char path[128], log[] = "/tmp/islands-store-log-XXXXXX";
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    int logfd = mkstemp(log);
    ck_assert_int_ge(logfd, 0);
    int saved = dup(2);
    dup2(logfd, 2);
    struct isl_store *s = open_store(0, false);
    dup2(saved, 2);
    close(saved);
    char text[1024] = "";
    ssize_t n = pread(logfd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    close(logfd);
    unlink(log);
    ck_assert_msg(strstr(text, "event=store_data_file_empty") != NULL, "no warning in: %s", text);
    char *doc, err[256], index[64] = "";
    ck_assert_int_eq(load(s, "g1", &doc), ISL_STORE_NOT_FOUND);
    ck_assert_int_eq(isl_store_scan(s, collect, index, err, sizeof err), ISL_STORE_OK);
    ck_assert_str_eq(index, "");
    isl_store_close(s);
}
END_TEST

START_TEST(put_load_delete_scan)
{
    struct isl_store *s = open_store(0, false);
    char err[256], *doc, index[256] = "";
    ck_assert_int_eq(load(s, "g1", &doc), ISL_STORE_NOT_FOUND);

    struct isl_store_write batch[] = {
        put("g1", "{\"a\":1}", "initialized"),
        put("g2", "{\"b\":2}", "players_set"),
        put("g1", "{\"a\":3}", "player1_turn"),   /* the later write wins */
    };
    ck_assert_int_eq(isl_store_commit(s, batch, 3, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(load(s, "g1", &doc), ISL_STORE_OK);
    ck_assert_str_eq(doc, "{\"a\":3}");
    free(doc);
    ck_assert_int_eq(isl_store_scan(s, collect, index, err, sizeof err), ISL_STORE_OK);
    ck_assert_str_eq(index, "g1=player1_turn;g2=players_set;");

    struct isl_store_write del = { .kind = ISL_WRITE_DELETE, .game = "g1" };
    ck_assert_int_eq(isl_store_commit(s, &del, 1, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(load(s, "g1", &doc), ISL_STORE_NOT_FOUND);
    index[0] = '\0';
    isl_store_scan(s, collect, index, err, sizeof err);
    ck_assert_str_eq(index, "g2=players_set;");

    struct isl_store_stats st;
    ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_eq(st.games, 1);
    ck_assert_uint_gt(st.map_used, 0);
    ck_assert_uint_ge(st.map_size, st.map_used);
    isl_store_close(s);

    /* Reopened: still there. */
    s = open_store(0, false);
    ck_assert_int_eq(load(s, "g2", &doc), ISL_STORE_OK);
    ck_assert_str_eq(doc, "{\"b\":2}");
    free(doc);
    isl_store_close(s);
}
END_TEST

START_TEST(quarantine_keeps_the_record)
{
    struct isl_store *s = open_store(0, false);
    char err[256], *doc;
    struct isl_store_write w = put("bad", "not json", "initialized");
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(isl_store_quarantine(s, "bad", "not JSON", "not json", 8, err, sizeof err),
                     ISL_STORE_OK);
    ck_assert_int_eq(load(s, "bad", &doc), ISL_STORE_OK);
    ck_assert_str_eq(doc, "not json");
    free(doc);
    size_t len;
    ck_assert_int_eq(isl_store_load_quarantine(s, "bad", &doc, &len, err, sizeof err),
                     ISL_STORE_OK);
    ck_assert_str_eq(doc, "{\"doc\":\"not json\",\"reason\":\"not JSON\"}");
    free(doc);
    /* Bytes that are not UTF-8 are kept as hex. */
    ck_assert_int_eq(isl_store_quarantine(s, "bin", "r", "\xff\x01", 2, err, sizeof err),
                     ISL_STORE_OK);
    ck_assert_int_eq(isl_store_load_quarantine(s, "bin", &doc, &len, err, sizeof err),
                     ISL_STORE_OK);
    ck_assert_str_eq(doc, "{\"doc_hex\":\"ff01\",\"reason\":\"r\"}");
    free(doc);
    isl_store_close(s);
}
END_TEST

START_TEST(map_full_is_a_clean_error)
{
    struct isl_store *s = open_store(64 * 1024, false);
    char err[256], *doc;
    struct isl_store_write small = put("small", "{}", "initialized");
    ck_assert_int_eq(isl_store_commit(s, &small, 1, err, sizeof err), ISL_STORE_OK);

    size_t big_len = 100 * 1024;
    char *big = malloc(big_len + 1);
    memset(big, 'x', big_len);
    big[big_len] = '\0';
    struct isl_store_write batch[] = { put("other", "{}", "initialized"),
                                       put("big", big, "initialized") };
    int rc = isl_store_commit(s, batch, 2, err, sizeof err);
    ck_assert_int_eq(rc, ISL_STORE_FULL);
    ck_assert_str_eq(err, "store full (MDB_MAP_FULL)");
    /* Nothing of the batch was written. */
    ck_assert_int_eq(load(s, "other", &doc), ISL_STORE_NOT_FOUND);
    ck_assert_int_eq(load(s, "big", &doc), ISL_STORE_NOT_FOUND);
    /* Still usable. */
    ck_assert_int_eq(isl_store_commit(s, batch, 1, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_eq(load(s, "other", &doc), ISL_STORE_OK);
    free(doc);
    ck_assert_int_eq(load(s, "small", &doc), ISL_STORE_OK);
    free(doc);
    free(big);
    isl_store_close(s);
}
END_TEST

START_TEST(bad_input_is_refused)
{
    struct isl_store *s = open_store(0, false);
    char err[256], *doc;
    struct isl_store_write w = put("", "{}", "initialized");
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_FAILED);
    ck_assert_int_eq(load(s, "", &doc), ISL_STORE_FAILED);
    isl_store_close(s);

    struct isl_store_options o = { .path = "" };
    struct isl_store *none;
    ck_assert_int_eq(isl_store_open(&o, &none, err, sizeof err), ISL_STORE_FAILED);
    o.path = "/proc/version/store";   /* not a directory */
    ck_assert_int_eq(isl_store_open(&o, &none, err, sizeof err), ISL_STORE_FAILED);
}
END_TEST

/* A child that dies (SIGKILL) inside a read transaction; returns once it
 * is dead. */
static void kill_reader_in_txn(void)
{
    store_raw_kill_reader(store_raw_pin_reader(dir));
}

/* Stale slots matter while another process keeps the environment open
 * (the first process to open resets the table), so we stay open here. */
START_TEST(reader_check_clears_dead_slots)
{
    struct isl_store *s = open_store(0, true);
    kill_reader_in_txn();
    struct isl_store_stats st;
    char err[256];
    ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_eq(st.readers_live, 1);
    ck_assert_int_eq(isl_store_reader_check(s), 1);
    ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_eq(st.readers_live, 0);

    /* Every open clears them too: a fresh process reports what it cleared. */
    kill_reader_in_txn();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct isl_store_options o = { .path = dir };
        struct isl_store *mine;
        if (isl_store_open(&o, &mine, err, sizeof err) != ISL_STORE_OK ||
            isl_store_stats(mine, &st, err, sizeof err) != ISL_STORE_OK)
            _exit(100);
        _exit((int)st.stale_cleared * 10 + (int)st.readers_live);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert_int_eq(WEXITSTATUS(status), 10);
    isl_store_close(s);
}
END_TEST

/* A reader killed inside its transaction (a backup cut short) pins every
 * page freed after it began until its slot is cleared: the map fills up.
 * The commit that finds the map full clears dead slots and tries again,
 * rather than failing every commit until some process opens the store. */
START_TEST(a_map_full_of_pages_a_dead_reader_pinned_commits_once_cleared)
{
    struct isl_store *s = open_store(256 * 1024, false);
    char err[256], game[32] = "first";
    struct isl_store_write w = put(game, "{}", "initialized");
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    pid_t reader = store_raw_pin_reader(dir);
    int rc = ISL_STORE_OK;
    for (int i = 0; i < 10000 && rc == ISL_STORE_OK; i++) {
        snprintf(game, sizeof game, "g%d", i);
        rc = isl_store_commit(s, &w, 1, err, sizeof err);
    }
    ck_assert_int_eq(rc, ISL_STORE_FULL);
    ck_assert_str_eq(err, "store full (MDB_MAP_FULL)");

    store_raw_kill_reader(reader);
    rc = isl_store_commit(s, &w, 1, err, sizeof err);
    ck_assert_msg(rc == ISL_STORE_OK, "the same write after the reader died: %s", err);
    struct isl_store_stats st;
    ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_eq(st.stale_cleared, 1);
    ck_assert_uint_eq(st.readers_live, 0);
    isl_store_close(s);
}
END_TEST

START_TEST(fault_hooks_need_both_switches)
{
    setenv("ISLANDS_FAULT_INJECTION", "1", 1);
    setenv("ISLANDS_FAULT_COMMIT_SLEEP_MS", "60000", 1);
    /* Without crash_injection the hook is off: this commit does not sleep
     * (Check's timeout would fail the test if it did). */
    struct isl_store *s = open_store(0, false);
    char err[256];
    struct isl_store_write w = put("g", "{}", "initialized");
    ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    isl_store_close(s);
    unsetenv("ISLANDS_FAULT_COMMIT_SLEEP_MS");
    unsetenv("ISLANDS_FAULT_INJECTION");
}
END_TEST

/* Every descriptor into the store directory is close-on-exec. */
static int check_store_fds_close_on_exec(void)
{
    char link[64], target[512];
    int store_fds = 0;
    for (int fd = 0; fd < 256; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (strstr(target, dir)) {
            store_fds++;
            ck_assert_msg(fcntl(fd, F_GETFD) & FD_CLOEXEC, "%s lacks FD_CLOEXEC", target);
        }
    }
    return store_fds;
}

START_TEST(store_fds_are_close_on_exec)
{
    /* A hole below other descriptors: LMDB's files take it and the
     * numbers after the highest open one. */
    int low = open("/dev/null", O_RDONLY), high = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(low, 0);
    ck_assert_int_ge(high, 0);
    close(low);
    struct isl_store *s = open_store(0, false);
    ck_assert_int_ge(check_store_fds_close_on_exec(), 2);   /* data.mdb and lock.mdb at least */
    /* A second, read-only environment (a worker's) beside the first. */
    struct isl_store_options o = { .path = dir, .read_only = true };
    struct isl_store *ro = NULL;
    char err[256];
    ck_assert_int_eq(isl_store_open(&o, &ro, err, sizeof err), ISL_STORE_OK);
    ck_assert_int_ge(check_store_fds_close_on_exec(), 4);
    isl_store_close(ro);
    isl_store_close(s);
    close(high);
}
END_TEST

/* What each sync mode asks of LMDB: full syncs every commit's pages and
 * its meta page before mdb_txn_commit returns (the durability promise
 * through a power cut); nometa and none give up what their names say. */
START_TEST(sync_modes_set_what_lmdb_syncs)
{
    static const struct { enum isl_sync sync; bool data, meta; } modes[] = {
        {ISL_SYNC_FULL, true, true}, {ISL_SYNC_NOMETA, true, false},
        {ISL_SYNC_NONE, false, false}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        struct isl_store_options o = { .path = dir, .sync = modes[i].sync };
        struct isl_store *s;
        char err[256];
        ck_assert_int_eq(isl_store_open(&o, &s, err, sizeof err), ISL_STORE_OK);
        struct isl_store_stats st;
        ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
        ck_assert_int_eq(st.syncs_data, modes[i].data);
        ck_assert_int_eq(st.syncs_meta, modes[i].meta);
        isl_store_close(s);
    }
}
END_TEST

/* A data.mdb cut short (a full disk, a bad copy) is refused at open with
 * a message saying so, read-write and read-only alike: touching the pages
 * past its end would kill the process with SIGBUS. */
START_TEST(a_truncated_data_file_is_refused_at_open)
{
    struct isl_store *s = open_store(0, false);
    static char doc[2048];
    memset(doc, 'x', sizeof doc - 1);
    char err[256], game[16];
    for (int i = 0; i < 64; i++) {
        snprintf(game, sizeof game, "g%02d", i);
        struct isl_store_write w = put(game, doc, "initialized");
        ck_assert_int_eq(isl_store_commit(s, &w, 1, err, sizeof err), ISL_STORE_OK);
    }
    struct isl_store_stats st;
    ck_assert_int_eq(isl_store_stats(s, &st, err, sizeof err), ISL_STORE_OK);
    ck_assert_uint_gt(st.map_used, 8192);
    isl_store_close(s);
    char path[128], want[128];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    ck_assert_int_eq(truncate(path, 8192), 0);
    snprintf(want, sizeof want, "store truncated: data.mdb is 8192 bytes, the environment uses %zu",
             st.map_used);
    for (int ro = 0; ro <= 1; ro++) {
        struct isl_store_options o = { .path = dir, .read_only = ro };
        s = NULL;
        err[0] = '\0';
        ck_assert_int_eq(isl_store_open(&o, &s, err, sizeof err), ISL_STORE_CORRUPT);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err, want) != NULL, "read_only=%d: %s", ro, err);
    }
}
END_TEST

static Suite *store_suite(void)
{
    Suite *su = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, scan_takes_a_bad_meta_value_from_the_record);
    tcase_add_test(tc, one_claim_per_store_until_its_holder_lets_go);
    tcase_add_test(tc, put_load_delete_scan);
    tcase_add_test(tc, meta_keeps_the_time_of_the_last_change);
    tcase_add_test(tc, older_meta_entries_are_indexed_without_a_time);
    tcase_add_test(tc, a_touch_moves_the_time_forward_and_nothing_else);
    tcase_add_test(tc, an_empty_data_file_opens_with_a_warning);
    tcase_add_test(tc, sync_modes_set_what_lmdb_syncs);
    tcase_add_test(tc, quarantine_keeps_the_record);
    tcase_add_test(tc, map_full_is_a_clean_error);
    tcase_add_test(tc, bad_input_is_refused);
    tcase_add_test(tc, reader_check_clears_dead_slots);
    tcase_add_test(tc, a_map_full_of_pages_a_dead_reader_pinned_commits_once_cleared);
    tcase_add_test(tc, fault_hooks_need_both_switches);
    tcase_add_test(tc, store_fds_are_close_on_exec);
    tcase_add_test(tc, a_truncated_data_file_is_refused_at_open);
    suite_add_tcase(su, tc);
    return su;
}

ISL_CHECK_MAIN(store_suite)
