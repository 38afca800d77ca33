/* The load generator (load.h). */
#include "load.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "daemon.h"
#include "games.h"
#include "proto.h"
#include "procmem.h"

#define WARMUP_LIMIT_S 600
#define DRAIN_LIMIT_S 60
#define CREATE_STEPS 3       /* end_game, new_game, add_player */
#define PLACE_STEPS 12       /* per player: five islands, then set_islands */
#define MAX_SETUP_TRIES 3
#define TICK_NS 250000000ull  /* load_config.tick */
#define OPEN_IN_FLIGHT 256    /* per connection under an open load: past it, requests wait (late) */
#define LATE_NS 1000000ull    /* load_result.sent_late */

enum phase { WARM, PLAY, CREATE, PLACE, RESTART, LOST, WOKEN };   /* WOKEN: wake-only runs */
enum kind { K_WARM, K_MOVE, K_SETUP };

struct slot {
    char name[16];
    char token[2][BENCH_TOKEN_SIZE];
    enum phase phase;
    unsigned step;           /* next move, or next set-up request */
    unsigned outstanding;    /* requests in flight */
    unsigned setup_tries;
    bool step_failed;        /* a set-up request of this phase failed */
    bool warm_sent;
};

struct inflight {
    json_int_t id;
    struct slot *slot;
    uint64_t sent_ns;
    enum kind kind;
    unsigned step;
};

struct conn {
    struct isl_client *client;
    struct slot **slots;
    size_t n_slots, cursor;
    struct inflight *inflight;
    unsigned n_inflight;
    json_int_t next_id;
    uint64_t quiet_until;    /* cfg->pause_ms after its last answer */
    uint64_t next_due;       /* open load: when its next request is due (0: not begun) */
    uint64_t period_ns;      /* open load: between its requests */
    bool starved;            /* open load: requests due, but its games wait for answers */
};

struct run {
    const struct load_config *cfg;
    struct load_result *out;
    struct slot *slots;
    struct conn *conns;
    unsigned n_conns;        /* connections used: no more than games */
    unsigned warming;        /* games that have not answered yet */
    uint64_t window_start, window_end;
    bool stopping;
};

/* ---------------------------------------------------------------- requests */

static bool in_window(const struct run *r, uint64_t t)
{
    return r->window_start && t >= r->window_start && t < r->window_end;
}

static json_t *setup_request(struct slot *s, json_int_t id)
{
    if (s->phase == CREATE) {
        switch (s->step) {
        case 0: return req_end_game(id, s->name);
        case 1: return req_new_game(id, s->name);
        default: return req_add_player(id, s->name);
        }
    }
    int player = (int)(s->step / 6), k = (int)(s->step % 6);
    if (k < 5)
        return req_position(id, s->name, player, s->token[player], &bench_layout[k]);
    return req_set_islands(id, s->name, player, s->token[player]);
}

/* The next request of a game, if it has one to send now. */
static json_t *next_request(struct slot *s, json_int_t id, enum kind *kind, unsigned *step)
{
    *step = s->step;
    switch (s->phase) {
    case WARM:
        if (s->warm_sent)
            return NULL;
        s->warm_sent = true;
        *kind = K_WARM;
        return req_state(id, s->name);
    case PLAY: {
        if (s->step >= BENCH_MOVES_PER_GAME)
            return NULL;
        int player, row, col;
        bench_move(s->step++, &player, &row, &col);
        *kind = K_MOVE;
        return req_guess(id, s->name, player, s->token[player], row, col);
    }
    case CREATE:
    case PLACE:
        if (s->step >= (s->phase == CREATE ? CREATE_STEPS : PLACE_STEPS))
            return NULL;
        *kind = K_SETUP;
        json_t *r = setup_request(s, id);
        s->step++;
        return r;
    default:
        return NULL;
    }
}

static bool open_load(const struct run *r)
{
    return r->cfg->rate > 0 && r->window_start;
}

/* The open load's schedule starts at the end of warm-up. */
static uint64_t schedule_start(const struct run *r)
{
    return r->window_start - (uint64_t)(r->cfg->settle_s * 1e9);
}

/* Under an open load, c has a request due by `t` (the schedule ends with
 * the window: those due before its end are sent and timed, even late). */
static bool due_by(const struct run *r, const struct conn *c, uint64_t t)
{
    return c->next_due <= t && c->next_due < r->window_end;
}

/* May c send one more request now? Closed: while its pipeline has room.
 * Open: while a request is due and fewer than OPEN_IN_FLIGHT are out. */
static bool may_send(const struct run *r, const struct conn *c, uint64_t t)
{
    if (!open_load(r))
        return c->n_inflight < r->cfg->pipeline;
    return c->n_inflight < OPEN_IN_FLIGHT && due_by(r, c, t);
}

/* Open load, stopping: requests due within the window are still to be
 * sent (a connection whose games wait for no answer and have nothing to
 * send never will). */
static bool open_backlog(const struct run *r)
{
    for (unsigned i = 0; open_load(r) && i < r->n_conns; i++) {
        const struct conn *c = &r->conns[i];
        if (c->next_due && c->next_due < r->window_end && !(c->starved && !c->n_inflight))
            return true;
    }
    return false;
}

/* When the request just queued counts as sent: now under a closed load,
 * its due time under an open one (and the next falls due a period later). */
static uint64_t sent_time(struct run *r, struct conn *c, uint64_t t)
{
    if (!open_load(r))
        return t;
    uint64_t due = c->next_due;
    c->next_due += c->period_ns;
    r->out->sent_on_schedule++;
    if (t - due >= LATE_NS && in_window(r, due))
        r->out->sent_late++;
    return due;
}

/* Fill the connection up to the pipelining depth (closed load) or with
 * the requests due by now (open load), one request per game per turn of
 * its games. */
static int refill(struct run *r, struct conn *c)
{
    uint64_t t = now_ns();
    if (c->quiet_until && t < c->quiet_until)
        return 0;
    if (open_load(r) && !c->next_due) {
        /* Connections start their schedules spread over one period. */
        c->period_ns = (uint64_t)(1e9 * r->n_conns / r->cfg->rate);
        c->next_due = schedule_start(r) + c->period_ns * (uint64_t)(c - r->conns) / r->n_conns;
    }
    size_t idle_turns = 0;
    while (may_send(r, c, t) && idle_turns < c->n_slots) {
        struct slot *s = c->slots[c->cursor];
        c->cursor = (c->cursor + 1) % c->n_slots;
        struct inflight *f = &c->inflight[c->n_inflight];
        json_t *request = next_request(s, c->next_id, &f->kind, &f->step);
        if (!request) {
            idle_turns++;
            continue;
        }
        idle_turns = 0;
        enum isl_client_status st = isl_client_queue(c->client, request);
        json_decref(request);
        if (st != ISL_CLIENT_OK) {
            say("cannot queue a request: %s", strerror(errno));
            return -1;
        }
        f->id = c->next_id++;
        f->slot = s;
        f->sent_ns = sent_time(r, c, t);
        s->outstanding++;
        c->n_inflight++;
    }
    c->starved = open_load(r) && may_send(r, c, t);   /* woken by an answer, not by time */
    return 0;
}

/* ---------------------------------------------------------------- responses */

static void note_failure(struct run *r, const struct slot *s, const json_t *response, uint64_t t)
{
    if (!in_window(r, t))
        return;
    r->out->failures++;
    if (!r->out->first_failure[0]) {
        const char *message = json_string_value(json_object_get(response, "message"));
        snprintf(r->out->first_failure, sizeof r->out->first_failure, "%s: %s (%s)", s->name,
                 resp_error(response), message ? message : "");
    }
}

static void begin_phase(struct slot *s, enum phase phase)
{
    s->phase = phase;
    s->step = 0;
    s->step_failed = false;
}

/* A game whose requests are all answered moves on to its next phase. */
static void advance(struct run *r, struct slot *s)
{
    if (s->outstanding)
        return;
    if (s->phase == RESTART) {
        begin_phase(s, CREATE);
    } else if (s->phase == CREATE && s->step == CREATE_STEPS) {
        if (!s->step_failed)
            begin_phase(s, PLACE);
        else if (++s->setup_tries < MAX_SETUP_TRIES)
            begin_phase(s, CREATE);
        else {
            begin_phase(s, LOST);
            r->out->games_lost++;
        }
    } else if (s->phase == PLACE && s->step == PLACE_STEPS) {
        begin_phase(s, s->step_failed ? CREATE : PLAY);
        if (s->phase == PLAY)
            s->setup_tries = 0;
    }
}

static void handle(struct run *r, const struct inflight *f, const json_t *response, uint64_t t)
{
    struct slot *s = f->slot;
    bool ok = resp_ok(response);
    s->outstanding--;
    switch (f->kind) {
    case K_WARM:
        r->warming--;
        if (ok) {
            samples_add(&r->out->warm_latency, t - f->sent_ns);
            /* A wake-only run sends each game its one `state` and nothing more. */
            begin_phase(s, r->cfg->measure_s > 0 ? PLAY : WOKEN);
        } else {
            r->out->warm_failures++;
            s->phase = RESTART;
        }
        break;
    case K_MOVE:
        /* Throughput by answer time; latency, under an open load, by due
         * time, so that the requests a stall made late are all counted. */
        if (ok && in_window(r, t))
            r->out->moves++;
        if (ok && in_window(r, open_load(r) ? f->sent_ns : t))
            samples_add(&r->out->latency, t - f->sent_ns);
        if (ok && f->step == BENCH_MOVES_PER_GAME - 1) {
            r->out->games_won += in_window(r, t);
            begin_phase(s, CREATE);
        } else if (!ok && s->phase == PLAY) {
            s->phase = RESTART;
        }
        break;
    case K_SETUP: {
        const char *token = json_string_value(json_object_get(response, "token"));
        if (s->phase == CREATE && f->step >= 1 && token)
            snprintf(s->token[f->step - 1], BENCH_TOKEN_SIZE, "%s", token);
        /* end_game of a game that is not there is fine. */
        if (!ok && !(s->phase == CREATE && f->step == 0))
            s->step_failed = true;
        break;
    }
    }
    if (!ok && !(f->kind == K_SETUP && s->phase == CREATE && f->step == 0))
        note_failure(r, s, response, t);
    advance(r, s);
}

static int take_responses(struct run *r, struct conn *c)
{
    enum isl_client_status st = isl_client_read(c->client);
    if (st == ISL_CLIENT_EOF || st == ISL_CLIENT_ERROR || st == ISL_CLIENT_BAD_LINE) {
        say("connection to islandsd lost: %s (%s)", isl_client_status_text(st), strerror(errno));
        return -1;
    }
    json_t *response;
    while ((st = isl_client_pop(c->client, &response)) == ISL_CLIENT_OK) {
        uint64_t t = now_ns();
        json_int_t id = resp_id(response);
        unsigned i = 0;
        while (i < c->n_inflight && c->inflight[i].id != id)
            i++;
        if (i == c->n_inflight) {
            say("a response with an unknown id %lld", (long long)id);
            json_decref(response);
            return -1;
        }
        struct inflight f = c->inflight[i];
        c->inflight[i] = c->inflight[--c->n_inflight];
        if (r->cfg->pause_ms > 0)
            c->quiet_until = t + (uint64_t)(r->cfg->pause_ms * 1e6);
        handle(r, &f, response, t);
        json_decref(response);
    }
    return st == ISL_CLIENT_AGAIN ? 0 : -1;
}

/* ---------------------------------------------------------------- the loop */

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static unsigned in_flight(const struct run *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->n_conns; i++)
        n += r->conns[i].n_inflight;
    return n;
}

/* Until the first pause ends or the next request of an open load is due,
 * or 100 ms. */
static struct timespec poll_timeout(const struct run *r)
{
    uint64_t t = now_ns(), wait = 100000000;
    for (unsigned i = 0; i < r->n_conns; i++) {
        const struct conn *c = &r->conns[i];
        uint64_t until = c->quiet_until > t ? c->quiet_until : 0;
        if (open_load(r) && c->n_inflight < OPEN_IN_FLIGHT && !c->starved &&
            c->next_due < r->window_end)
            until = c->next_due > t ? c->next_due : t;
        if (until && until - t < wait)
            wait = until - t;
    }
    return (struct timespec){.tv_sec = (time_t)(wait / 1000000000),
                             .tv_nsec = (long)(wait % 1000000000)};
}

static int poll_once(struct run *r, struct pollfd *fds)
{
    unsigned n = r->n_conns;
    for (unsigned i = 0; i < n; i++) {
        struct conn *c = &r->conns[i];
        if ((!r->stopping || open_load(r)) && refill(r, c) != 0)
            return -1;
        if (isl_client_pending_output(c->client) &&
            isl_client_flush(c->client) == ISL_CLIENT_ERROR) {
            say("cannot write to islandsd: %s", strerror(errno));
            return -1;
        }
        fds[i] = (struct pollfd){.fd = isl_client_fd(c->client), .events = POLLIN};
        if (isl_client_pending_output(c->client))
            fds[i].events |= POLLOUT;
    }
    struct timespec timeout = poll_timeout(r);
    if (ppoll(fds, n, &timeout, NULL) < 0 && errno != EINTR) {
        say("poll: %s", strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < n; i++)
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) && take_responses(r, &r->conns[i]))
            return -1;
    return 0;
}

/* CPU of this process and of islandsd's roles over the window. */
static void record_cpu(struct run *r, double bench_before, const struct group_cpu *group_before)
{
    double seconds = r->cfg->measure_s;
    r->out->cpu_bench = (cpu_seconds() - bench_before) / seconds;
    r->out->cpu = json_pack("{s:f}", "cpu_bench", (double)(long)(r->out->cpu_bench * 1000) / 1000);
    struct group_cpu group_after;
    if (r->cfg->watch_group && r->out->cpu &&
        group_cpu_read(r->cfg->watch_group, &group_after) == 0)
        group_cpu_describe(group_before, &group_after, seconds, r->out->cpu);
}

static int drive(struct run *r)
{
    struct pollfd *fds = calloc(r->n_conns, sizeof *fds);
    uint64_t start = now_ns(), drain_deadline = 0;
    double cpu_start = 0;
    bool measuring = false;
    struct group_cpu group_before = {0};
    int rc = fds ? 0 : -1;
    uint64_t next_tick = start;
    while (rc == 0 && !bench_interrupted()) {
        uint64_t t = now_ns();
        if (r->cfg->tick && t >= next_tick) {
            r->cfg->tick(r->cfg->tick_arg);
            next_tick = t + TICK_NS;
        }
        if (!r->window_start && !r->warming) {
            r->out->warmup_s = (double)(t - start) / 1e9;
            r->window_start = t + (uint64_t)(r->cfg->settle_s * 1e9);
            r->window_end = r->window_start + (uint64_t)(r->cfg->measure_s * 1e9);
        }
        if (r->window_start && !measuring && t >= r->window_start) {
            measuring = true;
            cpu_start = cpu_seconds();
            if (r->cfg->watch_group)
                group_cpu_read(r->cfg->watch_group, &group_before);
        }
        if (!r->window_start && t - start > (uint64_t)WARMUP_LIMIT_S * 1000000000) {
            say("warm-up did not end: %u games never answered", r->warming);
            rc = -1;
        } else if (measuring && t >= r->window_end && !r->stopping) {
            r->stopping = true;
            drain_deadline = t + (uint64_t)DRAIN_LIMIT_S * 1000000000;
            if (open_load(r))
                r->out->schedule_s = (double)(t - schedule_start(r)) / 1e9;
            if (r->cfg->measure_s > 0)
                record_cpu(r, cpu_start, &group_before);
        } else if (r->stopping && !in_flight(r) && !open_backlog(r)) {
            break;
        } else if (r->stopping && t > drain_deadline) {
            say("%u requests were never answered", in_flight(r));
            rc = -1;
        } else {
            rc = poll_once(r, fds);
        }
    }
    free(fds);
    r->out->seconds = r->cfg->measure_s;
    return bench_interrupted() ? -1 : rc;
}


static int set_up(struct run *r)
{
    const struct load_config *cfg = r->cfg;
    r->slots = calloc(cfg->games, sizeof *r->slots);
    r->conns = calloc(r->n_conns, sizeof *r->conns);
    if (!r->slots || !r->conns)
        return -1;
    for (unsigned i = 0; i < cfg->games; i++) {
        struct slot *s = &r->slots[i];
        bench_game_name(cfg->first_game + i, s->name, sizeof s->name);
        bench_game_tokens(cfg->first_game + i, s->token[0], s->token[1]);
        s->phase = WARM;
    }
    r->warming = cfg->games;
    for (unsigned i = 0; i < r->n_conns; i++) {
        struct conn *c = &r->conns[i];
        c->client = isl_client_connect(cfg->socket, 5000);
        c->slots = calloc(cfg->games / r->n_conns + 1, sizeof *c->slots);
        c->inflight = calloc(cfg->rate > 0 && OPEN_IN_FLIGHT > cfg->pipeline ? OPEN_IN_FLIGHT
                                                                              : cfg->pipeline,
                             sizeof *c->inflight);
        if (!c->client || !c->slots || !c->inflight) {
            say("cannot connect to %s: %s", cfg->socket, strerror(errno));
            return -1;
        }
    }
    for (unsigned i = 0; i < cfg->games; i++) {
        struct conn *c = &r->conns[i % r->n_conns];
        c->slots[c->n_slots++] = &r->slots[i];
    }
    return 0;
}

int load_run(const struct load_config *cfg, struct load_result *out)
{
    *out = (struct load_result){0};
    if (!cfg->games || !cfg->conns || !cfg->pipeline) {
        say("load: bad configuration (%u games, %u connections, pipelining %u)", cfg->games,
            cfg->conns, cfg->pipeline);
        return -1;
    }
    /* A game is played on one connection: more connections than games
     * would stay idle. */
    struct run r = {.cfg = cfg, .out = out,
                    .n_conns = cfg->conns < cfg->games ? cfg->conns : cfg->games};
    out->conns = r.n_conns;
    int rc = set_up(&r) == 0 ? drive(&r) : -1;
    for (unsigned i = 0; r.conns && i < r.n_conns; i++) {
        if (r.conns[i].client)
            isl_client_close(r.conns[i].client);
        free(r.conns[i].slots);
        free(r.conns[i].inflight);
    }
    free(r.conns);
    free(r.slots);
    return rc;
}

void load_result_free(struct load_result *r)
{
    samples_free(&r->latency);
    samples_free(&r->warm_latency);
    json_decref(r->cpu);
    r->cpu = NULL;
}
