/* The supervision core without processes: a fake clock, and a fake shell
 * that carries out TERMINATE actions by reporting the exit at once.
 * Action lists are rendered as text ("terminate c, start a+100") so that
 * each expectation reads as the plan it checks, order included; " / "
 * separates the answers to successive events. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "islands/config.h"
#include "islands/exit_status.h"
#include "islands/sup_core.h"

#define EXIT_WITH(code) ((code) << 8)   /* wait status of exit(code) */
#define KILLED_BY(sig) (sig)            /* wait status of a signal death */

static struct isl_sup *sup;
static struct isl_sup_actions out;
static char text[8192];

static struct isl_sup_policy policy(enum isl_strategy strategy, unsigned intensity,
                                    uint64_t period_ms, unsigned delay_ms, unsigned delay_max_ms)
{
    return (struct isl_sup_policy){
        .strategy = strategy, .intensity = intensity, .period_ms = period_ms,
        .restart_delay_ms = delay_ms, .restart_delay_max_ms = delay_max_ms,
        .max_start_failures = 3,
    };
}

static void new_sup_with_backoff(enum isl_strategy strategy, unsigned intensity,
                                 uint64_t period_ms, unsigned delay_ms, unsigned delay_max_ms)
{
    struct isl_sup_policy p = policy(strategy, intensity, period_ms, delay_ms, delay_max_ms);
    sup = isl_sup_new(&p);
    ck_assert_ptr_nonnull(sup);
}

static void new_sup(enum isl_strategy strategy, unsigned intensity, uint64_t period_ms)
{
    new_sup_with_backoff(strategy, intensity, period_ms, 0, 0);
}

static void teardown(void)
{
    isl_sup_free(sup);
    sup = NULL;
    isl_sup_actions_free(&out);
}

static void append_text(char *buf, size_t size, const struct isl_sup_actions *a)
{
    if (a->count == 0)
        snprintf(buf + strlen(buf), size - strlen(buf), "-");
    for (size_t i = 0; i < a->count; i++) {
        const struct isl_sup_action *act = &a->items[i];
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s%s%s", i ? ", " : "",
                 isl_sup_action_name(act->kind), act->id[0] ? " " : "", act->id);
        len = strlen(buf);
        if (act->kind == ISL_ACT_START && act->delay_ms)
            snprintf(buf + len, size - len, "+%u", act->delay_ms);
        if (act->kind == ISL_ACT_FAILED)
            snprintf(buf + len, size - len, " (%s)", isl_fail_reason_name(act->reason));
    }
}

static const char *render(void)
{
    text[0] = '\0';
    append_text(text, sizeof text, &out);
    return text;
}

static const char *handle(enum isl_sup_event_kind kind, const char *id, int status, uint64_t now)
{
    struct isl_sup_event ev = { .kind = kind, .id = id, .wait_status = status };
    isl_sup_actions_clear(&out);
    isl_sup_handle(sup, &ev, now, &out);
    return render();
}

static const char *add(const char *id, enum isl_restart restart)
{
    isl_sup_actions_clear(&out);
    ck_assert_int_eq(isl_sup_add_child(sup, id, restart, &out), 0);
    return render();
}

static const char *exited(const char *id, int status, uint64_t now)
{
    return handle(ISL_EV_EXITED, id, status, now);
}

static void ready(const char *id, uint64_t now)
{
    handle(ISL_EV_READY, id, 0, now);
    ck_assert_str_eq(text, "-");
    ck_assert_int_eq(isl_sup_find(sup, id)->state, ISL_CHILD_RUNNING);
}

/* Add the children named in ids ("abcd": one letter each), all ready. */
static void add_running(const char *ids, enum isl_restart restart)
{
    for (const char *p = ids; *p; p++) {
        char id[2] = { *p, '\0' };
        add(id, restart);
        ready(id, 0);
    }
}

/* Feed an event, then act as the shell: every TERMINATE is carried out by
 * reporting the child's exit (killed by SIGTERM), in FIFO order. Returns
 * the whole transcript. */
static const char *settle(enum isl_sup_event_kind kind, const char *id, int status, uint64_t now)
{
    static char transcript[8192];
    struct isl_sup_action queue[256];
    size_t head = 0, tail = 0;
    struct isl_sup_event ev = { .kind = kind, .id = id, .wait_status = status };
    transcript[0] = '\0';
    for (;;) {
        isl_sup_actions_clear(&out);
        isl_sup_handle(sup, &ev, now, &out);
        if (transcript[0])
            strcat(transcript, " / ");
        append_text(transcript, sizeof transcript, &out);
        for (size_t i = 0; i < out.count; i++)
            queue[tail++] = out.items[i];
        while (head < tail && queue[head].kind != ISL_ACT_TERMINATE)
            head++;
        if (head == tail)
            return transcript;
        static char victim[ISL_CHILD_ID_MAX + 1];
        strcpy(victim, queue[head++].id);
        ev = (struct isl_sup_event){ .kind = ISL_EV_EXITED, .id = victim,
                                     .wait_status = KILLED_BY(SIGTERM) };
    }
}

/* ---------------------------------------------------------------- restart types */

static const struct {
    enum isl_restart restart;
    int status;
    const char *expected;
} restart_rows[] = {
    { ISL_PERMANENT, EXIT_WITH(0), "start x" },
    { ISL_PERMANENT, EXIT_WITH(ISL_EXIT_GAME_ENDED), "start x" },
    { ISL_PERMANENT, EXIT_WITH(1), "start x" },
    { ISL_PERMANENT, KILLED_BY(SIGKILL), "start x" },
    { ISL_TRANSIENT, EXIT_WITH(0), "remove x" },
    { ISL_TRANSIENT, EXIT_WITH(ISL_EXIT_GAME_ENDED), "remove x" },
    { ISL_TRANSIENT, EXIT_WITH(1), "start x" },
    { ISL_TRANSIENT, EXIT_WITH(ISL_EXIT_CRASH), "start x" },
    { ISL_TRANSIENT, KILLED_BY(SIGKILL), "start x" },
    { ISL_TRANSIENT, KILLED_BY(SIGTERM), "start x" },
    { ISL_TEMPORARY, EXIT_WITH(0), "remove x" },
    { ISL_TEMPORARY, EXIT_WITH(1), "remove x" },
    { ISL_TEMPORARY, KILLED_BY(SIGSEGV), "remove x" },
};

START_TEST(restart_types)
{
    new_sup(ISL_ONE_FOR_ONE, 10, 5000);
    ck_assert_str_eq(add("x", restart_rows[_i].restart), "start x");
    ready("x", 10);
    ck_assert_str_eq(exited("x", restart_rows[_i].status, 20), restart_rows[_i].expected);
    bool removed = strcmp(restart_rows[_i].expected, "remove x") == 0;
    ck_assert_uint_eq(isl_sup_count(sup), removed ? 0 : 1);
    ck_assert_uint_eq(isl_sup_total_restarts(sup), removed ? 0 : 1);
}
END_TEST

/* A reload's restart type reaches the children already running. */
START_TEST(restart_type_changes_for_every_child)
{
    new_sup(ISL_ONE_FOR_ONE, 10, 5000);
    add_running("ab", ISL_TRANSIENT);
    isl_sup_set_restart(sup, ISL_PERMANENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(0), 20), "start a");
    isl_sup_set_restart(sup, ISL_TEMPORARY);
    ck_assert_str_eq(exited("b", EXIT_WITH(1), 30), "remove b");
    ck_assert_int_eq(isl_sup_find(sup, "a")->restart, ISL_TEMPORARY);
}
END_TEST

START_TEST(exit_is_normal)
{
    ck_assert(isl_sup_exit_is_normal(EXIT_WITH(0)));
    ck_assert(isl_sup_exit_is_normal(EXIT_WITH(ISL_EXIT_GAME_ENDED)));
    ck_assert(!isl_sup_exit_is_normal(EXIT_WITH(1)));
    ck_assert(!isl_sup_exit_is_normal(EXIT_WITH(ISL_EXIT_CORRUPT)));
    ck_assert(!isl_sup_exit_is_normal(KILLED_BY(SIGTERM)));
}
END_TEST

/* ---------------------------------------------------------------- strategies */

static const struct {
    enum isl_strategy strategy;
    const char *dead;
    const char *expected;
} strategy_rows[] = {
    { ISL_ONE_FOR_ONE, "b", "start b" },
    { ISL_SIMPLE_ONE_FOR_ONE, "b", "start b" },
    { ISL_ONE_FOR_ALL, "b",
      "terminate d, terminate c, terminate a / - / - / start a, start b, start c, start d" },
    { ISL_ONE_FOR_ALL, "d",
      "terminate c, terminate b, terminate a / - / - / start a, start b, start c, start d" },
    { ISL_REST_FOR_ONE, "b", "terminate d, terminate c / - / start b, start c, start d" },
    { ISL_REST_FOR_ONE, "a",
      "terminate d, terminate c, terminate b / - / - / start a, start b, start c, start d" },
    { ISL_REST_FOR_ONE, "d", "start d" },
};

START_TEST(strategies)
{
    new_sup(strategy_rows[_i].strategy, 10, 5000);
    add_running("abcd", ISL_PERMANENT);
    ck_assert_str_eq(settle(ISL_EV_EXITED, strategy_rows[_i].dead, EXIT_WITH(1), 100),
                     strategy_rows[_i].expected);
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 1);
    ck_assert_uint_eq(isl_sup_count(sup), 4);
    for (size_t i = 0; i < 4; i++) {
        const struct isl_child *c = isl_sup_child_at(sup, i);
        ck_assert_int_eq(c->id[0], "abcd"[i]);
        char start_action[80];
        snprintf(start_action, sizeof start_action, "start %s", c->id);
        bool restarted = strstr(strategy_rows[_i].expected, start_action) != NULL;
        ck_assert_int_eq(c->state, restarted ? ISL_CHILD_STARTING : ISL_CHILD_RUNNING);
        ck_assert_uint_eq(c->restarts, restarted ? 1 : 0);
    }
}
END_TEST

START_TEST(group_restart_removes_temporary_children)
{
    new_sup(ISL_ONE_FOR_ALL, 10, 5000);
    add_running("a", ISL_PERMANENT);
    add_running("b", ISL_TEMPORARY);
    add_running("c", ISL_TRANSIENT);
    ck_assert_str_eq(settle(ISL_EV_EXITED, "a", EXIT_WITH(1), 100),
                     "terminate c, terminate b / - / remove b, start a, start c");
    ck_assert_uint_eq(isl_sup_count(sup), 2);
    ck_assert_ptr_null(isl_sup_find(sup, "b"));
}
END_TEST

START_TEST(group_restart_counts_once)
{
    new_sup(ISL_ONE_FOR_ALL, 1, 5000);
    add_running("abc", ISL_PERMANENT);
    settle(ISL_EV_EXITED, "b", EXIT_WITH(1), 100);
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 1);
    ready("a", 200);
    ready("b", 200);
    ready("c", 200);
    /* The second restart within the period is one too many. */
    ck_assert_str_eq(exited("c", EXIT_WITH(1), 300), "terminate b, terminate a, give_up");
}
END_TEST

START_TEST(crash_during_group_restart_joins_it)
{
    new_sup(ISL_REST_FOR_ONE, 10, 5000);
    add_running("abcd", ISL_PERMANENT);
    ck_assert_str_eq(exited("c", EXIT_WITH(1), 100), "terminate d");
    /* Before d is down, a crashes: b must go too; c and d are on their way. */
    ck_assert_str_eq(exited("a", KILLED_BY(SIGSEGV), 110), "terminate b");
    ck_assert_str_eq(exited("d", KILLED_BY(SIGTERM), 120), "-");
    ck_assert_str_eq(exited("b", KILLED_BY(SIGTERM), 130),
                     "start a, start b, start c, start d");
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 2);
}
END_TEST

START_TEST(group_restart_uses_the_dead_childs_backoff)
{
    new_sup_with_backoff(ISL_REST_FOR_ONE, 10, 5000, 100, 1000);
    add_running("ab", ISL_PERMANENT);
    ck_assert_str_eq(settle(ISL_EV_EXITED, "a", EXIT_WITH(1), 100),
                     "terminate b / start a+100, start b+100");
    ck_assert_int_eq(isl_sup_find(sup, "a")->state, ISL_CHILD_WAITING);
    ready("a", 300);
}
END_TEST

/* ---------------------------------------------------------------- intensity */

START_TEST(intensity_boundary)
{
    new_sup(ISL_ONE_FOR_ONE, 3, 5000);
    add_running("abc", ISL_PERMANENT);
    for (uint64_t t = 0; t < 3; t++) {
        ck_assert_str_eq(exited("b", EXIT_WITH(1), 1000 + t * 1000), "start b");
        ready("b", 1500 + t * 1000);
    }
    ck_assert_str_eq(exited("b", EXIT_WITH(1), 4000), "terminate c, terminate a, give_up");
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 3);
    /* After giving up: exits are only forgotten; nothing starts again. */
    ck_assert_str_eq(exited("c", KILLED_BY(SIGTERM), 4100), "remove c");
    ck_assert_str_eq(handle(ISL_EV_SHUTDOWN, NULL, 0, 4200), "-");
    isl_sup_actions_clear(&out);
    ck_assert_int_eq(isl_sup_add_child(sup, "z", ISL_PERMANENT, &out), -1);
}
END_TEST

START_TEST(intensity_window_slides)
{
    new_sup(ISL_ONE_FOR_ONE, 1, 5000);
    add_running("a", ISL_PERMANENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 0), "start a");
    ready("a", 10);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 5001), "start a");   /* t=0 dropped */
    ready("a", 5010);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 10002), "start a");  /* t=5001 dropped */
    ready("a", 10010);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 10003), "give_up");
}
END_TEST

START_TEST(intensity_window_includes_its_edge)
{
    /* As OTP: a stamp exactly `period` old still counts. */
    new_sup(ISL_ONE_FOR_ONE, 1, 5000);
    add_running("a", ISL_PERMANENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 1000), "start a");
    ready("a", 1010);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 6000), "give_up");
}
END_TEST

START_TEST(intensity_zero_never_restarts)
{
    new_sup(ISL_SIMPLE_ONE_FOR_ONE, 0, 5000);
    add_running("ab", ISL_TRANSIENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(0), 10), "remove a");   /* no restart needed */
    ck_assert_str_eq(exited("b", EXIT_WITH(1), 10), "give_up");
}
END_TEST

START_TEST(set_policy_keeps_history)
{
    new_sup(ISL_ONE_FOR_ONE, 1, 5000);
    add_running("a", ISL_PERMANENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 100), "start a");
    ready("a", 110);
    struct isl_sup_policy more = policy(ISL_ONE_FOR_ONE, 2, 5000, 0, 0);
    isl_sup_set_policy(sup, &more);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 200), "start a");
    ready("a", 210);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 300), "give_up");
}
END_TEST

/* ---------------------------------------------------------------- backoff */

START_TEST(backoff_doubles_caps_and_resets)
{
    new_sup_with_backoff(ISL_ONE_FOR_ONE, 100, 60000, 100, 1000);
    add_running("a", ISL_PERMANENT);
    static const char *const expected[] = { "start a+100", "start a+200", "start a+400",
                                            "start a+800", "start a+1000", "start a+1000" };
    uint64_t t = 0;
    for (size_t i = 0; i < 6; i++) {
        t += 2000;
        ck_assert_str_eq(exited("a", EXIT_WITH(1), t), expected[i]);
        ck_assert_int_eq(isl_sup_find(sup, "a")->state, ISL_CHILD_WAITING);
        ready("a", t + 1000);
    }
    /* Up for a whole period: the next restart waits the first delay again. */
    ck_assert_str_eq(exited("a", EXIT_WITH(1), t + 1000 + 60000), "start a+100");
    ready("a", t + 62000);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), t + 63000), "start a+200");
}
END_TEST

START_TEST(backoff_zero_is_immediate)
{
    new_sup(ISL_ONE_FOR_ONE, 100, 60000);
    add_running("a", ISL_PERMANENT);
    for (uint64_t t = 1; t <= 5; t++) {
        ck_assert_str_eq(exited("a", EXIT_WITH(1), t * 10), "start a");
        ready("a", t * 10 + 1);
    }
}
END_TEST

/* ---------------------------------------------------------------- start failures */

START_TEST(start_failures_mark_failed)
{
    new_sup(ISL_ONE_FOR_ONE, 100, 5000);
    ck_assert_str_eq(add("x", ISL_PERMANENT), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(ISL_EXIT_STORE), 10), "start x");
    ck_assert_str_eq(handle(ISL_EV_START_FAILED, "x", 0, 20), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(ISL_EXIT_EXEC_FAILED), 30),
                     "failed x (worker_cannot_start)");
    const struct isl_child *x = isl_sup_find(sup, "x");
    ck_assert_int_eq(x->state, ISL_CHILD_FAILED);
    ck_assert_uint_eq(isl_sup_count(sup), 1);
    ck_assert_uint_eq(isl_sup_count_live(sup), 0);   /* no worker, none to come */
    ck_assert_uint_eq(x->start_failures, 3);
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 0);   /* never up: no restart */
    /* A failed child is left alone until stopped. */
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 40), "-");
    ck_assert_str_eq(handle(ISL_EV_READY, "x", 0, 40), "-");
    ck_assert_int_eq(x->state, ISL_CHILD_FAILED);
    ck_assert_str_eq(handle(ISL_EV_STOP, "x", 0, 50), "remove x");
    ck_assert_uint_eq(isl_sup_count(sup), 0);
}
END_TEST

/* A start the shell killed for a request's deadline (the store held it up)
 * is restarted as a crash, counted by intensity, but is no start failure:
 * it never marks the game failed. */
START_TEST(a_start_killed_as_hung_is_no_start_failure)
{
    new_sup(ISL_ONE_FOR_ONE, 100, 5000);
    ck_assert_str_eq(add("x", ISL_TRANSIENT), "start x");
    for (uint64_t t = 10; t <= 50; t += 10) {
        struct isl_sup_event ev = {.kind = ISL_EV_EXITED, .id = "x", .wait_status = SIGKILL,
                                   .killed_as_hung = true};
        isl_sup_actions_clear(&out);
        isl_sup_handle(sup, &ev, t, &out);
        ck_assert_str_eq(render(), "start x");
    }
    ck_assert_uint_eq(isl_sup_find(sup, "x")->start_failures, 0);
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 5);
    /* The same deaths by themselves are start failures. */
    ck_assert_str_eq(exited("x", SIGKILL, 60), "start x");
    ck_assert_str_eq(exited("x", SIGKILL, 70), "start x");
    ck_assert_str_eq(exited("x", SIGKILL, 80), "failed x (worker_dies_starting)");
}
END_TEST

START_TEST(ready_resets_start_failures)
{
    new_sup(ISL_ONE_FOR_ONE, 100, 5000);
    add("x", ISL_TRANSIENT);
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 10), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 20), "start x");
    ready("x", 30);
    ck_assert_uint_eq(isl_sup_find(sup, "x")->start_failures, 0);
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 40), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 50), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 60), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(1), 70), "failed x (worker_dies_starting)");
}
END_TEST

/* Whether the last failed start was the child's own doing decides what
 * the shell does next: a start that failed outside it may pass. */
START_TEST(a_failed_child_says_why)
{
    static const struct {
        int status;       /* -1: ISL_EV_START_FAILED (no process) */
        const char *reason;
    } cases[] = {
        {-1, "worker_cannot_start"},
        {EXIT_WITH(ISL_EXIT_EXEC_FAILED), "worker_cannot_start"},
        {EXIT_WITH(ISL_EXIT_STORE), "worker_cannot_start"},
        {EXIT_WITH(ISL_EXIT_USAGE), "worker_cannot_start"},
        {SIGSEGV, "worker_dies_starting"},
        {SIGKILL, "worker_dies_starting"},
        {EXIT_WITH(ISL_EXIT_CRASH), "worker_dies_starting"},
        {EXIT_WITH(1), "worker_dies_starting"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        new_sup(ISL_ONE_FOR_ONE, 100, 5000);
        add("x", ISL_PERMANENT);
        const char *last = NULL;
        for (uint64_t t = 1; t <= 3; t++)
            last = cases[i].status < 0 ? handle(ISL_EV_START_FAILED, "x", 0, t * 10)
                                       : exited("x", cases[i].status, t * 10);
        char want[64];
        snprintf(want, sizeof want, "failed x (%s)", cases[i].reason);
        ck_assert_str_eq(last, want);
        teardown();
    }
}
END_TEST

/* A death another process caused (the store writer stopped answering or
 * died under it) is no crash of the child's: the child is removed, as the
 * writer's restart would stop it anyway, counted neither against
 * intensity nor as a failed start, and its siblings are left alone. */
START_TEST(a_blameless_death_removes_only_the_child)
{
    new_sup(ISL_ONE_FOR_ALL, 0, 5000);
    add_running("ax", ISL_PERMANENT);
    struct isl_sup_event ev = {.kind = ISL_EV_EXITED, .id = "x",
                               .wait_status = EXIT_WITH(ISL_EXIT_STORE), .blameless = true};
    isl_sup_actions_clear(&out);
    isl_sup_handle(sup, &ev, 10, &out);
    ck_assert_str_eq(render(), "remove x");
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 0);
    ck_assert_ptr_null(isl_sup_find(sup, "x"));
    ck_assert_int_eq(isl_sup_find(sup, "a")->state, ISL_CHILD_RUNNING);
    /* Before ready too (killed at a deadline behind a stalled writer). */
    ck_assert_str_eq(add("y", ISL_PERMANENT), "start y");
    ev = (struct isl_sup_event){.kind = ISL_EV_EXITED, .id = "y", .wait_status = SIGKILL,
                                .killed_as_hung = true, .blameless = true};
    isl_sup_actions_clear(&out);
    isl_sup_handle(sup, &ev, 20, &out);
    ck_assert_str_eq(render(), "remove y");
}
END_TEST

/* A start killed for a request's deadline is no start failure, so it
 * must count against intensity even for a child never up: else a game
 * whose every load hangs would be killed and started forever. */
START_TEST(a_first_start_killed_as_hung_counts)
{
    new_sup(ISL_ONE_FOR_ONE, 1, 5000);
    ck_assert_str_eq(add("x", ISL_TRANSIENT), "start x");
    struct isl_sup_event ev = {.kind = ISL_EV_EXITED, .id = "x", .wait_status = SIGKILL,
                               .killed_as_hung = true};
    isl_sup_actions_clear(&out);
    isl_sup_handle(sup, &ev, 10, &out);
    ck_assert_str_eq(render(), "start x");
    isl_sup_actions_clear(&out);
    isl_sup_handle(sup, &ev, 20, &out);
    ck_assert_str_eq(render(), "give_up");
}
END_TEST

/* The games' policy is islands.conf's, field by field, in the core's
 * units (period in milliseconds); values unlike the defaults, so that a
 * field taken from the wrong key shows. */
START_TEST(policy_from_config_sets_every_field)
{
    struct isl_config c;
    isl_config_defaults(&c);
    c.strategy = ISL_REST_FOR_ONE;
    c.intensity = 7;
    c.period_s = 11;
    c.restart_delay_ms = 13;
    c.restart_delay_max_ms = 17000;
    c.max_start_failures = 19;
    struct isl_sup_policy p;
    memset(&p, 0xff, sizeof p);
    isl_sup_policy_from_config(&c, &p);
    ck_assert_int_eq(p.strategy, ISL_REST_FOR_ONE);
    ck_assert_uint_eq(p.intensity, 7);
    ck_assert_uint_eq(p.period_ms, 11000);
    ck_assert_uint_eq(p.restart_delay_ms, 13);
    ck_assert_uint_eq(p.restart_delay_max_ms, 17000);
    ck_assert_uint_eq(p.max_start_failures, 19);
    ck_assert(!p.static_children);   /* games come at run time */
}
END_TEST

/* A failed restart is a restart, as in OTP: counted by intensity. */
START_TEST(failed_restarts_count_toward_intensity)
{
    new_sup(ISL_ONE_FOR_ONE, 1, 5000);
    add_running("x", ISL_PERMANENT);
    ck_assert_str_eq(exited("x", SIGKILL, 10), "start x");
    ck_assert_str_eq(handle(ISL_EV_START_FAILED, "x", 0, 20), "give_up");
}
END_TEST

/* A child that never came up (a game's first start) restarts nothing, as
 * OTP's start_child: its failures, with or without a process, are neither
 * counted against intensity nor carried to its siblings, and
 * max_start_failures ends them. Counted, one game whose worker cannot
 * start (descriptors run out) would stop every game. */
START_TEST(a_first_start_that_fails_restarts_nothing)
{
    new_sup(ISL_ONE_FOR_ALL, 0, 5000);
    add_running("a", ISL_PERMANENT);
    ck_assert_str_eq(add("x", ISL_PERMANENT), "start x");
    ck_assert_str_eq(handle(ISL_EV_START_FAILED, "x", 0, 10), "start x");
    ck_assert_str_eq(exited("x", SIGSEGV, 20), "start x");
    ck_assert_str_eq(handle(ISL_EV_START_FAILED, "x", 0, 30), "failed x (worker_cannot_start)");
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 0);
    ck_assert_int_eq(isl_sup_find(sup, "a")->state, ISL_CHILD_RUNNING);
    /* Up once, the next crash is a restart: intensity 0 gives up. */
    ck_assert_str_eq(add("y", ISL_PERMANENT), "start y");
    ready("y", 40);
    ck_assert_str_eq(exited("y", SIGKILL, 50), "terminate a, give_up");
    teardown();
    /* A supervisor's own children (the store writer) count from the
     * first start. */
    struct isl_sup_policy p = policy(ISL_ONE_FOR_ONE, 1, 5000, 0, 0);
    p.static_children = true;
    sup = isl_sup_new(&p);
    ck_assert_str_eq(add("w", ISL_PERMANENT), "start w");
    ck_assert_str_eq(handle(ISL_EV_START_FAILED, "w", 0, 10), "start w");
    ck_assert_str_eq(handle(ISL_EV_START_FAILED, "w", 0, 20), "give_up");
}
END_TEST

START_TEST(corrupt_before_ready_fails_without_intensity)
{
    new_sup(ISL_ONE_FOR_ONE, 0, 5000);
    add("x", ISL_TRANSIENT);
    ck_assert_str_eq(exited("x", EXIT_WITH(ISL_EXIT_CORRUPT), 10), "failed x (corrupt_record)");
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 0);
    ck_assert_int_eq(isl_sup_find(sup, "x")->state, ISL_CHILD_FAILED);
    /* Intensity 0: any counted restart would have given up. */
    add("y", ISL_TEMPORARY);
    ck_assert_str_eq(exited("y", EXIT_WITH(ISL_EXIT_CORRUPT), 20), "failed y (corrupt_record)");
}
END_TEST

START_TEST(corrupt_after_ready_is_a_crash)
{
    new_sup(ISL_ONE_FOR_ONE, 5, 5000);
    add_running("x", ISL_TRANSIENT);
    ck_assert_str_eq(exited("x", EXIT_WITH(ISL_EXIT_CORRUPT), 10), "start x");
    ck_assert_str_eq(exited("x", EXIT_WITH(ISL_EXIT_CORRUPT), 20), "failed x (corrupt_record)");
}
END_TEST

/* ---------------------------------------------------------------- stop, shutdown */

START_TEST(stop_terminates_then_removes)
{
    new_sup(ISL_ONE_FOR_ONE, 5, 5000);
    add_running("ab", ISL_PERMANENT);
    ck_assert_str_eq(handle(ISL_EV_STOP, "a", 0, 10), "terminate a");
    ck_assert_int_eq(isl_sup_find(sup, "a")->state, ISL_CHILD_STOPPING);
    ck_assert_str_eq(handle(ISL_EV_STOP, "a", 0, 11), "-");   /* already going */
    ck_assert_str_eq(exited("a", KILLED_BY(SIGKILL), 20), "remove a");
    ck_assert_ptr_null(isl_sup_find(sup, "a"));
    ck_assert_uint_eq(isl_sup_total_restarts(sup), 0);
    /* Unknown ids are ignored. */
    ck_assert_str_eq(handle(ISL_EV_STOP, "nope", 0, 30), "-");
    ck_assert_str_eq(exited("nope", EXIT_WITH(1), 30), "-");
    ck_assert_str_eq(handle(ISL_EV_READY, "nope", 0, 30), "-");
    ck_assert_uint_eq(isl_sup_count(sup), 1);
}
END_TEST

START_TEST(stop_during_group_restart)
{
    new_sup(ISL_ONE_FOR_ALL, 5, 5000);
    add_running("abc", ISL_PERMANENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 10), "terminate c, terminate b");
    ck_assert_str_eq(handle(ISL_EV_STOP, "b", 0, 11), "-");   /* b is already stopping */
    ck_assert_str_eq(exited("c", KILLED_BY(SIGTERM), 20), "-");
    ck_assert_str_eq(exited("b", KILLED_BY(SIGTERM), 30), "remove b, start a, start c");
    /* And a member still waiting for its group: removed at once. */
    ck_assert_str_eq(handle(ISL_EV_READY, "a", 0, 40), "-");
    ready("c", 40);
    ck_assert_str_eq(exited("c", EXIT_WITH(1), 50), "terminate a");
    ck_assert_str_eq(handle(ISL_EV_STOP, "c", 0, 51), "remove c");
    ck_assert_str_eq(exited("a", KILLED_BY(SIGTERM), 60), "start a");
}
END_TEST

START_TEST(shutdown_in_reverse_start_order)
{
    new_sup(ISL_SIMPLE_ONE_FOR_ONE, 5, 5000);
    add_running("abcd", ISL_TRANSIENT);
    ck_assert_str_eq(exited("b", EXIT_WITH(ISL_EXIT_CORRUPT), 5), "start b");
    ck_assert_str_eq(exited("b", EXIT_WITH(ISL_EXIT_CORRUPT), 6), "failed b (corrupt_record)");
    ck_assert_str_eq(settle(ISL_EV_SHUTDOWN, NULL, 0, 10),
                     "terminate d, terminate c, terminate a, exit / remove d / remove c / remove a");
    ck_assert_str_eq(handle(ISL_EV_SHUTDOWN, NULL, 0, 20), "-");
    ck_assert_uint_eq(isl_sup_count(sup), 1);   /* the failed one, never started */
}
END_TEST

START_TEST(shutdown_during_group_restart)
{
    new_sup(ISL_ONE_FOR_ALL, 5, 5000);
    add_running("abc", ISL_PERMANENT);
    ck_assert_str_eq(exited("b", EXIT_WITH(1), 10), "terminate c, terminate a");
    ck_assert_str_eq(handle(ISL_EV_SHUTDOWN, NULL, 0, 11), "exit");
    ck_assert_str_eq(exited("c", KILLED_BY(SIGTERM), 20), "remove c");
    ck_assert_str_eq(exited("a", KILLED_BY(SIGTERM), 30), "remove a");
}
END_TEST

START_TEST(delayed_start_can_be_stopped)
{
    new_sup_with_backoff(ISL_ONE_FOR_ONE, 5, 5000, 500, 500);
    add_running("a", ISL_PERMANENT);
    ck_assert_str_eq(exited("a", EXIT_WITH(1), 10), "start a+500");
    /* The shell cancels the timer and reports an exit. */
    ck_assert_str_eq(settle(ISL_EV_STOP, "a", 0, 20), "terminate a / remove a");
}
END_TEST

/* ---------------------------------------------------------------- the table */

START_TEST(table_basics)
{
    new_sup(ISL_ONE_FOR_ONE, 5, 5000);
    ck_assert_str_eq(add("g1", ISL_TRANSIENT), "start g1");
    ck_assert_int_eq(isl_sup_find(sup, "g1")->state, ISL_CHILD_STARTING);
    isl_sup_actions_clear(&out);
    ck_assert_int_eq(isl_sup_add_child(sup, "g1", ISL_TRANSIENT, &out), -1);
    ck_assert_int_eq(isl_sup_add_child(sup, "", ISL_TRANSIENT, &out), -1);
    char long_id[ISL_CHILD_ID_MAX + 2];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    ck_assert_int_eq(isl_sup_add_child(sup, long_id, ISL_TRANSIENT, &out), -1);
    long_id[ISL_CHILD_ID_MAX] = '\0';
    ck_assert_int_eq(isl_sup_add_child(sup, long_id, ISL_TRANSIENT, &out), 0);
    ck_assert_uint_eq(out.count, 1);
    ck_assert_uint_eq(isl_sup_count(sup), 2);
    ck_assert_str_eq(isl_sup_child_at(sup, 1)->id, long_id);
    ck_assert_ptr_null(isl_sup_child_at(sup, 2));
    ck_assert_ptr_null(isl_sup_find(sup, "g2"));
    ck_assert_str_eq(isl_child_state_name(ISL_CHILD_WAITING), "waiting");
}
END_TEST

START_TEST(ten_thousand_children)
{
    enum { N = 10000 };
    new_sup(ISL_SIMPLE_ONE_FOR_ONE, N, 5000);
    char id[32];
    for (unsigned i = 0; i < N; i++) {
        snprintf(id, sizeof id, "game-%u", i);
        isl_sup_actions_clear(&out);
        ck_assert_int_eq(isl_sup_add_child(sup, id, ISL_TRANSIENT, &out), 0);
        handle(ISL_EV_READY, id, 0, i);
    }
    for (unsigned i = 0; i < N; i++) {
        snprintf(id, sizeof id, "game-%u", i);
        char expected[48];
        snprintf(expected, sizeof expected, "start %s", id);
        ck_assert_str_eq(exited(id, KILLED_BY(SIGKILL), N + i), expected);
    }
    /* Remove every other one, through stop and exit. */
    for (unsigned i = 0; i < N; i += 2) {
        snprintf(id, sizeof id, "game-%u", i);
        handle(ISL_EV_STOP, id, 0, 3 * N);
        ck_assert_int_eq(out.items[0].kind, ISL_ACT_TERMINATE);
        exited(id, KILLED_BY(SIGTERM), 3 * N);
        ck_assert_int_eq(out.items[0].kind, ISL_ACT_REMOVE);
    }
    ck_assert_uint_eq(isl_sup_count(sup), N / 2);
    ck_assert_uint_eq(isl_sup_total_restarts(sup), N);
    for (size_t i = 0; i < N / 2; i++) {
        snprintf(id, sizeof id, "game-%zu", 2 * i + 1);
        ck_assert_str_eq(isl_sup_child_at(sup, i)->id, id);
    }
}
END_TEST

static Suite *sup_core_suite(void)
{
    Suite *s = suite_create("sup_core");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, restart_type_changes_for_every_child);
    tcase_add_loop_test(tc, restart_types, 0, sizeof restart_rows / sizeof *restart_rows);
    tcase_add_test(tc, exit_is_normal);
    tcase_add_loop_test(tc, strategies, 0, sizeof strategy_rows / sizeof *strategy_rows);
    tcase_add_test(tc, group_restart_removes_temporary_children);
    tcase_add_test(tc, group_restart_counts_once);
    tcase_add_test(tc, crash_during_group_restart_joins_it);
    tcase_add_test(tc, group_restart_uses_the_dead_childs_backoff);
    tcase_add_test(tc, intensity_boundary);
    tcase_add_test(tc, intensity_window_slides);
    tcase_add_test(tc, intensity_window_includes_its_edge);
    tcase_add_test(tc, intensity_zero_never_restarts);
    tcase_add_test(tc, set_policy_keeps_history);
    tcase_add_test(tc, backoff_doubles_caps_and_resets);
    tcase_add_test(tc, backoff_zero_is_immediate);
    tcase_add_test(tc, start_failures_mark_failed);
    tcase_add_test(tc, a_start_killed_as_hung_is_no_start_failure);
    tcase_add_test(tc, ready_resets_start_failures);
    tcase_add_test(tc, failed_restarts_count_toward_intensity);
    tcase_add_test(tc, policy_from_config_sets_every_field);
    tcase_add_test(tc, a_blameless_death_removes_only_the_child);
    tcase_add_test(tc, a_first_start_killed_as_hung_counts);
    tcase_add_test(tc, a_first_start_that_fails_restarts_nothing);
    tcase_add_test(tc, a_failed_child_says_why);
    tcase_add_test(tc, corrupt_before_ready_fails_without_intensity);
    tcase_add_test(tc, corrupt_after_ready_is_a_crash);
    tcase_add_test(tc, stop_terminates_then_removes);
    tcase_add_test(tc, stop_during_group_restart);
    tcase_add_test(tc, shutdown_in_reverse_start_order);
    tcase_add_test(tc, shutdown_during_group_restart);
    tcase_add_test(tc, delayed_start_can_be_stopped);
    tcase_add_test(tc, table_basics);
    tcase_add_test(tc, ten_thousand_children);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(sup_core_suite)
