/* islandsd's processes, from /proc. */
#include "procmem.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    return 0;
}

/* The fields of /proc/PID/stat the bench uses. */
struct proc_stat {
    char name[32];
    long pgrp;
    unsigned long minflt, utime, stime;
    long cutime, cstime;         /* of reaped children */
};

static int read_stat(long pid, struct proc_stat *st)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return -1;
    snprintf(st->name, sizeof st->name, "%.*s", (int)(close - open - 1), open + 1);
    /* After the name: state ppid pgrp session tty tpgid flags minflt
     * cminflt majflt cmajflt utime stime cutime cstime. */
    if (sscanf(close + 1, " %*c %*d %ld %*d %*d %*d %*u %lu %*u %*u %*u %lu %lu %ld %ld",
               &st->pgrp, &st->minflt, &st->utime, &st->stime, &st->cutime, &st->cstime) != 6)
        return -1;
    return 0;
}

typedef void (*member_fn)(void *arg, long pid, enum role role, const struct proc_stat *st);

static int for_each_member(pid_t pgid, member_fn fn, void *arg)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return -1;
    struct dirent *e;
    while ((e = readdir(proc))) {
        struct proc_stat st;
        long pid = atol(e->d_name);
        if (pid <= 0 || read_stat(pid, &st) != 0 || st.pgrp != (long)pgid)
            continue;
        enum role role = pid == (long)pgid                          ? ROLE_DAEMON
                         : strcmp(st.name, "islands-writer") == 0 ? ROLE_WRITER
                         : strcmp(st.name, "islands-worker") == 0 ? ROLE_WORKER
                                                                   : ROLE_OTHER;
        fn(arg, pid, role, &st);
    }
    closedir(proc);
    return 0;
}

static void add_memory(struct proc_memory *sum, const struct proc_memory *m)
{
    sum->pss_kib += m->pss_kib;
    sum->private_dirty_kib += m->private_dirty_kib;
    sum->rss_kib += m->rss_kib;
}

static void add_member_memory(void *arg, long pid, enum role role, const struct proc_stat *st)
{
    (void)st;
    struct group_memory *out = arg;
    struct proc_memory m;
    if (proc_memory_read((pid_t)pid, &m) != 0)
        return;
    add_memory(&out->total, &m);
    if (role == ROLE_DAEMON)
        out->daemon = m;
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

static void add_member_cpu(void *arg, long pid, enum role role, const struct proc_stat *st)
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
    /* Workers that exited and were reaped count in islandsd's children's time. */
    if (role == ROLE_DAEMON)
        out->workers.seconds += (double)(st->cutime + st->cstime) / (double)sysconf(_SC_CLK_TCK);
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
