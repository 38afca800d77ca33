/* Table rows on stdout, JSON lines in the results file. */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static unsigned figures_reported, targets_missed;

void report_title(const char *title)
{
    printf("\n== %s\n", title);
    printf("  %-26s %7s %-6s %-6s %12s %-8s %-12s %s\n", "figure", "games", "sync", "commit",
           "value", "unit", "target", "meets");
    fflush(stdout);
}

static bool target_met(const struct figure *f)
{
    switch (f->target_kind) {
    case TARGET_AT_LEAST:
        return f->value >= f->target;
    case TARGET_BELOW:
        return f->value < f->target;
    default:
        return true;
    }
}

static const char *target_operator(enum target_kind kind)
{
    return kind == TARGET_AT_LEAST ? ">=" : kind == TARGET_BELOW ? "<" : NULL;
}

/* Three decimals are plenty for every figure and keep the lines short. */
static double rounded(double v)
{
    return (double)(long long)(v * 1000 + (v < 0 ? -0.5 : 0.5)) / 1000;
}

static void append_json(const struct figure *f, bool meets)
{
    json_t *line = json_pack("{s:s, s:s, s:f, s:s}", "scenario", f->scenario, "figure", f->name,
                             "value", rounded(f->value), "unit", f->unit);
    if (!line) {
        say("out of memory for a result line");
        return;
    }
    const char *op = target_operator(f->target_kind);
    json_object_set_new(line, "target", op ? json_real(f->target) : json_null());
    json_object_set_new(line, "target_op", op ? json_string(op) : json_null());
    json_object_set_new(line, "meets", op ? json_boolean(meets) : json_null());
    json_object_set_new(line, "games", f->games ? json_integer((json_int_t)f->games) : json_null());
    json_object_set_new(line, "sync", f->sync ? json_string(f->sync) : json_null());
    json_object_set_new(line, "commit", f->commit ? json_string(f->commit) : json_null());
    if (f->conns)
        json_object_set_new(line, "conns", json_integer(f->conns));
    if (f->pipeline)
        json_object_set_new(line, "pipeline", json_integer(f->pipeline));
    json_object_set_new(line, "quick", json_boolean(bench.quick));
    json_object_set_new(line, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(line, "date", json_string(bench.date));
    json_object_set_new(line, "git", json_string(bench.git));
    if (f->extra)
        json_object_update(line, f->extra);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(line);
    FILE *out = fopen(bench.results, "a");
    if (!out || !text || fprintf(out, "%s\n", text) < 0)
        say("cannot append to %s: %s", bench.results, strerror(errno));
    if (out && fclose(out) != 0)
        say("cannot write %s: %s", bench.results, strerror(errno));
    free(text);
}

bool report(struct figure *f)
{
    bool meets = target_met(f);
    char target[32] = "-", games[24] = "-";
    const char *op = target_operator(f->target_kind);
    if (op)
        snprintf(target, sizeof target, "%s %g", op, f->target);
    if (f->games)
        snprintf(games, sizeof games, "%lu", f->games);
    printf("  %-26s %7s %-6s %-6s %12.3f %-8s %-12s %s\n", f->name, games,
           f->sync ? f->sync : "-", f->commit ? f->commit : "-", f->value, f->unit, target,
           op ? (meets ? "yes" : "NO") : "");
    fflush(stdout);
    append_json(f, meets);
    json_decref(f->extra);
    f->extra = NULL;
    figures_reported++;
    if (!meets)
        targets_missed++;
    return meets;
}

void report_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("  note: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

void report_totals(unsigned *figures, unsigned *missed)
{
    *figures = figures_reported;
    *missed = targets_missed;
}
