/* The LMDB store: open, load, batch commit, quarantine, index scan, stats.
 * One environment per process, opened after exec; MDB_NOTLS so that a
 * reader slot is held only while a read transaction lives. */
#include "islands/store.h"
#include "islands/fault_note.h"
#include "store_files.h"

#include <errno.h>
#include <jansson.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "islands/clock.h"
#include "islands/codec.h"
#include "islands/game.h"
#include "islands/fault_sleep.h"
#include "islands/log.h"
#include "islands/meta.h"
#include "islands/request.h"

struct isl_store {
    MDB_env *env;
    MDB_dbi games, meta, quarantine;
    bool dbis_open;
    bool read_only;
    bool faults;               /* fault hooks enabled */
    unsigned stale_cleared;
};

int isl_store_fail(int rc, const char *what, char *err, size_t errlen)
{
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL) {
        snprintf(err, errlen, "store full (%s)",
                 rc == MDB_MAP_FULL ? "MDB_MAP_FULL" : "MDB_TXN_FULL");
        return ISL_STORE_FULL;
    }
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_PANIC ||
        rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
        snprintf(err, errlen, "store corrupted (%s: %s)", what, mdb_strerror(rc));
        return ISL_STORE_CORRUPT;
    }
    snprintf(err, errlen, "store error (%s: %s)", what, mdb_strerror(rc));
    return ISL_STORE_FAILED;
}

/* A failed write transaction: a full disk is named as such. */
static int write_failed(MDB_env *env, int rc, const char *what, char *err, size_t errlen)
{
    if ((rc == EIO || rc == ENOSPC) && isl_store_disk_full(env)) {
        snprintf(err, errlen, "store full (no space left on the store's file system; %s: %s)",
                 what, mdb_strerror(rc));
        return ISL_STORE_FULL;
    }
    return isl_store_fail(rc, what, err, errlen);
}

/* Begin a transaction; a map grown by another process is adopted. */
static int txn_begin(struct isl_store *s, unsigned flags, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, flags, txn);
    if (rc == MDB_MAP_RESIZED) {
        rc = mdb_env_set_mapsize(s->env, 0);
        if (rc == 0)
            rc = mdb_txn_begin(s->env, NULL, flags, txn);
    }
    return rc;
}

/* Open the three databases: from a read transaction when they exist (no
 * write lock needed), else created in a write transaction. A read-only
 * store before the first write sees MDB_NOTFOUND: an empty store. */
static int open_dbis(struct isl_store *s, char *err, size_t errlen)
{
    if (s->dbis_open)
        return ISL_STORE_OK;
    for (int create = 0; create <= 1; create++) {
        if (create && s->read_only)
            return ISL_STORE_NOT_FOUND;
        MDB_txn *txn;
        int rc = txn_begin(s, create ? 0 : MDB_RDONLY, &txn);
        if (rc != 0)
            return isl_store_fail(rc, "begin", err, errlen);
        unsigned f = create ? MDB_CREATE : 0;
        rc = mdb_dbi_open(txn, "games", f, &s->games);
        if (rc == 0)
            rc = mdb_dbi_open(txn, "meta", f, &s->meta);
        if (rc == 0)
            rc = mdb_dbi_open(txn, "quarantine", f, &s->quarantine);
        if (rc == MDB_NOTFOUND) {
            mdb_txn_abort(txn);
            continue;
        }
        if (rc == 0)
            rc = mdb_txn_commit(txn);   /* keeps the handles */
        else
            mdb_txn_abort(txn);
        if (rc != 0)
            return isl_store_fail(rc, "open databases", err, errlen);
        s->dbis_open = true;
        return ISL_STORE_OK;
    }
    return ISL_STORE_NOT_FOUND;
}

/* Clear the reader slots of processes that died inside a read transaction
 * (a backup killed by Ctrl-C or the OOM killer): such a slot pins every
 * page freed since its transaction began, so the file grows until the map
 * is full. `at` says what asked, for the log. Returns how many, or -1. */
static int clear_stale_readers(struct isl_store *s, const char *at)
{
    int dead = 0;
    if (mdb_reader_check(s->env, &dead) != 0)
        return -1;
    if (dead > 0) {
        const char *path = "";
        mdb_env_get_path(s->env, &path);
        isl_log(ISL_LOG_NOTICE, "event=store_reader_check path=%s stale_slots_cleared=%d at=%s",
                path, dead, at);
        s->stale_cleared += (unsigned)dead;
    }
    return dead;
}

static int open_store(const struct isl_store_options *o, struct isl_store **out,
                      char *err, size_t errlen)
{
    if (!o->path || !o->path[0]) {
        snprintf(err, errlen, "store: no path given");
        return ISL_STORE_FAILED;
    }
    if (!o->read_only && isl_store_make_dirs(o->path) < 0) {
        snprintf(err, errlen, "store: cannot create %s: %s", o->path, strerror(errno));
        return ISL_STORE_FAILED;
    }
    struct isl_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "store: out of memory");
        return ISL_STORE_FAILED;
    }
    s->read_only = o->read_only;
    s->faults = isl_faults_enabled(o->crash_injection);

    int rc = mdb_env_create(&s->env);
    if (rc == 0 && o->map_size)
        rc = mdb_env_set_mapsize(s->env, o->map_size);
    if (rc == 0 && o->max_readers)
        rc = mdb_env_set_maxreaders(s->env, o->max_readers);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(s->env, 3);
    unsigned flags = MDB_NOTLS;
    if (o->sync == ISL_SYNC_NOMETA)
        flags |= MDB_NOMETASYNC;
    else if (o->sync == ISL_SYNC_NONE)
        flags |= MDB_NOSYNC;
    if (o->read_only)
        flags |= MDB_RDONLY;
    int free_before[ISL_STORE_NEW_FDS];
    int n_free = isl_store_lowest_free_fds(free_before);
    int r = rc != 0 ? isl_store_fail(rc, "open", err, errlen) : ISL_STORE_OK;
    if (r == ISL_STORE_OK && !o->read_only) {
        isl_store_warn_if_data_file_empty(o->path);
        r = isl_store_reserve_lock_file(o->path, o->max_readers, err, errlen);
    }
    if (r == ISL_STORE_OK) {
        rc = mdb_env_open(s->env, o->path, flags, 0600);
        r = rc != 0 ? isl_store_fail(rc, "open", err, errlen) : ISL_STORE_OK;
    }
    if (r == ISL_STORE_OK) {
        isl_store_mark_cloexec(free_before, n_free);
        r = isl_store_check_not_truncated(s->env, err, errlen);
    }
    if (r != ISL_STORE_OK) {
        char detail[256];
        snprintf(detail, sizeof detail, "%s", err);
        snprintf(err, errlen, "%s: %s", o->path, detail);
        isl_store_close(s);
        return r;
    }

    if (!o->skip_reader_check)
        clear_stale_readers(s, "open");
    r = open_dbis(s, err, errlen);
    if (r < 0) {
        isl_store_close(s);
        return r;
    }
    *out = s;
    return ISL_STORE_OK;
}

/* Each entry point names its phase for a fault's last log line (LMDB
 * crashes on a damaged file rather than report it). */
int isl_store_open(const struct isl_store_options *o, struct isl_store **out,
                   char *err, size_t errlen)
{
    enum isl_store_phase before = isl_store_phase_enter(ISL_PHASE_OPEN);
    int r = open_store(o, out, err, errlen);
    isl_store_phase_leave(before);
    return r;
}

void isl_store_close(struct isl_store *s)
{
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    free(s);
}

static bool name_ok(const char *game)
{
    size_t n = game ? strlen(game) : 0;
    return n > 0 && n <= ISL_GAME_NAME_MAX;
}

static int read_record(struct isl_store *s, bool quarantine, const char *game, char **doc,
                       size_t *len, char *err, size_t errlen)
{
    if (!name_ok(game)) {
        snprintf(err, errlen, "store: invalid game name");
        return ISL_STORE_FAILED;
    }
    int r = open_dbis(s, err, errlen);
    if (r != ISL_STORE_OK)
        return r;
    MDB_txn *txn;
    int rc = txn_begin(s, MDB_RDONLY, &txn);
    if (rc != 0)
        return isl_store_fail(rc, "begin read", err, errlen);
    isl_store_fault_sleep(s, "ISLANDS_FAULT_LOAD_SLEEP_MS", "load");
    MDB_val key = { strlen(game), (void *)game }, val;
    rc = mdb_get(txn, quarantine ? s->quarantine : s->games, &key, &val);
    if (rc == MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return ISL_STORE_NOT_FOUND;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return isl_store_fail(rc, "get", err, errlen);
    }
    char *copy = malloc(val.mv_size + 1);
    if (copy) {
        memcpy(copy, val.mv_data, val.mv_size);
        copy[val.mv_size] = '\0';
    }
    mdb_txn_abort(txn);
    if (!copy) {
        snprintf(err, errlen, "store: out of memory");
        return ISL_STORE_FAILED;
    }
    *doc = copy;
    *len = val.mv_size;
    return ISL_STORE_OK;
}

static int load_from(struct isl_store *s, bool quarantine, const char *game, char **doc,
                     size_t *len, char *err, size_t errlen)
{
    enum isl_store_phase before = isl_store_phase_enter(ISL_PHASE_READ);
    int r = read_record(s, quarantine, game, doc, len, err, errlen);
    isl_store_phase_leave(before);
    return r;
}

int isl_store_load(struct isl_store *s, const char *game, char **doc, size_t *len,
                   char *err, size_t errlen)
{
    return load_from(s, false, game, doc, len, err, errlen);
}

int isl_store_load_quarantine(struct isl_store *s, const char *game, char **doc,
                              size_t *len, char *err, size_t errlen)
{
    return load_from(s, true, game, doc, len, err, errlen);
}

static int put(MDB_txn *txn, MDB_dbi dbi, const char *k, const void *v, size_t vlen)
{
    MDB_val key = { strlen(k), (void *)k }, val = { vlen, (void *)v };
    return mdb_put(txn, dbi, &key, &val, 0);
}

static int del(MDB_txn *txn, MDB_dbi dbi, const char *k)
{
    MDB_val key = { strlen(k), (void *)k };
    int rc = mdb_del(txn, dbi, &key, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* {"reason":...,"doc":TEXT}; a document that is not UTF-8 is kept as hex. */
static char *quarantine_record(const struct isl_store_write *w)
{
    json_t *o = json_object();
    json_t *doc = json_stringn(w->doc, w->doc_len);
    if (!doc) {
        char *hex = malloc(w->doc_len * 2 + 1);
        if (hex) {
            for (size_t i = 0; i < w->doc_len; i++)
                sprintf(hex + 2 * i, "%02x", (unsigned char)w->doc[i]);
            hex[w->doc_len * 2] = '\0';
            json_object_set_new(o, "doc_hex", json_string(hex));
            free(hex);
        }
    } else {
        json_object_set_new(o, "doc", doc);
    }
    json_object_set_new(o, "reason", json_string(w->reason ? w->reason : "unknown"));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/* A request that changed nothing moves the entry's time forward. Nothing
 * to move (no entry: the game ended; a bad entry: its next change writes
 * it anew; a time as recent already) is not an error. */
static int touch(struct isl_store *s, MDB_txn *txn, const struct isl_store_write *w)
{
    if (w->active_ms < ISL_META_EARLIEST_MS)
        return 0;   /* a clock that came up at 1970 */
    MDB_val key = { strlen(w->game), (void *)w->game }, value;
    int rc = mdb_get(txn, s->meta, &key, &value);
    if (rc != 0)
        return rc == MDB_NOTFOUND ? 0 : rc;
    struct isl_meta meta;
    if (isl_meta_parse(value.mv_data, value.mv_size, &meta) != 0 ||
        (meta.has_time && meta.active_ms >= w->active_ms))
        return 0;
    char text[ISL_META_MAX];
    int len = isl_meta_format(text, sizeof text, isl_rules_state_name(meta.rules), w->active_ms);
    return len < 0 ? EINVAL : put(txn, s->meta, w->game, text, (size_t)len);
}

/* now_ms: the transaction's wall-clock time, kept in `meta` as the time
 * of the game's last change (its idle time outlives a restart). */
static int apply_write(struct isl_store *s, MDB_txn *txn, const struct isl_store_write *w,
                       int64_t now_ms)
{
    switch (w->kind) {
    case ISL_WRITE_PUT: {
        char meta[ISL_META_MAX];
        int meta_len = w->doc && w->rules ? isl_meta_format(meta, sizeof meta, w->rules, now_ms)
                                          : -1;
        if (meta_len < 0)
            return EINVAL;
        int rc = put(txn, s->games, w->game, w->doc, w->doc_len);
        return rc ? rc : put(txn, s->meta, w->game, meta, (size_t)meta_len);
    }
    case ISL_WRITE_DELETE: {
        /* A store that keeps what it was told to delete, which the chaos
         * harness must catch. */
        if (isl_store_fault_ms(s, "ISLANDS_FAULT_KEEP_DELETED") != 0)
            return 0;
        int rc = del(txn, s->games, w->game);
        return rc ? rc : del(txn, s->meta, w->game);
    }
    case ISL_WRITE_TOUCH:
        return touch(s, txn, w);
    case ISL_WRITE_QUARANTINE: {
        if (!w->doc)
            return EINVAL;
        char *rec = quarantine_record(w);
        if (!rec)
            return ENOMEM;
        int rc = put(txn, s->quarantine, w->game, rec, strlen(rec));
        free(rec);
        return rc;
    }
    }
    return EINVAL;
}

/* The commit's fault hooks: before mdb_txn_commit, or once it returned. */
static void fault_point(const struct isl_store *s, bool committed)
{
    if (committed)
        isl_store_fault_sleep(s, "ISLANDS_FAULT_COMMITTED_SLEEP_MS", "committed");
    else
        isl_store_fault_sleep(s, "ISLANDS_FAULT_COMMIT_SLEEP_MS", "commit");
}

/* One transaction of the batch. */
static int try_commit(struct isl_store *s, const struct isl_store_write *writes, size_t n,
                      char *err, size_t errlen)
{
    MDB_txn *txn;
    int rc = txn_begin(s, 0, &txn);
    if (rc != 0)
        return isl_store_fail(rc, "begin write", err, errlen);
    int64_t now_ms = isl_wall_ms();
    for (size_t i = 0; i < n; i++) {
        rc = apply_write(s, txn, &writes[i], now_ms);
        if (rc != 0) {
            mdb_txn_abort(txn);   /* a put may write: a big transaction spills pages */
            return write_failed(s->env, rc, "put", err, errlen);
        }
    }
    /* The write lock is held here: a test can kill or stop us mid-commit.
     * With ISLANDS_FAULT_SWAP_COMMIT_POINTS the two points below trade
     * places: a store that says "committed" too early, which the chaos
     * harness must catch. */
    bool swapped = isl_store_fault_ms(s, "ISLANDS_FAULT_SWAP_COMMIT_POINTS") != 0;
    fault_point(s, swapped);
    rc = mdb_txn_commit(txn);   /* frees txn whatever the outcome */
    if (rc != 0)
        return write_failed(s->env, rc, "commit", err, errlen);
    isl_store_cover_used(s->env);   /* readers opening now check the file's size */
    /* Committed but not yet answered: a kill here must not lose the move. */
    fault_point(s, !swapped);
    return ISL_STORE_OK;
}

static int commit(struct isl_store *s, const struct isl_store_write *writes, size_t n,
                  char *err, size_t errlen)
{
    if (s->read_only) {
        snprintf(err, errlen, "store opened read-only");
        return ISL_STORE_READ_ONLY;
    }
    for (size_t i = 0; i < n; i++) {
        if (!name_ok(writes[i].game)) {
            snprintf(err, errlen, "store: invalid game name in write %zu", i);
            return ISL_STORE_FAILED;
        }
    }
    int r = open_dbis(s, err, errlen);
    if (r != ISL_STORE_OK)
        return r < 0 ? r : ISL_STORE_FAILED;
    r = try_commit(s, writes, n, err, errlen);
    /* The store may be full only of pages a dead reader pins: free them
     * and try once more before refusing the batch. */
    if (r == ISL_STORE_FULL && clear_stale_readers(s, "full") > 0)
        r = try_commit(s, writes, n, err, errlen);
    return r;
}

int isl_store_commit(struct isl_store *s, const struct isl_store_write *writes, size_t n,
                     char *err, size_t errlen)
{
    enum isl_store_phase before = isl_store_phase_enter(ISL_PHASE_COMMIT);
    int r = commit(s, writes, n, err, errlen);
    isl_store_phase_leave(before);
    return r;
}

int isl_store_quarantine(struct isl_store *s, const char *game, const char *reason,
                         const char *doc, size_t doc_len, char *err, size_t errlen)
{
    struct isl_store_write w = {
        .kind = ISL_WRITE_QUARANTINE, .game = game, .doc = doc, .doc_len = doc_len,
        .reason = reason,
    };
    return isl_store_commit(s, &w, 1, err, errlen);
}

/* A `meta` value that does not parse: the rules state from the game's
 * record instead (the game's next commit writes `meta` again). false when
 * there is no record to serve (the entry is left out); *rules NULL when
 * the record does not decode either: the game is indexed all the same,
 * and its first request sets the record aside, as for any corrupt one. */
static bool rules_from_record(struct isl_store *s, MDB_txn *txn, const char *name,
                              const char **rules)
{
    MDB_val key = { strlen(name), (void *)name }, doc;
    int rc = mdb_get(txn, s->games, &key, &doc);
    if (rc != 0) {
        isl_log(ISL_LOG_WARNING, "event=store_meta_skipped reason=bad_value game=%s record=%s",
                name, rc == MDB_NOTFOUND ? "none" : "unreadable");
        return false;
    }
    struct isl_game g;
    char err[256];
    if (isl_codec_load(doc.mv_data, doc.mv_size, &g, err, sizeof err) != 0) {
        isl_log(ISL_LOG_WARNING, "event=store_meta_bad game=%s rules_from=none error=\"%s\"",
                name, err);
        *rules = NULL;
        return true;
    }
    *rules = isl_rules_state_name(g.state);
    isl_log(ISL_LOG_WARNING, "event=store_meta_bad game=%s rules_from=record rules=%s", name,
            *rules);
    return true;
}

/* One `meta` entry to fn: 0 when reported or left out, else fn's return. */
static int scan_entry(struct isl_store *s, MDB_txn *txn, const MDB_val *k, const MDB_val *v,
                      isl_store_scan_fn fn, void *arg)
{
    /* islandsd takes a bad index entry for a broken writer: one such
     * record would stop every game. A bad name cannot be asked for, so it
     * is left out; a bad value does not hide a game whose record is there. */
    if (!isl_game_name_valid(k->mv_data, k->mv_size)) {
        isl_log(ISL_LOG_WARNING, "event=store_meta_skipped reason=bad_name key_bytes=%zu",
                k->mv_size);
        return 0;
    }
    char name[ISL_GAME_NAME_MAX + 1];
    memcpy(name, k->mv_data, k->mv_size);
    name[k->mv_size] = '\0';
    struct isl_store_entry e = { .game = name };
    struct isl_meta meta;
    if (isl_meta_parse(v->mv_data, v->mv_size, &meta) == 0) {
        e.rules = isl_rules_state_name(meta.rules);
        e.has_time = meta.has_time;
        e.active_ms = meta.active_ms;
    } else if (!rules_from_record(s, txn, name, &e.rules)) {
        return 0;
    }
    /* The caller's own work is not the store's. */
    enum isl_store_phase before = isl_store_phase_enter(ISL_PHASE_NONE);
    int r = fn(arg, &e);
    isl_store_phase_leave(before);
    return r;
}

static int scan(struct isl_store *s, isl_store_scan_fn fn, void *arg, char *err, size_t errlen)
{
    int r = open_dbis(s, err, errlen);
    if (r == ISL_STORE_NOT_FOUND)
        return ISL_STORE_OK;   /* nothing stored yet */
    if (r != ISL_STORE_OK)
        return r;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = txn_begin(s, MDB_RDONLY, &txn);
    if (rc != 0)
        return isl_store_fail(rc, "begin read", err, errlen);
    rc = mdb_cursor_open(txn, s->meta, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return isl_store_fail(rc, "cursor", err, errlen);
    }
    isl_store_fault_sleep(s, "ISLANDS_FAULT_SCAN_SLEEP_MS", "scan");
    MDB_val k, v;
    int result = ISL_STORE_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && result == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        result = scan_entry(s, txn, &k, &v, fn, arg);
    if (rc != 0 && rc != MDB_NOTFOUND)
        result = isl_store_fail(rc, "scan", err, errlen);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return result;
}

int isl_store_scan(struct isl_store *s, isl_store_scan_fn fn, void *arg,
                   char *err, size_t errlen)
{
    enum isl_store_phase before = isl_store_phase_enter(ISL_PHASE_SCAN);
    int r = scan(s, fn, arg, err, errlen);
    isl_store_phase_leave(before);
    return r;
}

static int count_line(const char *msg, void *ctx)
{
    unsigned *lines = ctx;
    for (; *msg; msg++)
        if (*msg == '\n')
            (*lines)++;
    return 0;
}

int isl_store_stats(struct isl_store *s, struct isl_store_stats *out,
                    char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->stale_cleared = s->stale_cleared;
    MDB_envinfo info;
    MDB_stat st;
    int rc = isl_store_env_used(s->env, &info, &out->map_used);
    if (rc != 0)
        return isl_store_fail(rc, "stat", err, errlen);
    out->map_size = info.me_mapsize;
    out->max_readers = info.me_maxreaders;
    unsigned flags = 0;
    mdb_env_get_flags(s->env, &flags);
    out->syncs_data = !(flags & MDB_NOSYNC);
    out->syncs_meta = !(flags & (MDB_NOSYNC | MDB_NOMETASYNC));
    /* mdb_reader_list prints a header line, then one line per held slot. */
    unsigned lines = 0;
    mdb_reader_list(s->env, count_line, &lines);
    out->readers_live = lines > 1 ? lines - 1 : 0;

    int r = open_dbis(s, err, errlen);
    if (r == ISL_STORE_NOT_FOUND)
        return ISL_STORE_OK;
    if (r != ISL_STORE_OK)
        return r;
    MDB_txn *txn;
    rc = txn_begin(s, MDB_RDONLY, &txn);
    if (rc != 0)
        return isl_store_fail(rc, "begin read", err, errlen);
    rc = mdb_stat(txn, s->games, &st);
    if (rc == 0)
        out->games = st.ms_entries;
    if (rc == 0)
        rc = mdb_stat(txn, s->quarantine, &st);
    if (rc == 0)
        out->quarantined = st.ms_entries;
    mdb_txn_abort(txn);
    return rc ? isl_store_fail(rc, "stat", err, errlen) : ISL_STORE_OK;
}

int isl_store_reader_check(struct isl_store *s)
{
    return clear_stale_readers(s, "check");
}

long isl_store_fault_ms(const struct isl_store *s, const char *name)
{
    return isl_fault_ms(s->faults, name);
}

void isl_store_fault_sleep(const struct isl_store *s, const char *name, const char *point)
{
    isl_fault_sleep(s->faults, name, point);
}
