/* libFuzzer target: the policy, council, secret key, override and time
 * parsers. A policy that parses must survive a round trip through its
 * canonical form; so must a time value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char canon_a[HV_POLICY_MAX_FILE], canon_b[HV_POLICY_MAX_FILE];

static void round_trip(const hv_policy *p) {
  size_t a_len = 0, b_len = 0;
  hv_policy *q = NULL;
  if (hv_policy_format(p, canon_a, sizeof canon_a, &a_len) != HV_POLICY_OK) abort();
  if (hv_policy_parse((const uint8_t *)canon_a, a_len, &q, NULL) != HV_POLICY_OK) abort();
  if (hv_policy_format(q, canon_b, sizeof canon_b, &b_len) != HV_POLICY_OK) abort();
  if (a_len != b_len || memcmp(canon_a, canon_b, a_len) != 0) abort();
  if (hv_policy_version(q) != hv_policy_version(p)) abort();
  /* every listed runtime is allowed, with its own order */
  for (size_t i = 0; i < hv_policy_runtime_count(q); i++) {
    hv_policy_runtime r;
    uint64_t seq = 0;
    if (hv_policy_runtime_at(q, i, &r) != HV_POLICY_OK) abort();
    if (hv_policy_runtime_order(p, &r.m, &seq) != HV_POLICY_OK || seq != r.seq) abort();
  }
  hv_policy_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hv_policy *p = NULL;
  hv_policy_diag d;
  if (hv_policy_parse(data, size, &p, &d) == HV_POLICY_OK) {
    round_trip(p);
    hv_policy_free(p);
  } else if (p != NULL || strnlen(d.what, sizeof d.what) == sizeof d.what) {
    abort();
  }
  hv_policy_council *c = NULL;
  if (hv_policy_council_parse(data, size, &c, NULL) == HV_POLICY_OK) {
    if (hv_policy_council_threshold(c) < 1 ||
        hv_policy_council_threshold(c) > hv_policy_council_size(c))
      abort();
    hv_policy_council_free(c);
  }
  hv_policy_override o;
  if (hv_policy_override_parse(data, size, &o, NULL) == HV_POLICY_OK &&
      ((o.waive != HV_POLICY_WAIVE_CHAIN_HEAD_STALE && o.waive != HV_POLICY_WAIVE_OWN_BUILD) ||
       o.expires_unix > HV_POLICY_MAX_EXPIRES_UNIX))
    abort();
  uint64_t t = 0, back = 0;
  if (hv_policy_time_parse((const char *)data, size, &t) == HV_POLICY_OK) {
    char text[HV_POLICY_TIME_TEXT_LEN];
    hv_policy_time_format(t, text);
    if (hv_policy_time_parse(text, strlen(text), &back) != HV_POLICY_OK || back != t) abort();
  }
  uint8_t seed[HV_ED25519_PRIV_LEN];
  (void)hv_policy_secret_key_parse(data, size, seed, NULL);
  hv_wipe(seed, sizeof seed);
  return 0;
}
