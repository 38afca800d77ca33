/* key=value log lines on stderr (see log.h): "<6>2026-01-02T03:04:05.678Z
 * islandsd[42]: event=start ...". Built in a stack buffer and written with
 * one write(2) so that lines of concurrent processes never interleave. */
#include "islands/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char program_name[64] = "islands";
static int max_priority = ISL_LOG_INFO;
static int timestamps = -1;   /* -1: JOURNAL_STREAM not read yet */

void isl_log_init(const char *program, int max_prio)
{
    snprintf(program_name, sizeof program_name, "%s", program ? program : "islands");
    max_priority = max_prio;
    timestamps = getenv("JOURNAL_STREAM") == NULL;
}

void isl_log_set_level(int max_prio)
{
    max_priority = max_prio;
}

int isl_log_enabled(int priority)
{
    return priority <= max_priority;
}

/* Not gmtime_r: glibc loads the time zone file on its first call, even for
 * UTC, and every worker logs, so each start would read files it has no
 * use for. Days to civil date as in H. Hinnant's "chrono-Compatible
 * Low-Level Date Algorithms". */
void isl_utc_time(time_t t, struct tm *tm)
{
    long long days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long long month = mp < 10 ? mp + 3 : mp - 9;
    *tm = (struct tm){ .tm_year = (int)(yoe + era * 400 + (month <= 2) - 1900),
                       .tm_mon = (int)month - 1, .tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1),
                       .tm_hour = (int)(secs / 3600), .tm_min = (int)(secs / 60 % 60),
                       .tm_sec = (int)(secs % 60) };
}

static size_t put_prefix(char *line, size_t size, int priority)
{
    if (timestamps < 0)
        timestamps = getenv("JOURNAL_STREAM") == NULL;
    int n;
    struct timespec now;
    struct tm tm;
    if (timestamps && clock_gettime(CLOCK_REALTIME, &now) == 0) {
        isl_utc_time(now.tv_sec, &tm);
        n = snprintf(line, size, "<%d>%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld]: ", priority,
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, now.tv_nsec / 1000000, program_name, (long)getpid());
    } else {
        n = snprintf(line, size, "<%d>%s[%ld]: ", priority, program_name, (long)getpid());
    }
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* The end of line[start, len) without a trailing incomplete UTF-8 character. */
static size_t utf8_cut(const char *line, size_t start, size_t len)
{
    size_t lead = len;
    while (lead > start && ((unsigned char)line[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == start)
        return len;
    unsigned char c = (unsigned char)line[lead - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return len - lead + 1 < need ? lead - 1 : len;
}

static void write_all(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;   /* nowhere to report it */
        p += n;
        len -= (size_t)n;
    }
}

void isl_vlog(int priority, const char *fmt, va_list ap)
{
    if (priority > max_priority)
        return;
    if (priority < 0)
        priority = 0;
    int saved_errno = errno;
    static const char ellipsis[] = "...";
    char line[ISL_LOG_LINE_MAX];
    /* Room for "...\n" is kept back so that a cut line can end with it. */
    size_t room = sizeof line - (sizeof ellipsis - 1) - 1;
    size_t start = put_prefix(line, room, priority);
    errno = saved_errno;   /* for %m */
    int n = vsnprintf(line + start, room - start, fmt, ap);
    size_t len = start + (n < 0 ? 0 : (size_t)n);
    bool cut = len >= room;
    if (cut)
        len = utf8_cut(line, start, room - 1);
    for (size_t i = start; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = ' ';
    if (cut) {
        memcpy(line + len, ellipsis, sizeof ellipsis - 1);
        len += sizeof ellipsis - 1;
    }
    line[len++] = '\n';
    write_all(line, len);
    errno = saved_errno;
}

void isl_log(int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    isl_vlog(priority, fmt, ap);
    va_end(ap);
}
