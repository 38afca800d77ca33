/* The writer's text reader of a worker's commit frame (writer/commit_text.c)
 * against the path the writer takes otherwise (writer/conns.c: the frame
 * decoded by isl_frame_take, then isl_write_from_frame and
 * writer_answer_from_frame). A worker is not trusted: on any payload the
 * text reader accepts only what the jansson path accepts, decoded to the
 * same write, so the writer's verdict is jansson's whichever path runs. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../writer/writer.h"
#include "fuzz_check.h"
#include "islands/frame.h"
#include "islands/worker_proto.h"

static bool same_text(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

/* Answers are compared as JSON: the text path keeps the worker's text,
 * jansson's path dumps it again. */
static bool same_answer(const char *text, const char *dumped)
{
    if ((text == NULL) != (dumped == NULL))
        return false;
    if (text == NULL)
        return true;
    json_t *a = json_loads(text, 0, NULL), *b = json_loads(dumped, 0, NULL);
    bool same = a != NULL && b != NULL && json_equal(a, b);
    json_decref(a);
    json_decref(b);
    return same;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *payload = (const char *)data;
    struct batch_entry e;
    memset(&e, 0, sizeof e);
    int by_text = writer_commit_text(payload, size, &e);

    struct isl_buf in;
    isl_buf_init(&in, 0);
    FUZZ_CHECK(isl_frame_put_raw(&in, payload, (uint32_t)size) == 0, "no memory");
    json_t *frame = NULL;
    struct isl_store_write w;
    long long seq = 0;
    char *owned = NULL, *answer = NULL, err[128];
    bool by_jansson = isl_frame_take(&in, &frame) == 1 &&
                      isl_write_from_frame(frame, &w, &seq, &owned, err, sizeof err) == 0 &&
                      writer_answer_from_frame(frame, &w, &answer) == 0;
    isl_buf_free(&in);

    if (by_text) {
        FUZZ_CHECK(by_jansson, "the text reader accepts a frame jansson's path refuses");
        FUZZ_CHECK(e.frame == NULL && e.owned != NULL, "text entry not self-contained");
        FUZZ_CHECK(e.seq == seq, "another seq");
        FUZZ_CHECK(e.write.kind == w.kind, "another kind");
        FUZZ_CHECK(strcmp(e.write.game, w.game) == 0, "another game");
        FUZZ_CHECK(e.write.doc_len == w.doc_len, "another document length");
        FUZZ_CHECK(w.doc_len == 0 || memcmp(e.write.doc, w.doc, w.doc_len) == 0,
                   "another document");
        FUZZ_CHECK(w.kind != ISL_WRITE_PUT || same_text(e.write.rules, w.rules),
                   "another rules state");
        FUZZ_CHECK(same_answer(e.answer, answer), "another answer");
        free(e.owned);
        free(e.answer);
    }
    free(owned);
    free(answer);
    json_decref(frame);
    return 0;
}
