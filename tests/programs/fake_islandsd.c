/* A stand-in for islandsd in the client's tests: speaks the line protocol
 * of PROTOCOL.md with canned answers and records every request it gets.
 *
 *   fake_islandsd SOCKET LOG ANSWERS
 *
 * ANSWERS has one line per canned answer: "OP JSON" (the response, to which
 * the request's id is added in front) or "OP CLOSE" (close the connection
 * without answering). Requests for OP take its answers in file order; the
 * last one repeats. "*" answers any op without an answer of its own.
 * Every request line is appended to LOG as received. Clients are served one
 * at a time; the program runs until it is killed. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_ANSWERS 64
#define MAX_LINE 65536

struct answer {
    char op[64];
    char *text;         /* the JSON, or NULL for CLOSE */
    int uses;
};

static struct answer answers[MAX_ANSWERS];
static int answer_count;

static void die(const char *what)
{
    fprintf(stderr, "fake_islandsd: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void load_answers(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die(path);
    char line[MAX_LINE];
    while (fgets(line, sizeof line, f) != NULL && answer_count < MAX_ANSWERS) {
        line[strcspn(line, "\n")] = '\0';
        char *space = strchr(line, ' ');
        if (line[0] == '#' || space == NULL || (size_t)(space - line) >= sizeof answers[0].op)
            continue;
        *space = '\0';
        struct answer *a = &answers[answer_count++];
        memcpy(a->op, line, (size_t)(space - line) + 1);
        a->text = strcmp(space + 1, "CLOSE") == 0 ? NULL : strdup(space + 1);
    }
    fclose(f);
}

/* The next unused answer for op, else its last one; then the same for
 * "*"; NULL if there is none. */
static struct answer *answer_for(const char *op)
{
    const char *wanted[] = { op, "*" };
    for (int w = 0; w < 2; w++) {
        struct answer *last = NULL;
        for (int i = 0; i < answer_count; i++) {
            if (strcmp(answers[i].op, wanted[w]) != 0)
                continue;
            last = &answers[i];
            if (last->uses == 0)
                break;
        }
        if (last != NULL) {
            last->uses++;
            return last;
        }
    }
    return NULL;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Answer one request line; false to close the connection. */
static bool serve_line(int fd, const char *line, FILE *log)
{
    fprintf(log, "%s\n", line);
    fflush(log);
    json_t *req = json_loads(line, 0, NULL);
    const char *op = json_string_value(json_object_get(req, "op"));
    struct answer *a = answer_for(op != NULL ? op : "");
    json_t *resp = json_object();
    json_t *id = json_object_get(req, "id");
    if (id != NULL)
        json_object_set(resp, "id", id);
    if (a != NULL && a->text == NULL) {
        json_decref(resp);
        json_decref(req);
        return false;
    }
    json_t *body = a != NULL ? json_loads(a->text, 0, NULL)
                 : json_pack("{s:b, s:s, s:s}", "ok", 0, "error", "unknown_op",
                             "message", "no canned answer");
    json_object_update(resp, body);
    json_decref(body);
    char *text = json_dumps(resp, JSON_COMPACT);
    write_all(fd, text, strlen(text));
    write_all(fd, "\n", 1);
    free(text);
    json_decref(resp);
    json_decref(req);
    return true;
}

static void serve_client(int fd, FILE *log)
{
    static char buf[MAX_LINE];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        char *nl;
        while ((nl = memchr(buf, '\n', len)) != NULL) {
            *nl = '\0';
            if (!serve_line(fd, buf, log))
                return;
            size_t used = (size_t)(nl - buf) + 1;
            memmove(buf, nl + 1, len - used);
            len -= used;
        }
        if (len == sizeof buf - 1)
            return;
    }
}

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "usage: fake_islandsd SOCKET LOG ANSWERS\n");
        return 2;
    }
    load_answers(argv[3]);
    FILE *log = fopen(argv[2], "a");
    if (log == NULL)
        die(argv[2]);

    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "fake_islandsd: socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0)
        die(argv[1]);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            die("accept");
        }
        serve_client(fd, log);
        close(fd);
    }
}
