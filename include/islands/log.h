/* One line per event on stderr, in key=value form with a syslog priority
 * prefix ("<3>") that journald turns into the entry's level. Timestamps
 * are added only when not under journald (JOURNAL_STREAM unset). */
#ifndef ISLANDS_LOG_H
#define ISLANDS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

enum { ISL_LOG_ERR = 3, ISL_LOG_WARNING = 4, ISL_LOG_NOTICE = 5, ISL_LOG_INFO = 6, ISL_LOG_DEBUG = 7 };

/* islandsd tells its children its log_level in this variable. */
#define ISL_LOG_LEVEL_ENV "ISLANDS_LOG_LEVEL"

/* Longest line written, newline included; longer messages are cut (at a
 * UTF-8 character boundary) and end with "...". */
#define ISL_LOG_LINE_MAX 2048

/* Program name (at most 63 bytes kept) and the most verbose priority
 * printed (default INFO). Reads JOURNAL_STREAM here: set, no timestamps.
 * Without isl_log_init the program is "islands" and JOURNAL_STREAM is read
 * at the first line. */
void isl_log_init(const char *program, int max_priority);
/* SIGHUP's log_level. */
void isl_log_set_level(int max_priority);
/* Would a line of this priority be written? (skip costly arguments) */
int isl_log_enabled(int priority);
/* fmt is the key=value part: isl_log(ISL_LOG_INFO, "event=start game=%s pid=%d", ...)
 * Each line is one write(2) to fd 2 (atomic between processes on a pipe),
 * built on the stack: nothing is allocated. Control characters in the
 * message become spaces, so one event is one line. errno is preserved.
 * Logging never waits on a pipe or a socket (journald, a reader that
 * stopped reading): a line that cannot go out at once is dropped, and the
 * next one that can is preceded by "event=log_lines_dropped count=N". */
void isl_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void isl_vlog(int priority, const char *fmt, va_list ap);
/* The same line made of count strings put end to end, without printf:
 * async-signal-safe, for a handler of a fatal signal. */
void isl_log_parts(int priority, const char *const parts[], size_t count);
/* t's UTC date and time, as gmtime_r gives them (year, month, day, hour,
 * minute, second), without gmtime_r's loading of the time zone file. */
void isl_utc_time(time_t t, struct tm *tm);

#endif
