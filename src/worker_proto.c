/* Start-up hygiene and command-line pieces shared by islands-worker and
 * islands-writer. */
#include "islands/worker_proto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "islands/exit_status.h"
#include "islands/game.h"
#include "islands/log.h"
#include "islands/request.h"

json_t *isl_resp_frame(long long seq, json_t *response, json_t *rules)
{
    return json_pack("{s:s, s:I, s:o, s:o}", "t", "resp", "seq", (json_int_t)seq, "resp",
                     response, "rules", rules);
}

char *isl_resp_frame_text(long long seq, const char *response, const char *rules)
{
    static const char format[] = "{\"t\":\"resp\",\"seq\":%lld,\"resp\":%s,\"rules\":%s%s%s}";
    size_t size = sizeof format + 24 + strlen(response) + (rules ? strlen(rules) : 0);
    char *text = malloc(size);
    const char *quote = rules ? "\"" : "";
    if (text && snprintf(text, size, format, seq, response, quote, rules ? rules : "null",
                         quote) >= (int)size) {
        free(text);   /* cannot happen: size covers every part */
        text = NULL;
    }
    return text;
}

int isl_ready_frame_text(char *out, size_t size, const char *game, const char *rules)
{
    const char *quote = rules ? "\"" : "";
    int n = snprintf(out, size, "{\"t\":\"ready\",\"game\":\"%s\",\"rules\":%s%s%s}", game,
                     quote, rules ? rules : "null", quote);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* close_range() where the kernel has it, else a /proc/self/fd scan. */
static void close_fds_from(int lowest)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0u, 0) == 0)
        return;
#endif
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    int fds[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof fds / sizeof fds[0]) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd >= lowest && fd != self)
            fds[n++] = fd;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    if (n == sizeof fds / sizeof fds[0])
        close_fds_from(lowest);   /* there were more than fit */
}

/* islandsd's log_level, passed in ISLANDS_LOG_LEVEL (a syslog priority). */
static int inherited_log_level(void)
{
    const char *v = getenv(ISL_LOG_LEVEL_ENV);
    char *end;
    long level = v ? strtol(v, &end, 10) : -1;
    return v && *v && !*end && level >= ISL_LOG_ERR && level <= ISL_LOG_DEBUG ? (int)level
                                                                               : ISL_LOG_INFO;
}

void isl_open_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0 && null != fd) {
                dup2(null, fd);
                close(null);
            }
        }
    }
}

void isl_child_setup(const char *program)
{
    isl_log_init(program, inherited_log_level());
    /* fds 0-2 first: anything opened later must never land on them. */
    isl_open_std_fds();
    struct stat st;
    if (fstat(ISL_CHANNEL_FD, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        isl_log(ISL_LOG_ERR, "event=usage error=\"fd 3 is not the supervisor's socket\"");
        exit(ISL_EXIT_USAGE);
    }
    close_fds_from(ISL_CHANNEL_FD + 1);
    (void)fcntl(ISL_CHANNEL_FD, F_SETFD, FD_CLOEXEC);

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char *ppid = getenv(ISL_PARENT_PID_ENV);
    if (ppid && *ppid && strtol(ppid, NULL, 10) != (long)getppid()) {
        /* The parent died before PDEATHSIG was armed. */
        _exit(ISL_EXIT_NORMAL);
    }

    /* Every signal, not only those exec leaves ignored: handlers this
     * process installed before main (a sanitizer's SIGSEGV handler) would
     * otherwise change how an injected crash ends. */
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)sigaction(sig, &dfl, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A terminal sends these to its whole foreground process group, ours
     * included (islandsd keeps its children in its group, so that one
     * kill of the group ends everything). They are islandsd's to act on:
     * a Ctrl-C must stop the children in order through islandsd, not
     * kill them all at once as crashes. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* islandsd starts us with those three blocked, so that one sent to the
     * group while we were starting waits; ignored now, it is dropped. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

int isl_store_option(struct isl_store_options *o, int argc, char **argv, int *i,
                     char *err, size_t errlen)
{
    const char *opt = argv[*i];
    static const char *const known[] = { "--store", "--sync", "--map-size", "--max-readers" };
    size_t k = 0;
    while (k < 4 && strcmp(opt, known[k]) != 0)
        k++;
    if (k == 4)
        return 0;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "%s needs a value", opt);
        return -1;
    }
    const char *v = argv[++*i];
    size_t n;
    switch (k) {
    case 0:
        if (!*v) {
            snprintf(err, errlen, "--store: empty path");
            return -1;
        }
        o->path = v;
        return 1;
    case 1:
        if (strcmp(v, "full") == 0)
            o->sync = ISL_SYNC_FULL;
        else if (strcmp(v, "nometa") == 0)
            o->sync = ISL_SYNC_NOMETA;
        else if (strcmp(v, "none") == 0)
            o->sync = ISL_SYNC_NONE;
        else {
            snprintf(err, errlen, "--sync: '%s' is not full, nometa or none", v);
            return -1;
        }
        return 1;
    case 2:
        if (parse_size(v, &n) < 0 || n == 0) {
            snprintf(err, errlen, "--map-size: '%s' is not a positive byte count", v);
            return -1;
        }
        o->map_size = n;
        return 1;
    default:
        if (parse_size(v, &n) < 0 || n == 0 || n > 1000000) {
            snprintf(err, errlen, "--max-readers: '%s' is not 1..1000000", v);
            return -1;
        }
        o->max_readers = (unsigned)n;
        return 1;
    }
}

int isl_writer_addr(const char *store_dir, struct sockaddr_un *addr, socklen_t *len,
                    int *dirfd)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    *dirfd = -1;
    int n = snprintf(addr->sun_path, sizeof addr->sun_path, "%s/%s", store_dir,
                     ISL_WRITER_SOCK);
    if (n < 0 || (size_t)n >= sizeof addr->sun_path) {
        *dirfd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*dirfd < 0)
            return -1;
        n = snprintf(addr->sun_path, sizeof addr->sun_path, "/proc/self/fd/%d/%s", *dirfd,
                     ISL_WRITER_SOCK);
    }
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
    return 0;
}

bool isl_fence_after_valid(const json_t *after)
{
    if (after == NULL)
        return true;
    if (!json_is_array(after) || json_array_size(after) > ISL_FENCE_AFTER_MAX)
        return false;
    size_t i;
    json_t *pid;
    json_array_foreach(after, i, pid) {
        if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
            json_integer_value(pid) > INT_MAX)
            return false;
    }
    return true;
}

int isl_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static json_t *doc_value(const struct isl_store_write *w, const char **key)
{
    json_t *doc = json_stringn(w->doc, w->doc_len);
    *key = "doc";
    if (doc || w->kind != ISL_WRITE_QUARANTINE)
        return doc;
    /* A corrupt record may hold any bytes; JSON strings hold UTF-8. */
    char *hex = malloc(w->doc_len * 2 + 1);
    if (!hex)
        return NULL;
    for (size_t i = 0; i < w->doc_len; i++)
        sprintf(hex + 2 * i, "%02x", (unsigned char)w->doc[i]);
    hex[w->doc_len * 2] = '\0';
    doc = json_string(hex);
    free(hex);
    *key = "doc_hex";
    return doc;
}

json_t *isl_write_to_frame(const struct isl_store_write *w, long long seq)
{
    json_t *f = json_object();
    json_object_set_new(f, "t", json_string(w->kind == ISL_WRITE_QUARANTINE ? "quarantine"
                                                                           : "commit"));
    json_object_set_new(f, "seq", json_integer(seq));
    json_object_set_new(f, "game", json_string(w->game));
    if (w->kind == ISL_WRITE_DELETE) {
        json_object_set_new(f, "delete", json_true());
        return f;
    }
    const char *key;
    json_t *doc = doc_value(w, &key);
    if (!doc) {
        json_decref(f);
        return NULL;
    }
    json_object_set_new(f, key, doc);
    if (w->kind == ISL_WRITE_PUT)
        json_object_set_new(f, "rules", json_string(w->rules));
    else
        json_object_set_new(f, "reason", json_string(w->reason ? w->reason : "unknown"));
    return f;
}

static int unhex(const char *hex, size_t hexlen, char **out, size_t *len)
{
    if (hexlen % 2)
        return -1;
    char *buf = malloc(hexlen / 2 + 1);
    if (!buf)
        return -1;
    for (size_t i = 0; i < hexlen / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdef", hex[2 * i]) ||
            !strchr("0123456789abcdef", hex[2 * i + 1])) {
            free(buf);
            return -1;
        }
        buf[i] = (char)v;
    }
    buf[hexlen / 2] = '\0';
    *out = buf;
    *len = hexlen / 2;
    return 0;
}

static const char *string_field(const json_t *frame, const char *key)
{
    return json_string_value(json_object_get(frame, key));
}

int isl_write_from_frame(const json_t *frame, struct isl_store_write *w, long long *seq,
                         char **owned, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    *owned = NULL;
    const char *t = string_field(frame, "t");
    json_t *jseq = json_object_get(frame, "seq");
    if (!json_is_integer(jseq)) {
        snprintf(err, errlen, "seq: missing or not an integer");
        return -1;
    }
    *seq = json_integer_value(jseq);
    bool quarantine = t && strcmp(t, "quarantine") == 0;
    if (!t || (!quarantine && strcmp(t, "commit") != 0)) {
        snprintf(err, errlen, "t: not commit or quarantine");
        return -1;
    }
    w->game = string_field(frame, "game");
    if (!w->game || !isl_game_name_valid(w->game, strlen(w->game))) {
        snprintf(err, errlen, "game: missing or not a game name");
        return -1;
    }
    json_t *del = json_object_get(frame, "delete");
    if (!quarantine && del) {
        if (!json_is_true(del)) {
            snprintf(err, errlen, "delete: not true");
            return -1;
        }
        w->kind = ISL_WRITE_DELETE;
        return 0;
    }
    json_t *doc = json_object_get(frame, "doc");
    json_t *hex = quarantine ? json_object_get(frame, "doc_hex") : NULL;
    if (json_is_string(doc)) {
        w->doc = json_string_value(doc);
        w->doc_len = json_string_length(doc);
    } else if (json_is_string(hex) && !doc) {
        if (unhex(json_string_value(hex), json_string_length(hex), owned, &w->doc_len) < 0) {
            snprintf(err, errlen, "doc_hex: not hexadecimal");
            return -1;
        }
        w->doc = *owned;
    } else {
        snprintf(err, errlen, "doc: missing or not a string");
        return -1;
    }
    if (quarantine) {
        w->kind = ISL_WRITE_QUARANTINE;
        w->reason = string_field(frame, "reason");
        if (!w->reason) {
            snprintf(err, errlen, "reason: missing or not a string");
            free(*owned);
            *owned = NULL;
            return -1;
        }
        return 0;
    }
    w->kind = ISL_WRITE_PUT;
    w->rules = string_field(frame, "rules");
    enum isl_rules_state st;
    if (!w->rules || isl_rules_state_from_name(w->rules, &st) != 0) {
        snprintf(err, errlen, "rules: missing or not a rules state");
        return -1;
    }
    return 0;
}
