/* Synced before answered, seen in the system calls. Killing processes
 * cannot show what a power cut would lose (the page cache survives them),
 * so strace follows the process that commits (the writer; each worker in
 * direct-commit mode) and every successful answer it sends must come
 * after a commit that began once the change had arrived and that is
 * synced: the data pages written, fdatasync on them, then the meta page
 * written through LMDB's O_DSYNC descriptor, with no data page written
 * since. The same check must fail for sync = none and nometa, and for a
 * writer broken to relay before it commits. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_main.h"
#include "islands/game.h"
#include "protocol_harness.h"

#define GAMES 4
#define ROUNDS 6

struct trace_check {
    int answers;      /* successful answers seen */
    int commits;      /* synced commits seen */
    int violations;   /* answers sent without their synced commit */
    char first[1024];  /* the first violation, for the failure message */
};

/* The fd a system call's line starts with: "name(FD, ...". */
static int first_fd(const char *line)
{
    const char *p = strchr(line, '(');
    return p ? atoi(p + 1) : -1;
}

static bool call_is(const char *line, const char *name)
{
    size_t n = strlen(name);
    return strncmp(line, name, n) == 0 && line[n] == '(';
}

/* The game named after `key` (strace writes the frame's quotes as \"). */
static void game_after(const char *at, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = strstr(at, key);
    if (!p)
        return;
    p += strlen(key);
    size_t n = 0;
    while (p[n] && p[n] != '\\' && n + 1 < size)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

struct arrival {
    char game[ISL_GAME_NAME_MAX + 1];
    long line;
};

/* Read one trace. The writer: a change arrives as a commit frame naming
 * its game, and is answered by a relay naming it. A worker committing
 * itself: a change arrives as a request, and is answered by a successful
 * resp (the test sends such a worker nothing that does not change). */
static void check_trace(const char *path, bool writer, struct trace_check *out)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no trace %s", path);
    static char line[1 << 20];
    static struct arrival arrivals[256];
    int n_arrivals = 0;
    int data_fd = -1, meta_fd = -1;
    long no = 0, commit_start = -1;
    bool dirty = false, synced = false, committed = false;
    while (fgets(line, sizeof line, f)) {
        no++;
        int fd = first_fd(line);
        if (call_is(line, "openat") && strstr(line, "/data.mdb\"")) {
            const char *eq = strrchr(line, '=');
            int opened = eq ? atoi(eq + 1) : -1;
            if (strstr(line, "O_DSYNC"))
                meta_fd = opened;
            else
                data_fd = opened;
        } else if (call_is(line, "close")) {
            if (fd == data_fd)
                data_fd = -1;
            if (fd == meta_fd)
                meta_fd = -1;
        } else if ((call_is(line, "pwrite64") || call_is(line, "writev") ||
                    call_is(line, "pwritev") || call_is(line, "write")) && fd >= 0 &&
                   fd == data_fd) {
            if (!dirty)
                commit_start = no;
            dirty = true;
            synced = committed = false;
        } else if ((call_is(line, "fdatasync") || call_is(line, "fsync")) && fd == data_fd) {
            synced = dirty;
        } else if (call_is(line, "pwrite64") && fd >= 0 && fd == meta_fd) {
            committed = synced;
            dirty = false;
            if (committed)
                out->commits++;
        } else if (call_is(line, "read") || call_is(line, "recvfrom") || call_is(line, "recvmsg")) {
            const char *key = writer ? "{\\\"t\\\":\\\"commit\\\"" : "{\\\"t\\\":\\\"req\\\"";
            for (const char *p = strstr(line, key); p; p = strstr(p + 1, key)) {
                if (n_arrivals == (int)(sizeof arrivals / sizeof arrivals[0]))
                    n_arrivals = 0;   /* old arrivals were answered long ago */
                struct arrival *a = &arrivals[n_arrivals++];
                a->game[0] = '\0';   /* a worker serves one game */
                if (writer)
                    game_after(p, "\\\"game\\\":\\\"", a->game, sizeof a->game);
                a->line = no;
            }
        } else if (call_is(line, "sendto") || call_is(line, "sendmsg") || call_is(line, "write") ||
                   call_is(line, "writev")) {
            const char *key = writer ? "{\\\"t\\\":\\\"relay\\\"" : "{\\\"t\\\":\\\"resp\\\"";
            for (const char *p = strstr(line, key); p; p = strstr(p + 1, key)) {
                if (!writer && !strstr(p, "\\\"resp\\\":{\\\"ok\\\":true"))
                    continue;
                char game[ISL_GAME_NAME_MAX + 1] = "";
                if (writer)
                    game_after(p, "\\\"game\\\":\\\"", game, sizeof game);
                long arrived = -1;
                for (int i = 0; i < n_arrivals; i++)
                    if (strcmp(arrivals[i].game, game) == 0 && arrivals[i].line > arrived)
                        arrived = arrivals[i].line;
                out->answers++;
                /* committed: synced, and no data page written since */
                bool ok = committed && commit_start > arrived;
                if (!ok && out->violations++ == 0)
                    snprintf(out->first, sizeof out->first,
                             "%s line %ld (game '%s' arrived at line %ld; last commit began at "
                             "line %ld, synced %d, meta page synced %d)",
                             path, no, game, arrived, commit_start, synced, committed);
            }
        }
    }
    fclose(f);
}

/* A wrapper that runs program under strace, each process's trace in
 * DIR/trace.PID (-D: strace is not in between islandsd and its child). */
static void write_wrapper(const char *path, const char *dir, const char *program)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/bin/sh\nexec strace -D -qq -o %s/trace.$$ -s 65536 -e trace=openat,close,"
               "read,recvfrom,recvmsg,write,writev,sendto,sendmsg,pwrite64,pwritev,fdatasync,"
               "fsync -- %s \"$@\"\n", dir, program);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0755), 0);
}

/* GAMES games set up, then ROUNDS rounds of one guess per game sent at
 * once on one connection, so that the writer gets them together. Returns
 * the number of changes acknowledged. */
static int play(struct testd *d)
{
    char names[GAMES][16], tok[GAMES][2][33];
    for (int g = 0; g < GAMES; g++) {
        snprintf(names[g], sizeof names[g], "s%d", g);
        testd_setup_game(d, names[g], tok[g][0], tok[g][1]);
    }
    struct raw *r = raw_open(d);
    for (int round = 0; round < ROUNDS; round++) {
        char lines[GAMES * 256] = "";
        for (int g = 0; g < GAMES; g++) {
            int p = round % 2, row = p ? 10 : layout_squares[round / 2][0],
                col = p ? 1 + round : layout_squares[round / 2][1];
            size_t used = strlen(lines);
            snprintf(lines + used, sizeof lines - used,
                     "{\"op\":\"guess\",\"game\":\"%s\",\"player\":\"player%d\",\"token\":\"%s\","
                     "\"row\":%d,\"col\":%d}\n", names[g], p + 1, tok[g][p], row, col);
        }
        raw_sends(r, lines);
        for (int g = 0; g < GAMES; g++)
            expect_ok_free(raw_recv(r), "guess");
    }
    raw_close(r);
    return GAMES * (14 + ROUNDS);
}

/* Is a process still running with `text` in its command line (strace,
 * writing a trace under the test's directory)? */
static bool process_with_argument(const char *text)
{
    DIR *proc = opendir("/proc");
    ck_assert_ptr_nonnull(proc);
    struct dirent *e;
    bool found = false;
    while (!found && (e = readdir(proc))) {
        char path[300], args[4096];
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(args, 1, sizeof args - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (args[i] == '\0')
                args[i] = ' ';
        args[n] = '\0';
        found = strstr(args, text) != NULL;
    }
    closedir(proc);
    return found;
}

/* Run a daemon whose committing program (writer or worker) is traced,
 * with config (more islands.conf lines), play, stop, and check every
 * trace. */
static struct trace_check run_traced(bool writer, const char *config, int *changes)
{
    struct testd d = {0};
    testd_prepare(&d);
    char wrapper[400], text[1024];
    snprintf(wrapper, sizeof wrapper, "%s/traced", d.dir);
    write_wrapper(wrapper, d.dir, writer ? testd_program("ISLANDS_WRITER", "islands-writer")
                                         : testd_program("ISLANDS_WORKER", "islands-worker"));
    snprintf(text, sizeof text, "%s = %s\n%s", writer ? "writer" : "worker", wrapper, config);
    testd_start(&d, text);
    *changes = play(&d);
    testd_stop(&d);
    /* Each strace writes its last lines as its tracee exits, then exits. */
    char trace_prefix[300];
    snprintf(trace_prefix, sizeof trace_prefix, "%s/trace.", d.dir);
    for (int waited = 0; waited < 10000 && process_with_argument(trace_prefix); waited += 20)
        testd_sleep_ms(20);
    struct trace_check c = {0};
    DIR *dir = opendir(d.dir);
    ck_assert_ptr_nonnull(dir);
    struct dirent *e;
    int traces = 0;
    while ((e = readdir(dir))) {
        if (strncmp(e->d_name, "trace.", 6) != 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", d.dir, e->d_name);
        check_trace(path, writer, &c);
        traces++;
    }
    closedir(dir);
    ck_assert_msg(traces >= 1 && c.answers >= *changes,
                  "strace saw %d answers in %d traces for %d changes: could it follow the "
                  "process? (ptrace needs root or kernel.yama.ptrace_scope = 0)", c.answers,
                  traces, *changes);
    testd_cleanup(&d);
    return c;
}

START_TEST(the_writer_answers_only_after_the_synced_commit)
{
    int changes;
    struct trace_check c = run_traced(true, "", &changes);
    ck_assert_msg(c.violations == 0, "%d of %d answers before their synced commit; first: %s",
                  c.violations, c.answers, c.first);
    ck_assert_int_ge(c.commits, 1);
}
END_TEST

START_TEST(a_worker_committing_itself_answers_only_after_the_synced_commit)
{
    int changes;
    struct trace_check c = run_traced(false, "group_commit = false\n", &changes);
    ck_assert_msg(c.violations == 0, "%d of %d answers before their synced commit; first: %s",
                  c.violations, c.answers, c.first);
    ck_assert_int_ge(c.commits, changes);
}
END_TEST

/* The check itself: each of these answers before a synced commit. */
START_TEST(the_check_sees_answers_before_the_sync)
{
    static const struct { bool writer; const char *config, *fault; } weak[] = {
        {true, "sync = none\n", NULL},
        {true, "sync = nometa\n", NULL},
        {false, "group_commit = false\nsync = none\n", NULL},
        {true, "crash_injection = true\n", "ISLANDS_FAULT_RELAY_BEFORE_COMMIT_MS"},
    };
    int changes;
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        if (weak[i].fault) {
            setenv("ISLANDS_FAULT_INJECTION", "1", 1);
            setenv(weak[i].fault, "5", 1);
        }
        struct trace_check c = run_traced(weak[i].writer, weak[i].config, &changes);
        if (weak[i].fault) {
            unsetenv(weak[i].fault);
            unsetenv("ISLANDS_FAULT_INJECTION");
        }
        ck_assert_msg(c.violations > 0, "case %zu: %s%s: no answer seen before its sync", i,
                      weak[i].config, weak[i].fault ? weak[i].fault : "");
    }
}
END_TEST

static Suite *sync_order_suite(void)
{
    Suite *s = suite_create("sync_order");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_writer_answers_only_after_the_synced_commit);
    tcase_add_test(tc, a_worker_committing_itself_answers_only_after_the_synced_commit);
    tcase_add_test(tc, the_check_sees_answers_before_the_sync);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(sync_order_suite)
