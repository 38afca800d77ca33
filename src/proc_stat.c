/* /proc/PID/stat read and parsed once for every tool that needs it. */
#include "islands/proc_stat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int isl_proc_stat_parse(const char *text, struct isl_proc_stat *out)
{
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    if (!open || !close || close < open)
        return -1;
    char *end;
    long pid = strtol(text, &end, 10);
    if (end == text || pid <= 0)
        return -1;
    struct isl_proc_stat st = {.pid = pid};
    snprintf(st.name, sizeof st.name, "%.*s", (int)(close - open - 1), open + 1);
    /* After the name: state ppid pgrp session tty_nr tpgid flags minflt
     * cminflt majflt cmajflt utime stime cutime cstime. */
    if (sscanf(close + 1, " %c %ld %ld %*d %*d %*d %*u %lu %lu %*u %*u %lu %lu %ld %ld",
               &st.state, &st.ppid, &st.pgrp, &st.minflt, &st.cminflt, &st.utime, &st.stime,
               &st.cutime, &st.cstime) != 9)
        return -1;
    *out = st;
    return 0;
}

int isl_proc_stat_read(long pid, struct isl_proc_stat *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return isl_proc_stat_parse(buf, out);
}

int isl_proc_each(int (*fn)(const struct isl_proc_stat *st, void *arg), void *arg)
{
    DIR *dir = opendir("/proc");
    if (!dir)
        return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(dir))) {
        struct isl_proc_stat st;
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
            isl_proc_stat_read(atol(e->d_name), &st) == 0)
            rc = fn(&st, arg);
    }
    closedir(dir);
    return rc;
}
