/* The worker's request and adopt frames read as text (req_text.c) against
 * the jansson path the worker takes otherwise (worker/main.c: the frame
 * decoded, "t" and "seq" checked, isl_request_parse trusted): whatever the
 * text path accepts, jansson accepts and decodes the same; and a guess
 * with its token, or a state, in islandsd's own layout is always taken by
 * the text path. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "islands/request.h"
#include "islands/worker_proto.h"

/* The jansson path: 1 with *seq and *out, or 0 where the worker refuses. */
static int req_by_jansson(const json_t *frame, long long *seq, struct isl_request *out)
{
    const json_t *t = json_object_get(frame, "t"), *s = json_object_get(frame, "seq");
    const json_t *req = json_object_get(frame, "req");
    if (!json_is_string(t) || strcmp(json_string_value(t), "req") != 0 ||
        !json_is_integer(s) || !json_is_object(req) ||
        isl_request_parse(req, true, out, NULL) != ISL_OK)
        return 0;
    *seq = json_integer_value(s);
    return 1;
}

/* Printable ASCII (DEL included): the only text the text path reads as is. */
static bool plain(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7f)
            return false;
    return true;
}

/* islandsd's frame for req (router.c), as isl_frame_put dumps it. */
static char *islandsd_frame(long long seq, const struct isl_request *req)
{
    json_t *msg = json_pack("{s:s, s:I, s:o}", "t", "req", "seq", (json_int_t)seq,
                            "req", isl_request_encode(req));
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    return text;
}

static void check_req(const char *data, size_t size, const json_t *frame)
{
    long long text_seq = 0, json_seq = 0;
    struct isl_request text_req, json_req;
    int by_text = isl_req_frame_text(data, size, &text_seq, &text_req);
    int by_json = frame != NULL && req_by_jansson(frame, &json_seq, &json_req);
    if (by_text) {
        FUZZ_CHECK(by_json, "text accepts a frame the jansson path refuses");
        FUZZ_CHECK(text_seq == json_seq, "seq differs");
        FUZZ_CHECK(memcmp(&text_req, &json_req, sizeof text_req) == 0, "request differs");
    }
    /* A guess without a token is refused (unauthorized) through jansson:
     * the text path covers the guesses a game is played with. */
    bool hot = by_json && (json_req.op == ISL_OP_STATE ||
                           (json_req.op == ISL_OP_GUESS && json_req.has_token));
    if (hot && plain(json_req.token)) {
        char *own = islandsd_frame(json_seq, &json_req);
        FUZZ_CHECK(own != NULL, "no memory");
        if (strlen(own) == size && memcmp(own, data, size) == 0)
            FUZZ_CHECK(by_text, "islandsd's own layout is not taken as text");
        free(own);
    }
}

static void check_adopt(const char *data, size_t size, const json_t *frame)
{
    char text_game[ISL_GAME_NAME_MAX + 1];
    if (!isl_adopt_frame_text(data, size, text_game, sizeof text_game))
        return;
    /* The worker's jansson checks of an adopt (handle_frame). */
    const json_t *t = json_object_get(frame, "t"), *after = json_object_get(frame, "after");
    const char *game = json_string_value(json_object_get(frame, "game"));
    FUZZ_CHECK(json_is_string(t) && strcmp(json_string_value(t), "adopt") == 0,
               "text adopt, jansson another t");
    FUZZ_CHECK(game && isl_game_name_valid(game, strlen(game)), "text adopt, bad game");
    FUZZ_CHECK(strcmp(game, text_game) == 0, "adopt game differs");
    FUZZ_CHECK(json_is_array(after) && json_array_size(after) == 0, "adopt after differs");
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const char *data = (const char *)bytes;
    /* As isl_frame_take decodes a payload. */
    json_t *frame = json_loadb(data, size, 0, NULL);
    if (!json_is_object(frame)) {
        json_decref(frame);
        frame = NULL;
    }
    check_req(data, size, frame);
    if (frame == NULL) {
        char game[ISL_GAME_NAME_MAX + 1];
        FUZZ_CHECK(!isl_adopt_frame_text(data, size, game, sizeof game),
                   "text adopt of a frame jansson refuses");
    } else {
        check_adopt(data, size, frame);
    }
    json_decref(frame);
    return 0;
}
