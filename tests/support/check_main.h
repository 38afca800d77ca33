/* One Check program per test file: ISL_CHECK_MAIN(my_suite) defines main(). */
#ifndef ISLANDS_CHECK_MAIN_H
#define ISLANDS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define ISL_CHECK_MAIN(suite_fn)                                   \
    int main(void)                                                 \
    {                                                              \
        SRunner *runner = srunner_create(suite_fn());              \
        srunner_run_all(runner, CK_NORMAL);                        \
        int failed = srunner_ntests_failed(runner);                \
        srunner_free(runner);                                      \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;          \
    }

#endif
