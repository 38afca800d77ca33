/* One line per event on stderr, in key=value form with a syslog priority
 * prefix ("<3>") that journald turns into the entry's level. Timestamps
 * are added only when not under journald (JOURNAL_STREAM unset). */
#ifndef ISLANDS_LOG_H
#define ISLANDS_LOG_H

#include <stdarg.h>

enum { ISL_LOG_ERR = 3, ISL_LOG_WARNING = 4, ISL_LOG_NOTICE = 5, ISL_LOG_INFO = 6, ISL_LOG_DEBUG = 7 };

/* Program name and the most verbose priority printed (default INFO). */
void isl_log_init(const char *program, int max_priority);
/* fmt is the key=value part: isl_log(ISL_LOG_INFO, "event=start game=%s pid=%d", ...) */
void isl_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void isl_vlog(int priority, const char *fmt, va_list ap);

#endif
