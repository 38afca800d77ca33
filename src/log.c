/* key=value log lines on stderr (see log.h): "<6>2026-01-02T03:04:05.678Z
 * islandsd[42]: event=start ...". Built in a stack buffer and written with
 * one write(2) so that lines of concurrent processes never interleave;
 * on a pipe, a socket, a named FIFO or a terminal that write never waits
 * (write_line). */
#include "islands/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static char program_name[64] = "islands";
static int max_priority = ISL_LOG_INFO;
static int timestamps = -1;   /* -1: JOURNAL_STREAM not read yet */
/* fd 2 a pipe, a socket (journald's stream), a named FIFO or a terminal,
 * any of which can stop taking lines: a line that would have to wait is
 * dropped instead, and the next line out says how many were. A file is
 * written as always. -1: not looked at yet. */
static int never_wait = -1;
/* Where the kernel cannot write to fd 2 without waiting for one write
 * only (RWF_NOWAIT: a named FIFO, a terminal), lines go through a
 * description of this process's own, opened non-blocking: setting
 * O_NONBLOCK on fd 2 would change it for every process sharing it (the
 * shell, the other children). */
static int own_fd = -1;
static bool own_fd_tried;
static unsigned long lines_dropped;
static bool line_torn;   /* a line went out in part: the next starts with "\n" */

static void look_at_stderr(void)
{
    if (own_fd >= 0)
        close(own_fd);
    own_fd = -1;
    own_fd_tried = false;
    struct stat st;
    never_wait = fstat(STDERR_FILENO, &st) == 0 &&
                 (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode));
}

/* fd 2 once more, non-blocking and close-on-exec, if it is a FIFO or a
 * terminal (a file opened again would have an offset of its own); false
 * if it is not, or /proc is not there, or it cannot be opened again. */
static bool open_own_fd(void)
{
    own_fd_tried = true;
    struct stat want, got;
    if (fstat(STDERR_FILENO, &want) != 0 || !(S_ISFIFO(want.st_mode) || S_ISCHR(want.st_mode)))
        return false;
    own_fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (own_fd >= 0 && (fstat(own_fd, &got) != 0 || got.st_dev != want.st_dev ||
                        got.st_ino != want.st_ino || got.st_rdev != want.st_rdev)) {
        close(own_fd);   /* fd 2 changed meanwhile */
        own_fd = -1;
    }
    return own_fd >= 0;
}

void isl_log_init(const char *program, int max_prio)
{
    snprintf(program_name, sizeof program_name, "%s", program ? program : "islands");
    max_priority = max_prio;
    timestamps = getenv("JOURNAL_STREAM") == NULL;
    look_at_stderr();
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

/* A line being built. Appending never writes past room and uses neither
 * stdio nor the locale, so that a fault handler may log (isl_log_parts). */
struct line {
    char *text;
    size_t len, room;
    bool cut;
};

static void put_bytes(struct line *l, const char *s, size_t n)
{
    if (n > l->room - l->len) {
        n = l->room - l->len;
        l->cut = true;
    }
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void put_str(struct line *l, const char *s)
{
    put_bytes(l, s, strlen(s));
}

/* v in decimal, zero-padded to width digits at least. */
static void put_uint(struct line *l, unsigned long long v, int width)
{
    char digits[24];
    int n = 0;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    put_bytes(l, digits + sizeof digits - n, (size_t)n);
}

static void put_prefix(struct line *l, int priority)
{
    if (timestamps < 0)
        timestamps = getenv("JOURNAL_STREAM") == NULL;
    struct timespec now;
    struct tm tm;
    put_str(l, "<");
    put_uint(l, (unsigned)priority, 1);
    put_str(l, ">");
    if (timestamps && clock_gettime(CLOCK_REALTIME, &now) == 0) {
        isl_utc_time(now.tv_sec, &tm);
        put_uint(l, (unsigned)(tm.tm_year + 1900), 4);
        put_str(l, "-");
        put_uint(l, (unsigned)tm.tm_mon + 1, 2);
        put_str(l, "-");
        put_uint(l, (unsigned)tm.tm_mday, 2);
        put_str(l, "T");
        put_uint(l, (unsigned)tm.tm_hour, 2);
        put_str(l, ":");
        put_uint(l, (unsigned)tm.tm_min, 2);
        put_str(l, ":");
        put_uint(l, (unsigned)tm.tm_sec, 2);
        put_str(l, ".");
        put_uint(l, (unsigned long long)now.tv_nsec / 1000000, 3);
        put_str(l, "Z ");
    }
    put_str(l, program_name);
    put_str(l, "[");
    put_uint(l, (unsigned long long)getpid(), 1);
    put_str(l, "]: ");
    l->cut = false;   /* a prefix longer than a line is cut, not the message */
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

/* Write without waiting (RWF_NOWAIT: this write only, not the descriptor
 * every child shares; else own_fd). How much of it went out. */
static size_t write_now(const char *p, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n;
        if (own_fd >= 0) {
            n = write(own_fd, p + sent, len - sent);
        } else {
            struct iovec iov = {(char *)p + sent, len - sent};
            n = pwritev2(STDERR_FILENO, &iov, 1, -1, RWF_NOWAIT);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EOPNOTSUPP && own_fd < 0) {   /* not for this file */
            if (!own_fd_tried && open_own_fd())
                continue;
            never_wait = 0;   /* no way not to wait */
            write_all(p + sent, len - sent);
            return len;
        }
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    return sent;
}

/* One whole line to fd 2, at once or (see never_wait) not at all; after
 * lines were dropped, the count goes out in the same write, ahead of it
 * (and is reset once all of it went out, even if the line did not). */
static void write_line(const char *line, size_t len)
{
    if (never_wait < 0)
        look_at_stderr();
    if (!never_wait) {
        write_all(line, len);
        return;
    }
    char buf[ISL_LOG_LINE_MAX + 160];
    struct line out = {buf, 0, sizeof buf, false};
    const char *text = line;
    size_t total = len, ahead = 0;
    if (line_torn || lines_dropped) {
        if (line_torn)
            put_str(&out, "\n");
        if (lines_dropped) {
            put_prefix(&out, ISL_LOG_WARNING);
            put_str(&out, "event=log_lines_dropped count=");
            put_uint(&out, lines_dropped, 1);
            put_str(&out, "\n");
        }
        ahead = out.len;
        put_bytes(&out, line, len);
        text = buf;
        total = out.len;
    }
    size_t sent = write_now(text, total);
    if (sent == total) {
        lines_dropped = 0;
        line_torn = false;
        return;
    }
    lines_dropped = (sent >= ahead ? 0 : lines_dropped) + 1;
    if (sent > 0)   /* where the stream now ends: inside a line? */
        line_torn = text[sent - 1] != '\n';
}

static const char ellipsis[] = "...";

void isl_log_parts(int priority, const char *const parts[], size_t count)
{
    if (priority > max_priority)
        return;
    int saved_errno = errno;
    char buf[ISL_LOG_LINE_MAX];
    /* Room for "...\n" is kept back, so that a cut line can end with it. */
    struct line l = {buf, 0, sizeof buf - (sizeof ellipsis - 1) - 1, false};
    put_prefix(&l, priority < 0 ? 0 : priority);
    size_t start = l.len;
    for (size_t i = 0; i < count && !l.cut; i++)
        put_str(&l, parts[i]);
    if (l.cut)
        l.len = utf8_cut(l.text, start, l.len);
    for (size_t i = start; i < l.len; i++)   /* one event, one line */
        if ((unsigned char)l.text[i] < 0x20 || l.text[i] == 0x7f)
            l.text[i] = ' ';
    if (l.cut) {
        memcpy(l.text + l.len, ellipsis, sizeof ellipsis - 1);
        l.len += sizeof ellipsis - 1;
    }
    l.text[l.len++] = '\n';
    write_line(l.text, l.len);
    errno = saved_errno;
}

void isl_vlog(int priority, const char *fmt, va_list ap)
{
    if (priority > max_priority)
        return;
    int saved_errno = errno;
    /* A message cut here is longer than a line, so the line is cut too. */
    char message[ISL_LOG_LINE_MAX];
    vsnprintf(message, sizeof message, fmt, ap);
    const char *parts[] = {message};
    isl_log_parts(priority, parts, 1);
    errno = saved_errno;
}

void isl_log(int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    isl_vlog(priority, fmt, ap);
    va_end(ap);
}
