/* One request against the worker's game: check the token, apply the move
 * to a copy, commit the new document, and answer only once it is stored. */
#include <stdlib.h>
#include <string.h>

#include "islands/codec.h"
#include "islands/doc_text.h"
#include "islands/exit_status.h"
#include "islands/log.h"
#include "islands/token.h"
#include "islands/worker_proto.h"
#include "worker.h"

static bool token_ok(const struct worker *w, const struct isl_request *r)
{
    return r->has_player && r->has_token && isl_game_token_matches(&w->game, r->player, r->token);
}

static void answer_error(struct worker *w, enum isl_error e, const char *message)
{
    worker_answer(w, isl_response_error(e, message));
}

/* A commit failed because the writer was lost after it was sent: stored or
 * not, nobody can say (a delete may well be on disk). Exiting unanswered
 * lets the supervisor tell the client so (game_unavailable, outcome
 * unknown); a store_error would claim that nothing changed. */
static void exit_if_outcome_unknown(struct worker *w, const char *error)
{
    if (!isl_committer_broken(w->committer))
        return;
    isl_log(ISL_LOG_ERR, "event=commit_outcome_unknown game=%s error=\"%s\"", w->name, error);
    exit_worker_process(w, ISL_EXIT_STORE);
}

static void on_committed(void *arg, int rc, const char *error)
{
    struct worker *w = arg;
    json_t *answer = w->answer;
    w->answer = NULL;
    if (rc != ISL_STORE_OK) {
        exit_if_outcome_unknown(w, error);
        /* Not stored, so not made: the old game stays. */
        isl_log(ISL_LOG_ERR, "event=commit_failed game=%s error=\"%s\"", w->name, error);
        json_decref(answer);
        w->exit_after = -1;
        answer_error(w, ISL_E_STORE_ERROR, error);
        return;
    }
    if (w->next_deletes)
        w->loaded = false;
    else {
        w->game = w->next;
        w->loaded = true;
    }
    worker_answer(w, answer);
}

/* A relayed commit failed: nothing changed, so the answer is ours to give. */
static void on_relay_failed(void *arg, int rc, const char *error)
{
    (void)rc;
    struct worker *w = arg;
    w->unsettled = false;
    exit_if_outcome_unknown(w, error);
    isl_log(ISL_LOG_ERR, "event=commit_failed game=%s error=\"%s\"", w->name, error);
    w->busy = true;
    w->seq = w->unsettled_seq;
    answer_error(w, ISL_E_STORE_ERROR, error);
}

/* The write of w->next, or of its deletion; false if it could not be
 * encoded (answered). */
static bool prepare_write(struct worker *w, bool deletes, struct isl_store_write *write)
{
    *write = (struct isl_store_write){ .game = w->name };
    w->next_deletes = deletes;
    if (deletes) {
        write->kind = ISL_WRITE_DELETE;
        return true;
    }
    /* One buffer for the life of the worker: no allocation per move. */
    isl_buf_consume(&w->doc, w->doc.len);
    if (isl_doc_text_append(&w->next, &w->doc) != 0) {
        answer_error(w, ISL_E_INTERNAL, "cannot encode the game");
        return false;
    }
    write->kind = ISL_WRITE_PUT;
    write->doc = isl_buf_head(&w->doc);
    write->doc_len = w->doc.len;
    write->rules = isl_rules_state_name(w->next.state);
    return true;
}

/* Store w->next; the writer answers the supervisor for us once it is
 * stored. response is the response object's JSON text. */
static void commit_relayed(struct worker *w, const char *response)
{
    struct isl_store_write write;
    if (!prepare_write(w, false, &write))
        return;
    char *text = isl_resp_frame_text(w->seq, response, isl_rules_state_name(w->next.state));
    if (!text) {
        answer_error(w, ISL_E_INTERNAL, "cannot encode the answer");
        return;
    }
    w->unsettled = true;
    w->unsettled_seq = w->seq;
    isl_committer_submit_relayed(w->committer, &write, text, on_relay_failed, w);
    free(text);
    if (w->unsettled)
        worker_handed_off(w);
}

/* Whether this commit's answer goes out through the writer; an answer
 * after which we exit waits for `committed` here instead. */
static bool relays(const struct worker *w, bool deletes)
{
    return w->relay && !deletes && w->exit_after < 0 && !w->ack_before_commit;
}

/* Store w->next (or delete the record), then answer `answer`. */
static void commit_then_answer(struct worker *w, json_t *answer, bool deletes)
{
    if (relays(w, deletes)) {
        char *text = json_dumps(answer, JSON_COMPACT);
        json_decref(answer);
        if (text)
            commit_relayed(w, text);
        else
            answer_error(w, ISL_E_INTERNAL, "cannot encode the answer");
        free(text);
        return;
    }
    struct isl_store_write write;
    if (!prepare_write(w, deletes, &write)) {
        json_decref(answer);
        return;
    }
    if (w->ack_before_commit) {
        w->answer = answer;
        /* A deliberately broken worker, to prove the chaos harness notices:
         * it answers as if committed, then dies before committing. */
        w->exit_after = ISL_EXIT_CRASH;
        on_committed(w, ISL_STORE_OK, NULL);
        return;
    }
    w->answer = answer;
    isl_committer_submit(w->committer, &write, on_committed, w);
}

static json_t *ok_with(const char *key, json_t *value)
{
    json_t *r = isl_response_ok();
    if (key)
        json_object_set_new(r, key, value);
    return r;
}

static void new_game(struct worker *w, const struct isl_request *r)
{
    char token[ISL_TOKEN_LEN + 1];
    if (isl_token_generate(token) != 0) {
        answer_error(w, ISL_E_INTERNAL, "no random token available");
        return;
    }
    isl_game_new(&w->next, w->name, r->name, token);
    json_t *answer = ok_with("game", json_string(w->name));
    json_object_set_new(answer, "player", json_string("player1"));
    json_object_set_new(answer, "token", json_string(token));
    commit_then_answer(w, answer, false);
}

static void add_player(struct worker *w, const struct isl_request *r)
{
    char token[ISL_TOKEN_LEN + 1];
    if (isl_token_generate(token) != 0) {
        answer_error(w, ISL_E_INTERNAL, "no random token available");
        return;
    }
    enum isl_error e = isl_game_add_player(&w->next, r->name, token);
    if (e != ISL_OK) {
        answer_error(w, e, NULL);
        return;
    }
    json_t *answer = ok_with("player", json_string("player2"));
    json_object_set_new(answer, "token", json_string(token));
    commit_then_answer(w, answer, false);
}

static void guess(struct worker *w, const struct isl_request *r)
{
    struct isl_guess_result g;
    enum isl_error e = isl_game_guess(&w->next, r->player, r->row, r->col, &g);
    if (e != ISL_OK) {
        answer_error(w, e, NULL);
        return;
    }
    if (!relays(w, false)) {
        commit_then_answer(w, isl_response_guess(&g), false);
        return;
    }
    /* The move every game is made of: its answer written as text. */
    char response[128];
    if (isl_response_guess_text(&g, response, sizeof response) < 0)
        answer_error(w, ISL_E_INTERNAL, "cannot encode the answer");
    else
        commit_relayed(w, response);
}

static void state(struct worker *w, const struct isl_request *r)
{
    enum isl_view view;
    if (r->has_player) {
        if (!token_ok(w, r)) {
            answer_error(w, ISL_E_UNAUTHORIZED, NULL);
            return;
        }
        view = r->player == ISL_PLAYER1 ? ISL_VIEW_PLAYER1 : ISL_VIEW_PLAYER2;
    } else {
        view = r->admin ? ISL_VIEW_ADMIN : ISL_VIEW_PUBLIC;
    }
    isl_buf_consume(&w->text, w->text.len);
    if (isl_state_text_append(&w->game, view, &w->text) != 0 ||
        isl_buf_append(&w->text, "", 1) != 0) {
        answer_error(w, ISL_E_INTERNAL, "cannot encode the state");
        return;
    }
    worker_answer_text(w, isl_buf_head(&w->text));
}

void serve_request(struct worker *w, const struct isl_request *r)
{
    w->exit_after = -1;
    if (!w->loaded) {
        if (r->op == ISL_OP_NEW_GAME)
            new_game(w, r);
        else
            answer_error(w, ISL_E_NO_SUCH_GAME, NULL);
        return;
    }
    w->next = w->game;
    enum isl_error e;
    switch (r->op) {
    case ISL_OP_NEW_GAME:
        answer_error(w, ISL_E_GAME_EXISTS, NULL);
        return;
    case ISL_OP_ADD_PLAYER:
        add_player(w, r);
        return;
    case ISL_OP_STATE:
        state(w, r);
        return;
    case ISL_OP_END_GAME:
        if (r->has_player ? !token_ok(w, r) : !r->admin) {
            answer_error(w, ISL_E_UNAUTHORIZED, NULL);
            return;
        }
        w->exit_after = ISL_EXIT_GAME_ENDED;   /* once answered */
        commit_then_answer(w, isl_response_ok(), true);
        return;
    default:
        break;
    }
    /* The player ops: the token before anything else. */
    if (!token_ok(w, r)) {
        answer_error(w, ISL_E_UNAUTHORIZED, NULL);
        return;
    }
    switch (r->op) {
    case ISL_OP_POSITION_ISLAND:
        e = isl_game_position_island(&w->next, r->player, r->island, r->row, r->col);
        if (e != ISL_OK)
            answer_error(w, e, NULL);
        else
            commit_then_answer(w, isl_response_ok(), false);
        return;
    case ISL_OP_SET_ISLANDS:
        e = isl_game_set_islands(&w->next, r->player);
        if (e != ISL_OK)
            answer_error(w, e, NULL);
        else
            commit_then_answer(w, ok_with("board",
                                          isl_codec_board(&w->next.players[r->player].board)),
                               false);
        return;
    case ISL_OP_GUESS:
        guess(w, r);
        return;
    default:
        answer_error(w, ISL_E_INTERNAL, "not a game op");
        return;
    }
}
