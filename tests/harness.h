/* A minimal test harness: each test file is one executable whose cases
 * run in order; a failed check prints where and what, and the process
 * exits non-zero if any check failed. */
#ifndef HANDOVER_TESTS_HARNESS_H
#define HANDOVER_TESTS_HARNESS_H

#include <stdio.h>
#include <string.h>

static int ht_checks_failed;
static int ht_cases_passed;
static int ht_cases_failed;

#define HT_CHECK(cond)                                                   \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                    \
      ht_checks_failed++;                                                \
    }                                                                    \
  } while (0)

#define HT_CHECK_EQ_INT(a, b)                                                  \
  do {                                                                         \
    long long ht_a = (long long)(a), ht_b = (long long)(b);                    \
    if (ht_a != ht_b) {                                                        \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,     \
              __LINE__, #a, #b, ht_a, ht_b);                                   \
      ht_checks_failed++;                                                      \
    }                                                                          \
  } while (0)

#define HT_CHECK_MEM(a, b, n) HT_CHECK(memcmp((a), (b), (n)) == 0)

#define HT_RUN(fn)                                          \
  do {                                                      \
    int ht_before = ht_checks_failed;                       \
    fn();                                                   \
    if (ht_checks_failed == ht_before) {                    \
      ht_cases_passed++;                                    \
      printf("ok   %s\n", #fn);                             \
    } else {                                                \
      ht_cases_failed++;                                    \
      printf("FAIL %s\n", #fn);                             \
    }                                                       \
  } while (0)

/* Ends main: prints the tally and gives the exit status. */
#define HT_DONE()                                                     \
  (printf("%d passed, %d failed\n", ht_cases_passed, ht_cases_failed), \
   ht_cases_failed ? 1 : 0)

#endif
