/* islandsd's processes, from /proc. */
#include "procmem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "islands/proc_stat.h"

enum role { ROLE_DAEMON, ROLE_WRITER, ROLE_WORKER, ROLE_OTHER };

int proc_memory_read(pid_t pid, struct proc_memory *out)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    *out = (struct proc_memory){0};
    while (fgets(line, sizeof line, f)) {
        unsigned long kib;
        if (sscanf(line, "Pss: %lu kB", &kib) == 1)
            out->pss_kib = kib;
        else if (sscanf(line, "Private_Dirty: %lu kB", &kib) == 1)
            out->private_dirty_kib = kib;
        else if (sscanf(line, "Rss: %lu kB", &kib) == 1)
            out->rss_kib = kib;
    }
    fclose(f);
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmPTE: %lu kB", &out->page_tables_kib) == 1)
            break;
    if (f)
        fclose(f);
    return 0;
}

typedef void (*member_fn)(void *arg, long pid, enum role role, const struct isl_proc_stat *st);

struct member_walk {
    long pgid;
    member_fn fn;
    void *arg;
};

static int visit_member(const struct isl_proc_stat *st, void *arg)
{
    const struct member_walk *w = arg;
    if (st->pgrp != w->pgid)
        return 0;
    /* The spawner is islandsd itself (islandsd --spawner), forked to start spares. */
    enum role role = st->pid == w->pgid || strcmp(st->name, "islands-spawner") == 0
                         ? ROLE_DAEMON
                     : strcmp(st->name, "islands-writer") == 0 ? ROLE_WRITER
                     : strcmp(st->name, "islands-worker") == 0 ? ROLE_WORKER
                                                               : ROLE_OTHER;
    w->fn(w->arg, st->pid, role, st);
    return 0;
}

static int for_each_member(pid_t pgid, member_fn fn, void *arg)
{
    struct member_walk w = {.pgid = (long)pgid, .fn = fn, .arg = arg};
    return isl_proc_each(visit_member, &w) < 0 ? -1 : 0;
}

static void add_memory(struct proc_memory *sum, const struct proc_memory *m)
{
    sum->pss_kib += m->pss_kib;
    sum->private_dirty_kib += m->private_dirty_kib;
    sum->rss_kib += m->rss_kib;
    sum->page_tables_kib += m->page_tables_kib;
}

static void add_member_memory(void *arg, long pid, enum role role, const struct isl_proc_stat *st)
{
    (void)st;
    struct group_memory *out = arg;
    struct proc_memory m;
    if (proc_memory_read((pid_t)pid, &m) != 0)
        return;
    add_memory(&out->total, &m);
    if (role == ROLE_DAEMON)
        add_memory(&out->daemon, &m);   /* with its spawner */
    else if (role == ROLE_WRITER)
        out->writer = m;
    else if (role == ROLE_WORKER) {
        add_memory(&out->workers, &m);
        out->worker_count++;
    }
}

int group_memory_read(pid_t pgid, struct group_memory *out)
{
    *out = (struct group_memory){0};
    return for_each_member(pgid, add_member_memory, out);
}

static void add_member_cpu(void *arg, long pid, enum role role, const struct isl_proc_stat *st)
{
    (void)pid;
    struct group_cpu *out = arg;
    struct role_cpu *r = role == ROLE_DAEMON ? &out->daemon
                         : role == ROLE_WRITER ? &out->writer
                         : role == ROLE_WORKER ? &out->workers
                                               : NULL;
    if (!r)
        return;
    r->seconds += (double)(st->utime + st->stime) / (double)sysconf(_SC_CLK_TCK);
    r->faults += st->minflt;
    /* Workers that exited and were reaped count in islandsd's (and its
     * spawner's) children's figures; without them the workers' sums would
     * fall whenever one exits during the window. */
    if (role == ROLE_DAEMON) {
        out->workers.seconds += (double)(st->cutime + st->cstime) / (double)sysconf(_SC_CLK_TCK);
        out->workers.faults += st->cminflt;
    }
}

int group_cpu_read(pid_t pgid, struct group_cpu *out)
{
    *out = (struct group_cpu){0};
    return for_each_member(pgid, add_member_cpu, out);
}

static void describe_role(const char *name, const struct role_cpu *before,
                          const struct role_cpu *after, double seconds, json_t *into)
{
    char key[64];
    double cores = (after->seconds - before->seconds) / seconds;
    double faults = ((double)after->faults - (double)before->faults) / seconds;
    snprintf(key, sizeof key, "cpu_%s", name);
    json_object_set_new(into, key, json_real((double)(long)(cores * 1000) / 1000));
    snprintf(key, sizeof key, "faults_per_s_%s", name);
    json_object_set_new(into, key, json_integer((json_int_t)faults));
}

void group_cpu_describe(const struct group_cpu *before, const struct group_cpu *after,
                        double seconds, struct json_t *into)
{
    describe_role("islandsd", &before->daemon, &after->daemon, seconds, into);
    describe_role("writer", &before->writer, &after->writer, seconds, into);
    describe_role("workers", &before->workers, &after->workers, seconds, into);
}

long meminfo_available_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}
