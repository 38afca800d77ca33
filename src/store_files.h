/* The store's files around LMDB, for src/store.c only: the directory, the
 * claim, the checks and preparations before and after mdb_env_open. */
#ifndef ISLANDS_STORE_FILES_H
#define ISLANDS_STORE_FILES_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

/* Map an LMDB error to our outcome (enum isl_store_rc), with a message
 * naming what failed (defined in store.c). */
int isl_store_fail(int rc, const char *what, char *err, size_t errlen);

/* mkdir -p; the components created are 0700. 0, or -1 with errno. */
int isl_store_make_dirs(const char *path);

/* Whether the file system holding the environment is (nearly) full. */
bool isl_store_disk_full(MDB_env *env);

/* Descriptors mdb_env_open may take, noted before it and marked
 * close-on-exec after it. */
#define ISL_STORE_NEW_FDS 8
int isl_store_lowest_free_fds(int fds[ISL_STORE_NEW_FDS]);
void isl_store_mark_cloexec(const int *fds, int n);

/* Bytes of the data file the environment uses (its last page + 1). */
int isl_store_env_used(MDB_env *env, MDB_envinfo *info, size_t *used);

/* ISL_STORE_CORRUPT if data.mdb is shorter than the environment uses
 * (looked at again a few times, 2 ms apart, first). */
int isl_store_check_not_truncated(MDB_env *env, char *err, size_t errlen);
/* After a commit: extend data.mdb to what the environment uses, if the
 * commit's unwritten loose pages left it shorter. */
void isl_store_cover_used(MDB_env *env);

/* Allocate all of lock.mdb before LMDB maps it (a full disk: an error,
 * not a SIGBUS later). */
int isl_store_reserve_lock_file(const char *dir, unsigned max_readers, char *err,
                                size_t errlen);

/* Log a warning if dir's data.mdb exists and is empty. */
void isl_store_warn_if_data_file_empty(const char *dir);

#endif
