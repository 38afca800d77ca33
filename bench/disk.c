/* How long the disk alone takes to make one commit durable, so that a
 * move's latency can be read against it: no move can be acknowledged
 * faster than the synced writes that hold it. */
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "daemon.h"

#define PAGE 4096
#define DATA_PAGES 64            /* the data write moves around, as LMDB's does */

static int timed_commit(int data_fd, int meta_fd, unsigned i, struct samples *out)
{
    static const unsigned char page[PAGE] = {1};
    uint64_t start = now_ns();
    if (pwrite(data_fd, page, PAGE, (off_t)(2 + i % DATA_PAGES) * PAGE) != PAGE ||
        fdatasync(data_fd) != 0 || pwrite(meta_fd, page, PAGE, (off_t)(i % 2) * PAGE) != PAGE)
        return -1;
    samples_add(out, now_ns() - start);
    return 0;
}

int disk_commit_floor(const char *dir, unsigned pause_ms, unsigned count, struct samples *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/disk-floor", dir);
    int data_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int meta_fd = data_fd < 0 ? -1 : open(path, O_WRONLY | O_DSYNC | O_CLOEXEC);
    int rc = meta_fd < 0 ? -1 : 0;
    /* Every page written and synced first, so that only overwrites are
     * timed, as in a store past its first commits (fallocate would leave
     * unwritten extents, whose first write also commits the journal). */
    static const unsigned char page[PAGE] = {2};
    for (unsigned i = 0; rc == 0 && i < 2 + DATA_PAGES; i++)
        if (pwrite(data_fd, page, PAGE, (off_t)i * PAGE) != PAGE)
            rc = -1;
    if (rc == 0 && fsync(data_fd) != 0)
        rc = -1;
    for (unsigned i = 0; rc == 0 && i < count && !bench_interrupted(); i++) {
        if (pause_ms)
            sleep_ms(pause_ms);
        rc = timed_commit(data_fd, meta_fd, i, out);
    }
    if (rc != 0)
        say("cannot time synced writes in %s: %s", dir, strerror(errno));
    if (meta_fd >= 0)
        close(meta_fd);
    if (data_fd >= 0)
        close(data_fd);
    unlink(path);
    return rc;
}
