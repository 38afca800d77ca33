/* The `meta` value: the rules state and the time of the last change, its
 * older form without a time, and the idle time taken from it. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "islands/meta.h"

#define JAN_2026_MS INT64_C(1767225600000)

static int parse(const char *text, struct isl_meta *m)
{
    return isl_meta_parse(text, strlen(text), m);
}

START_TEST(format_and_parse_round_trip)
{
    char text[ISL_META_MAX];
    ck_assert_int_eq(isl_meta_format(text, sizeof text, "player2_turn", JAN_2026_MS), 26);
    ck_assert_str_eq(text, "player2_turn 1767225600000");
    struct isl_meta m;
    ck_assert_int_eq(parse(text, &m), 0);
    ck_assert_int_eq(m.rules, ISL_RULES_PLAYER2_TURN);
    ck_assert(m.has_time);
    ck_assert_int_eq(m.active_ms, JAN_2026_MS);
}
END_TEST

START_TEST(format_refuses_what_does_not_fit)
{
    char text[20];
    ck_assert_int_eq(isl_meta_format(text, sizeof text, "player2_turn", JAN_2026_MS), -1);
}
END_TEST

/* Stores written before the time was kept hold the rules state alone. */
START_TEST(a_value_without_a_time_is_an_older_entry)
{
    struct isl_meta m;
    ck_assert_int_eq(parse("game_over", &m), 0);
    ck_assert_int_eq(m.rules, ISL_RULES_GAME_OVER);
    ck_assert(!m.has_time);
}
END_TEST

/* A clock reset to 1970 wrote it: no time, not a game idle for decades. */
START_TEST(a_time_before_2020_counts_as_none)
{
    struct isl_meta m;
    ck_assert_int_eq(parse("initialized 86400000", &m), 0);
    ck_assert_int_eq(m.rules, ISL_RULES_INITIALIZED);
    ck_assert(!m.has_time);
    ck_assert_int_eq(parse("initialized 1577836800000", &m), 0);
    ck_assert(m.has_time);
}
END_TEST

START_TEST(bad_values_are_refused)
{
    static const char *const bad[] = {
        "", " ", "no_such_state", "no_such_state 1767225600000", "player1_turn ",
        "player1_turn x", "player1_turn -1767225600000", "player1_turn +1767225600000",
        "player1_turn 1767225600000 ", "player1_turn 1767225600000 7",
        "player1_turn  1767225600000", "player1_turn 1767225600000x",
        "player1_turn 1234567890123456789012", " player1_turn 1767225600000",
        "player1_turn_and_then_some_more_text_that_is_far_too_long_for_any_state",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct isl_meta m;
        ck_assert_msg(parse(bad[i], &m) == -1, "accepted \"%s\"", bad[i]);
    }
    struct isl_meta m;
    static const char nul_in_rules[] = "player1_turn\0x 1767225600000";
    ck_assert_int_eq(isl_meta_parse(nul_in_rules, sizeof nul_in_rules - 1, &m), -1);
    static const char nul_in_time[] = "player1_turn 17672\0" "600000";
    ck_assert_int_eq(isl_meta_parse(nul_in_time, sizeof nul_in_time - 1, &m), -1);
}
END_TEST

/* Only the bytes given are read: a value is not NUL-terminated in LMDB. */
START_TEST(parse_reads_only_its_length)
{
    struct isl_meta m;
    const char *text = "players_set 1767225600000junk";
    ck_assert_int_eq(isl_meta_parse(text, 25, &m), 0);
    ck_assert_int_eq(m.active_ms, JAN_2026_MS);
    ck_assert_int_eq(isl_meta_parse(text, 11, &m), 0);
    ck_assert_int_eq(m.rules, ISL_RULES_PLAYERS_SET);
    ck_assert(!m.has_time);
}
END_TEST

/* A change in the future (the clock went back since) counts as now: a
 * clock jump must never end games early. */
START_TEST(idle_time_from_the_last_change)
{
    ck_assert_uint_eq(isl_meta_idle_ms(JAN_2026_MS, JAN_2026_MS + 4500), 4500);
    ck_assert_uint_eq(isl_meta_idle_ms(JAN_2026_MS, JAN_2026_MS), 0);
    ck_assert_uint_eq(isl_meta_idle_ms(JAN_2026_MS + 86400000, JAN_2026_MS), 0);
}
END_TEST

static Suite *meta_suite(void)
{
    Suite *s = suite_create("meta");
    TCase *tc = tcase_create("meta");
    tcase_add_test(tc, format_and_parse_round_trip);
    tcase_add_test(tc, format_refuses_what_does_not_fit);
    tcase_add_test(tc, a_value_without_a_time_is_an_older_entry);
    tcase_add_test(tc, a_time_before_2020_counts_as_none);
    tcase_add_test(tc, bad_values_are_refused);
    tcase_add_test(tc, parse_reads_only_its_length);
    tcase_add_test(tc, idle_time_from_the_last_change);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(meta_suite)
