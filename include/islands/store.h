/* The LMDB store: one environment (a directory) with three databases,
 * `games` (name -> codec JSON text), `meta` (name -> rules state name and
 * the time of the last activity, include/islands/meta.h) and
 * `quarantine` (name -> {"reason":...,"doc":...}). Every process opens it
 * itself, after exec, once. See docs/STORE.md for the write path. */
#ifndef ISLANDS_STORE_H
#define ISLANDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "islands/config.h"

/* Outcomes. Negative values are failures; the message (err) says which. */
enum isl_store_rc {
    ISL_STORE_OK = 0,
    ISL_STORE_NOT_FOUND = 1,   /* load: no record for the name */
    ISL_STORE_FAILED = -1,     /* an I/O or other error: the whole transaction was aborted */
    ISL_STORE_FULL = -2,       /* MDB_MAP_FULL, MDB_TXN_FULL or a full disk: nothing was written */
    ISL_STORE_CORRUPT = -3,    /* MDB_CORRUPTED / MDB_PANIC: an incident for every game */
    ISL_STORE_READ_ONLY = -4   /* a commit on a store opened read-only */
};

struct isl_store_options {
    const char *path;          /* the environment's directory (created 0700) */
    size_t map_size;           /* bytes; 0 = LMDB's default or the file's */
    unsigned max_readers;      /* 0 = LMDB's default (126) */
    enum isl_sync sync;
    bool read_only;            /* group-commit workers: never write */
    /* Fault hooks (ISLANDS_FAULT_*) are honoured only when this is true
     * (the process got --crash-injection) AND ISLANDS_FAULT_INJECTION=1. */
    bool crash_injection;
    bool skip_reader_check;    /* test probes only: look at stale slots */
};

/* TOUCH records a request that changed nothing (islandsd's idle count,
 * docs/STORE.md): the `meta` entry's time moves forward to active_ms; a
 * game without an entry, or with a bad one, or already as recent, is left
 * as it is. */
enum isl_store_write_kind { ISL_WRITE_PUT, ISL_WRITE_DELETE, ISL_WRITE_QUARANTINE,
                            ISL_WRITE_TOUCH };

/* One write of a batch. Strings are borrowed for the call. */
struct isl_store_write {
    enum isl_store_write_kind kind;
    const char *game;
    const char *doc;           /* PUT, QUARANTINE: the document text */
    size_t doc_len;
    const char *rules;         /* PUT: the rules state name */
    const char *reason;        /* QUARANTINE: why the record is set aside */
    int64_t active_ms;         /* TOUCH: wall clock of the request, ms */
};

struct isl_store_stats {
    size_t games;              /* entries in `games` */
    size_t quarantined;        /* entries in `quarantine` */
    size_t map_size;           /* bytes mapped */
    size_t map_used;           /* bytes of pages in use (last page + 1) */
    unsigned max_readers;
    unsigned readers_live;     /* slots held by a process right now */
    unsigned stale_cleared;    /* stale slots cleared since open (at open, on a
                                  full store, by isl_store_reader_check) */
    bool syncs_data;           /* a commit syncs its pages (no MDB_NOSYNC) */
    bool syncs_meta;           /* ... and its meta page (neither NOSYNC nor NOMETASYNC) */
};

struct isl_store;

/* Claim the store directory for one islandsd (creating it): an exclusive
 * flock on DIR/islandsd.lock, held while the returned descriptor
 * (close-on-exec) stays open, and released by the kernel when its holder
 * dies. Two daemons on one store would each start a writer, the second
 * taking writer.sock from the first. -1 with a message in err; errno
 * EWOULDBLOCK when another process holds it. */
int isl_store_claim(const char *dir, char *err, size_t errlen);

/* Open (creating the directory and databases unless read_only).
 * ISL_STORE_OK and *out, or a failure with a message in err. */
int isl_store_open(const struct isl_store_options *o, struct isl_store **out,
                   char *err, size_t errlen);
void isl_store_close(struct isl_store *s);

/* The record of a game: OK with *doc (malloc'd, NUL-terminated; free it)
 * and *len, NOT_FOUND, or a failure. */
int isl_store_load(struct isl_store *s, const char *game, char **doc, size_t *len,
                   char *err, size_t errlen);

/* Apply n writes in ONE transaction, in order (a later write for the same
 * game wins). Any failure aborts all of them. */
int isl_store_commit(struct isl_store *s, const struct isl_store_write *writes, size_t n,
                     char *err, size_t errlen);

/* Copy a record aside: a one-write commit of ISL_WRITE_QUARANTINE. The
 * `games` record is left as it is. */
int isl_store_quarantine(struct isl_store *s, const char *game, const char *reason,
                         const char *doc, size_t doc_len, char *err, size_t errlen);

/* Quarantined record text ({"reason":...,"doc":...}), as isl_store_load. */
int isl_store_load_quarantine(struct isl_store *s, const char *game, char **doc,
                              size_t *len, char *err, size_t errlen);

/* One stored game, as the index reports it. Strings are borrowed for the
 * call. */
struct isl_store_entry {
    const char *game;
    const char *rules;         /* rules state name; NULL: unknown (`meta` is bad
                                  and the record does not decode) */
    bool has_time;             /* false: `meta` holds no (believable) time */
    int64_t active_ms;         /* wall clock of the last activity stored (a
                                  change or a touch), ms since the epoch (when
                                  has_time) */
};

/* Call fn for every entry of `meta`, in key order. An entry with a bad
 * name is left out; one with a bad value takes its rules state from the
 * game's record (docs/STORE.md). A non-zero return from fn stops the scan
 * and is returned. */
typedef int (*isl_store_scan_fn)(void *arg, const struct isl_store_entry *e);
int isl_store_scan(struct isl_store *s, isl_store_scan_fn fn, void *arg,
                   char *err, size_t errlen);

int isl_store_stats(struct isl_store *s, struct isl_store_stats *out,
                    char *err, size_t errlen);

/* Clear reader slots of dead processes now (logged when there were any);
 * returns how many, or -1. A commit that finds the store full does this
 * itself, and tries once more if it cleared any. */
int isl_store_reader_check(struct isl_store *s);

/* A fault hook, honoured only when enabled (see isl_store_options): sleep
 * for the number of milliseconds in the environment variable `name`,
 * after logging "event=fault point=POINT" so a test knows where we are. */
void isl_store_fault_sleep(const struct isl_store *s, const char *name, const char *point);
/* The milliseconds that hook would sleep (0: none, or faults disabled). */
long isl_store_fault_ms(const struct isl_store *s, const char *name);

#endif
