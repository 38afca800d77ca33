#include <check.h>
#include <stdio.h>
#include <string.h>

#include "islands/strmap.h"
#include "check_main.h"

static void count_entry(const char *key, void *value, void *arg)
{
    (void)key;
    (void)value;
    (*(int *)arg)++;
}

START_TEST(put_get_remove_many)
{
    struct strmap m;
    strmap_init(&m);
    static int values[5000];
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "game-%d", i);
        ck_assert_int_eq(strmap_put(&m, key, &values[i]), 0);
    }
    ck_assert_uint_eq(m.count, 5000);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "game-%d", i);
        ck_assert_ptr_eq(strmap_get(&m, key), &values[i]);
    }
    ck_assert_ptr_null(strmap_get(&m, "game-5000"));
    ck_assert_ptr_null(strmap_get(&m, ""));
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof key, "game-%d", i);
        ck_assert_ptr_eq(strmap_remove(&m, key), &values[i]);
        ck_assert_ptr_null(strmap_remove(&m, key));
    }
    ck_assert_uint_eq(m.count, 2500);
    ck_assert_ptr_null(strmap_get(&m, "game-0"));
    ck_assert_ptr_eq(strmap_get(&m, "game-1"), &values[1]);
    int seen = 0;
    strmap_each(&m, count_entry, &seen);
    ck_assert_int_eq(seen, 2500);
    strmap_free(&m);
}
END_TEST

START_TEST(replace_keeps_one_entry)
{
    struct strmap m;
    strmap_init(&m);
    int a, b;
    ck_assert_int_eq(strmap_put(&m, ".", &a), 0);
    ck_assert_int_eq(strmap_put(&m, ".", &b), 0);
    ck_assert_uint_eq(m.count, 1);
    ck_assert_ptr_eq(strmap_get(&m, "."), &b);
    ck_assert_ptr_null(strmap_get(&m, ".."));
    strmap_free(&m);
}
END_TEST

static Suite *strmap_suite(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_get_remove_many);
    tcase_add_test(tc, replace_keeps_one_entry);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(strmap_suite)
