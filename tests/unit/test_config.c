/* islands.conf parsing: defaults, every key, every kind of error with its
 * line, SIGHUP's reloadable keys, and the shipped islands.conf. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "islands/config.h"
#include "islands/log.h"

static char dir[] = "/tmp/islands-config-XXXXXX";
static char path[64];
static char err[512];

static void setup(void)
{
    strcpy(dir, "/tmp/islands-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/test.conf", dir);
    err[0] = '\0';
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int load_text(struct isl_config *c, const char *text)
{
    write_file(text);
    return isl_config_load(c, path, err, sizeof err);
}

/* Every key, none at its default. */
static const char every_key[] =
    "socket = /tmp/s.sock\n"
    "store = /tmp/store\n"
    "worker = /opt/w\n"
    "writer = \"/opt/wr\"\n"
    "strategy = rest_for_one\n"
    "restart = permanent\n"
    "intensity = 3\n"
    "period = 10\n"
    "shutdown = brutal_kill\n"
    "restart_delay_ms = 100\n"
    "restart_delay_max_ms = 800\n"
    "max_start_failures = 5\n"
    "max_children = 20\n"
    "spare_workers = 0\n"
    "activation = eager\n"
    "max_clients = 7\n"
    "max_request = 1000\n"
    "max_output = 8192\n"
    "client_timeout = 9\n"
    "max_games = 30\n"
    "queue_limit = 4\n"
    "request_timeout_ms = 250\n"
    "game_timeout = 60\n"
    "hibernate_after = 0\n"
    "crash_injection = true\n"
    "sync = nometa\n"
    "group_commit = false\n"
    "map_size = 1048576\n"
    "max_readers = 126\n"
    "log_level = debug\n";

START_TEST(defaults)
{
    struct isl_config c;
    isl_config_defaults(&c);
    ck_assert_str_eq(c.socket, "/run/islands/islandsd.sock");
    ck_assert_str_eq(c.store, "/var/lib/islands/store");
    ck_assert_str_eq(c.worker, "");
    ck_assert_str_eq(c.writer, "");
    ck_assert_int_eq(c.strategy, ISL_SIMPLE_ONE_FOR_ONE);
    ck_assert_int_eq(c.restart, ISL_TRANSIENT);
    ck_assert_uint_eq(c.intensity, 1);
    ck_assert_uint_eq(c.period_s, 5);
    ck_assert_int_eq(c.shutdown_ms, 5000);
    ck_assert_uint_eq(c.restart_delay_ms, 0);
    ck_assert_uint_eq(c.restart_delay_max_ms, 5000);
    ck_assert_uint_eq(c.max_start_failures, 3);
    ck_assert_uint_eq(c.max_children, 10000);
    ck_assert_uint_eq(c.spare_workers, 4);
    ck_assert_int_eq(c.activation, ISL_ACTIVATION_LAZY);
    ck_assert_uint_eq(c.max_clients, 1024);
    ck_assert_uint_eq(c.max_request, 65536);
    ck_assert_uint_eq(c.max_output, 4u << 20);
    ck_assert_uint_eq(c.client_timeout_s, 300);
    ck_assert_uint_eq(c.max_games, 100000);
    ck_assert_uint_eq(c.queue_limit, 256);
    ck_assert_uint_eq(c.request_timeout_ms, 5000);
    ck_assert_uint_eq(c.game_timeout_s, 86400);
    ck_assert_uint_eq(c.hibernate_after_s, 300);
    ck_assert(!c.crash_injection);
    ck_assert_int_eq(c.sync, ISL_SYNC_FULL);
    ck_assert(c.group_commit);
    ck_assert_uint_eq(c.map_size, 4ULL << 30);
    ck_assert_uint_eq(c.max_readers, 16384);
    ck_assert_int_eq(c.log_level, ISL_LOG_INFO);
}
END_TEST

START_TEST(every_key_parsed)
{
    struct isl_config c;
    isl_config_defaults(&c);
    ck_assert_msg(load_text(&c, every_key) == 0, "%s", err);
    ck_assert_str_eq(c.socket, "/tmp/s.sock");
    ck_assert_str_eq(c.store, "/tmp/store");
    ck_assert_str_eq(c.worker, "/opt/w");
    ck_assert_str_eq(c.writer, "/opt/wr");
    ck_assert_int_eq(c.strategy, ISL_REST_FOR_ONE);
    ck_assert_int_eq(c.restart, ISL_PERMANENT);
    ck_assert_uint_eq(c.intensity, 3);
    ck_assert_uint_eq(c.period_s, 10);
    ck_assert_int_eq(c.shutdown_ms, -1);
    ck_assert_uint_eq(c.restart_delay_ms, 100);
    ck_assert_uint_eq(c.restart_delay_max_ms, 800);
    ck_assert_uint_eq(c.max_start_failures, 5);
    ck_assert_uint_eq(c.max_children, 20);
    ck_assert_uint_eq(c.spare_workers, 0);
    ck_assert_int_eq(c.activation, ISL_ACTIVATION_EAGER);
    ck_assert_uint_eq(c.max_clients, 7);
    ck_assert_uint_eq(c.max_request, 1000);
    ck_assert_uint_eq(c.max_output, 8192);
    ck_assert_uint_eq(c.client_timeout_s, 9);
    ck_assert_uint_eq(c.max_games, 30);
    ck_assert_uint_eq(c.queue_limit, 4);
    ck_assert_uint_eq(c.request_timeout_ms, 250);
    ck_assert_uint_eq(c.game_timeout_s, 60);
    ck_assert_uint_eq(c.hibernate_after_s, 0);
    ck_assert(c.crash_injection);
    ck_assert_int_eq(c.sync, ISL_SYNC_NOMETA);
    ck_assert(!c.group_commit);
    ck_assert_uint_eq(c.map_size, 1048576);
    ck_assert_uint_eq(c.max_readers, 126);
    ck_assert_int_eq(c.log_level, ISL_LOG_DEBUG);
}
END_TEST

START_TEST(comments_blank_lines_and_spacing)
{
    struct isl_config c;
    isl_config_defaults(&c);
    ck_assert_msg(load_text(&c, "\n# a comment\n; another\n  intensity=4\t\n"
                                "period = 7 ; inline\nshutdown = 250\nworker = \"\"\n") == 0,
                  "%s", err);
    ck_assert_uint_eq(c.intensity, 4);
    ck_assert_uint_eq(c.period_s, 7);
    ck_assert_int_eq(c.shutdown_ms, 250);
    ck_assert_str_eq(c.worker, "");
    /* Indented keys are keys, not more of the value above (inih's
     * continuation lines), after a blank line or right after a key. */
    ck_assert_msg(load_text(&c, "intensity = 1\n\n  period = 5\n\tshutdown = 300\n"
                                "  # indented comment\n") == 0, "%s", err);
    ck_assert_uint_eq(c.intensity, 1);
    ck_assert_uint_eq(c.period_s, 5);
    ck_assert_int_eq(c.shutdown_ms, 300);
}
END_TEST

static const struct {
    const char *text;
    const char *error;   /* after "PATH:" */
} error_rows[] = {
    { "intensity = 2\nfoo = 1\n", "2: unknown key 'foo'" },
    { "# x\n\nintensity = lots\n", "3: intensity: not a number: 'lots'" },
    { "intensity = 3x\n", "1: intensity: not a number: '3x'" },
    { "max_children =\n", "1: max_children: not a number: ''" },
    { "intensity = 1\nperiod = -5\n", "2: period: must not be negative: '-5'" },
    { "period = 0\n", "1: period: out of range 1..86400: '0'" },
    { "intensity = 99999999999999999999999\n",
      "1: intensity: out of range 0..1000000: '99999999999999999999999'" },
    { "max_request = 63\n", "1: max_request: out of range 64..16777216: '63'" },
    { "client_timeout = -1\n", "1: client_timeout: must not be negative: '-1'" },
    { "client_timeout = 315360001\n",
      "1: client_timeout: out of range 0..315360000: '315360001'" },
    { "shutdown = never\n", "1: shutdown: not a number: 'never'" },
    { "shutdown = 0\n", "1: shutdown: out of range 1..3600000: '0'" },
    { "strategy = one_for_some\n",
      "1: strategy: unknown value 'one_for_some' (expected one of: one_for_one, one_for_all, "
      "rest_for_one, simple_one_for_one)" },
    { "restart = sometimes\n",
      "1: restart: unknown value 'sometimes' (expected one of: permanent, transient, temporary)" },
    { "sync = fast\n", "1: sync: unknown value 'fast' (expected one of: full, nometa, none)" },
    { "activation = now\n", "1: activation: unknown value 'now' (expected one of: lazy, eager)" },
    { "log_level = 6\n",
      "1: log_level: unknown value '6' (expected one of: err, warning, notice, info, debug)" },
    { "crash_injection = yes\n", "1: crash_injection: expected true or false: 'yes'" },
    { "store =\n", "1: store: must not be empty" },
    { "socket = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n", "1: socket: too long (at most 107 bytes)" },
    { "intensity = 1\n[games]\nintensity = 2\n", "3: sections are not used: [games]" },
    { "intensity = 1\nthis is not a setting\nfoo = 1\n", "2: syntax error: expected key = value" },
    { "foo = 1\nnot a setting\n", "1: unknown key 'foo'" },
    { "intensity = 1\n\nintensity = 2\n", "3: intensity: set twice (first on line 1)" },
    { "intensity = 1\n  intensity = 2\n", "2: intensity: set twice (first on line 1)" },
    { "intensity = 1\n  peroid = 2\n", "2: unknown key 'peroid'" },
};

START_TEST(errors_name_file_and_line)
{
    struct isl_config c, before;
    isl_config_defaults(&c);
    memcpy(&before, &c, sizeof before);
    ck_assert_int_eq(load_text(&c, error_rows[_i].text), -1);
    char expected[768];
    snprintf(expected, sizeof expected, "%s:%s", path, error_rows[_i].error);
    ck_assert_str_eq(err, expected);
    /* Nothing of a bad file is applied. */
    ck_assert_int_eq(memcmp(&c, &before, sizeof c), 0);
}
END_TEST

START_TEST(overlong_line)
{
    char text[1024];
    memset(text, '#', 600);
    strcpy(text + 600, "\nintensity = 2\n");
    struct isl_config c;
    isl_config_defaults(&c);
    ck_assert_int_eq(load_text(&c, text), -1);
    ck_assert_ptr_nonnull(strstr(err, ":1: line too long"));
    /* One that just fits is fine, also as the last line without newline. */
    memset(text, '#', 199);
    strcpy(text + 199, "\nperiod = 9");
    ck_assert_msg(load_text(&c, text) == 0, "%s", err);
    ck_assert_uint_eq(c.period_s, 9);
}
END_TEST

START_TEST(missing_file)
{
    struct isl_config c;
    isl_config_defaults(&c);
    ck_assert_int_eq(isl_config_load(&c, "/nonexistent/islands.conf", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/islands.conf: No such file or directory");
}
END_TEST

START_TEST(set_one_key)
{
    struct isl_config c;
    isl_config_defaults(&c);
    ck_assert_int_eq(isl_config_set(&c, "strategy", "one_for_all", err, sizeof err), 0);
    ck_assert_int_eq(c.strategy, ISL_ONE_FOR_ALL);
    ck_assert_int_eq(isl_config_set(&c, "log_level", "err", err, sizeof err), 0);
    ck_assert_int_eq(c.log_level, ISL_LOG_ERR);
    ck_assert_int_eq(isl_config_set(&c, "nope", "1", err, sizeof err), -1);
    ck_assert_str_eq(err, "unknown key 'nope'");
    ck_assert_int_eq(isl_config_set(&c, "period_s", "1", err, sizeof err), -1);
    ck_assert_int_eq(isl_config_set(&c, "queue_limit", "-1", err, sizeof err), -1);
    ck_assert_str_eq(err, "queue_limit: must not be negative: '-1'");
    ck_assert_uint_eq(c.queue_limit, 256);
}
END_TEST

START_TEST(reload_copies_only_reloadable_keys)
{
    struct isl_config running, fresh;
    isl_config_defaults(&running);
    isl_config_defaults(&fresh);
    char fixed[256];
    ck_assert_uint_eq(isl_config_fixed_changes(&running, &fresh, fixed, sizeof fixed), 0);
    ck_assert_str_eq(fixed, "");
    ck_assert_msg(load_text(&fresh, every_key) == 0, "%s", err);
    /* Every one named, not only the first. */
    size_t n = isl_config_fixed_changes(&running, &fresh, fixed, sizeof fixed);
    ck_assert_uint_gt(n, 1);
    ck_assert_ptr_eq(strstr(fixed, "socket"), fixed);
    ck_assert_ptr_nonnull(strstr(fixed, ",store"));
    char tiny[8];   /* what fits, never past the end */
    ck_assert_uint_eq(isl_config_fixed_changes(&running, &fresh, tiny, sizeof tiny), n);
    ck_assert_str_eq(tiny, "socket");
    isl_config_apply_reloadable(&running, &fresh);
    /* Re-read by SIGHUP: */
    ck_assert_uint_eq(running.intensity, 3);
    ck_assert_uint_eq(running.period_s, 10);
    ck_assert_int_eq(running.restart, ISL_PERMANENT);
    ck_assert_int_eq(running.shutdown_ms, -1);
    ck_assert_uint_eq(running.restart_delay_max_ms, 800);
    ck_assert_uint_eq(running.max_clients, 7);
    ck_assert_uint_eq(running.client_timeout_s, 9);
    ck_assert_uint_eq(running.game_timeout_s, 60);
    ck_assert_uint_eq(running.hibernate_after_s, 0);
    ck_assert_int_eq(running.log_level, ISL_LOG_DEBUG);
    ck_assert(running.crash_injection);
    /* Fixed until restart: */
    ck_assert_str_eq(running.socket, "/run/islands/islandsd.sock");
    ck_assert_str_eq(running.store, "/var/lib/islands/store");
    ck_assert_int_eq(running.strategy, ISL_SIMPLE_ONE_FOR_ONE);
    ck_assert_int_eq(running.sync, ISL_SYNC_FULL);
    ck_assert(running.group_commit);
    ck_assert_uint_eq(running.map_size, 4ULL << 30);
    ck_assert_uint_eq(running.max_readers, 16384);
    ck_assert(isl_config_key_reloadable("intensity"));
    ck_assert(isl_config_key_reloadable("restart_delay_ms"));
    ck_assert(!isl_config_key_reloadable("strategy"));
    ck_assert(!isl_config_key_reloadable("map_size"));
    ck_assert(!isl_config_key_reloadable("nope"));
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(isl_strategy_name(ISL_SIMPLE_ONE_FOR_ONE), "simple_one_for_one");
    ck_assert_str_eq(isl_restart_name(ISL_TEMPORARY), "temporary");
    ck_assert_str_eq(isl_sync_name(ISL_SYNC_NOMETA), "nometa");
    ck_assert_str_eq(isl_activation_name(ISL_ACTIVATION_EAGER), "eager");
    ck_assert_str_eq(isl_log_level_name(ISL_LOG_WARNING), "warning");
    ck_assert_str_eq(isl_log_level_name(2), "?");
    ck_assert_str_eq(isl_strategy_name((enum isl_strategy)42), "?");
}
END_TEST

START_TEST(shipped_file_is_the_defaults)
{
    const char *src = getenv("ISLANDS_SRC");
    char shipped[4096];
    snprintf(shipped, sizeof shipped, "%s/islands.conf", src ? src : ".");
    /* Start from all-different values: the file must set every key. */
    struct isl_config c, defaults;
    isl_config_defaults(&c);
    ck_assert_msg(load_text(&c, every_key) == 0, "%s", err);
    ck_assert_msg(isl_config_load(&c, shipped, err, sizeof err) == 0, "%s", err);
    isl_config_defaults(&defaults);
    ck_assert_int_eq(memcmp(&c, &defaults, sizeof c), 0);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, every_key_parsed);
    tcase_add_test(tc, comments_blank_lines_and_spacing);
    tcase_add_loop_test(tc, errors_name_file_and_line, 0, sizeof error_rows / sizeof *error_rows);
    tcase_add_test(tc, overlong_line);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, set_one_key);
    tcase_add_test(tc, reload_copies_only_reloadable_keys);
    tcase_add_test(tc, names);
    tcase_add_test(tc, shipped_file_is_the_defaults);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(config_suite)
