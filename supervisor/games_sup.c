/* The games supervisor: the pure core's decisions, carried out in order. */
#include "games_sup.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "daemon.h"
#include "islands/clock.h"
#include "islands/log.h"
#include "islands/sup_core.h"
#include "workers.h"

static struct isl_sup *core;
static struct isl_sup_actions todo;   /* actions not yet carried out */
static size_t todo_next;              /* index of the next one */
static unsigned awaiting;             /* TERMINATEs whose exit we wait for */
static bool parallel_stop;            /* simple_one_for_one */
static bool running_actions;          /* guards re-entry from callbacks */
static int finish_status;

/* islandsd holds two descriptors per live worker (its channel and its
 * pidfd). Past what RLIMIT_NOFILE leaves after the clients (served and
 * waiting), the spare pool's places and islandsd's own, a start would
 * fail for want of a descriptor and the front door could accept nobody,
 * admins included: live games are held below that instead (a new one is
 * answered busy), and the operator is told once per limit. */
#define FDS_PER_WORKER 2u
#define FDS_OF_ITS_OWN 64u

static unsigned live_games_max(void)
{
    const struct isl_config *c = &daemon_state.config;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return c->max_children;
    uint64_t reserve = 2ull * c->max_clients + FDS_PER_WORKER * (uint64_t)workers_pool_max() +
                       FDS_OF_ITS_OWN;
    uint64_t room = rl.rlim_cur > reserve ? (rl.rlim_cur - reserve) / FDS_PER_WORKER : 0;
    if (room >= c->max_children)
        return c->max_children;
    static uint64_t told_for;
    if (told_for != rl.rlim_cur) {
        told_for = rl.rlim_cur;
        isl_log(ISL_LOG_WARNING, "event=live_games_limited max_children=%u live_games_max=%llu "
                "open_files=%llu note=\"raise LimitNOFILE (ulimit -n), or lower max_children "
                "or max_clients\"", c->max_children, (unsigned long long)room,
                (unsigned long long)rl.rlim_cur);
    }
    return (unsigned)room;
}

void games_sup_init(const struct isl_config *config)
{
    struct isl_sup_policy policy;
    isl_sup_policy_from_config(config, &policy);
    core = isl_sup_new(&policy);
    if (!core) {
        isl_log(ISL_LOG_ERR, "event=fatal reason=out_of_memory");
        exit(1);
    }
    parallel_stop = config->strategy == ISL_SIMPLE_ONE_FOR_ONE;
    (void)live_games_max();   /* a limit below max_children is told at start */
}

void games_sup_reconfigure(const struct isl_config *config)
{
    struct isl_sup_policy policy;
    isl_sup_policy_from_config(config, &policy);
    policy.strategy = daemon_state.config.strategy;   /* fixed for the daemon's life */
    isl_sup_set_policy(core, &policy);
    isl_sup_set_restart(core, config->restart);   /* the running games' too */
}

/* A TERMINATE of a child whose delayed start was cancelled completes at
 * once: report it as killed, and the core goes on with its plan. */
static void terminate_now_done(const char *id)
{
    struct isl_sup_event ev = {.kind = ISL_EV_EXITED, .id = id, .wait_status = SIGKILL};
    isl_sup_handle(core, &ev, isl_monotonic_ms(), &todo);
}

/* Carry out one TERMINATE: wait for the exit, or finish it at once. */
static void terminate(struct game *g, const char *id)
{
    enum terminate_result result = g ? router_terminate_worker(g) : TERMINATE_NOTHING;
    if (result == TERMINATE_WAIT) {
        g->awaiting_exit = true;
        awaiting++;
    } else if (result == TERMINATE_CANCELLED_START) {
        terminate_now_done(id);
    }
}

/* Whether the next action must wait for the exits being awaited. With
 * one_for_one, one_for_all and rest_for_one, as in OTP, everything waits:
 * a group restart stops its members one at a time, in reverse start
 * order, before it starts any. The children of simple_one_for_one are
 * independent, and the core returns nothing for a child before its exit
 * is reported: there only GIVE_UP and EXIT wait (for every child to be
 * down), so that one child slow to stop (hibernated, or its game ended)
 * holds back no other game's start. */
static bool held_back(const struct isl_sup_action *a)
{
    if (awaiting == 0)
        return false;
    return !parallel_stop || a->kind == ISL_ACT_GIVE_UP || a->kind == ISL_ACT_EXIT;
}

static void run_actions(void)
{
    if (running_actions)
        return;
    running_actions = true;
    while (todo_next < todo.count && !held_back(&todo.items[todo_next])) {
        struct isl_sup_action a = todo.items[todo_next++];   /* todo may grow meanwhile */
        struct game *g = game_find(a.id);
        switch (a.kind) {
        case ISL_ACT_TERMINATE:
            terminate(g, a.id);
            break;
        case ISL_ACT_START:
            if (g)
                router_start_worker(g, a.delay_ms);
            break;
        case ISL_ACT_REMOVE:
            if (g) {
                g->in_core = false;
                router_child_removed(g);
            }
            break;
        case ISL_ACT_FAILED:
            if (g)
                router_child_failed(g, a.reason);
            break;
        case ISL_ACT_GIVE_UP:
            daemon_finish(1);   /* said and begun in feed, when decided */
            break;
        case ISL_ACT_EXIT:
            daemon_finish(finish_status);
            break;
        }
    }
    if (todo_next == todo.count) {
        isl_sup_actions_clear(&todo);
        todo_next = 0;
    }
    running_actions = false;
}

static void feed(const struct isl_sup_event *ev)
{
    size_t from = todo.count;
    isl_sup_handle(core, ev, isl_monotonic_ms(), &todo);
    /* A give-up comes after the stops of every child, which may take
     * their shutdown time each: nothing restarts or starts meanwhile. */
    for (size_t i = from; i < todo.count; i++) {
        if (todo.items[i].kind == ISL_ACT_GIVE_UP && !daemon_state.shutting_down) {
            isl_log(ISL_LOG_ERR, "event=give_up supervisor=games reason=intensity_exceeded "
                    "intensity=%u period_s=%u", daemon_state.config.intensity,
                    daemon_state.config.period_s);
            daemon_giving_up();
        }
    }
    run_actions();
}

void games_sup_activate(struct game *g)
{
    if (g->in_core)
        return;
    if (isl_sup_add_child(core, g->name, daemon_state.config.restart, &todo) == 0)
        g->in_core = true;
    run_actions();
}

void games_sup_ready(struct game *g)
{
    struct isl_sup_event ev = {.kind = ISL_EV_READY, .id = g->name};
    feed(&ev);
}

void games_sup_exited(struct game *g, int wait_status)
{
    struct isl_sup_event ev = {.id = g->name, .wait_status = wait_status,
                               .killed_as_hung = g->worker_killed_as_hung,
                               .blameless = g->worker_blameless};
    ev.kind = wait_status < 0 ? ISL_EV_START_FAILED : ISL_EV_EXITED;
    g->worker_killed_as_hung = g->worker_blameless = false;
    if (g->awaiting_exit) {
        g->awaiting_exit = false;
        awaiting--;
    }
    if (g->in_core)
        feed(&ev);
    else
        run_actions();
}

void games_sup_stop(struct game *g)
{
    if (!g->in_core)
        return;
    struct isl_sup_event ev = {.kind = ISL_EV_STOP, .id = g->name};
    feed(&ev);
}

void games_sup_shutdown(int exit_status)
{
    finish_status = exit_status;
    struct isl_sup_event ev = {.kind = ISL_EV_SHUTDOWN};
    feed(&ev);
}

unsigned games_sup_total_restarts(void)
{
    return isl_sup_total_restarts(core);
}

unsigned games_sup_children(void)
{
    return (unsigned)isl_sup_count_live(core);
}

bool games_sup_room_for_one_more(void)
{
    unsigned max = live_games_max();
    /* The count of every child is O(1) and enough unless failed ones fill it. */
    return isl_sup_count(core) < max || isl_sup_count_live(core) < max;
}

uint64_t games_sup_start_order(const struct game *g)
{
    const struct isl_child *child = g->in_core ? isl_sup_find(core, g->name) : NULL;
    return child ? child->start_order + 1 : 0;
}
