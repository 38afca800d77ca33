/* The worker's fast path for the frame every move brings, a guess, and
 * for the `state` a recovered game is usually asked first: a request in
 * exactly the layout islandsd writes (isl_request_encode inside
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

/* ,"player":"playerN","token":"T" of a guess, both required. */
static bool guess_args(struct isl_scan *c, struct isl_request *out)
{
    size_t n;
    out->has_player = out->has_token = true;
    /* A token that does not fit would be kept as an impossible value:
     * that one is jansson's to decode. */
    return isl_scan_literal(c, ",\"player\":\"") && player(c, &out->player) &&
           isl_scan_literal(c, ",\"token\":\"") &&
           isl_scan_string(c, out->token, sizeof out->token, &n) &&
           isl_scan_literal(c, ",\"row\":") && coordinate(c, &out->row) &&
           isl_scan_literal(c, ",\"col\":") && coordinate(c, &out->col);
}

/* The optional player and token of a `state`, each there or not. */
static bool state_args(struct isl_scan *c, struct isl_request *out)
{
    size_t n;
    if (isl_scan_literal(c, ",\"player\":\"")) {
        if (!player(c, &out->player))
            return false;
        out->has_player = true;
    }
    if (isl_scan_literal(c, ",\"token\":\"")) {
        if (!isl_scan_string(c, out->token, sizeof out->token, &n))
            return false;
        out->has_token = true;
    }
    return true;
}

int isl_req_frame_text(const char *payload, size_t len, long long *seq, struct isl_request *out)
{
    struct isl_scan c = {payload, payload + len};
    size_t n;
    memset(out, 0, sizeof *out);
    if (!isl_scan_literal(&c, "{\"t\":\"req\",\"seq\":") || !isl_scan_integer(&c, seq) ||
        !isl_scan_literal(&c, ",\"req\":{\"op\":\""))
        return 0;
    if (isl_scan_literal(&c, "guess\""))
        out->op = ISL_OP_GUESS;
    else if (isl_scan_literal(&c, "state\""))
        out->op = ISL_OP_STATE;
    else
        return 0;
    bool ok = isl_scan_literal(&c, ",\"game\":\"") &&
              isl_scan_string(&c, out->game, sizeof out->game, &n) &&
              isl_game_name_valid(out->game, n) &&
              (out->op == ISL_OP_GUESS ? guess_args(&c, out) : state_args(&c, out)) &&
              isl_scan_literal(&c, ",\"admin\":");
    if (ok && isl_scan_literal(&c, "true"))
        out->admin = true;
    else if (!ok || !isl_scan_literal(&c, "false"))
        return 0;
    return isl_scan_literal(&c, "}}") && c.p == c.end;
}

int isl_adopt_frame_text(const char *payload, size_t len, char *game, size_t cap)
{
    struct isl_scan c = {payload, payload + len};
    size_t n;
    return isl_scan_literal(&c, "{\"t\":\"adopt\",\"game\":\"") &&
           isl_scan_string(&c, game, cap, &n) && isl_game_name_valid(game, n) &&
           isl_scan_literal(&c, ",\"after\":[]}") && c.p == c.end;
}
