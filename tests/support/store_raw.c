#include "store_raw.h"

#include <check.h>
#include <lmdb.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void store_raw_put(const char *dir, const char *db, const char *key, const char *value)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    ck_assert_int_eq(mdb_env_set_maxdbs(env, 3), 0);
    ck_assert_int_eq(mdb_env_open(env, dir, 0, 0600), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, db, MDB_CREATE, &dbi), 0);
    MDB_val k = { strlen(key), (void *)key }, v = { strlen(value), (void *)value };
    ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
    ck_assert_int_eq(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

pid_t store_raw_pin_reader(const char *dir)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        MDB_env *env;
        MDB_txn *txn;
        if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 3) != 0 ||
            mdb_env_open(env, dir, MDB_RDONLY, 0600) != 0 ||
            mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 || write(p[1], "r", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    char ready;
    ck_assert_int_eq(read(p[0], &ready, 1), 1);
    close(p[0]);
    return pid;
}

void store_raw_kill_reader(pid_t reader)
{
    kill(reader, SIGKILL);
    ck_assert_int_eq(waitpid(reader, NULL, 0), reader);
}
