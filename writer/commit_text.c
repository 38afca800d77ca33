/* The writer's fast path for the frame every move sends: a commit in
 * exactly the layout the committer writes (src/committer.c), read without
 * building a jansson tree. Anything else, including every malformed or
 * unusual frame, is left to isl_frame_take + isl_write_from_frame, so that
 * validation and its error messages stay in one place: this accepts only a
 * subset of valid frames, and decodes each exactly as jansson would. */
#include "writer.h"

#include <stdlib.h>
#include <string.h>

#include "islands/request.h"
#include "islands/text_scan.h"

/* The next string, decoded at *d, which moves past it (there is room:
 * decoding never makes text longer). */
static bool string_at(struct isl_scan *c, char **d, const char *limit, size_t *n)
{
    if (!isl_scan_string(c, *d, (size_t)(limit - *d), n))
        return false;
    *d += *n + 1;
    return true;
}

int writer_commit_text(const char *payload, size_t len, struct batch_entry *e)
{
    struct isl_scan c = { payload, payload + len };
    long long seq;
    if (!isl_scan_literal(&c, "{\"t\":\"commit\",\"seq\":") || !isl_scan_integer(&c, &seq) ||
        !isl_scan_literal(&c, ",\"game\":\""))
        return 0;
    char *owned = malloc(len), *d = owned;
    if (!owned)
        return 0;
    const char *limit = owned + len;
    size_t n;
    struct isl_store_write w = { .game = d };
    enum isl_rules_state state;
    bool ok = string_at(&c, &d, limit, &n);
    if (ok && isl_scan_literal(&c, ",\"delete\":true")) {
        w.kind = ISL_WRITE_DELETE;
    } else if (ok && isl_scan_literal(&c, ",\"doc\":\"")) {
        w.kind = ISL_WRITE_PUT;
        w.doc = d;
        ok = string_at(&c, &d, limit, &n);
        w.doc_len = ok ? n : 0;
        w.rules = d;
        ok = ok && isl_scan_literal(&c, ",\"rules\":\"") && string_at(&c, &d, limit, &n) &&
             isl_rules_state_from_name(w.rules, &state) == 0;
    } else {
        ok = false;
    }
    char *answer = NULL;
    if (ok && isl_scan_literal(&c, ",\"answer\":")) {
        /* The rest up to the frame's closing brace is the answer object. */
        ok = c.end - c.p >= 2 && writer_answer_copy(c.p, (size_t)(c.end - c.p - 1), &answer) == 0;
        if (ok)
            c.p = c.end - 1;
    }
    if (!ok || !isl_scan_literal(&c, "}") || c.p != c.end ||
        !isl_game_name_valid(w.game, strlen(w.game))) {
        free(owned);
        free(answer);
        return 0;
    }
    e->answer = answer;
    e->write = w;
    e->seq = seq;
    e->owned = owned;
    e->frame = NULL;
    return 1;
}
