/* The checks of game_text_checks.h. */
#include "game_text_checks.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "islands/buf.h"
#include "islands/codec.h"
#include "islands/doc_text.h"
#include "islands/request.h"

static bool plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7f)
            return false;
    return true;
}

static bool names_plain(const struct isl_game *g)
{
    for (int p = 0; p < 2; p++)
        if (g->players[p].joined && !plain_ascii(g->players[p].name))
            return false;
    return plain_ascii(g->name);
}

/* doc_text.c against isl_codec_dump, and both readers on the result. */
static void check_document(const struct isl_game *g)
{
    struct isl_buf text;
    isl_buf_init(&text, 0);
    char *dump = isl_codec_dump(g);
    FUZZ_CHECK(dump != NULL && isl_doc_text_append(g, &text) == 0, "no document");
    size_t len = strlen(dump);
    FUZZ_CHECK(text.len == len && memcmp(isl_buf_head(&text), dump, len) == 0,
               "doc_text differs from isl_codec_dump");
    struct isl_game back;
    char err[256];
    FUZZ_CHECK(isl_codec_load(dump, len, &back, err, sizeof err) == 0, "own document refused");
    FUZZ_CHECK(memcmp(&back, g, sizeof back) == 0, "own document loads another game");
    json_t *doc = json_loadb(dump, len, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(isl_codec_decode(doc, &back, err, sizeof err) == 0, "decoder refuses own document");
    FUZZ_CHECK(memcmp(&back, g, sizeof back) == 0, "decoder builds another game");
    json_decref(doc);
    int canonical = isl_codec_read_canonical(dump, len, &back);
    FUZZ_CHECK(canonical || !names_plain(g), "canonical text not read as text");
    FUZZ_CHECK(!canonical || memcmp(&back, g, sizeof back) == 0, "text reader builds another game");
    free(dump);
    isl_buf_free(&text);
}

/* state_text.c against {"ok":true} + isl_codec_state_view, dumped. */
static void check_state(const struct isl_game *g, enum isl_view view)
{
    struct isl_buf text;
    isl_buf_init(&text, 0);
    FUZZ_CHECK(isl_state_text_append(g, view, &text) == 0, "no state text");
    json_t *answer = isl_response_ok(), *result = isl_codec_state_view(g, view);
    FUZZ_CHECK(answer && result && json_object_update(answer, result) == 0, "no state tree");
    char *dump = json_dumps(answer, JSON_COMPACT);
    FUZZ_CHECK(dump != NULL, "no state dump");
    size_t len = strlen(dump);
    FUZZ_CHECK(text.len == len && memcmp(isl_buf_head(&text), dump, len) == 0,
               "state_text differs from the jansson state");
    free(dump);
    json_decref(answer);
    json_decref(result);
    isl_buf_free(&text);
}

void check_game_texts(const struct isl_game *g)
{
    check_document(g);
    for (int view = ISL_VIEW_PLAYER1; view <= ISL_VIEW_ADMIN; view++)
        check_state(g, (enum isl_view)view);
}
