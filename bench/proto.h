/* Request objects of PROTOCOL.md as the bench sends them, and the few
 * fields it reads back. Every builder returns a new reference (NULL only
 * when out of memory). */
#ifndef ISLANDS_BENCH_PROTO_H
#define ISLANDS_BENCH_PROTO_H

#include <jansson.h>
#include <stdbool.h>

#include "games.h"
#include "islands/client.h"

json_t *req_state(json_int_t id, const char *game);
json_t *req_guess(json_int_t id, const char *game, int player, const char *token, int row,
                  int col);
json_t *req_new_game(json_int_t id, const char *game);
json_t *req_add_player(json_int_t id, const char *game);
/* As an admin (the bench runs as islandsd's user): no token needed. */
json_t *req_end_game(json_int_t id, const char *game);
json_t *req_position(json_int_t id, const char *game, int player, const char *token,
                     const struct bench_island_place *place);
json_t *req_set_islands(json_int_t id, const char *game, int player, const char *token);
json_t *req_crash_kill(json_int_t id, const char *game);

bool resp_ok(const json_t *response);
/* The error code, or "" for a success. */
const char *resp_error(const json_t *response);
/* The id, or -1 when there is none. */
json_int_t resp_id(const json_t *response);

/* Send request (the reference is taken) and wait for one response: the
 * response, or NULL (said why) on a transport failure. */
json_t *call(struct isl_client *c, json_t *request, int timeout_ms);

#endif
