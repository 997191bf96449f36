/* Freshness in the policy: `expires` (required; RFC 3339 UTC or UNIX
 * seconds), `min_block_interval_ms`, the online timestamp and the council
 * override. Each refusal flips exactly one thing of a valid input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"
#include "harness.h"

#define ENCLAVE_A "aa00000000000000000000000000000000000000000000000000000000000001"
#define ENCLAVE_B "bb00000000000000000000000000000000000000000000000000000000000002"
#define SIGNER "5151515151515151515151515151515151515151515151515151515151515151"
#define RUNTIME_A "mr_enclave=" ENCLAVE_A " mr_signer=" SIGNER " isv_prod_id=1 isv_svn=2"
#define RUNTIME_B "mr_enclave=" ENCLAVE_B " mr_signer=" SIGNER " isv_prod_id=1 isv_svn=3"
#define JAN_2027 1798761600ull /* 2027-01-01T00:00:00Z */

static const char base[] =
    "version 7\n"
    "expires 2027-01-01T00:00:00Z\n"
    "server host=127.0.0.1 operator=alpha region=eu\n"
    "server host=127.0.0.2 operator=beta region=us\n"
    "runtime seq=1 " RUNTIME_A "\n"
    "runtime seq=2 " RUNTIME_B "\n";

enum { N_KEYS = 4, TS_KEY = 3 }; /* council 0..2 (threshold 2), 3 online */
static uint8_t seeds[N_KEYS][HV_ED25519_PRIV_LEN], pubs[N_KEYS][HV_ED25519_PUB_LEN];
static char pub_hex[N_KEYS][2 * HV_ED25519_PUB_LEN + 1];
static hv_policy_council *council;

static void hex(const uint8_t *in, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", in[i]);
}

static int setup(void) {
  char text[1024];
  size_t n = 0;
  for (int i = 0; i < N_KEYS; i++) {
    if (hv_ed25519_keypair(seeds[i], pubs[i])) return -1;
    hex(pubs[i], HV_ED25519_PUB_LEN, pub_hex[i]);
  }
  for (int i = 0; i < 3; i++) n += (size_t)sprintf(text + n, "member %s\n", pub_hex[i]);
  n += (size_t)sprintf(text + n, "threshold 2\n");
  return hv_policy_council_parse((const uint8_t *)text, n, &council, NULL) ? -1 : 0;
}

/* src with the first `from` replaced by `to` (static buffer). */
static const char *edit(const char *src, const char *from, const char *to) {
  static char out[8192];
  const char *at = strstr(src, from);
  if (!at || strlen(src) + strlen(to) >= sizeof out) abort();
  size_t head = (size_t)(at - src);
  memcpy(out, src, head);
  strcpy(out + head, to);
  strcat(out, at + strlen(from));
  return out;
}

static hv_policy_error parse(const char *text, hv_policy **p, hv_policy_diag *d) {
  *p = NULL;
  return hv_policy_parse((const uint8_t *)text, strlen(text), p, d);
}

static hv_policy_error parse_only(const char *text) {
  hv_policy *p;
  hv_policy_error err = parse(text, &p, NULL);
  hv_policy_free(p);
  return err;
}

static uint64_t t(const char *s) {
  uint64_t v = 0;
  if (hv_policy_time_parse(s, strlen(s), &v)) return UINT64_MAX;
  return v;
}

static void test_time_vectors(void) {
  HT_CHECK_EQ_INT(t("1970-01-01T00:00:00Z"), 0);
  HT_CHECK_EQ_INT(t("2027-01-01T00:00:00Z"), JAN_2027);
  HT_CHECK_EQ_INT(t("2000-02-29T12:34:56Z"), 951827696);
  HT_CHECK_EQ_INT(t("2024-02-29T00:00:00Z"), 1709164800);
  HT_CHECK_EQ_INT(t("9999-12-31T23:59:59Z"), HV_POLICY_MAX_EXPIRES_UNIX);
  HT_CHECK_EQ_INT(t("1798761600"), JAN_2027);
  HT_CHECK_EQ_INT(t("253402300799"), HV_POLICY_MAX_EXPIRES_UNIX);
  /* each refusal: one character or field wrong */
  const char *bad[] = {"2100-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2027-13-01T00:00:00Z",
                       "2027-04-31T00:00:00Z", "2027-01-01T24:00:00Z", "2027-01-01T00:60:00Z",
                       "2027-01-01T00:00:60Z", "2027-01-01t00:00:00Z", "2027-01-01T00:00:00z",
                       "2027-01-01T00:00:00+00:00", "2027-01-01T00:00:00.5Z",
                       "1969-12-31T23:59:59Z", "2027-01-01 00:00:00Z", "253402300800",
                       "01798761600", "-1", "", "2027-1-01T00:00:00Z"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (t(bad[i]) != UINT64_MAX) {
      fprintf(stderr, "accepted bad time '%s'\n", bad[i]);
      HT_CHECK(0);
    }
  char out[HV_POLICY_TIME_TEXT_LEN];
  hv_policy_time_format(951827696, out);
  HT_CHECK(!strcmp(out, "2000-02-29T12:34:56Z"));
  hv_policy_time_format(HV_POLICY_MAX_EXPIRES_UNIX, out);
  HT_CHECK(!strcmp(out, "9999-12-31T23:59:59Z"));
  /* every day of four years round-trips */
  for (uint64_t s = JAN_2027 - 2 * 366 * 86400ull; s < JAN_2027 + 2 * 366 * 86400ull; s += 86399)
  {
    hv_policy_time_format(s, out);
    HT_CHECK_EQ_INT(t(out), s);
  }
}

static void test_expires_required(void) {
  HT_CHECK_EQ_INT(parse_only(base), HV_POLICY_OK);
  hv_policy_diag d = {0};
  hv_policy *p;
  HT_CHECK_EQ_INT(parse(edit(base, "expires 2027-01-01T00:00:00Z\n", ""), &p, &d),
                  HV_POLICY_ERR_MISSING_FIELD);
  HT_CHECK(strstr(d.what, "expires") != NULL);
  HT_CHECK_EQ_INT(parse_only(edit(base, "2027-01-01T00:00:00Z", "2027-01-01")),
                  HV_POLICY_ERR_BAD_TIME);
  HT_CHECK_EQ_INT(parse_only(edit(base, "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z x")),
                  HV_POLICY_ERR_SYNTAX);
  HT_CHECK_EQ_INT(parse_only(edit(base, "version 7\n", "version 7\nexpires 1798761600\n")),
                  HV_POLICY_ERR_DUPLICATE_KEY);
  /* UNIX seconds: the same policy */
  HT_CHECK_EQ_INT(parse(edit(base, "2027-01-01T00:00:00Z", "1798761600"), &p, NULL),
                  HV_POLICY_OK);
  if (p) HT_CHECK_EQ_INT(hv_policy_expires_unix(p), JAN_2027);
  hv_policy_free(p);
}

static void test_expiry_check(void) {
  hv_policy *p;
  HT_CHECK_EQ_INT(parse(base, &p, NULL), HV_POLICY_OK);
  if (!p) return;
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(hv_policy_check_expiry(p, JAN_2027 * 1000 - 1, &d), HV_POLICY_OK);
  HT_CHECK_EQ_INT(hv_policy_check_expiry(p, JAN_2027 * 1000, &d), HV_POLICY_ERR_EXPIRED);
  HT_CHECK(strstr(d.what, "2027-01-01T00:00:00Z") != NULL);
  HT_CHECK_EQ_INT(hv_policy_in_force_until_ms(p, 0), JAN_2027 * 1000);
  HT_CHECK_EQ_INT(hv_policy_check_in_force(p, 0, JAN_2027 * 1000 - 1, NULL), HV_POLICY_OK);
  hv_policy_free(p);
}

static void test_block_interval(void) {
  hv_policy *p;
  HT_CHECK_EQ_INT(parse(base, &p, NULL), HV_POLICY_OK);
  if (p) HT_CHECK_EQ_INT(hv_policy_min_block_interval_ms(p), HV_POLICY_DEFAULT_MIN_BLOCK_INTERVAL_MS);
  hv_policy_free(p);
  HT_CHECK_EQ_INT(parse(edit(base, "version 7\n", "version 7\nmin_block_interval_ms 12000\n"),
                        &p, NULL), HV_POLICY_OK);
  if (p) HT_CHECK_EQ_INT(hv_policy_min_block_interval_ms(p), 12000);
  hv_policy_free(p);
  HT_CHECK_EQ_INT(parse_only(edit(base, "version 7\n", "version 7\nmin_block_interval_ms 0\n")),
                  HV_POLICY_ERR_OUT_OF_RANGE);
  HT_CHECK_EQ_INT(parse_only(edit(base, "version 7\n",
                                  "version 7\nmin_block_interval_ms 86400001\n")),
                  HV_POLICY_ERR_OUT_OF_RANGE);
}

static void test_show_round_trip(void) {
  char with_ts[4096], a[HV_POLICY_MAX_FILE], b[HV_POLICY_MAX_FILE];
  snprintf(with_ts, sizeof with_ts, "%stimestamp_key %s\nmax_timestamp_age_s 600\n", base,
           pub_hex[TS_KEY]);
  hv_policy *p, *q;
  size_t alen = 0, blen = 0;
  HT_CHECK_EQ_INT(parse(with_ts, &p, NULL), HV_POLICY_OK);
  if (!p) return;
  HT_CHECK_EQ_INT(hv_policy_format(p, a, sizeof a, &alen), HV_POLICY_OK);
  HT_CHECK(memmem(a, alen, "expires 2027-01-01T00:00:00Z\n", 29) != NULL);
  HT_CHECK(memmem(a, alen, "min_block_interval_ms 1000\n", 27) != NULL);
  HT_CHECK(memmem(a, alen, "max_timestamp_age_s 600\n", 24) != NULL);
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)a, alen, &q, NULL), HV_POLICY_OK);
  if (q) {
    HT_CHECK_EQ_INT(hv_policy_format(q, b, sizeof b, &blen), HV_POLICY_OK);
    HT_CHECK(alen == blen && !memcmp(a, b, alen));
    HT_CHECK(hv_policy_has_timestamp_key(q));
  }
  hv_policy_free(q);
  hv_policy_free(p);
}

/* ---- timestamp ---- */

static char ts_policy[4096];

static hv_policy_error ts_sign(const char *policy, int key, uint64_t when, char *out,
                               size_t *len) {
  return hv_policy_timestamp_sign((const uint8_t *)policy, strlen(policy), seeds[key], when,
                                  out, 1024, len, NULL);
}

static hv_policy_error ts_verify(const char *policy, const char *ts, size_t ts_len,
                                 uint64_t *when) {
  hv_policy *p;
  hv_policy_error err = parse(policy, &p, NULL);
  if (err) return err;
  err = hv_policy_timestamp_verify(p, (const uint8_t *)policy, strlen(policy),
                                   (const uint8_t *)ts, ts_len, when, NULL);
  hv_policy_free(p);
  return err;
}

static void test_timestamp(void) {
  snprintf(ts_policy, sizeof ts_policy, "%stimestamp_key %s\nmax_timestamp_age_s 3600\n",
           base, pub_hex[TS_KEY]);
  char ts[1024];
  size_t len = 0;
  uint64_t when = 0, signed_at = JAN_2027 - 86400;
  HT_CHECK_EQ_INT(ts_sign(ts_policy, TS_KEY, signed_at, ts, &len), HV_POLICY_OK);
  HT_CHECK_EQ_INT(ts_verify(ts_policy, ts, len, &when), HV_POLICY_OK);
  HT_CHECK_EQ_INT(when, signed_at);
  /* freshness: in force for max_timestamp_age_s after the time signed */
  hv_policy *p;
  HT_CHECK_EQ_INT(parse(ts_policy, &p, NULL), HV_POLICY_OK);
  if (p) {
    HT_CHECK_EQ_INT(hv_policy_in_force_until_ms(p, signed_at), (signed_at + 3600) * 1000);
    HT_CHECK_EQ_INT(hv_policy_check_in_force(p, signed_at, (signed_at + 3599) * 1000, NULL),
                    HV_POLICY_OK);
    HT_CHECK_EQ_INT(hv_policy_check_in_force(p, signed_at, (signed_at + 3600) * 1000, NULL),
                    HV_POLICY_ERR_TIMESTAMP_STALE);
    /* never past `expires`, however fresh */
    HT_CHECK_EQ_INT(hv_policy_check_in_force(p, JAN_2027, JAN_2027 * 1000, NULL),
                    HV_POLICY_ERR_EXPIRED);
  }
  hv_policy_free(p);
  /* a council key is not the timestamp key */
  HT_CHECK_EQ_INT(ts_sign(ts_policy, 0, signed_at, ts, &len), HV_POLICY_ERR_UNKNOWN_SIGNER);
  /* a policy without timestamp_key has no timestamp */
  HT_CHECK_EQ_INT(ts_sign(base, TS_KEY, signed_at, ts, &len), HV_POLICY_ERR_TIMESTAMP_MISMATCH);
  /* max age without a key is refused */
  HT_CHECK_EQ_INT(parse_only(edit(base, "version 7\n", "version 7\nmax_timestamp_age_s 60\n")),
                  HV_POLICY_ERR_MISSING_FIELD);
}

static void test_timestamp_refusals(void) {
  char ts[1024], other[8192];
  size_t len = 0;
  uint64_t when = 0;
  HT_CHECK_EQ_INT(ts_sign(ts_policy, TS_KEY, JAN_2027 - 10, ts, &len), HV_POLICY_OK);
  /* the same timestamp over another policy (one byte changed) */
  snprintf(other, sizeof other, "%s# changed\n", ts_policy);
  HT_CHECK_EQ_INT(ts_verify(other, ts, len, &when), HV_POLICY_ERR_TIMESTAMP_MISMATCH);
  /* another version of the policy, and a timestamp naming it: the hash
   * differs too; a signed line edited is a bad signature */
  char edited[1024];
  memcpy(edited, ts, len);
  edited[len] = '\0';
  char *v = strstr(edited, "version 7");
  if (v) v[8] = '8';
  HT_CHECK_EQ_INT(ts_verify(ts_policy, edited, len, &when), HV_POLICY_ERR_BAD_SIGNATURE);
  memcpy(edited, ts, len);
  char *tm = strstr(edited, "\ntime ");
  if (tm) tm[6] = tm[6] == '9' ? '8' : '9';
  HT_CHECK_EQ_INT(ts_verify(ts_policy, edited, len, &when), HV_POLICY_ERR_BAD_SIGNATURE);
  /* missing line */
  HT_CHECK_EQ_INT(ts_verify(ts_policy, ts, (size_t)(strstr(ts, "signature") - ts), &when),
                  HV_POLICY_ERR_MISSING_FIELD);
  /* the policy's key replaced: the old timestamp no longer verifies */
  snprintf(other, sizeof other, "%stimestamp_key %s\n", base, pub_hex[0]);
  HT_CHECK_EQ_INT(ts_verify(other, ts, len, &when), HV_POLICY_ERR_BAD_SIGNATURE);
}

/* ---- override ---- */

static char ovr[2048];

static void make_override(const char *identity, const char *from, const char *to,
                          const char *waive, const char *expires) {
  snprintf(ovr, sizeof ovr,
           "# council override\noverride 1\nidentity %s\nfrom %s\nto %s\nwaive %s\n"
           "expires %s\n", identity, from, to, waive, expires);
}

static hv_policy_error sign_council(const char *text, char *sig, size_t *sig_len) {
  char tmp[1024];
  size_t tmp_len = 0;
  hv_policy_error err = hv_policy_sign((const uint8_t *)text, strlen(text), seeds[0], NULL,
                                       0, tmp, sizeof tmp, &tmp_len, NULL);
  if (!err) err = hv_policy_sign((const uint8_t *)text, strlen(text), seeds[1],
                                 (const uint8_t *)tmp, tmp_len, sig, 1024, sig_len, NULL);
  return err;
}

static hv_tee_measurement build_a(void) {
  hv_policy *p;
  hv_policy_runtime r = {0};
  if (parse(base, &p, NULL) || hv_policy_runtime_at(p, 0, &r)) abort();
  hv_policy_free(p);
  return r.m;
}

static hv_policy_error verify_override(const char *text, uint64_t now_ms,
                                       hv_policy_override *o, hv_policy_diag *d) {
  char sig[1024];
  size_t sig_len = 0;
  hv_policy_error err = sign_council(text, sig, &sig_len);
  if (err) return err;
  hv_tee_measurement self = build_a();
  return hv_policy_override_verify((const uint8_t *)text, strlen(text), (const uint8_t *)sig,
                                   sig_len, council, pubs[2], &self, now_ms, o, d);
}

static void test_override_good(void) {
  make_override(pub_hex[2], RUNTIME_A, RUNTIME_B, "chain-head-stale", "2027-01-01T00:00:00Z");
  hv_policy_override o;
  memset(&o, 0, sizeof o);
  HT_CHECK_EQ_INT(verify_override(ovr, JAN_2027 * 1000 - 1, &o, NULL), HV_POLICY_OK);
  HT_CHECK_EQ_INT(o.waive, HV_POLICY_WAIVE_CHAIN_HEAD_STALE);
  HT_CHECK(!strcmp(hv_policy_waiver_name(o.waive), "chain-head-stale"));
  HT_CHECK_EQ_INT(o.to.isv_svn, 3);
  HT_CHECK_EQ_INT(o.expires_unix, JAN_2027);
  make_override(pub_hex[2], RUNTIME_A, RUNTIME_B, "own-build-not-in-policy", "1798761600");
  HT_CHECK_EQ_INT(verify_override(ovr, 0, &o, NULL), HV_POLICY_OK);
  HT_CHECK_EQ_INT(o.waive, HV_POLICY_WAIVE_OWN_BUILD);
}

static void test_override_refusals(void) {
  hv_policy_override o;
  hv_policy_diag d = {0};
  const uint64_t now = JAN_2027 * 1000 - 1;
  /* another identity */
  make_override(pub_hex[1], RUNTIME_A, RUNTIME_B, "chain-head-stale", "2027-01-01T00:00:00Z");
  HT_CHECK_EQ_INT(verify_override(ovr, now, &o, &d), HV_POLICY_ERR_OVERRIDE_OTHER_IDENTITY);
  /* another build as `from` */
  make_override(pub_hex[2], RUNTIME_B, RUNTIME_A, "chain-head-stale", "2027-01-01T00:00:00Z");
  HT_CHECK_EQ_INT(verify_override(ovr, now, &o, &d), HV_POLICY_ERR_OVERRIDE_OTHER_BUILD);
  /* expired by trusted time */
  make_override(pub_hex[2], RUNTIME_A, RUNTIME_B, "chain-head-stale", "2027-01-01T00:00:00Z");
  HT_CHECK_EQ_INT(verify_override(ovr, now + 1, &o, &d), HV_POLICY_ERR_EXPIRED);
  /* forbidden checks: never waivable, not even signed */
  const char *forbidden[] = {"report-mac", "dev-mode-mismatch", "receiver-not-in-policy",
                             "response-after-window", "attestation-kind-mismatch",
                             "receiver-not-newer", "policy-expired", "chain-head-in-future"};
  for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
    make_override(pub_hex[2], RUNTIME_A, RUNTIME_B, forbidden[i], "2027-01-01T00:00:00Z");
    HT_CHECK_EQ_INT(hv_policy_override_parse((const uint8_t *)ovr, strlen(ovr), &o, NULL),
                    HV_POLICY_ERR_NOT_WAIVABLE);
    char sig[1024];
    size_t sig_len;
    HT_CHECK_EQ_INT(sign_council(ovr, sig, &sig_len), HV_POLICY_ERR_NOT_WAIVABLE);
  }
  /* from == to */
  make_override(pub_hex[2], RUNTIME_A, RUNTIME_A, "chain-head-stale", "2027-01-01T00:00:00Z");
  HT_CHECK_EQ_INT(hv_policy_override_parse((const uint8_t *)ovr, strlen(ovr), &o, NULL),
                  HV_POLICY_ERR_OUT_OF_RANGE);
  /* below the council's threshold: one signature */
  make_override(pub_hex[2], RUNTIME_A, RUNTIME_B, "chain-head-stale", "2027-01-01T00:00:00Z");
  char sig[1024];
  size_t sig_len = 0;
  HT_CHECK_EQ_INT(hv_policy_sign((const uint8_t *)ovr, strlen(ovr), seeds[0], NULL, 0, sig,
                                 sizeof sig, &sig_len, NULL), HV_POLICY_OK);
  hv_tee_measurement self = build_a();
  HT_CHECK_EQ_INT(hv_policy_override_verify((const uint8_t *)ovr, strlen(ovr),
                                            (const uint8_t *)sig, sig_len, council, pubs[2],
                                            &self, now, &o, NULL),
                  HV_POLICY_ERR_BELOW_THRESHOLD);
  /* a signed policy is not an override, nor an override a policy */
  char psig[1024];
  size_t psig_len = 0;
  HT_CHECK_EQ_INT(sign_council(base, psig, &psig_len), HV_POLICY_OK);
  HT_CHECK_EQ_INT(hv_policy_override_verify((const uint8_t *)base, strlen(base),
                                            (const uint8_t *)psig, psig_len, council, pubs[2],
                                            &self, now, &o, NULL),
                  HV_POLICY_ERR_UNKNOWN_KEY);
  HT_CHECK_EQ_INT(parse_only(ovr), HV_POLICY_ERR_UNKNOWN_KEY);
  /* each field required */
  HT_CHECK_EQ_INT(hv_policy_override_parse((const uint8_t *)ovr, (size_t)(strstr(ovr, "expires") - ovr),
                                           &o, NULL), HV_POLICY_ERR_MISSING_FIELD);
}

int main(void) {
  if (setup() != 0) return 1;
  HT_RUN(test_time_vectors);
  HT_RUN(test_expires_required);
  HT_RUN(test_expiry_check);
  HT_RUN(test_block_interval);
  HT_RUN(test_show_round_trip);
  HT_RUN(test_timestamp);
  HT_RUN(test_timestamp_refusals);
  HT_RUN(test_override_good);
  HT_RUN(test_override_refusals);
  hv_policy_council_free(council);
  return HT_DONE();
}
