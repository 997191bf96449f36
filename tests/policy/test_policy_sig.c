/* Council-signed policies: each refusal flips exactly one condition of a
 * policy that otherwise verifies (2 of 3 council members signed). */
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"
#include "harness.h"

#define N_KEYS 4 /* three council members and one outsider */
#define OUTSIDER 3
#define SIG_CAP (HV_POLICY_MAX_SIGNATURES * 256)

static uint8_t seeds[N_KEYS][HV_ED25519_PRIV_LEN];
static uint8_t pubs[N_KEYS][HV_ED25519_PUB_LEN];
static hv_policy_council *council; /* members 0, 1, 2; threshold 2 */

static const char policy[] =
    "# signed test policy\n"
    "version 9\n"
    "server host=127.0.0.1 operator=a region=x\n"
    "server host=127.0.0.2 operator=b region=x\n"
    "runtime seq=1 mr_enclave=0101010101010101010101010101010101010101010101010101010101010101"
    " mr_signer=0202020202020202020202020202020202020202020202020202020202020202"
    " isv_prod_id=0 isv_svn=1\n"
    "expires 2099-12-31T23:59:59Z\n";

static void hex(const uint8_t *in, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", in[i]);
}

static int setup(void) {
  char text[1024];
  size_t n = 0;
  for (int i = 0; i < N_KEYS; i++)
    if (hv_ed25519_keypair(seeds[i], pubs[i])) return -1;
  for (int i = 0; i < OUTSIDER; i++) {
    n += (size_t)sprintf(text + n, "member ");
    hex(pubs[i], HV_ED25519_PUB_LEN, text + n);
    n += 2 * HV_ED25519_PUB_LEN;
    text[n++] = '\n';
  }
  n += (size_t)sprintf(text + n, "threshold 2\n");
  return hv_policy_council_parse((const uint8_t *)text, n, &council, NULL) ? -1 : 0;
}

/* Signs text with the listed keys (-1 ends the list) into sig. */
static size_t sign_with(const char *text, char *sig, const int *keys) {
  size_t len = 0;
  for (; *keys >= 0; keys++) {
    char *next = malloc(SIG_CAP);
    size_t next_len = 0;
    if (!next) abort();
    hv_policy_error err = hv_policy_sign((const uint8_t *)text, strlen(text), seeds[*keys],
                                         (const uint8_t *)sig, len, next, SIG_CAP,
                                         &next_len, NULL);
    HT_CHECK_EQ_INT(err, HV_POLICY_OK);
    memcpy(sig, next, next_len);
    len = next_len;
    free(next);
  }
  return len;
}

static hv_policy_error verify(const char *text, const char *sig, size_t sig_len,
                              uint64_t newest_seen, hv_policy_diag *d) {
  hv_policy *p = NULL;
  hv_policy_error err = hv_policy_verify((const uint8_t *)text, strlen(text),
                                         (const uint8_t *)sig, sig_len, council,
                                         newest_seen, &p, d);
  if (err == HV_POLICY_OK) {
    HT_CHECK(p != NULL);
    if (p) HT_CHECK_EQ_INT(hv_policy_version(p), 9);
  } else {
    HT_CHECK(p == NULL);
  }
  hv_policy_free(p);
  return err;
}

static char sig[SIG_CAP];

static void test_happy_at_threshold(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, -1});
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, NULL), HV_POLICY_OK);
  HT_CHECK_EQ_INT(verify(policy, sig, n, 9, NULL), HV_POLICY_OK); /* same version again */
  n = sign_with(policy, sig, (const int[]){0, 1, 2, -1});
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, NULL), HV_POLICY_OK);
}

static void test_below_threshold(void) {
  size_t n = sign_with(policy, sig, (const int[]){1, -1});
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, &d), HV_POLICY_ERR_BELOW_THRESHOLD);
  HT_CHECK(strstr(d.what, "1 distinct") != NULL);
  HT_CHECK_EQ_INT(verify(policy, "", 0, 0, NULL), HV_POLICY_ERR_BELOW_THRESHOLD);
}

static void test_duplicate_signer_counted_once(void) {
  size_t n = sign_with(policy, sig, (const int[]){1, -1});
  memcpy(sig + n, sig, n); /* the same line twice */
  HT_CHECK_EQ_INT(verify(policy, sig, 2 * n, 0, NULL), HV_POLICY_ERR_BELOW_THRESHOLD);
}

static void test_unknown_signer(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, OUTSIDER, -1});
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, &d), HV_POLICY_ERR_UNKNOWN_SIGNER);
  HT_CHECK_EQ_INT(d.line, 3);
}

static void test_changed_policy_byte(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, -1});
  char changed[sizeof policy];
  memcpy(changed, policy, sizeof policy);
  changed[2] = 'S'; /* inside the comment: still a valid policy */
  HT_CHECK_EQ_INT(verify(changed, sig, n, 0, NULL), HV_POLICY_ERR_BAD_SIGNATURE);
}

static void test_changed_signature_byte(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, -1});
  char *last = sig + n - 2; /* the last hex digit of the second signature */
  *last = *last == '0' ? '1' : '0';
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, &d), HV_POLICY_ERR_BAD_SIGNATURE);
  HT_CHECK_EQ_INT(d.line, 2);
}

static void test_rollback(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, -1});
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(verify(policy, sig, n, 10, &d), HV_POLICY_ERR_ROLLBACK);
  HT_CHECK(strstr(d.what, "10") != NULL);
}

static void test_no_council(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, -1});
  hv_policy *p = NULL;
  HT_CHECK_EQ_INT(hv_policy_verify((const uint8_t *)policy, strlen(policy),
                                   (const uint8_t *)sig, n, NULL, 0, &p, NULL),
                  HV_POLICY_ERR_NO_COUNCIL);
  hv_policy_council *builtin = NULL;
  HT_CHECK_EQ_INT(hv_policy_council_builtin(&builtin, NULL), HV_POLICY_ERR_NO_COUNCIL);
  HT_CHECK(builtin == NULL);
}

/* A signature line made without hv_policy_sign (which refuses to sign
 * a policy that does not parse). */
static size_t raw_sig_line(const char *text, int key, char *out) {
  uint8_t raw[HV_ED25519_SIG_LEN];
  HT_CHECK_EQ_INT(hv_ed25519_sign(seeds[key], (const uint8_t *)text, strlen(text), raw), 0);
  size_t n = (size_t)sprintf(out, "signature ");
  hex(pubs[key], HV_ED25519_PUB_LEN, out + n);
  n += 2 * HV_ED25519_PUB_LEN;
  out[n++] = ' ';
  hex(raw, HV_ED25519_SIG_LEN, out + n);
  n += 2 * HV_ED25519_SIG_LEN;
  out[n++] = '\n';
  return n;
}

static void test_signed_but_invalid_policy(void) {
  /* Enough valid signatures; the parser still has the last word. */
  static const char bad[] = "version 9\nserver host=h operator=o region=r\n";
  size_t n = raw_sig_line(bad, 0, sig);
  n += raw_sig_line(bad, 1, sig + n);
  HT_CHECK_EQ_INT(verify(bad, sig, n, 0, NULL), HV_POLICY_ERR_MISSING_FIELD);
  /* the control: the same construction over the good policy verifies */
  n = raw_sig_line(policy, 0, sig);
  n += raw_sig_line(policy, 1, sig + n);
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, NULL), HV_POLICY_OK);
}

static void test_sign_refuses_invalid_policy(void) {
  static const char bad[] = "version 1\nserver host=h operator=o region=r\n";
  char buf[SIG_CAP];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_policy_sign((const uint8_t *)bad, strlen(bad), seeds[0], NULL, 0, buf,
                                 sizeof buf, &len, NULL),
                  HV_POLICY_ERR_MISSING_FIELD);
}

static void test_sign_replaces_own_line(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 1, 0, -1});
  HT_CHECK_EQ_INT(n, 2 * (10 + 64 + 1 + 128 + 1));
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, NULL), HV_POLICY_OK);
}

static void test_sign_refuses_stale_signatures(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, -1});
  char changed[sizeof policy];
  memcpy(changed, policy, sizeof policy);
  changed[2] = 'S';
  char out[SIG_CAP];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_policy_sign((const uint8_t *)changed, strlen(changed), seeds[1],
                                 (const uint8_t *)sig, n, out, sizeof out, &len, NULL),
                  HV_POLICY_ERR_BAD_SIGNATURE);
}

static hv_policy_error council_str(const char *text) {
  hv_policy_council *c = NULL;
  hv_policy_error err = hv_policy_council_parse((const uint8_t *)text, strlen(text), &c, NULL);
  if (!err) {
    HT_CHECK_EQ_INT(hv_policy_council_size(c), 1);
    HT_CHECK_EQ_INT(hv_policy_council_threshold(c), 1);
  }
  hv_policy_council_free(c);
  return err;
}

static void test_council_file(void) {
  char m[2 * HV_ED25519_PUB_LEN + 1];
  hex(pubs[0], HV_ED25519_PUB_LEN, m);
  char text[512];
  sprintf(text, "member %s\nthreshold 1\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_OK);
  sprintf(text, "member %s\nthreshold 2\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_OUT_OF_RANGE);
  sprintf(text, "member %s\nthreshold 0\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_OUT_OF_RANGE);
  sprintf(text, "member %s\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_MISSING_FIELD);
  sprintf(text, "member %s\nmember %s\nthreshold 1\n", m, m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_DUPLICATE_ENTRY);
  sprintf(text, "member %s\nthreshold 1\nthreshold 1\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_DUPLICATE_KEY);
  sprintf(text, "member %s\nthreshold 1\nquorum 1\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_UNKNOWN_KEY);
  HT_CHECK_EQ_INT(council_str("threshold 1\n"), HV_POLICY_ERR_NO_COUNCIL);
  sprintf(text, "member %.63s\nthreshold 1\n", m);
  HT_CHECK_EQ_INT(council_str(text), HV_POLICY_ERR_BAD_HEX);
}

static void test_signature_file_refusals(void) {
  size_t n = sign_with(policy, sig, (const int[]){0, 2, -1});
  hv_policy_diag d = {0};
  sig[n - 5] = 'z';
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, &d), HV_POLICY_ERR_BAD_HEX);
  HT_CHECK_EQ_INT(d.line, 2);
  memcpy(sig, "signatur ", 9); /* same length, key misspelt */
  HT_CHECK_EQ_INT(verify(policy, sig, n, 0, &d), HV_POLICY_ERR_UNKNOWN_KEY);
  HT_CHECK_EQ_INT(d.line, 1);
}

static void test_secret_key_file(void) {
  uint8_t seed[HV_ED25519_PRIV_LEN];
  char text[256], h[2 * HV_ED25519_PRIV_LEN + 1];
  hex(seeds[0], HV_ED25519_PRIV_LEN, h);
  sprintf(text, "# secret\nsecret_key %s\n", h);
  HT_CHECK_EQ_INT(hv_policy_secret_key_parse((const uint8_t *)text, strlen(text), seed, NULL),
                  HV_POLICY_OK);
  HT_CHECK_MEM(seed, seeds[0], HV_ED25519_PRIV_LEN);
  /* A bare secret is refused, and the diagnostic does not repeat it. */
  hv_policy_diag d = {0};
  sprintf(text, "%s\n", h);
  HT_CHECK_EQ_INT(hv_policy_secret_key_parse((const uint8_t *)text, strlen(text), seed, &d),
                  HV_POLICY_ERR_UNKNOWN_KEY);
  HT_CHECK(strstr(d.what, h) == NULL);
  HT_CHECK(strstr(d.what, "secret_key") != NULL);
}

int main(void) {
  if (setup()) {
    fprintf(stderr, "setup failed\n");
    return 1;
  }
  HT_RUN(test_happy_at_threshold);
  HT_RUN(test_below_threshold);
  HT_RUN(test_duplicate_signer_counted_once);
  HT_RUN(test_unknown_signer);
  HT_RUN(test_changed_policy_byte);
  HT_RUN(test_changed_signature_byte);
  HT_RUN(test_rollback);
  HT_RUN(test_no_council);
  HT_RUN(test_signed_but_invalid_policy);
  HT_RUN(test_sign_refuses_invalid_policy);
  HT_RUN(test_sign_replaces_own_line);
  HT_RUN(test_sign_refuses_stale_signatures);
  HT_RUN(test_council_file);
  HT_RUN(test_signature_file_refusals);
  HT_RUN(test_secret_key_file);
  hv_policy_council_free(council);
  return HT_DONE();
}
