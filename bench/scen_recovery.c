/* Worker recovery: SIGKILL a game's worker (the `crash` op) and time the
 * next request on that game until it answers with the state it had. */
#include <stdio.h>

#include "bench.h"
#include "games.h"
#include "proto.h"
#include "report.h"
#include "scenarios.h"

#define KILLS_PER_GAME 150       /* below a game's 199 moves: no game ends */
/* Between kills, as a crash is rare: the daemon gets time to start its
 * warm spares again, which is what a production crash finds. */
#define PAUSE_MS 20

/* Guesses recorded in an admin `state`: both players' hits and misses. */
static size_t guesses_recorded(const json_t *state)
{
    size_t n = 0;
    const char *players[] = {"player1", "player2"};
    for (int p = 0; p < 2; p++) {
        json_t *g = json_object_get(json_object_get(state, players[p]), "guesses");
        n += json_array_size(json_object_get(g, "hits")) +
             json_array_size(json_object_get(g, "misses"));
    }
    return n;
}

/* One kill: a guess, then `crash` and `state` sent together; the time
 * from sending them to the `state` answer. -1 on failure. */
static int kill_once(struct isl_client *c, unsigned game, unsigned move, uint64_t *elapsed,
                     bool *state_kept)
{
    char name[16], token[2][BENCH_TOKEN_SIZE];
    int player, row, col;
    bench_game_name(game, name, sizeof name);
    bench_game_tokens(game, token[0], token[1]);
    bench_move(move, &player, &row, &col);
    json_t *r = call(c, req_guess(1, name, player, token[player], row, col), 10000);
    if (!r || !resp_ok(r)) {
        say("recovery: guess failed: %s", r ? resp_error(r) : "no answer");
        json_decref(r);
        return -1;
    }
    json_decref(r);
    json_t *crash = req_crash_kill(2, name), *state = req_state(3, name);
    uint64_t start = now_ns();
    bool sent = crash && state && isl_client_send(c, crash, 10000) == ISL_CLIENT_OK &&
                isl_client_send(c, state, 10000) == ISL_CLIENT_OK;
    json_decref(crash);
    json_decref(state);
    json_t *crashed = NULL, *answered = NULL;
    if (sent && isl_client_recv(c, &crashed, 10000) == ISL_CLIENT_OK &&
        isl_client_recv(c, &answered, 10000) == ISL_CLIENT_OK)
        *elapsed = now_ns() - start;
    int rc = 0;
    if (!resp_ok(crashed) || !resp_ok(answered)) {
        say("recovery: crash %s, state %s", crashed ? resp_error(crashed) : "unanswered",
            answered ? resp_error(answered) : "unanswered");
        rc = -1;
    }
    *state_kept = rc == 0 && guesses_recorded(answered) == (size_t)move + 1;
    json_decref(crashed);
    json_decref(answered);
    return rc;
}

static void report_recovery(struct samples *lat, unsigned games, unsigned kills, unsigned lost)
{
    struct figure f = {.scenario = "recovery", .unit = "ms", .games = games, .sync = "full",
                       .commit = "group", .conns = 1, .pipeline = 2};
    static const struct { const char *name; double p; enum target_kind kind; } cuts[] = {
        {"recovery_p50", 50, TARGET_NONE}, {"recovery_p99", 99, TARGET_BELOW},
        {"recovery_max", 100, TARGET_NONE}};
    for (int i = 0; i < 3; i++) {
        f.name = cuts[i].name;
        f.value = samples_percentile_ms(lat, cuts[i].p);
        f.target_kind = cuts[i].kind;
        f.target = 1.5;
        if (i == 0)
            f.extra = json_pack("{s:i, s:i, s:i}", "kills", kills, "state_lost", lost,
                                "pause_ms", PAUSE_MS);
        report(&f);
    }
    f = (struct figure){.scenario = "recovery", .name = "state_lost", .unit = "games",
                        .value = lost, .target_kind = TARGET_BELOW, .target = 1};
    report(&f);
}

int scenario_recovery(void)
{
    report_title("recovery: SIGKILL a worker (crash op), until its game answers `state` again");
    unsigned kills = PICK(100u, 1000u), games = (kills + KILLS_PER_GAME - 1) / KILLS_PER_GAME;
    struct daemon_settings s;
    daemon_settings_default(&s);
    s.crash_injection = true;
    struct bench_daemon d;
    if (bench_open(&d, &s, games) != 0)
        return -1;
    struct isl_client *c = isl_client_connect(d.socket, 5000);
    struct samples lat = {0};
    unsigned lost = 0;
    int rc = c ? 0 : -1;
    for (unsigned k = 0; k < kills && rc == 0 && !bench_interrupted(); k++) {
        uint64_t elapsed = 0;
        bool kept = false;
        rc = kill_once(c, k / KILLS_PER_GAME, k % KILLS_PER_GAME, &elapsed, &kept);
        if (rc == 0)
            samples_add(&lat, elapsed);
        lost += rc == 0 && !kept;
        sleep_ms(PAUSE_MS);
    }
    if (c)
        isl_client_close(c);
    daemon_destroy(&d);
    if (rc == 0)
        report_recovery(&lat, games, kills, lost);
    samples_free(&lat);
    return bench_interrupted() ? -1 : rc;
}
