/* A game slot's answers: apply what was acknowledged, check what was
 * refused, and reconcile the model with `state` after a fault. */
#include "slot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *code_name(enum isl_error e)
{
    return e == ISL_OK ? "ok" : isl_error_code(e);
}

static void next_game(struct slot *s)
{
    s->serial++;
    snprintf(s->name, sizeof s->name, "%s-%u-%u", s->prefix, s->index, s->serial);
    rng_seed(&s->rng, s->seed, ((uint64_t)s->index << 32) | s->serial);
    model_plan_layout(&s->rng, &s->plan[0]);
    model_plan_layout(&s->rng, &s->plan[1]);
    s->created = false;
    s->abandon = false;
    s->model_lost = false;
    s->unknown = false;
    s->history_count = 0;
    memset(&s->model, 0, sizeof s->model);
}

void slot_init(struct slot *s, unsigned index, uint64_t seed, const char *prefix)
{
    memset(s, 0, sizeof *s);
    s->index = index;
    s->seed = seed;
    s->prefix = prefix;
    s->watch = NO_WATCH;
    next_game(s);
}

void slot_free(struct slot *s)
{
    free(s->history);
    s->history = NULL;
    s->history_count = s->history_cap = 0;
}

bool slot_has_game(const struct slot *s)
{
    return s->created || (s->unknown && s->move.kind == MOVE_NEW_GAME);
}

void slot_watch(struct slot *s, size_t watch)
{
    s->watch = watch;
}

void slot_choose(struct slot *s, unsigned invalid_percent, bool valid_only)
{
    if (s->abandon) {
        memset(&s->move, 0, sizeof s->move);
        s->move.kind = MOVE_END_GAME;
        s->move.as_admin = true;
    } else {
        model_choose(&s->model, s->created, s->plan, &s->rng, valid_only ? 0 : invalid_percent,
                     &s->move);
    }
    model_predict(s->created ? &s->model : NULL, s->name, &s->move, &s->predicted, &s->expect);
}

void slot_choose_end(struct slot *s)
{
    memset(&s->move, 0, sizeof s->move);
    s->move.kind = MOVE_END_GAME;
    s->move.player = ISL_PLAYER1;
    model_predict(&s->model, s->name, &s->move, &s->predicted, &s->expect);
}

json_t *slot_request(struct slot *s, json_int_t id)
{
    s->in_flight = true;
    s->probe = false;
    s->on_disk = ON_DISK_EITHER;
    s->id = id;
    s->sent_ms = isl_monotonic_ms();
    return model_request(s->name, s->created ? &s->model : NULL, &s->move, id);
}

static void push_history(struct slot *s)
{
    if (s->history_count == s->history_cap)
        s->history = grow_array(s->history, &s->history_cap, sizeof *s->history);
    s->history[s->history_count++] = s->model;
}

static void adopt(struct slot *s, const struct isl_game *g)
{
    s->has_ghost = false;
    s->model = *g;
    s->created = true;
    push_history(s);
}

/* end_game took effect: count the game, and start the next one. */
static void game_ended(struct chaos_run *run, struct slot *s)
{
    if (s->abandon)
        run->stats.games_abandoned++;
    else if (s->model.state == ISL_RULES_GAME_OVER)
        run->stats.games_finished++;
    run_note_ended(run, s->name);
    next_game(s);
}

static void recovered(struct chaos_run *run, struct slot *s)
{
    if (s->watch != NO_WATCH)
        watch_answered(run, s->watch);
    s->watch = NO_WATCH;
}

static void acknowledged(struct chaos_run *run, struct slot *s, const json_t *resp)
{
    char why[400], what[96];
    model_describe(&s->move, what, sizeof what);
    if (s->expect.error != ISL_OK) {
        /* The daemon made a move the rules refuse: find out what it did. */
        violation(run, "%s: %s answered ok, the engine says %s", s->name, what,
                  code_name(s->expect.error));
        s->predicted = s->model;
        s->unknown = true;
        return;
    }
    if (model_check_result(&s->move, &s->expect, &s->predicted, resp, why, sizeof why) != 0)
        violation(run, "%s: %s: %s", s->name, what, why);
    if (s->on_disk == ON_DISK_NOT_MADE)
        violation(run, "%s: %s answered ok, but the writer died before mdb_txn_commit", s->name,
                  what);
    run->stats.moves_acked++;
    if (s->move.kind == MOVE_END_GAME) {
        game_ended(run, s);
        return;
    }
    if (s->move.kind == MOVE_NEW_GAME)
        run->stats.games_started++;
    model_accept(&s->predicted, &s->move, resp);
    adopt(s, &s->predicted);
}

void slot_answer(struct chaos_run *run, struct slot *s, const json_t *resp)
{
    s->in_flight = false;
    if (s->probe) {
        if (slot_reconcile(run, s, resp) != 0)
            s->probe_after_ms = isl_monotonic_ms() + 100;
        return;
    }
    snprintf(s->answer, sizeof s->answer, "%s", answer_ok(resp) ? "ok" : answer_error(resp));
    if (answer_ok(resp)) {
        recovered(run, s);
        acknowledged(run, s, resp);
        return;
    }
    run->stats.moves_refused++;
    const char *code = answer_error(resp);
    const char *outcome = json_string_value(json_object_get(resp, "outcome"));
    bool outcome_unknown = outcome && strcmp(outcome, "unknown") == 0;
    if (s->on_disk == ON_DISK_MADE && !outcome_unknown) {
        char what[96];
        model_describe(&s->move, what, sizeof what);
        violation(run, "%s: %s answered %s (nothing changed), but it was committed", s->name,
                  what, code);
    }
    if (strcmp(code, "game_unavailable") == 0) {
        if (outcome_unknown) {
            run->stats.unknown++;
            s->unknown = s->expect.error == ISL_OK;
        }
        return;
    }
    if (strcmp(code, "store_error") == 0) {
        run->stats.store_errors++;
        return;
    }
    if (strcmp(code, "busy") == 0)
        return;
    if (strcmp(code, code_name(s->expect.error)) != 0) {
        char what[96];
        model_describe(&s->move, what, sizeof what);
        violation(run, "%s: %s answered %s, the engine says %s", s->name, what, code,
                  code_name(s->expect.error));
        /* The model and the daemon disagree: compare the states now. */
        s->predicted = s->model;
        s->unknown = true;
    }
}

void slot_lost_answer(struct chaos_run *run, struct slot *s)
{
    if (!s->in_flight)
        return;
    s->in_flight = false;
    if (s->probe)
        return;   /* still unknown: probe again */
    snprintf(s->answer, sizeof s->answer, "lost");
    if (s->expect.error == ISL_OK) {
        run->stats.unknown++;
        s->unknown = true;
    }
}

/* `state` says no such game. */
static int reconcile_missing(struct chaos_run *run, struct slot *s)
{
    if (s->unknown && s->move.kind == MOVE_END_GAME) {
        run->stats.unknown_applied++;
        game_ended(run, s);
        return 0;
    }
    s->unknown = false;
    if (!s->created)
        return 0;   /* new_game not made: it is sent again */
    violation(run, "%s: the acknowledged game is gone (no_such_game): %zu acknowledged moves lost",
              s->name, s->history_count);
    run->stats.moves_lost += s->history_count;
    next_game(s);
    return 0;
}

/* The game exists but the model has none: new_game with an unknown
 * outcome was made. Its token is not known, so it can only be ended. */
static int reconcile_unexpected_game(struct chaos_run *run, struct slot *s)
{
    if (s->unknown && s->move.kind == MOVE_NEW_GAME)
        run->stats.unknown_applied++;
    else
        violation(run, "%s: exists, but new_game was never acknowledged", s->name);
    s->unknown = false;
    adopt(s, &s->predicted);
    s->abandon = true;
    return 0;
}

static int reconcile_state(struct chaos_run *run, struct slot *s, const json_t *resp)
{
    bool was_unknown = s->unknown;
    s->unknown = false;
    char what[96];
    model_describe(&s->move, what, sizeof what);
    if (was_unknown && s->move.kind != MOVE_END_GAME && model_state_equal(&s->predicted, resp) &&
        !model_state_equal(&s->model, resp)) {
        if (s->on_disk == ON_DISK_NOT_MADE)
            violation(run, "%s: %s was made, but the writer died before mdb_txn_commit",
                      s->name, what);
        run->stats.unknown_applied++;
        adopt(s, &s->predicted);
        if (s->move.kind == MOVE_ADD_PLAYER)
            s->abandon = true;   /* player2's token is not known */
        return 0;
    }
    /* An abandoned game is still compared until it is ended: only its
     * next move is unknown (a token), not its state. */
    if (model_state_equal(&s->model, resp) || s->model_lost) {
        if (was_unknown && s->on_disk == ON_DISK_MADE)
            violation(run, "%s: %s was committed, but state shows it not made", s->name, what);
        if (was_unknown && s->move.kind != MOVE_END_GAME) {
            s->has_ghost = true;
            s->ghost = s->predicted;
            snprintf(s->ghost_move, sizeof s->ghost_move, "%s", what);
        }
        return 0;   /* as acknowledged, or known to differ (reported) and being ended */
    }
    if (s->has_ghost && model_state_equal(&s->ghost, resp)) {
        violation(run, "%s: a move with an unknown outcome that state showed as not made "
                  "appeared later (a worker served a state older than the store): %s",
                  s->name, s->ghost_move);
        s->has_ghost = false;
        adopt(s, &s->ghost);
        return 0;
    }
    for (size_t k = s->history_count - 1; k-- > 0;)
        if (model_state_equal(&s->history[k], resp)) {
            size_t lost = s->history_count - 1 - k;
            violation(run, "%s: %zu acknowledged move%s lost: the state is as after "
                      "acknowledged move %zu of %zu", s->name, lost, lost == 1 ? "" : "s",
                      k + 1, s->history_count);
            run->stats.moves_lost += lost;
            s->model = s->history[k];
            s->history_count = k + 1;
            return 0;
        }
    char *text = json_dumps(resp, JSON_COMPACT);
    violation(run, "%s: the state matches no acknowledged state of the game: %.300s", s->name,
              text ? text : "?");
    free(text);
    s->abandon = true;
    s->model_lost = true;
    return 0;
}

int slot_reconcile(struct chaos_run *run, struct slot *s, const json_t *resp)
{
    if (answer_ok(resp))
        recovered(run, s);
    if (!answer_ok(resp)) {
        const char *code = answer_error(resp);
        if (strcmp(code, "no_such_game") == 0)
            return reconcile_missing(run, s);
        if (strcmp(code, "game_unavailable") && strcmp(code, "busy") && strcmp(code, "internal"))
            violation(run, "%s: state answered %s", s->name, code);
        return 1;
    }
    if (!s->created)
        return reconcile_unexpected_game(run, s);
    return reconcile_state(run, s, resp);
}
