/* Request lines jansson refuses but JSON allows: mended on a copy, every
 * other line judged by jansson alone, and the id's exact text found. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "islands/json_line.h"

static json_t *load(const char *text)
{
    json_error_t err;
    json_t *root = isl_json_line_load(text, strlen(text), &err);
    ck_assert_msg(root != NULL, "%s: refused: %s", text, err.text);
    return root;
}

static void assert_refused(const char *text, const char *message_part)
{
    json_error_t err;
    json_t *root = isl_json_line_load(text, strlen(text), &err);
    ck_assert_msg(root == NULL, "%s: accepted", text);
    ck_assert_msg(err.text[0] != '\0', "%s: no error text", text);
    ck_assert_msg(strstr(err.text, message_part) != NULL, "%s: error '%s' lacks '%s'", text,
                  err.text, message_part);
}

static void assert_int_member(json_t *obj, const char *key, long long want)
{
    json_t *v = json_object_get(obj, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    ck_assert_int_eq(json_integer_value(v), want);
}

/* The id's text in `text`, or NULL. */
static char *id_of(const char *text)
{
    const char *start;
    size_t n;
    if (!isl_json_line_id(text, strlen(text), &start, &n))
        return NULL;
    ck_assert(start >= text);
    ck_assert_uint_le((size_t)(start - text) + n, strlen(text));
    char *copy = malloc(n + 1);
    memcpy(copy, start, n);
    copy[n] = '\0';
    return copy;
}

static void assert_id(const char *text, const char *want)
{
    char *got = id_of(text);
    ck_assert_msg(got != NULL, "%s: no id found", text);
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(accepted_lines_are_jansson_s_own_trees)
{
    static const char *lines[] = {
        "{\"op\":\"shoot\",\"id\":7,\"row\":1,\"col\":10}",
        "{\"a\":9223372036854775807,\"b\":-9223372036854775808,\"c\":1e308,\"d\":-1e308}",
        "{\"a\":1e-400,\"b\":\"\\\\u0000\",\"c\":[[],{}],\"d\":null,\"e\":true}\n",
        "  {\"\\u0069d\" : \"x\\\"y\", \"id\": -0.5E+3}  ",
        "[1, 2.5, \"3\"]",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        json_t *want = json_loads(lines[i], 0, NULL);
        ck_assert_msg(want != NULL, "%s: jansson refuses the test line", lines[i]);
        json_t *got = load(lines[i]);
        ck_assert_msg(json_equal(got, want), "%s: a different tree", lines[i]);
        json_decref(got);
        json_decref(want);
    }
}
END_TEST

START_TEST(integers_beyond_64_bits_are_clamped)
{
    json_t *obj = load("{\"op\":\"shoot\",\"id\":123456789012345678901234567890,"
                       "\"row\":99999999999999999999,\"col\":-99999999999999999999,"
                       "\"extra\":[1,18446744073709551616,{\"deep\":-1e400}]}");
    assert_int_member(obj, "id", LLONG_MAX);
    assert_int_member(obj, "row", LLONG_MAX);
    assert_int_member(obj, "col", LLONG_MIN);
    json_t *extra = json_object_get(obj, "extra");
    ck_assert_int_eq(json_integer_value(json_array_get(extra, 0)), 1);
    ck_assert_int_eq(json_integer_value(json_array_get(extra, 1)), LLONG_MAX);
    json_t *deep = json_object_get(json_array_get(extra, 2), "deep");
    ck_assert(json_is_real(deep) && json_real_value(deep) == -1e308);
    json_decref(obj);

    /* Exactly at the edges of long long. */
    obj = load("{\"a\":9223372036854775807,\"b\":9223372036854775808,"
               "\"c\":-9223372036854775808,\"d\":-9223372036854775809,\"e\":-0}");
    assert_int_member(obj, "a", LLONG_MAX);
    assert_int_member(obj, "b", LLONG_MAX);
    assert_int_member(obj, "c", LLONG_MIN);
    assert_int_member(obj, "d", LLONG_MIN);
    assert_int_member(obj, "e", 0);
    json_decref(obj);
}
END_TEST

START_TEST(reals_beyond_a_double_are_clamped)
{
    json_t *obj = load("{\"a\":1e400,\"b\":-1e400,\"c\":1e309,\"d\":1E+400,\"e\":1.5e309,"
                       "\"f\":1e308,\"g\":1e-400,\"h\":-2.5e-999,\"id\":1e99999}");
    const char *huge[] = {"a", "c", "d", "e", "f", "id"};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        json_t *v = json_object_get(obj, huge[i]);
        ck_assert_msg(json_is_real(v) && json_real_value(v) == 1e308, "%s", huge[i]);
    }
    ck_assert(json_real_value(json_object_get(obj, "b")) == -1e308);
    /* Underflow is no error to jansson: kept, near zero, not 1e308. */
    ck_assert(json_is_real(json_object_get(obj, "g")));
    ck_assert(json_real_value(json_object_get(obj, "g")) < 1e-300);
    ck_assert(json_real_value(json_object_get(obj, "h")) > -1e-300);
    json_decref(obj);
}
END_TEST

START_TEST(long_tokens_are_tested_whole)
{
    size_t digits = 60000;
    char *text = malloc(digits * 3 + 100), *p = text;
    p += sprintf(p, "{\"big\":");
    memset(p, '9', digits), p += digits;
    p += sprintf(p, ",\"real\":1");
    memset(p, '0', digits), p += digits;
    p += sprintf(p, ".5,\"tiny\":0.");
    memset(p, '0', digits), p += digits;
    p += sprintf(p, "1,\"neg\":-1");
    memset(p, '0', 30), p += 30;
    sprintf(p, "}");
    json_t *obj = load(text);
    assert_int_member(obj, "big", LLONG_MAX);
    assert_int_member(obj, "neg", LLONG_MIN);
    ck_assert(json_real_value(json_object_get(obj, "real")) == 1e308);
    json_t *tiny = json_object_get(obj, "tiny");
    ck_assert(json_is_real(tiny) && json_real_value(tiny) < 1e-300);
    json_decref(obj);
    free(text);
}
END_TEST

START_TEST(nul_escapes_become_u0001)
{
    json_t *obj = load("{\"a\":\"a\\u0000b\",\"k\\u0000y\":1,\"esc\":\"\\\\u0000\","
                       "\"both\":\"\\\\\\u0000\",\"n\":\"99999999999999999999\"}");
    json_t *a = json_object_get(obj, "a");
    ck_assert_uint_eq(json_string_length(a), 3);
    ck_assert_mem_eq(json_string_value(a), "a\001b", 3);
    assert_int_member(obj, "k\001y", 1);
    /* An escaped backslash followed by u0000: six plain characters. */
    ck_assert_str_eq(json_string_value(json_object_get(obj, "esc")), "\\u0000");
    ck_assert_str_eq(json_string_value(json_object_get(obj, "both")), "\\\001");
    /* Digits inside a string are no number. */
    ck_assert_str_eq(json_string_value(json_object_get(obj, "n")), "99999999999999999999");
    json_decref(obj);
}
END_TEST

START_TEST(lone_surrogate_escapes_become_u0001)
{
    json_t *obj = load("{\"hi\":\"a\\ud800b\",\"lo\":\"\\uDC00\\uD800\","
                       "\"pair\":\"\\ud83d\\ude00\",\"k\\udbff\":1,\"esc\":\"\\\\ud800\"}");
    ck_assert_str_eq(json_string_value(json_object_get(obj, "hi")), "a\001b");
    ck_assert_str_eq(json_string_value(json_object_get(obj, "lo")), "\001\001");
    ck_assert_str_eq(json_string_value(json_object_get(obj, "pair")), "\xf0\x9f\x98\x80");
    assert_int_member(obj, "k\001", 1);
    ck_assert_str_eq(json_string_value(json_object_get(obj, "esc")), "\\ud800");
    json_decref(obj);
}
END_TEST

START_TEST(invalid_lines_stay_invalid_with_the_first_error)
{
    assert_refused("{\"a\":1e400,}", "real number overflow");
    assert_refused("{\"a\":99999999999999999999,}", "too big integer");
    assert_refused("{\"a\":\"\\u0000\"", "\\u0000");
    assert_refused("{\"a\":\"\\u0000\",\"b\":1e400 x}", "\\u0000");
    assert_refused("{\"a\":01}", "");
    assert_refused("{\"a\":0199999999999999999999}", "");
    assert_refused("{\"a\":1.}", "");
    assert_refused("{\"a\":1.e400}", "");
    assert_refused("{\"a\":- 1}", "");
    assert_refused("{\"a\":- 99999999999999999999}", "");
    assert_refused("{\"a\":99999999999999999999x}", "too big integer");
    assert_refused("{\"a\":1e400x}", "real number overflow");
    assert_refused("{99999999999999999999:1}", "");
    assert_refused("[99999999999999999999\"x\"]", "");
    assert_refused("{\"a\":\"\\\\\\u0000\" \"b\"}", "");
    assert_refused("", "");
}
END_TEST

/* Control bytes where hex digits belong: no escape, so nothing to mend. */
START_TEST(escapes_of_control_bytes_stay_invalid)
{
    assert_refused("{\"a\":\"\\u\x10\x10\x10\x10\"}", "");
    assert_refused("{\"a\":\"\\uD\x18\x10\x10\"}", "");
    assert_refused("{\"k\\u\x10\x10\x10\x10\":1}", "");
    json_t *obj = load("{\"a\":\"\\uD800\\u0000\",\"b\":\"\\uDc00\"}");
    ck_assert_str_eq(json_string_value(json_object_get(obj, "a")), "\001\001");
    ck_assert_str_eq(json_string_value(json_object_get(obj, "b")), "\001");
    json_decref(obj);
}
END_TEST

/* {"op":"ping",KEY:OPEN*levels INNER CLOSE*levels,"id":7}: a member nested
 * `levels` deep below the line's own object. */
static char *nested_line(const char *key, int levels, char open, const char *inner)
{
    char close = open == '[' ? ']' : '}';
    const char *wrap = open == '[' ? "[" : "{\"k\":";
    size_t wrap_len = strlen(wrap), n = 64 + strlen(key) + strlen(inner) +
                                         (size_t)levels * (wrap_len + 1);
    char *text = malloc(n), *p = text;
    ck_assert_ptr_nonnull(text);
    p += sprintf(p, "{\"op\":\"ping\",\"%s\":", key);
    for (int i = 0; i < levels; i++)
        p += sprintf(p, "%s", wrap);
    p += sprintf(p, "%s", inner);
    for (int i = 0; i < levels; i++)
        *p++ = close;
    sprintf(p, ",\"id\":7}");
    return text;
}

START_TEST(nesting_deeper_than_jansson_takes_is_kept_to_its_kind)
{
    /* An unknown argument of any depth is ignored: the rest is read. */
    static const char *const inners[] = { "1", "\"x\\u0000\\ud800\"", "[]", "{}", "1e400",
                                          "\"\xc3\xa9\"", "true", "null" };
    for (size_t i = 0; i < sizeof inners / sizeof inners[0]; i++) {
        for (int levels = 2040; levels <= 5000; levels += 2960) {
            char *text = nested_line("deep", levels, i % 2 ? '{' : '[', inners[i]);
            json_t *root = load(text);
            assert_int_member(root, "id", 7);
            ck_assert_str_eq(json_string_value(json_object_get(root, "op")), "ping");
            json_t *deep = json_object_get(root, "deep");
            ck_assert(i % 2 ? json_is_object(deep) : json_is_array(deep));
            json_decref(root);
            free(text);
        }
    }
    /* A line jansson takes is its own tree, whole, however deep. */
    char *text = nested_line("deep", 2000, '[', "5");
    json_t *root = load(text);
    json_t *v = json_object_get(root, "deep");
    int levels = 1;   /* the line's own object */
    for (; json_is_array(v); v = json_array_get(v, 0))
        levels++;
    ck_assert_int_eq(levels, 2001);
    ck_assert_int_eq(json_integer_value(v), 5);
    json_decref(root);
    free(text);
    /* One jansson refuses keeps ISL_JSON_LINE_DEEP levels, then []. */
    text = nested_line("deep", 3000, '[', "5");
    root = load(text);
    v = json_object_get(root, "deep");
    levels = 1;
    for (; json_array_size(v) > 0; v = json_array_get(v, 0))
        levels++;
    ck_assert_int_eq(levels, ISL_JSON_LINE_DEEP);
    ck_assert(json_is_array(v));
    json_decref(root);
    free(text);
}
END_TEST

START_TEST(deep_values_that_are_not_json_stay_refused)
{
    static const char *const inners[] = { "1,", "01", "tru", "truex", "\"\x01\"", "\"\\x\"",
                                          "\"\\u12\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "[1,]",
                                          "{\"a\"}", "{\"a\":1,}", "{1:2}", "[1 2]", "-", "1.",
                                          "\"open", "'a'", "[}", "[", "]" };
    for (size_t i = 0; i < sizeof inners / sizeof inners[0]; i++) {
        char *text = nested_line("deep", 3000, '[', inners[i]);
        json_error_t err;
        json_t *root = isl_json_line_load(text, strlen(text), &err);
        ck_assert_msg(root == NULL, "accepted with %s inside", inners[i]);
        free(text);
    }
    /* Unbalanced: one bracket too few, or too many. */
    char *text = nested_line("deep", 3000, '[', "1");
    size_t len = strlen(text);
    char *short_one = strdup(text);
    char *cut = strstr(short_one, "],\"id\"");
    memmove(cut, cut + 1, strlen(cut + 1) + 1);
    ck_assert_ptr_null(isl_json_line_load(short_one, strlen(short_one), NULL));
    ck_assert_ptr_null(isl_json_line_load(text, len - 1, NULL));   /* no closing brace */
    free(short_one);
    free(text);
}
END_TEST

START_TEST(the_id_s_text_is_found)
{
    assert_id("{\"id\":5}", "5");
    assert_id("{\"op\":\"hello\", \"id\" : \"x\\\"y\" }", "\"x\\\"y\"");
    assert_id("{\"\\u0069d\":7}", "7");
    assert_id("{\"i\\u0064\":\"e\"}", "\"e\"");
    assert_id("{\"id\":1,\"op\":\"x\",\"id\":2}", "2");
    assert_id("{\"id\":[1,\"]\",{\"a\":\"}\"}] ,\"op\":1}", "[1,\"]\",{\"a\":\"}\"}]");
    assert_id("{\"id\":{\"id\":{}}}", "{\"id\":{}}");
    assert_id("{\"id\":123456789012345678901234567890}", "123456789012345678901234567890");
    assert_id("{\"id\":1.00000000000000000001}", "1.00000000000000000001");
    assert_id("{\"id\":1E2}", "1E2");
    assert_id("{\"id\":\t-1e400\n}\n", "-1e400");
    assert_id("{\"id\":\"\\\\\"}", "\"\\\\\"");
    assert_id(" {\"a\":{\"id\":1},\"id\":null}", "null");
}
END_TEST

START_TEST(no_id_is_found_where_there_is_none)
{
    static const char *lines[] = {
        "{\"op\":\"hello\"}",
        "{}",
        "{\"a\":{\"id\":1}}",
        "{\"a\":[\"id\",{\"id\":2}]}",
        "{\"op\":\"id\"}",
        "{\"op\":\"x\",\"b\":\"\\\",\\\"id\\\":3\"}",
        "{\"\\td\":1,\"i\\/\":2,\"\\u0049d\":3,\"\\u0069\\u0064\\u0000\":4}",
        "{\"ida\":1,\"i\":2,\"\\u0069\":3,\"Id\":4,\"i\\\\d\":5,\"\\u0069\\u0064x\":6}",
        "[\"id\",1]",
        "\"id\"",
        "",
        "{\"id\"",
        "{\"id\":",
        "{\"id\":\"abc",
        "{\"id\":[1,2",
        "{\"id\":}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char *got = id_of(lines[i]);
        ck_assert_msg(got == NULL, "%s: found id %s", lines[i], got);
    }
}
END_TEST

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Both functions on a buffer of exactly `len` bytes, so that the sanitizer
 * build catches a read past it; when jansson accepts an object, the id
 * found is the one jansson kept. */
static void check_line(const char *bytes, size_t len)
{
    char *line = malloc(len ? len : 1);
    memcpy(line, bytes, len);
    json_error_t err;
    json_t *root = isl_json_line_load(line, len, &err);
    const char *start = NULL;
    size_t n = 0;
    bool found = isl_json_line_id(line, len, &start, &n);
    if (found)
        ck_assert(start >= line && start + n <= line + len);
    if (json_is_object(root)) {
        json_t *id = json_object_get(root, "id");
        ck_assert_msg(found == (id != NULL), "%.*s: id found %d", (int)len, line, found);
        if (found) {
            /* The id's text, alone in an array, is the same value. */
            char *wrapped = malloc(n + 2);
            wrapped[0] = '[';
            memcpy(wrapped + 1, start, n);
            wrapped[n + 1] = ']';
            json_t *again = isl_json_line_load(wrapped, n + 2, NULL);
            ck_assert_msg(json_equal(json_array_get(again, 0), id), "%.*s", (int)len, line);
            json_decref(again);
            free(wrapped);
        }
    }
    json_decref(root);
    free(line);
}

START_TEST(random_bytes_are_read_within_bounds)
{
    static const char alphabet[] = "{}[]\":,\\u0123456789-+.eE ida\n";
    uint64_t state = 0x9e3779b97f4a7c15u;
    char buf[32];
    for (int round = 0; round < 200000; round++) {
        size_t len = next_random(&state) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = alphabet[next_random(&state) % (sizeof alphabet - 1)];
        check_line(buf, len);
    }
}
END_TEST

START_TEST(mutated_requests_are_read_within_bounds)
{
    static const char *seeds[] = {
        "{\"op\":\"shoot\",\"id\":99999999999999999999,\"row\":1e400,\"k\\u0000\":\"a\\u0000\"}",
        "{\"\\u0069d\":[1,{\"id\":\"}\"}],\"id\":\"x\\\"y\\\\\",\"z\":-1e-400}",
        "{\"id\":-9223372036854775809, \"id\" : {\"a\":[\"\\\\u0000\"]}}",
    };
    static const char alphabet[] = "{}[]\":,\\u0123456789-+.eE ida\n";
    uint64_t state = 0x2545f4914f6cdd1du;
    char buf[128];
    for (int round = 0; round < 100000; round++) {
        const char *seed = seeds[next_random(&state) % (sizeof seeds / sizeof seeds[0])];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        for (int k = (int)(next_random(&state) % 3); k > 0; k--)
            buf[next_random(&state) % len] = alphabet[next_random(&state) % (sizeof alphabet - 1)];
        if (next_random(&state) % 4 == 0)
            len = next_random(&state) % (len + 1);
        check_line(buf, len);
    }
}
END_TEST

static Suite *json_line_suite(void)
{
    Suite *s = suite_create("json_line");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, accepted_lines_are_jansson_s_own_trees);
    tcase_add_test(tc, integers_beyond_64_bits_are_clamped);
    tcase_add_test(tc, reals_beyond_a_double_are_clamped);
    tcase_add_test(tc, long_tokens_are_tested_whole);
    tcase_add_test(tc, nul_escapes_become_u0001);
    tcase_add_test(tc, lone_surrogate_escapes_become_u0001);
    tcase_add_test(tc, invalid_lines_stay_invalid_with_the_first_error);
    tcase_add_test(tc, escapes_of_control_bytes_stay_invalid);
    tcase_add_test(tc, nesting_deeper_than_jansson_takes_is_kept_to_its_kind);
    tcase_add_test(tc, deep_values_that_are_not_json_stay_refused);
    tcase_add_test(tc, the_id_s_text_is_found);
    tcase_add_test(tc, no_id_is_found_where_there_is_none);
    tcase_add_test(tc, random_bytes_are_read_within_bounds);
    tcase_add_test(tc, mutated_requests_are_read_within_bounds);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(json_line_suite)
