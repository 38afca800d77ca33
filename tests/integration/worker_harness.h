/* Starting islands-worker against a temporary store (see child_harness.h). */
#ifndef ISLANDS_WORKER_HARNESS_H
#define ISLANDS_WORKER_HARNESS_H

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "child_harness.h"
#include "islands/store.h"
#include "islands/worker_proto.h"

static char store_dir[64];

HARNESS_UNUSED static void store_setup(void)
{
    make_temp_dir(store_dir);
}

HARNESS_UNUSED static void store_teardown(void)
{
    remove_tree(store_dir);
}

/* islands-worker --store DIR [extra...] [--game game]. */
HARNESS_UNUSED static void worker_start(struct child *c, const char *game,
                                        const char *const extra[], const char *const env[],
                                        enum child_stderr mode)
{
    const char *argv[24];
    size_t n = 0;
    argv[n++] = "islands-worker";
    argv[n++] = "--store";
    argv[n++] = store_dir;
    for (size_t i = 0; extra && extra[i] && n < 20; i++)
        argv[n++] = extra[i];
    if (game) {
        argv[n++] = "--game";
        argv[n++] = game;
    }
    argv[n] = NULL;
    child_start(c, program_path("ISLANDS_WORKER", "build/islands-worker"), (char *const *)argv,
                env, mode);
}

/* Expect {"t":"ready"}; returns its rules (NULL for null), copied. */
HARNESS_UNUSED static const char *worker_ready(struct child *c, char buf[32])
{
    json_t *f = recv_frame(c->chan);
    ck_assert_str_eq(frame_type(f), "ready");
    const char *rules = json_string_value(json_object_get(f, "rules"));
    ck_assert(rules || json_is_null(json_object_get(f, "rules")));
    if (rules)
        snprintf(buf, 32, "%s", rules);
    json_decref(f);
    return rules ? buf : NULL;
}

HARNESS_UNUSED static struct isl_store *test_store_open(size_t map_size)
{
    struct isl_store_options o = { .path = store_dir, .map_size = map_size };
    struct isl_store *s = NULL;
    char err[256];
    ck_assert_msg(isl_store_open(&o, &s, err, sizeof err) == ISL_STORE_OK, "%s", err);
    return s;
}

HARNESS_UNUSED static void test_store_put(struct isl_store *s, const char *game,
                                          const char *doc, size_t len)
{
    struct isl_store_write w = { .kind = ISL_WRITE_PUT, .game = game, .doc = doc,
                                 .doc_len = len, .rules = "initialized" };
    char err[256];
    ck_assert_msg(isl_store_commit(s, &w, 1, err, sizeof err) == ISL_STORE_OK, "%s", err);
}

/* Load a record; NULL when there is none. */
HARNESS_UNUSED static char *test_store_get(struct isl_store *s, const char *game, size_t *len)
{
    char *doc = NULL, err[256];
    size_t l = 0;
    int rc = isl_store_load(s, game, &doc, &l, err, sizeof err);
    ck_assert_msg(rc >= 0, "%s", err);
    if (len)
        *len = l;
    return rc == ISL_STORE_OK ? doc : NULL;
}

/* A connection to the writer listening on store_dir, as a worker makes. */
HARNESS_UNUSED static int writer_connect(void)
{
    struct sockaddr_un addr;
    socklen_t len;
    int dirfd;
    ck_assert_int_eq(isl_writer_addr(store_dir, &addr, &len, &dirfd), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, len), 0);
    if (dirfd >= 0)
        close(dirfd);
    return fd;
}

#endif
