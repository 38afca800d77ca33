/* islandsd's processes as /proc shows them: memory (smaps_rollup) and CPU
 * time, per role (islandsd itself with its spawner, the writer, the
 * workers). */
#ifndef ISLANDS_BENCH_PROCMEM_H
#define ISLANDS_BENCH_PROCMEM_H

#include <stddef.h>
#include <sys/types.h>

struct proc_memory {
    unsigned long pss_kib;            /* proportional set size */
    unsigned long private_dirty_kib;  /* pages only this process wrote */
    unsigned long rss_kib;
    unsigned long page_tables_kib;    /* VmPTE: kernel memory smaps does not show */
};

/* 0, or -1 if the process is gone. */
int proc_memory_read(pid_t pid, struct proc_memory *out);

struct group_memory {
    struct proc_memory daemon, writer;
    struct proc_memory workers;       /* sums over every worker (spares too) */
    size_t worker_count;
    struct proc_memory total;         /* the whole group */
};

/* Memory of the members of process group pgid (islandsd's). 0 or -1. */
int group_memory_read(pid_t pgid, struct group_memory *out);

/* CPU seconds (user + system) and minor page faults, per role. */
struct role_cpu {
    double seconds;
    unsigned long faults;
};
struct group_cpu {
    struct role_cpu daemon, writer, workers;
};

int group_cpu_read(pid_t pgid, struct group_cpu *out);
/* MemAvailable of /proc/meminfo in KiB (kernel memory included), or -1. */
long meminfo_available_kib(void);
/* after - before, as cores busy over `seconds` of wall time, into fields
 * of a JSON object ("cpu_islandsd", "cpu_writer", "cpu_workers",
 * "faults_per_s_..."). */
struct json_t;
void group_cpu_describe(const struct group_cpu *before, const struct group_cpu *after,
                        double seconds, struct json_t *into);

#endif
