/* Every error name a user or a peer sees is kebab-case ASCII
 * (docs/CONVENTIONS.md): each part's hv_PART_error_name over every value
 * of its enum, and some beyond (the "unknown" answer obeys too). */
#include <stdio.h>

#include "harness.h"
#include "handover/log.h"
#include "handover/nts.h"
#include "handover/policy.h"
#include "handover/proto.h"
#include "handover/receipt.h"
#include "handover/session.h"
#include "handover/store.h"
#include "handover/tee.h"
#include "handover/timesrc.h"

#define RANGE 128 /* above every enum's last value */

static int kebab(const char *s) {
  if (!s || !*s || *s == '-') return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return 0;
  return s[strlen(s) - 1] != '-';
}

#define CHECK_PART(fn, type)                                                  \
  do {                                                                        \
    for (int v = 0; v < RANGE; v++) {                                         \
      const char *n = fn((type)v);                                            \
      if (!kebab(n)) {                                                        \
        fprintf(stderr, "%s(%d) = \"%s\" is not kebab-case\n", #fn, v, n);     \
        ht_checks_failed++;                                                   \
      }                                                                       \
    }                                                                         \
  } while (0)

static void test_tee(void) { CHECK_PART(hv_tee_error_name, hv_tee_error); }
static void test_proto(void) { CHECK_PART(hv_proto_error_name, hv_proto_error); }
static void test_nts(void) { CHECK_PART(hv_nts_error_name, hv_nts_error); }
static void test_session(void) { CHECK_PART(hv_session_error_name, hv_session_error); }
static void test_frame(void) {
  CHECK_PART(hv_session_frame_error_name, hv_session_frame_error);
}
static void test_policy(void) { CHECK_PART(hv_policy_error_name, hv_policy_error); }
static void test_store(void) { CHECK_PART(hv_store_error_name, hv_store_error); }
static void test_receipt(void) { CHECK_PART(hv_receipt_error_name, hv_receipt_error); }
static void test_log(void) { CHECK_PART(hv_log_error_name, hv_log_error); }
static void test_verdict(void) { CHECK_PART(hv_timesrc_verdict_name, hv_timesrc_verdict); }

int main(void) {
  HT_RUN(test_tee);
  HT_RUN(test_proto);
  HT_RUN(test_nts);
  HT_RUN(test_session);
  HT_RUN(test_frame);
  HT_RUN(test_verdict);
  HT_RUN(test_policy);
  HT_RUN(test_store);
  HT_RUN(test_receipt);
  HT_RUN(test_log);
  return HT_DONE();
}
