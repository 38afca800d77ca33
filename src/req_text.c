/* The worker's fast path for the frame every move brings: a guess request
 * in exactly the layout islandsd writes (isl_request_encode inside
 * {"t":"req","seq":N,"req":{...}}), read without building a jansson tree.
 * Anything else is left to isl_frame_take + isl_request_parse, whose
 * checks and messages stay the only ones: this accepts a subset of the
 * valid frames and decodes each exactly as they would. */
#include <string.h>

#include "islands/request.h"
#include "islands/text_scan.h"
#include "islands/worker_proto.h"

/* A coordinate the parser would keep as it is (it clamps the rest). */
static bool coordinate(struct isl_scan *c, int *out)
{
    long long v;
    if (!isl_scan_integer(c, &v) || v < -1000 || v > 1000)
        return false;
    *out = (int)v;
    return true;
}

static bool player(struct isl_scan *c, enum isl_player *out)
{
    if (isl_scan_literal(c, "player1\""))
        *out = ISL_PLAYER1;
    else if (isl_scan_literal(c, "player2\""))
        *out = ISL_PLAYER2;
    else
        return false;
    return true;
}

int isl_req_frame_text(const char *payload, size_t len, long long *seq, struct isl_request *out)
{
    struct isl_scan c = {payload, payload + len};
    size_t n;
    memset(out, 0, sizeof *out);
    out->op = ISL_OP_GUESS;
    out->has_player = out->has_token = true;
    bool ok = isl_scan_literal(&c, "{\"t\":\"req\",\"seq\":") && isl_scan_integer(&c, seq) &&
              isl_scan_literal(&c, ",\"req\":{\"op\":\"guess\",\"game\":\"") &&
              isl_scan_string(&c, out->game, sizeof out->game, &n) &&
              isl_game_name_valid(out->game, n) &&
              isl_scan_literal(&c, ",\"player\":\"") && player(&c, &out->player) &&
              /* A token that does not fit would be kept as an impossible
               * value: that one is jansson's to decode. */
              isl_scan_literal(&c, ",\"token\":\"") &&
              isl_scan_string(&c, out->token, sizeof out->token, &n) &&
              isl_scan_literal(&c, ",\"row\":") && coordinate(&c, &out->row) &&
              isl_scan_literal(&c, ",\"col\":") && coordinate(&c, &out->col) &&
              isl_scan_literal(&c, ",\"admin\":");
    if (ok && isl_scan_literal(&c, "true"))
        out->admin = true;
    else if (!ok || !isl_scan_literal(&c, "false"))
        return 0;
    return isl_scan_literal(&c, "}}") && c.p == c.end;
}
