/* The games index of islandsd: every stored or live game by name, the
 * count of stored ones, and the deferred freeing of games nothing refers
 * to any more. */
#include "games.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "islands/clock.h"

struct strmap games_index;
unsigned games_stored;

struct game *game_find(const char *name)
{
    return strmap_get(&games_index, name);
}

struct game *games_add(const char *name)
{
    struct game *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    strncpy(g->name, name, ISL_GAME_NAME_MAX);
    g->last_activity_ms = isl_monotonic_ms();
    g->recorded_ms = g->last_activity_ms;   /* nothing newer than the store's time */
    if (strmap_put(&games_index, g->name, g) != 0) {
        free(g);
        return NULL;
    }
    return g;
}

/* A game not stored yet whose worker died with a write perhaps still at
 * the writer keeps its list of dead workers, for the next worker's fence:
 * a new_game retried after an unknown outcome must not be overwritten by
 * the first one's late commit. */
static bool unreferenced(const struct game *g)
{
    return !(g->exists || g->failed || g->in_core || g->worker || g->head || g->in_flight ||
             g->dead_count || g->dead_overflow);
}

/* Games that may have become unreferenced. They are freed from an
 * ev_prepare watcher, outside every callback that may still hold them
 * (the supervisor's actions reach games deep inside other handlers). */
static struct game **free_candidates;
static size_t free_count, free_cap;
static ev_prepare free_watcher;

void game_maybe_free(struct game *g)
{
    if (g->free_pending || !unreferenced(g))
        return;
    if (free_count == free_cap) {
        size_t cap = free_cap ? free_cap * 2 : 64;
        struct game **items = realloc(free_candidates, cap * sizeof *items);
        if (!items)
            return;   /* kept: a small leak beats a dangling pointer */
        free_candidates = items;
        free_cap = cap;
    }
    g->free_pending = true;
    free_candidates[free_count++] = g;
}

static void on_prepare_free(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)w;
    (void)revents;
    for (size_t i = 0; i < free_count; i++) {
        struct game *g = free_candidates[i];
        g->free_pending = false;
        if (!unreferenced(g))
            continue;
        ev_timer_stop(loop, &g->deadline);
        ev_timer_stop(loop, &g->start_timer);
        strmap_remove(&games_index, g->name);
        free(g);
    }
    free_count = 0;
}

struct each_ctx {
    void (*fn)(struct game *, void *);
    void *arg;
};

static void each_entry(const char *key, void *value, void *arg)
{
    (void)key;
    struct each_ctx *ctx = arg;
    ctx->fn(value, ctx->arg);
}

void games_each(void (*fn)(struct game *, void *), void *arg)
{
    struct each_ctx ctx = {fn, arg};
    strmap_each(&games_index, each_entry, &ctx);
}

void game_set_stored(struct game *g, bool stored, const char *rules)
{
    if (stored != g->exists)
        games_stored += stored ? 1 : (unsigned)-1;
    g->exists = stored;
    snprintf(g->rules, sizeof g->rules, "%s", rules ? rules : "");
}

void game_touch(struct game *g, uint64_t now_ms)
{
    g->last_activity_ms = now_ms;
    g->idle_before_ms = 0;
}

uint64_t game_idle_ms(const struct game *g, uint64_t now_ms)
{
    return now_ms - g->last_activity_ms + g->idle_before_ms;
}

struct collect_ctx {
    bool (*want)(const struct game *g);
    struct game **items;
    size_t count, cap;
};

static void collect_one(struct game *g, void *arg)
{
    struct collect_ctx *ctx = arg;
    if (ctx->want && !ctx->want(g))
        return;
    if (ctx->count == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 64;
        struct game **items = realloc(ctx->items, cap * sizeof *items);
        if (!items)
            return;
        ctx->items = items;
        ctx->cap = cap;
    }
    ctx->items[ctx->count++] = g;
}

struct game **games_collect(bool (*want)(const struct game *g), size_t *count)
{
    struct collect_ctx ctx = {.want = want};
    games_each(collect_one, &ctx);
    *count = ctx.count;
    return ctx.items;
}

/* When g was last active on islandsd's clock: before islandsd started
 * (negative) for a game idle in the store since then. */
static int64_t last_active_ms(const struct game *g)
{
    return (int64_t)g->last_activity_ms - (int64_t)g->idle_before_ms;
}

static int by_recency(const void *a, const void *b)
{
    const struct game *x = *(struct game *const *)a, *y = *(struct game *const *)b;
    int64_t tx = last_active_ms(x), ty = last_active_ms(y);
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return strcmp(x->name, y->name);
}

void games_sort_by_recency(struct game **games, size_t count)
{
    if (count)
        qsort(games, count, sizeof *games, by_recency);
}

void games_init(struct ev_loop *loop)
{
    strmap_init(&games_index);
    ev_prepare_init(&free_watcher, on_prepare_free);
    ev_prepare_start(loop, &free_watcher);
}
