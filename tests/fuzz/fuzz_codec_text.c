/* A stored document read as text (codec_text.c) against the jansson
 * decoder (codec_decode.c): whatever the text reader accepts, the decoder
 * accepts and builds the same game. Every game the decoder accepts is then
 * written by doc_text.c and state_text.c exactly as by jansson
 * (game_text_checks.h). */
#include <string.h>

#include "fuzz_check.h"
#include "game_text_checks.h"
#include "islands/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    const char *text = (const char *)bytes;
    struct isl_game by_text, by_json;
    char err[256];
    int text_ok = isl_codec_read_canonical(text, size, &by_text);
    json_t *doc = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
    int json_ok = doc != NULL && isl_codec_decode(doc, &by_json, err, sizeof err) == 0;
    json_decref(doc);
    if (text_ok) {
        FUZZ_CHECK(json_ok, "the text reader accepts a document the decoder refuses");
        FUZZ_CHECK(memcmp(&by_text, &by_json, sizeof by_text) == 0, "the games differ");
    }
    if (json_ok)
        check_game_texts(&by_json);
    return 0;
}
