/* Request objects the bench sends. */
#include "proto.h"

#include "bench.h"

static const char *player_name(int player)
{
    return player ? "player2" : "player1";
}

json_t *req_state(json_int_t id, const char *game)
{
    return json_pack("{s:I, s:s, s:s}", "id", id, "op", "state", "game", game);
}

json_t *req_guess(json_int_t id, const char *game, int player, const char *token, int row,
                  int col)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:i}", "id", id, "op", "guess", "game",
                     game, "player", player_name(player), "token", token, "row", row, "col", col);
}

json_t *req_new_game(json_int_t id, const char *game)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", id, "op", "new_game", "game", game, "name",
                     "Ann");
}

json_t *req_add_player(json_int_t id, const char *game)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", id, "op", "add_player", "game", game, "name",
                     "Bob");
}

json_t *req_end_game(json_int_t id, const char *game)
{
    return json_pack("{s:I, s:s, s:s}", "id", id, "op", "end_game", "game", game);
}

json_t *req_position(json_int_t id, const char *game, int player, const char *token,
                     const struct bench_island_place *place)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "id", id, "op",
                     "position_island", "game", game, "player", player_name(player), "token",
                     token, "island", place->island, "row", place->row, "col", place->col);
}

json_t *req_set_islands(json_int_t id, const char *game, int player, const char *token)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", id, "op", "set_islands", "game", game,
                     "player", player_name(player), "token", token);
}

json_t *req_crash_kill(json_int_t id, const char *game)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", id, "op", "crash", "game", game, "signal",
                     "KILL");
}

bool resp_ok(const json_t *response)
{
    return json_is_true(json_object_get(response, "ok"));
}

const char *resp_error(const json_t *response)
{
    const char *code = json_string_value(json_object_get(response, "error"));
    return code ? code : "";
}

json_int_t resp_id(const json_t *response)
{
    json_t *id = json_object_get(response, "id");
    return json_is_integer(id) ? json_integer_value(id) : -1;
}

json_t *call(struct isl_client *c, json_t *request, int timeout_ms)
{
    json_t *response = NULL;
    enum isl_client_status s = request ? isl_client_call(c, request, &response, timeout_ms)
                                       : ISL_CLIENT_ERROR;
    json_decref(request);
    if (s != ISL_CLIENT_OK) {
        say("request failed: %s", isl_client_status_text(s));
        return NULL;
    }
    return response;
}
