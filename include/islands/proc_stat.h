/* /proc/PID/stat (proc(5)), for the tools that watch islands' processes:
 * the benchmark, the chaos harness and the tests. */
#ifndef ISLANDS_PROC_STAT_H
#define ISLANDS_PROC_STAT_H

struct isl_proc_stat {
    long pid;
    char name[32];              /* comm: at most 15 bytes, any of them */
    char state;                 /* R, S, D, T, t, Z, ... */
    long ppid, pgrp;
    unsigned long minflt;       /* minor page faults */
    unsigned long cminflt;      /* of reaped children */
    unsigned long utime, stime; /* clock ticks */
    long cutime, cstime;        /* of reaped children */
};

/* Parse the text of a /proc/PID/stat: 0, or -1 if it is not one. The name
 * runs to the last ')' (a name may hold spaces and parentheses). */
int isl_proc_stat_parse(const char *text, struct isl_proc_stat *out);
/* Read /proc/PID/stat: 0, or -1 (gone, unreadable, not a stat line). */
int isl_proc_stat_read(long pid, struct isl_proc_stat *out);
/* Call fn for every process /proc lists, until it returns nonzero; that
 * value, 0 when every call gave 0, or -1 if /proc cannot be read. A
 * process that is gone by the time it is read is skipped. */
int isl_proc_each(int (*fn)(const struct isl_proc_stat *st, void *arg), void *arg);

#endif
