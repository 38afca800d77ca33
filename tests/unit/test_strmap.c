#include <check.h>
#include <stdint.h>
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

/* SipHash-1-3 with the all-zero key: Python's str hash under
 * PYTHONHASHSEED=0 (sys.hash_info.algorithm 'siphash13', UTF-8 = its
 * byte form for ASCII), so lengths 3, 7, 8, 15 and 64 check every path. */
START_TEST(the_hash_is_siphash13)
{
    const uint64_t zero[2] = { 0, 0 };
    char a64[65];
    memset(a64, 'a', 64);
    a64[64] = '\0';
    ck_assert_uint_eq(strmap_siphash13(zero, "abc", 3), (uint64_t)-4594863902769663758LL);
    ck_assert_uint_eq(strmap_siphash13(zero, "abcdefg", 7), 7904145750247929094ULL);
    ck_assert_uint_eq(strmap_siphash13(zero, "abcdefgh", 8), 4574395652268504554ULL);
    ck_assert_uint_eq(strmap_siphash13(zero, "abcdefghijklmno", 15), 2293029479765367930ULL);
    ck_assert_uint_eq(strmap_siphash13(zero, a64, 64), 9111623225855908923ULL);
    ck_assert_uint_eq(strmap_siphash13(zero, "G-1_x.y", 7), 1782739786451169193ULL);
    const uint64_t other[2] = { 1, 0 };
    ck_assert_uint_ne(strmap_siphash13(other, "abc", 3), (uint64_t)-4594863902769663758LL);
}
END_TEST

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Names chosen so that FNV-1a (the hash this map once used, unkeyed)
 * puts them all in one bucket of any table up to 4,096 buckets: here they
 * spread as any names do. */
START_TEST(names_picked_to_collide_do_not_share_a_bucket)
{
    enum { NAMES = 300 };
    static char names[NAMES][24];
    int found = 0;
    for (unsigned long i = 0; found < NAMES; i++) {
        snprintf(names[found], sizeof names[found], "g%lu", i);
        if ((fnv1a(names[found]) & 4095) == 0)
            found++;
    }
    struct strmap m;
    strmap_init(&m);
    for (int i = 0; i < NAMES; i++)
        ck_assert_int_eq(strmap_put(&m, names[i], names[i]), 0);
    for (int i = 0; i < NAMES; i++)
        ck_assert_ptr_eq(strmap_get(&m, names[i]), names[i]);
    /* 300 keys in 512 buckets: a chain of 12 has odds below 1e-9. */
    ck_assert_uint_le(strmap_longest_chain(&m), 12);
    strmap_free(&m);
}
END_TEST

static Suite *strmap_suite(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_get_remove_many);
    tcase_add_test(tc, replace_keeps_one_entry);
    tcase_add_test(tc, the_hash_is_siphash13);
    tcase_add_test(tc, names_picked_to_collide_do_not_share_a_bucket);
    suite_add_tcase(s, tc);
    return s;
}

ISL_CHECK_MAIN(strmap_suite)
