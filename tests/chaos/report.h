/* The run's report: a human summary and one JSON line on stdout (and
 * appended to --json FILE). */
#ifndef ISLANDS_CHAOS_REPORT_H
#define ISLANDS_CHAOS_REPORT_H

#include "run.h"

void report_print(struct chaos_run *run, double duration_s);
/* No violation and nothing lost. */
bool report_passed(const struct chaos_run *run);

#endif
