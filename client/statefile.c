/* Remembered identities: one file per game in a directory per daemon,
 *   {"game":"g1","players":{"player1":{"name":"Ann","token":"..."}, ...}}
 * Game names never become paths directly (".", ".." are valid names): the
 * file name is an escaped form of the name (cli_state_file_name), and so
 * is every component of a socket's path in a daemon's directory. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "islands/client.h"

int cli_state_dir(char *out, size_t outlen, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(out, outlen, "%s/islands", xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(out, outlen, "%s/.local/state/islands", home);
    else
        return cli_fail(err, errlen, "cannot find a state directory: set XDG_STATE_HOME or HOME");
    if (n < 0 || (size_t)n >= outlen)
        return cli_fail(err, errlen, "the state directory path is too long");
    return 0;
}

static bool kept_in_file_name(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Append len bytes of text to out (outlen bytes, kept NUL-terminated) at
 * *n: as they are, or `escaped` with every byte but A-Z a-z 0-9 _ - as %XX
 * (upper-case hex). -1 if it does not fit. */
static int append(char *out, size_t outlen, size_t *n, const char *text, size_t len, bool escaped)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        bool kept = !escaped || kept_in_file_name(c);
        if (*n + (kept ? 1 : 3) >= outlen)
            return -1;
        if (kept) {
            out[(*n)++] = (char)c;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hex[c >> 4];
            out[(*n)++] = hex[c & 15];
        }
    }
    out[*n] = '\0';
    return 0;
}

int cli_state_file_name(const char *game, char *out, size_t outlen)
{
    static const char prefix[] = "game-", suffix[] = ".json";
    size_t n = 0;
    if (append(out, outlen, &n, prefix, strlen(prefix), false) != 0 ||
        append(out, outlen, &n, game, strlen(game), true) != 0 ||
        append(out, outlen, &n, suffix, strlen(suffix), false) != 0)
        return -1;
    return 0;
}

/* A daemon is known by its socket's absolute path, with links resolved
 * where it exists: one daemon reached by two paths (a relative one, or
 * /var/run/... for /run/...) has one memory. */
static int socket_key(const char *socket, char *out, size_t outlen)
{
    char *resolved = realpath(socket, NULL);
    int n;
    if (resolved != NULL) {
        n = snprintf(out, outlen, "%s", resolved);
        free(resolved);
    } else if (socket[0] == '/') {
        n = snprintf(out, outlen, "%s", socket);
    } else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd) == NULL)
            return -1;
        n = snprintf(out, outlen, "%s/%s", cwd, socket);
    }
    return n >= 0 && (size_t)n < outlen ? 0 : -1;
}

int cli_daemon_dir(const char *state_dir, const char *socket, char *out, size_t outlen,
                   char *err, size_t errlen)
{
    char key[PATH_MAX];
    size_t n = 0;
    if (socket_key(socket, key, sizeof key) != 0)
        return cli_fail(err, errlen, "cannot find the absolute path of %s", socket);
    if (append(out, outlen, &n, state_dir, strlen(state_dir), false) != 0)
        return cli_fail(err, errlen, "the state directory path is too long");
    /* Where every game was remembered before daemons had directories of
     * their own: an upgrade keeps the tokens of the installed service. */
    if (strcmp(socket, ISL_CLIENT_DEFAULT_SOCKET) == 0 ||
        strcmp(key, ISL_CLIENT_DEFAULT_SOCKET) == 0)
        return 0;
    static const char daemons[] = "/daemons";
    if (append(out, outlen, &n, daemons, strlen(daemons), false) != 0)
        return cli_fail(err, errlen, "the state directory path is too long");
    for (const char *p = key; *p != '\0'; ) {
        size_t len = strcspn(p, "/");
        /* "a//b" and "a/./b" name the same socket as "a/b" */
        bool same_directory = len == 0 || (len == 1 && p[0] == '.');
        size_t start = n + 1;
        if (!same_directory && (append(out, outlen, &n, "/", 1, false) != 0 ||
                                append(out, outlen, &n, p, len, true) != 0 ||
                                n - start > NAME_MAX))
            return cli_fail(err, errlen, "the path of %s is too long to remember games for",
                            socket);
        p += len + (p[len] == '/');
    }
    return 0;
}

static int file_path(const char *dir, const char *game, char *out, size_t outlen,
                     char *err, size_t errlen)
{
    char name[256];     /* NAME_MAX */
    if (cli_state_file_name(game, name, sizeof name) != 0)
        return cli_fail(err, errlen, "the game name is too long to be remembered");
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outlen)
        return cli_fail(err, errlen, "the state file path is too long");
    return 0;
}

static void copy_string(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* Read one player's entry; false if it is malformed. */
static bool load_identity(const json_t *entry, struct cli_identity *id)
{
    const char *token = json_string_value(json_object_get(entry, "token"));
    const char *name = json_string_value(json_object_get(entry, "name"));
    if (token == NULL || token[0] == '\0' || strlen(token) > CLI_TOKEN_MAX)
        return false;
    id->known = true;
    copy_string(id->token, sizeof id->token, token);
    copy_string(id->name, sizeof id->name, name != NULL ? name : "");
    return true;
}

int cli_state_load(const char *dir, const char *game, struct cli_memory *m,
                   char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    copy_string(m->game, sizeof m->game, game);
    char path[4096];
    if (file_path(dir, game, path, sizeof path, err, errlen) != 0)
        return -1;
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        if (access(path, F_OK) != 0 && errno == ENOENT)
            return 0;
        return cli_fail(err, errlen, "cannot read %s: %s", path, jerr.text);
    }
    int rc = 1;
    const char *stored_game = json_string_value(json_object_get(doc, "game"));
    const json_t *players = json_object_get(doc, "players");
    if (stored_game == NULL || strcmp(stored_game, game) != 0 || !json_is_object(players)) {
        rc = cli_fail(err, errlen, "%s does not hold the memory of game %s", path, game);
    } else {
        for (int p = 0; p < 2 && rc == 1; p++) {
            const json_t *entry = json_object_get(players, isl_player_name((enum isl_player)p));
            if (entry != NULL && !load_identity(entry, &m->players[p]))
                rc = cli_fail(err, errlen, "%s: bad entry for %s", path,
                          isl_player_name((enum isl_player)p));
        }
    }
    json_decref(doc);
    return rc;
}

int cli_state_make_dir(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    copy_string(path, sizeof path, dir);
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return cli_fail(err, errlen, "cannot create %s: %s", path, strerror(errno));
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

/* The file's document, or NULL (no memory, or a name or token that is not
 * UTF-8): never a document with an identity left out. */
static json_t *memory_to_json(const struct cli_memory *m)
{
    json_t *players = json_object();
    for (int p = 0; p < 2 && players != NULL; p++) {
        const struct cli_identity *id = &m->players[p];
        if (id->known &&
            json_object_set_new(players, isl_player_name((enum isl_player)p),
                                json_pack("{s:s, s:s}", "name", id->name, "token", id->token)) != 0) {
            json_decref(players);
            players = NULL;
        }
    }
    return players != NULL ? json_pack("{s:s, s:o}", "game", m->game, "players", players) : NULL;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write text to path atomically: a temporary file in the same directory,
 * 0600, synced, then renamed over the old file, and the directory synced
 * so that the rename (a token just handed out) survives a power cut. */
static int write_atomically(const char *dir, const char *path, const char *text,
                            char *err, size_t errlen)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return cli_fail(err, errlen, "the state directory path is too long");
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return cli_fail(err, errlen, "cannot write in %s: %s", dir, strerror(errno));
    bool ok = fchmod(fd, 0600) == 0 && write_all(fd, text, strlen(text)) == 0 &&
              fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        return cli_fail(err, errlen, "cannot write %s: %s", path, strerror(saved));
    }
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        (void)fsync(dir_fd);   /* best effort: the file itself is complete */
        close(dir_fd);
    }
    return 0;
}

int cli_state_save(const char *dir, const struct cli_memory *m, char *err, size_t errlen)
{
    if (!m->players[0].known && !m->players[1].known)
        return cli_state_forget(dir, m->game, err, errlen);
    char path[4096];
    if (file_path(dir, m->game, path, sizeof path, err, errlen) != 0 ||
        cli_state_make_dir(dir, err, errlen) != 0)
        return -1;
    json_t *doc = memory_to_json(m);
    char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    if (text == NULL)
        return cli_fail(err, errlen, "cannot encode the memory of game %s", m->game);
    int rc = write_atomically(dir, path, text, err, errlen);
    free(text);
    return rc;
}

int cli_state_forget(const char *dir, const char *game, char *err, size_t errlen)
{
    char path[4096];
    if (file_path(dir, game, path, sizeof path, err, errlen) != 0)
        return -1;
    if (unlink(path) != 0 && errno != ENOENT)
        return cli_fail(err, errlen, "cannot remove %s: %s", path, strerror(errno));
    return 0;
}

int cli_pick_identity(const struct cli_memory *m, const char *want, char *err, size_t errlen)
{
    bool p1 = m->players[ISL_PLAYER1].known, p2 = m->players[ISL_PLAYER2].known;
    if (want != NULL) {
        enum isl_player p;
        if (isl_player_from_name(want, &p) != 0)
            return cli_fail(err, errlen, "--player must be player1 or player2");
        if (!m->players[p].known)
            return cli_fail(err, errlen, "you have not joined game %s as %s here", m->game, want);
        return (int)p;
    }
    if (p1 && p2)
        return cli_fail(err, errlen,
                    "you hold both players of game %s here: choose one with --player", m->game);
    if (p1 || p2)
        return p1 ? ISL_PLAYER1 : ISL_PLAYER2;
    return cli_fail(err, errlen,
                "you have not joined game %s here (islands new or islands join first)", m->game);
}
