/* Changes to the memory of a game. Two commands of one account may run at
 * once (a `new` in one terminal, its `join` in another): each reads the
 * file before its request and changes it after the answer, so a change is
 * never "write what I read plus mine" but, under an exclusive lock, "read
 * what is there now, apply only mine, write". The lock is held only for
 * that, never while talking to the daemon. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

unsigned cli_memory_apply(struct cli_memory *m, const struct cli_memory_change *c)
{
    if (c->forget_game) {
        memset(m->players, 0, sizeof m->players);
        return 0;
    }
    unsigned forgotten = 0;
    for (int p = 0; p < 2; p++) {
        const struct cli_identity *stale = &c->stale[p];
        struct cli_identity *id = &m->players[p];
        /* Another command may have remembered a good token since. */
        if (stale->known && id->known && strcmp(id->token, stale->token) == 0) {
            memset(id, 0, sizeof *id);
            forgotten |= 1u << p;
        }
    }
    if (c->remember == ISL_PLAYER1 || c->remember == ISL_PLAYER2) {
        m->players[c->remember] = c->identity;
        m->players[c->remember].known = true;
    }
    return forgotten;
}

#define NO_STATE_DIR (-2)

/* Lock the state directory, creating it if `create`: the fd holding the
 * lock, NO_STATE_DIR when it is missing and not to be created, or -1 with
 * err. The lock is on a file, DIR/.lock, not on the directory: NFS emulates
 * flock with POSIX locks, which need a file open for writing. */
static int lock_state_dir(const char *dir, bool create, char *err, size_t errlen)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/.lock", dir);
    if (n < 0 || (size_t)n >= sizeof path)
        return cli_fail(err, errlen, "the state directory path is too long");
    if (create && cli_state_make_dir(dir, err, errlen) != 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == ENOENT && !create)
        return NO_STATE_DIR;
    if (fd < 0)
        return cli_fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
    int rc;
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        int saved = errno;
        close(fd);
        return cli_fail(err, errlen, "cannot lock %s: %s", path, strerror(saved));
    }
    return fd;
}

int cli_state_change(const char *dir, const char *game, const struct cli_memory_change *c,
                     unsigned *forgotten, char *err, size_t errlen)
{
    unsigned ignored;
    if (forgotten == NULL)
        forgotten = &ignored;
    *forgotten = 0;
    bool remembers = c->remember >= 0;
    int lock = lock_state_dir(dir, remembers, err, errlen);
    if (lock == NO_STATE_DIR)
        return 0;       /* nothing remembered, nothing to forget */
    if (lock < 0)
        return -1;
    struct cli_memory m;
    int rc = cli_state_load(dir, game, &m, err, errlen);
    if (rc < 0 && (remembers || c->forget_game)) {
        /* A file that cannot be read is replaced (as a new memory) or
         * removed; one whose identities are unknown is left alone. */
        memset(m.players, 0, sizeof m.players);
        rc = 0;
    }
    if (rc >= 0) {
        *forgotten = cli_memory_apply(&m, c);
        rc = cli_state_save(dir, &m, err, errlen);
    } else {
        rc = 0;
    }
    close(lock);
    return rc;
}
