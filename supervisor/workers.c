/* Worker starts and the warm spare pool. */
#include "workers.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "islands/exit_status.h"
#include "islands/log.h"
#include "spawner.h"
#include "store_args.h"
#include "writer_link.h"

#define MAX_SPARES 64
#define REFILL_DELAY_S 0.01
#define REFILL_AFTER_ANSWER_S 0.001
#define LOW_SPARES 2   /* fewer ready than this: refill at once */
/* A recycled worker serves at most this many games, so that whatever one
 * game's run left in a process (a leak, a fragmented heap) stays small. */
#define RECYCLE_GAMES_MAX 64
/* Recycled workers above spare_workers are stopped once none has come back
 * for this long: while games keep ending and starting they are used. */
#define TRIM_AFTER_S 1.0

static struct ev_loop *loop;
static bool refill_waits_for_answer;   /* the timer is only the fallback */
static struct proc *spares[MAX_SPARES];
static bool spare_ready[MAX_SPARES];
static unsigned spare_total;
static unsigned spare_failures;   /* consecutive spares that died unused */
static unsigned spares_coming;    /* asked of the spawner, not answered yet */
static uintptr_t generation;      /* a spare asked for before a stop is not kept */
static ev_timer refill_timer, trim_timer;

/* posix_spawn holds islandsd until the child has exec'd (milliseconds:
 * docs/ARCHITECTURE.md, "The supervisor's shell", has the measured
 * figure). At most one per turn of the loop, so what arrived meanwhile is
 * served between two: a burst of new games (a client pipelining several
 * new_game) once held every other game for 5-25 ms. */
static unsigned last_spawn_turn = UINT_MAX;   /* no loop turn yet */

static bool may_spawn_now(void)
{
    return ev_iteration(loop) != last_spawn_turn;
}

/* A worker's command line, with room for the numbers in it. */
struct worker_command {
    char *argv[8 + STORE_ARGS_MAX];
    struct store_arg_numbers store_numbers;
    char timeout[16];
};

static void worker_command(struct worker_command *w)
{
    const struct isl_config *c = &daemon_state.config;
    snprintf(w->timeout, sizeof w->timeout, "%u", c->game_timeout_s);
    char **argv = w->argv;
    int n = 0;
    argv[n++] = "islands-worker";
    n += store_args(c, &w->store_numbers, argv + n);
    argv[n++] = c->group_commit ? "--group-commit" : "--direct-commit";
    if (c->group_commit)
        argv[n++] = "--relay";   /* the writer answers for it once committed */
    argv[n++] = "--game-timeout";
    argv[n++] = w->timeout;
    if (c->spare_workers > 0)
        argv[n++] = "--recycle";   /* an ended game's worker may join the pool */
    argv[n] = NULL;
}

static struct proc *spawn_worker(const char *label, const struct proc_ops *ops, void *owner)
{
    last_spawn_turn = ev_iteration(loop);
    struct worker_command w;
    worker_command(&w);
    struct proc *p = proc_spawn(label, daemon_state.worker_path, w.argv, ops, owner);
    if (p) {
        p->game_timeout_s = daemon_state.config.game_timeout_s;
        p->generation = generation;
    }
    return p;
}

static int spare_index(const struct proc *p)
{
    for (unsigned i = 0; i < spare_total; i++)
        if (spares[i] == p)
            return (int)i;
    return -1;
}

static void remove_spare(unsigned i)
{
    spare_total--;
    spares[i] = spares[spare_total];
    spare_ready[i] = spare_ready[spare_total];
}

static void spare_message(struct proc *p, json_t *msg)
{
    const char *t = json_string_value(json_object_get(msg, "t"));
    int i = spare_index(p);
    if (i >= 0 && t && strcmp(t, "spare") == 0) {
        spare_ready[i] = true;
        spare_failures = 0;
        isl_log(ISL_LOG_DEBUG, "event=spare_ready pid=%ld", (long)p->pid);
    } else {
        proc_kill_broken(p, "unexpected_message_from_spare");
    }
}

static void schedule_refill(double after_s)
{
    if (ev_is_active(&refill_timer))
        return;
    refill_waits_for_answer = false;
    ev_timer_set(&refill_timer, after_s, 0.);
    ev_timer_start(loop, &refill_timer);
}

/* A spare died unused or could not start: a worker that cannot even start
 * must not be respawned in a tight loop. */
static void spare_lost(void)
{
    spare_failures++;
    schedule_refill(spare_failures > 8 ? 5.0 : 0.1 * spare_failures);
}

static void spare_exit(struct proc *p, int status)
{
    int i = spare_index(p);
    if (i < 0)
        return;
    bool was_ready = spare_ready[i];
    remove_spare((unsigned)i);
    if (p->terminating) {
        schedule_refill(0.);   /* replaced (a reload), if still wanted */
        return;
    }
    char how[PROCS_STATUS_TEXT_MAX];
    procs_describe_status(status, how, sizeof how);
    if (WIFEXITED(status) && WEXITSTATUS(status) == ISL_EXIT_STORE && writer_is_down()) {
        /* It lost the store writer, which died first (we may reap it
         * first): not its fault, and the pool refills once a writer is
         * ready again. */
        isl_log(ISL_LOG_INFO, "event=spare_exit pid=%ld %s ready=%s reason=writer_down",
                (long)p->pid, how, was_ready ? "yes" : "no");
        return;
    }
    isl_log(ISL_LOG_WARNING, "event=spare_exit pid=%ld %s ready=%s", (long)p->pid, how,
            was_ready ? "yes" : "no");
    spare_lost();
}

static const struct proc_ops spare_ops = {spare_message, spare_exit};

/* Room is kept for every spare asked of the spawner (spare_total +
 * spares_coming <= MAX_SPARES); a recycled one takes a place only if that
 * still holds. The check here only guards the array. */
static bool add_spare(struct proc *p)
{
    if (spare_total >= MAX_SPARES)
        return false;
    spares[spare_total] = p;
    spare_ready[spare_total] = false;
    spare_total++;
    return true;
}

/* The spawner's answer to one of our requests. */
static void spare_spawned(struct proc *p, uintptr_t tag)
{
    spares_coming--;
    if (!p) {
        spare_lost();
        return;
    }
    bool added = add_spare(p);
    p->game_timeout_s = daemon_state.config.game_timeout_s;   /* asked in this generation */
    p->generation = tag;
    /* Asked for before a reload, a stop or the writer's exit, it arrives
     * unwanted: said apart, so a spare_spawned is always one that joins. */
    const char *unwanted = daemon_state.shutting_down ? "stopping"
                           : !daemon_state.writer_ready ? "writer_down"
                           : tag != generation          ? "reloaded"
                           : !added                     ? "pool_full"
                                                        : NULL;
    if (!unwanted) {
        isl_log(ISL_LOG_DEBUG, "event=spare_spawned pid=%ld via=spawner", (long)p->pid);
        return;
    }
    isl_log(ISL_LOG_DEBUG, "event=spare_unwanted pid=%ld via=spawner reason=%s", (long)p->pid,
            unwanted);
    proc_terminate(p, daemon_state.config.shutdown_ms);
}

/* One more spare from the spawner; false if it cannot take the request. */
static bool ask_spawner(void)
{
    struct worker_command w;
    worker_command(&w);
    if (spawner_spawn("spare", daemon_state.worker_path, w.argv, &spare_ops, spare_spawned,
                      generation) != 0)
        return false;
    spares_coming++;
    return true;
}

static unsigned spares_wanted(void)
{
    unsigned want = daemon_state.config.spare_workers;
    return want > MAX_SPARES ? MAX_SPARES : want;
}

void workers_refill_spares(void)
{
    unsigned want = spares_wanted();
    if (!daemon_state.writer_ready || daemon_state.shutting_down)
        return;
    /* The spawner starts them while islandsd goes on serving. */
    while (spare_total + spares_coming < want && ask_spawner())
        ;
    if (spare_total + spares_coming >= want)
        return;
    /* No spawner for now: start one ourselves, one per turn of the loop. */
    if (!may_spawn_now()) {
        schedule_refill(0.);
        return;
    }
    struct proc *p = spawn_worker("spare", &spare_ops, NULL);
    if (!p) {
        schedule_refill(1.0);
        return;
    }
    if (!add_spare(p))   /* cannot happen: want is at most MAX_SPARES */
        proc_terminate(p, daemon_state.config.shutdown_ms);
    if (spare_total + spares_coming < want)
        schedule_refill(0.);
}

static void on_refill(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    workers_refill_spares();
}

/* Back down to spare_workers, once the games that brought their workers
 * back have stopped ending and starting. */
static void on_trim(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)revents;
    ev_timer_stop(l, w);
    unsigned keep = spares_wanted(), live = 0;
    for (unsigned i = 0; i < spare_total; i++) {
        if (spares[i]->terminating)
            continue;
        if (live < keep) {
            live++;
            continue;
        }
        isl_log(ISL_LOG_DEBUG, "event=spare_trimmed pid=%ld", (long)spares[i]->pid);
        proc_terminate(spares[i], daemon_state.config.shutdown_ms);
    }
}

void workers_init(struct ev_loop *l)
{
    loop = l;
    ev_init(&refill_timer, on_refill);
    ev_init(&trim_timer, on_trim);
    trim_timer.repeat = TRIM_AFTER_S;
}

static void adopt(struct proc *p, const char *game, json_t *after)
{
    json_t *msg = json_pack("{s:s, s:s}", "t", "adopt", "game", game);
    if (msg && after)
        json_object_set(msg, "after", after);
    proc_send(p, msg);
    json_decref(msg);
}

static unsigned ready_spares(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < spare_total; i++)
        n += spare_ready[i] && !spares[i]->terminating;
    return n;
}

/* A ready one first; among those, a worker back from its game (the last
 * one back: its pages are still in the caches) before a fresh one (the
 * oldest: it has had the most time to warm up, warm.c). */
static int pick_spare(void)
{
    int pick = -1, best = -1;
    for (unsigned i = 0; i < spare_total; i++) {
        if (spares[i]->terminating)
            continue;
        bool recycled = spares[i]->games_served > 0;
        int score = 2 * spare_ready[i] + recycled;
        if (score > best || (score == best && recycled)) {
            best = score;
            pick = (int)i;
        }
    }
    return pick;
}

bool workers_can_start_now(void)
{
    return pick_spare() >= 0 || may_spawn_now();
}

struct proc *workers_start(const char *game, json_t *after, const struct proc_ops *ops,
                           void *owner)
{
    int pick = pick_spare();
    struct proc *p;
    if (pick >= 0) {
        p = spares[pick];
        remove_spare((unsigned)pick);
        p->ops = ops;
        p->owner = owner;
        p->label = "worker";
    } else {
        p = spawn_worker("worker", ops, owner);
        if (!p)
            return NULL;
    }
    adopt(p, game, after);
    if (ready_spares() < LOW_SPARES && spawner_available() && spare_failures == 0) {
        /* Running dry: the next game must not wait for a start (unless
         * starts keep failing: then the refill keeps its back-off). */
        ev_timer_stop(loop, &refill_timer);
        refill_waits_for_answer = false;
        schedule_refill(0.);
    } else if (!ev_is_active(&refill_timer)) {
        /* A start takes the CPUs for a moment: refill once the game we
         * started has had its first answer (workers_first_answer), or
         * after REFILL_DELAY_S if none comes. */
        schedule_refill(REFILL_DELAY_S);
        refill_waits_for_answer = true;
    }
    return p;
}

void workers_first_answer(void)
{
    if (!refill_waits_for_answer || !ev_is_active(&refill_timer))
        return;
    /* Not from inside the caller, nor at once: the client that gets the
     * answer needs a CPU to read it, and a start (spawner, exec) would
     * take both cores for a moment. */
    refill_waits_for_answer = false;
    ev_timer_stop(loop, &refill_timer);
    ev_timer_set(&refill_timer, REFILL_AFTER_ANSWER_S, 0.);
    ev_timer_start(loop, &refill_timer);
}

unsigned workers_pool_max(void)
{
    return daemon_state.config.spare_workers > 0 ? MAX_SPARES : 0;
}

/* Why the pool would not keep p after its next game (NULL: it would). */
static const char *unwanted_after_game(const struct proc *p)
{
    return daemon_state.shutting_down                 ? "stopping"
           : !daemon_state.writer_ready               ? "writer_down"
           : p->generation != generation              ? "reloaded"
           : p->games_served + 1 >= RECYCLE_GAMES_MAX ? "worn_out"
           : spare_total + spares_coming >= workers_pool_max() ? "pool_full"
                                                      : NULL;
}

bool workers_would_take_back(const struct proc *p)
{
    return unwanted_after_game(p) == NULL;
}

void workers_take_back(struct proc *p)
{
    const char *unwanted = unwanted_after_game(p);
    p->ops = &spare_ops;
    p->owner = NULL;
    p->label = "spare";
    p->games_served++;
    if (!unwanted && !add_spare(p))
        unwanted = "pool_full";
    if (!unwanted) {
        spare_ready[spare_total - 1] = true;
        isl_log(ISL_LOG_DEBUG, "event=spare_recycled pid=%ld games=%u", (long)p->pid,
                p->games_served);
        if (spare_total > spares_wanted())
            ev_timer_again(loop, &trim_timer);
        return;
    }
    isl_log(ISL_LOG_DEBUG, "event=spare_unwanted pid=%ld via=recycle reason=%s", (long)p->pid,
            unwanted);
    /* Not in the pool: its exit is nobody's loss, nothing to refill. */
    proc_terminate(p, daemon_state.config.shutdown_ms);
}

void workers_stop_spares(void)
{
    generation++;
    ev_timer_stop(loop, &refill_timer);
    ev_timer_stop(loop, &trim_timer);
    for (unsigned i = 0; i < spare_total; i++)
        proc_terminate(spares[i], daemon_state.config.shutdown_ms);
}

unsigned workers_spare_count(void)
{
    return spare_total;
}
