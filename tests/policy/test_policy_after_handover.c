/* The policy key `after_handover retire|keep` (issue 11): default retire,
 * each value parsed, the canonical form keeps it, and each refusal
 * (twice, no value, two values, another word) changes one thing. */
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"
#include "harness.h"

#define ENCLAVE "aa00000000000000000000000000000000000000000000000000000000000001"
#define SIGNER "5151515151515151515151515151515151515151515151515151515151515151"
#define BASE                                                     \
  "version 3\n"                                                  \
  "min_responses 1\n"                                            \
  "server host=127.0.0.1 operator=alpha region=eu\n"             \
  "runtime seq=1 mr_enclave=" ENCLAVE " mr_signer=" SIGNER       \
  " isv_prod_id=1 isv_svn=2\n"                                   \
  "expires 2099-12-31T23:59:59Z\n"

static hv_policy_error parse(const char *text, hv_policy **out, hv_policy_diag *d) {
  *out = NULL;
  return hv_policy_parse((const uint8_t *)text, strlen(text), out, d);
}

static int after(const char *text) {
  hv_policy *p = NULL;
  if (parse(text, &p, NULL) != HV_POLICY_OK) return -1;
  int v = (int)hv_policy_get_after_handover(p);
  hv_policy_free(p);
  return v;
}

static void test_values(void) {
  HT_CHECK_EQ_INT(after(BASE), HV_POLICY_AFTER_HANDOVER_RETIRE); /* the default */
  HT_CHECK_EQ_INT(after(BASE "after_handover retire\n"), HV_POLICY_AFTER_HANDOVER_RETIRE);
  HT_CHECK_EQ_INT(after(BASE "after_handover keep\n"), HV_POLICY_AFTER_HANDOVER_KEEP);
  HT_CHECK_EQ_INT(after("after_handover keep\n" BASE), HV_POLICY_AFTER_HANDOVER_KEEP);
}

static void test_canonical_form_keeps_it(void) {
  hv_policy *p = NULL, *q = NULL;
  char text[HV_POLICY_MAX_FILE];
  size_t len = 0;
  HT_CHECK_EQ_INT(parse(BASE "after_handover keep\n", &p, NULL), HV_POLICY_OK);
  if (!p) return;
  HT_CHECK_EQ_INT(hv_policy_format(p, text, sizeof text, &len), HV_POLICY_OK);
  text[len < sizeof text ? len : sizeof text - 1] = '\0';
  HT_CHECK(strstr(text, "\nafter_handover keep\n") != NULL);
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)text, len, &q, NULL), HV_POLICY_OK);
  if (q) HT_CHECK_EQ_INT(hv_policy_get_after_handover(q), HV_POLICY_AFTER_HANDOVER_KEEP);
  hv_policy_free(p);
  hv_policy_free(q);
  HT_CHECK_EQ_INT(parse(BASE, &p, NULL), HV_POLICY_OK);
  if (!p) return;
  HT_CHECK_EQ_INT(hv_policy_format(p, text, sizeof text, &len), HV_POLICY_OK);
  text[len < sizeof text ? len : sizeof text - 1] = '\0';
  HT_CHECK(strstr(text, "\nafter_handover retire\n") != NULL); /* explicit */
  hv_policy_free(p);
}

static void refused(const char *text, hv_policy_error want, size_t line) {
  hv_policy *p = NULL;
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(parse(text, &p, &d), want);
  HT_CHECK(p == NULL);
  HT_CHECK_EQ_INT(d.line, line);
  hv_policy_free(p);
}

/* (BASE is 6 lines: the line after it is 7) */
static void test_refusals(void) {
  refused(BASE "after_handover keep\nafter_handover keep\n", HV_POLICY_ERR_DUPLICATE_KEY, 7);
  refused(BASE "after_handover\n", HV_POLICY_ERR_SYNTAX, 6);
  refused(BASE "after_handover keep retire\n", HV_POLICY_ERR_SYNTAX, 6);
  refused(BASE "after_handover delete\n", HV_POLICY_ERR_OUT_OF_RANGE, 6);
  refused(BASE "after_handover Keep\n", HV_POLICY_ERR_OUT_OF_RANGE, 6);
}

int main(void) {
  HT_RUN(test_values);
  HT_RUN(test_canonical_form_keeps_it);
  HT_RUN(test_refusals);
  return HT_DONE();
}
