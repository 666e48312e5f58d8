/*
 * t.h: the unit-test harness. Each test file is its own program run by
 * CTest; a failed CHECK prints file:line and the values, and the program
 * exits non-zero at the end. Tests are table-driven where they can be.
 */
#ifndef TAMIS_TESTS_T_H
#define TAMIS_TESTS_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;
static int t_checks;
static const char *t_current = "";

#define CHECK(cond)                                                                     \
    do {                                                                                \
        t_checks++;                                                                     \
        if (!(cond)) {                                                                  \
            t_failures++;                                                               \
            fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__,       \
                    t_current, #cond);                                                  \
        }                                                                               \
    } while (0)

#define CHECK_INT(got, want)                                                            \
    do {                                                                                \
        long long t_g = (long long)(got), t_w = (long long)(want);                      \
        t_checks++;                                                                     \
        if (t_g != t_w) {                                                               \
            t_failures++;                                                               \
            fprintf(stderr, "%s:%d: [%s] %s is %lld, want %lld\n", __FILE__, __LINE__,  \
                    t_current, #got, t_g, t_w);                                         \
        }                                                                               \
    } while (0)

/* Compare n bytes at got with the NUL-terminated want. */
#define CHECK_MEM(got, n, want)                                                         \
    do {                                                                                \
        const char *t_gp = (const char *)(got);                                         \
        size_t t_gn = (n);                                                              \
        const char *t_wp = (want);                                                      \
        t_checks++;                                                                     \
        if (t_gn != strlen(t_wp) || (t_gn && memcmp(t_gp, t_wp, t_gn) != 0)) {          \
            t_failures++;                                                               \
            fprintf(stderr, "%s:%d: [%s] %s is \"%.*s\" (%zu bytes), want \"%s\"\n",    \
                    __FILE__, __LINE__, t_current, #got, (int)t_gn, t_gp ? t_gp : "",   \
                    t_gn, t_wp);                                                        \
        }                                                                               \
    } while (0)

#define CHECK_STR(got, want)                                                            \
    do {                                                                                \
        const char *t_gs = (got);                                                       \
        CHECK_MEM(t_gs ? t_gs : "(null)", strlen(t_gs ? t_gs : "(null)"), (want));      \
    } while (0)

#define T_RUN(fn)                                                                       \
    do {                                                                                \
        t_current = #fn;                                                                \
        fn();                                                                           \
    } while (0)

static inline int
t_done(void)
{
    if (t_checks == 0) {
        fprintf(stderr, "no checks ran\n");
        return 1;
    }
    fprintf(stderr, "%d checks, %d failed\n", t_checks, t_failures);
    return t_failures ? 1 : 0;
}

#endif
