/* Violations, the admin connection, recovery watches. */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void violation(struct chaos_run *run, const char *fmt, ...)
{
    if (run->violation_count == run->violation_cap)
        run->violations = grow_array(run->violations, &run->violation_cap,
                                     sizeof *run->violations);
    struct violation *v = &run->violations[run->violation_count++];
    snprintf(v->phase, sizeof v->phase, "%s", run->phase);
    v->step = run->step;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->text, sizeof v->text, fmt, ap);
    va_end(ap);
    say("VIOLATION (seed %llu, %s phase, step %u): %s",
        (unsigned long long)run->opt->seed, v->phase, v->step, v->text);
}

void admin_disconnect(struct chaos_run *run)
{
    if (run->admin)
        isl_client_close(run->admin);
    run->admin = NULL;
}

bool daemon_died(struct chaos_run *run)
{
    if (run->aborted)
        return true;
    if (!run->own || !run->daemon.pid)
        return false;
    int status = daemon_wait(&run->daemon, 0);
    if (status == -1)
        return false;
    run->aborted = true;
    if (WIFSIGNALED(status))
        violation(run, "islandsd died of signal %d (%s) with no fault aimed at it; see %s",
                  WTERMSIG(status), strsignal(WTERMSIG(status)), run->daemon.log);
    else
        violation(run, "islandsd exited with status %d with no fault aimed at it; see %s",
                  WEXITSTATUS(status), run->daemon.log);
    return true;
}

/* Connects (again) until timeout_ms; a request that may have reached
 * islandsd is sent again only when `resend` (reads: sent twice, a move
 * or a crash would happen twice, and a move applied the first time would
 * then look refused or lost). */
static json_t *admin_request(struct chaos_run *run, json_t *request, int timeout_ms, bool resend)
{
    uint64_t deadline = isl_monotonic_ms() + (uint64_t)timeout_ms;
    json_t *response = NULL;
    for (;;) {
        if (daemon_died(run))
            break;
        if (!run->admin)
            run->admin = isl_client_connect(run->socket, 1000);
        if (run->admin) {
            uint64_t now = isl_monotonic_ms();
            int left = now < deadline ? (int)(deadline - now) : 1;
            enum isl_client_status s = isl_client_call(run->admin, request, &response, left);
            if (s == ISL_CLIENT_OK)
                break;
            /* A dead daemon, or a late answer: never reuse this connection. */
            admin_disconnect(run);
            response = NULL;
            if (!resend)
                break;
        }
        if (isl_monotonic_ms() >= deadline)
            break;
        sleep_ms(20);
    }
    json_decref(request);
    return response;
}

json_t *admin_call(struct chaos_run *run, json_t *request, int timeout_ms)
{
    return admin_request(run, request, timeout_ms, false);
}

json_t *admin_op(struct chaos_run *run, const char *op, const char *game)
{
    json_t *req = json_pack("{s:s}", "op", op);
    if (game)
        json_object_set_new(req, "game", json_string(game));
    return admin_request(run, req, 15000, true);
}

bool answer_ok(const json_t *resp)
{
    return json_is_true(json_object_get(resp, "ok"));
}

const char *answer_error(const json_t *resp)
{
    const char *e = json_string_value(json_object_get(resp, "error"));
    return e ? e : "";
}

void expect_group_gone(struct chaos_run *run, pid_t pgid, const char *when)
{
    uint64_t until = isl_monotonic_ms() + GROUP_GRACE_MS;
    int left;
    while ((left = proc_group_count(pgid)) > 0 && isl_monotonic_ms() < until)
        sleep_ms(20);
    if (left > 0) {
        violation(run, "%d processes of islandsd's group still alive %d s after it %s", left,
                  GROUP_GRACE_MS / 1000, when);
        proc_kill_group(pgid);
    }
}

void *grow_array(void *items, size_t *cap, size_t item_size)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *grown = realloc(items, n * item_size);
    if (!grown) {
        fputs("islands-chaos: out of memory\n", stderr);
        abort();
    }
    *cap = n;
    return grown;
}

size_t watch_start(struct chaos_run *run, unsigned games)
{
    if (run->watch_count == run->watch_cap)
        run->watches = grow_array(run->watches, &run->watch_cap, sizeof *run->watches);
    struct fault_watch *w = &run->watches[run->watch_count];
    w->at_ms = isl_monotonic_ms();
    w->pending = games;
    w->last_ms = w->at_ms;
    return run->watch_count++;
}

void watch_answered(struct chaos_run *run, size_t index)
{
    if (index >= run->watch_count)
        return;
    struct fault_watch *w = &run->watches[index];
    if (w->pending == 0)
        return;
    w->last_ms = isl_monotonic_ms();
    if (--w->pending > 0)
        return;
    struct chaos_stats *s = &run->stats;
    if (s->recovery_count == s->recovery_cap)
        s->recovery_ms = grow_array(s->recovery_ms, &s->recovery_cap, sizeof *s->recovery_ms);
    s->recovery_ms[s->recovery_count++] = (double)(w->last_ms - w->at_ms);
    s->recoveries++;
}

void run_note_ended(struct chaos_run *run, const char *game)
{
    if (run->ended_count == run->ended_cap)
        run->ended = grow_array(run->ended, &run->ended_cap, sizeof *run->ended);
    snprintf(run->ended[run->ended_count++], sizeof run->ended[0], "%s", game);
}

void run_forget_ended(struct chaos_run *run)
{
    run->ended_count = 0;
}

void run_free(struct chaos_run *run)
{
    admin_disconnect(run);
    free(run->violations);
    free(run->watches);
    free(run->ended);
    free(run->stats.recovery_ms);
    run->violations = NULL;
    run->watches = NULL;
    run->ended = NULL;
    run->stats.recovery_ms = NULL;
}
