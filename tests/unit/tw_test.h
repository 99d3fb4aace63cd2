/* A minimal test harness: one process per test file, each check prints where
 * it failed, a skip says why and exits 77 (ctest's SKIP_RETURN_CODE). */
#ifndef TW_TEST_H
#define TW_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tw_test_failures;
static const char *tw_test_current = "";

#define TW_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__, __LINE__, tw_test_current, \
                    #cond);                                                                        \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define TW_CHECK_MSG(cond, ...)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: [%s] check failed: %s: ", __FILE__, __LINE__, tw_test_current, \
                    #cond);                                                                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define TW_CHECK_NEAR(a, b, tol)                                                                   \
    do {                                                                                           \
        double tw__a = (double)(a), tw__b = (double)(b);                                           \
        if (!(fabs(tw__a - tw__b) <= (tol))) {                                                     \
            fprintf(stderr, "%s:%d: [%s] %s = %.9g, expected %s = %.9g (tolerance %g)\n",          \
                    __FILE__, __LINE__, tw_test_current, #a, tw__a, #b, tw__b, (double)(tol));     \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define TW_CHECK_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *tw__a = (a), *tw__b = (b);                                                     \
        if (!tw__a || !tw__b || strcmp(tw__a, tw__b) != 0) {                                       \
            fprintf(stderr, "%s:%d: [%s] %s = \"%s\", expected \"%s\"\n", __FILE__, __LINE__,      \
                    tw_test_current, #a, tw__a ? tw__a : "(null)", tw__b ? tw__b : "(null)");      \
            tw_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

/* TW_ONLY=name (in the environment) runs only the cases whose name holds it. */
#define TW_RUN(fn)                                                                                 \
    do {                                                                                           \
        if (getenv("TW_ONLY") && !strstr(#fn, getenv("TW_ONLY"))) break;                           \
        tw_test_current = #fn;                                                                     \
        int tw__before = tw_test_failures;                                                         \
        fn();                                                                                      \
        fprintf(stderr, "%s %s\n", tw_test_failures == tw__before ? "ok  " : "FAIL", #fn);         \
    } while (0)

#define TW_SKIP(...)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "SKIP: ");                                                                 \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        exit(77);                                                                                  \
    } while (0)

/* A file that ships with the source tree ($CITYTWIN_SOURCE/rel, or ./rel):
 * tests use these copies, so a clone runs them without ../shared. */
static inline const char *tw_test_shipped(const char *rel, char *out, size_t n)
{
    const char *src = getenv("CITYTWIN_SOURCE");
    snprintf(out, n, "%s/%s", src && src[0] ? src : ".", rel);
    return out;
}

#define TW_TEST_END()                                                                              \
    (tw_test_failures ? (fprintf(stderr, "%d check(s) failed\n", tw_test_failures), 1) : 0)

#endif
