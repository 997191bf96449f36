/* libFuzzer target: the .sig file parser and the signature checks, with
 * a fixed council (members from seeds 01.., 02.., 03..; threshold 2) and a
 * fixed policy. The seed corpus holds a valid .sig for them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMBERS 3
/* Also in seeds-policy/basic: the signed document. */
static const char policy[] =
    "version 3\n"
    "server host=127.0.0.1 operator=a region=x\n"
    "server host=127.0.0.2 operator=b region=x\n"
    "runtime seq=1 mr_enclave=0101010101010101010101010101010101010101010101010101010101010101"
    " mr_signer=0202020202020202020202020202020202020202020202020202020202020202"
    " isv_prod_id=0 isv_svn=1\n"
    "expires 2099-12-31T23:59:59Z\n";

static hv_policy_council *council;

static hv_policy_council *make_council(void) {
  char text[512];
  size_t n = 0;
  for (int m = 0; m < MEMBERS; m++) {
    uint8_t seed[HV_ED25519_PRIV_LEN], pub[HV_ED25519_PUB_LEN];
    memset(seed, m + 1, sizeof seed);
    if (hv_ed25519_public(seed, pub) != 0) abort();
    memcpy(text + n, "member ", 7);
    n += 7;
    for (size_t i = 0; i < sizeof pub; i++) {
      static const char hex[] = "0123456789abcdef";
      text[n++] = hex[pub[i] >> 4];
      text[n++] = hex[pub[i] & 15];
    }
    text[n++] = '\n';
  }
  memcpy(text + n, "threshold 2\n", 12);
  n += 12;
  hv_policy_council *c = NULL;
  if (hv_policy_council_parse((const uint8_t *)text, n, &c, NULL) != HV_POLICY_OK) abort();
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!council) council = make_council();
  hv_policy *p = NULL;
  hv_policy_error err = hv_policy_verify((const uint8_t *)policy, strlen(policy), data,
                                         size, council, 0, &p, NULL);
  if ((err == HV_POLICY_OK) != (p != NULL)) abort();
  if (p && hv_policy_version(p) != 3) abort();
  hv_policy_free(p);
  /* Re-signing on top of the input never yields an unverifiable file. */
  static char out[HV_POLICY_MAX_SIGNATURES * 256];
  size_t out_len = 0;
  uint8_t seed[HV_ED25519_PRIV_LEN];
  memset(seed, 1, sizeof seed);
  if (hv_policy_sign((const uint8_t *)policy, strlen(policy), seed, data, size, out,
                     sizeof out, &out_len, NULL) == HV_POLICY_OK) {
    err = hv_policy_verify((const uint8_t *)policy, strlen(policy), (const uint8_t *)out,
                           out_len, council, 0, &p, NULL);
    if (err != HV_POLICY_OK && err != HV_POLICY_ERR_BELOW_THRESHOLD &&
        err != HV_POLICY_ERR_UNKNOWN_SIGNER)
      abort();
    hv_policy_free(p);
  }
  return 0;
}
