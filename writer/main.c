/* islands-writer: opens the store, sends the supervisor the index of stored
 * games, listens on DIR/writer.sock and commits workers' writes in groups
 * (conns.c). Messages: docs/INTERNAL-PROTOCOL.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "islands/codec.h"
#include "islands/exit_status.h"
#include "islands/fault_note.h"
#include "islands/frame.h"
#include "islands/log.h"
#include "islands/worker_proto.h"
#include "writer.h"

#define INDEX_CHUNK 1000

static struct writer the_writer;

static void usage(const char *msg)
{
    isl_log(ISL_LOG_ERR, "event=usage error=\"%s\"", msg);
    fprintf(stderr, "usage: islands-writer --store DIR [--sync full|nometa|none] "
                    "[--map-size BYTES] [--max-readers N] [--crash-injection]\n");
    exit(ISL_EXIT_USAGE);
}

static void finish_and_exit(struct writer *wr, int status)
{
    writer_commit_pending(wr);
    writer_flush_all(wr);
    isl_log(ISL_LOG_INFO, "event=writer_exit status=%d batches=%llu writes=%llu", status,
            wr->batches, wr->writes);
    _exit(status);
}

struct index_state {
    json_t *chunk;
    unsigned long total;
    int failed;
    json_t *corrupt;           /* names whose `meta` and record are both bad */
};

static int send_chunk(struct index_state *st)
{
    json_t *f = json_pack("{s:s, s:O}", "t", "index", "games", st->chunk);
    int rc = f ? isl_frame_send(ISL_CHANNEL_FD, f) : -1;
    json_decref(f);
    json_array_clear(st->chunk);
    return rc;
}

/* [NAME, RULES] or [NAME, RULES, CHANGED_MS]; RULES null when not known
 * (docs/INTERNAL-PROTOCOL.md). */
static int index_entry(void *arg, const struct isl_store_entry *e)
{
    struct index_state *st = arg;
    json_t *entry = json_pack("[s, s?]", e->game, e->rules);
    if (!e->rules)
        json_array_append_new(st->corrupt, json_string(e->game));
    if (e->has_time)
        json_array_append_new(entry, json_integer((json_int_t)e->active_ms));
    json_array_append_new(st->chunk, entry);
    st->total++;
    if (json_array_size(st->chunk) == INDEX_CHUNK && send_chunk(st) < 0) {
        st->failed = 1;
        return 1;
    }
    return 0;
}

/* A game indexed with its rules state unknown has a record that does not
 * decode: it is copied to quarantine now, as its worker would on its first
 * request, since islandsd leaves such a game failed from the start and
 * starts no worker for it (docs/STORE.md). */
static void quarantine_corrupt(struct writer *wr, const json_t *names)
{
    size_t i;
    const json_t *name;
    json_array_foreach(names, i, name) {
        const char *game = json_string_value(name);
        char *doc = NULL, err[256], why[256];
        size_t len;
        if (isl_store_load_quarantine(wr->store, game, &doc, &len, err, sizeof err) ==
            ISL_STORE_OK) {
            free(doc);   /* set aside at an earlier start */
            continue;
        }
        int rc = isl_store_load(wr->store, game, &doc, &len, err, sizeof err);
        struct isl_game g;
        if (rc == ISL_STORE_OK && isl_codec_load(doc, len, &g, why, sizeof why) != 0) {
            isl_log(ISL_LOG_ERR, "event=corrupt_record game=%s found=index reason=\"%s\"", game,
                    why);
            rc = isl_store_quarantine(wr->store, game, why, doc, len, err, sizeof err);
        }
        if (rc < 0)
            isl_log(ISL_LOG_ERR, "event=quarantine_failed game=%s error=\"%s\"", game, err);
        free(doc);
    }
}

/* The index in chunks; returns how many games are stored. */
static unsigned long send_index(struct writer *wr)
{
    struct index_state st = { .chunk = json_array(), .corrupt = json_array() };
    char err[256];
    int rc = isl_store_scan(wr->store, index_entry, &st, err, sizeof err);
    if (rc < 0) {
        isl_log(ISL_LOG_ERR, "event=index_failed error=\"%s\"", err);
        exit(ISL_EXIT_STORE);
    }
    quarantine_corrupt(wr, st.corrupt);
    json_decref(st.corrupt);
    if (!st.failed && json_array_size(st.chunk) > 0 && send_chunk(&st) < 0)
        st.failed = 1;
    json_decref(st.chunk);
    if (st.failed) {
        isl_log(ISL_LOG_ERR, "event=supervisor_gone during=index");
        exit(ISL_EXIT_NORMAL);
    }
    isl_log(ISL_LOG_INFO, "event=index_sent games=%lu", st.total);
    return st.total;
}

/* Listen on DIR/writer.sock, mode 0600, replacing a stale file. */
static int listen_socket(const char *dir)
{
    struct sockaddr_un addr;
    socklen_t len;
    int dirfd;
    if (isl_writer_addr(dir, &addr, &len, &dirfd) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && unlink(addr.sun_path) < 0 && errno != ENOENT)
        rc = -1;
    if (rc == 0) {
        mode_t old = umask(0077);
        rc = bind(fd, (struct sockaddr *)&addr, len);
        umask(old);
    }
    if (rc == 0)
        rc = chmod(addr.sun_path, 0600);
    if (rc == 0)
        rc = listen(fd, 1024);
    int saved = errno;
    if (dirfd >= 0)
        close(dirfd);
    if (rc < 0 && fd >= 0)
        close(fd);
    errno = saved;
    return rc < 0 ? -1 : fd;
}

/* The supervisor's channel, read dry: its pings and touches
 * (writer_supervisor_frame), and its end, which means it is gone. When
 * exiting (SIGTERM), only what it sent before is taken: its last touches
 * go out with islandsd's shutdown, just before our SIGTERM. */
static void read_supervisor(struct writer *wr, bool exiting)
{
    for (;;) {
        ssize_t n = isl_buf_read_fd(&wr->sup_in, ISL_CHANNEL_FD, 16384);
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        json_t *frame;
        int taken;
        while ((taken = isl_frame_take(&wr->sup_in, &frame)) == 1) {
            int answered = writer_supervisor_frame(wr, frame);
            json_decref(frame);
            if (answered != 0) {
                taken = -1;
                break;
            }
        }
        if (exiting && (taken < 0 || n <= 0))
            return;
        if (taken < 0 || n == -2) {
            isl_log(ISL_LOG_ERR, "event=bad_frame from=supervisor error=\"unexpected message\"");
            finish_and_exit(wr, EXIT_FAILURE);
        }
        if (n <= 0) {
            isl_log(ISL_LOG_INFO, "event=supervisor_gone");
            finish_and_exit(wr, ISL_EXIT_NORMAL);
        }
    }
}

static void on_supervisor(struct ev_loop *loop, ev_io *io, int revents)
{
    (void)loop;
    (void)revents;
    (void)io;
    read_supervisor(&the_writer, false);
}

static void on_sigterm(struct ev_loop *loop, ev_signal *sig, int revents)
{
    (void)loop;
    (void)sig;
    (void)revents;
    read_supervisor(&the_writer, true);
    finish_and_exit(&the_writer, ISL_EXIT_NORMAL);
}

/* A process that dies inside a read transaction (an mdb_copy killed by
 * Ctrl-C or the OOM killer) keeps its reader slot, which pins every page
 * freed since: the file grows until the map is full. Opening the store
 * clears such slots, and a commit that finds the map full does, but
 * nothing else reopens it while we run: so we check every few seconds, a
 * look at each live reader's pid lock (microseconds). */
#define READER_CHECK_INTERVAL_S 5.0

static void on_reader_check(struct ev_loop *loop, ev_timer *timer, int revents)
{
    (void)loop;
    (void)timer;
    (void)revents;
    isl_store_reader_check(the_writer.store);   /* logs what it cleared */
}

int main(int argc, char **argv)
{
    isl_child_setup("islands-writer");
    isl_fault_note_install();   /* after the reset of every signal */
    struct isl_store_options opts = { 0 };
    char err[512];
    for (int i = 1; i < argc; i++) {
        int rc = isl_store_option(&opts, argc, argv, &i, err, sizeof err);
        if (rc < 0)
            usage(err);
        if (rc == 0 && strcmp(argv[i], "--crash-injection") == 0)
            opts.crash_injection = true;
        else if (rc == 0) {
            snprintf(err, sizeof err, "unknown option or missing value: %s", argv[i]);
            usage(err);
        }
    }
    if (!opts.path)
        usage("--store DIR is required");

    struct writer *wr = &the_writer;
    if (isl_store_open(&opts, &wr->store, err, sizeof err) != ISL_STORE_OK) {
        isl_log(ISL_LOG_ERR, "event=store_open_failed error=\"%s\"", err);
        return ISL_EXIT_STORE;
    }
    wr->relay_before_commit = isl_store_fault_ms(wr->store, RELAY_BEFORE_COMMIT) > 0;
    unsigned long games = send_index(wr);
    wr->listen_fd = listen_socket(opts.path);
    if (wr->listen_fd < 0) {
        isl_log(ISL_LOG_ERR, "event=listen_failed path=%s/%s error=\"%s\"", opts.path,
                ISL_WRITER_SOCK, strerror(errno));
        return ISL_EXIT_STORE;
    }
    wr->loop = ev_default_loop(EVFLAG_AUTO);
    writer_conns_start(wr);
    isl_set_nonblock(ISL_CHANNEL_FD);
    /* A touch frame of WRITER_TOUCH_MAX longest names fits, twice. */
    isl_buf_init(&wr->sup_in, 256 * 1024);
    ev_io sup;
    ev_signal term;
    ev_timer reader_check;
    ev_io_init(&sup, on_supervisor, ISL_CHANNEL_FD, EV_READ);
    ev_signal_init(&term, on_sigterm, SIGTERM);
    ev_timer_init(&reader_check, on_reader_check, READER_CHECK_INTERVAL_S,
                  READER_CHECK_INTERVAL_S);
    ev_io_start(wr->loop, &sup);
    ev_signal_start(wr->loop, &term);
    ev_timer_start(wr->loop, &reader_check);

    /* Ready only now: writer.sock accepts workers from here on. */
    json_t *ready = json_pack("{s:s, s:I}", "t", "ready", "games", (json_int_t)games);
    if (isl_frame_send(ISL_CHANNEL_FD, ready) < 0)
        return ISL_EXIT_NORMAL;
    json_decref(ready);
    ev_run(wr->loop, 0);
    finish_and_exit(wr, ISL_EXIT_NORMAL);
}
