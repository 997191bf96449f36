/* The optional online timestamp (as TUF's timestamp role): a small file
 * signed by the policy's timestamp_key saying "policy SHA-256 H, version
 * V, still current at time T". The council can then let `expires` be
 * long while a policy stays in force only max_timestamp_age_s past the
 * newest timestamp. Formats in docs/POLICY.md. */
#include <stdio.h>
#include <string.h>

#include "policy/policy_int.h"
#include "sys/sys.h"

/* What the signature covers: "HVTS", format 1 (u16 BE), the policy's
 * SHA-256, version (u64 BE), time (UNIX seconds, u64 BE). */
#define TS_MAGIC "HVTS"
#define TS_FORMAT 1
#define TS_SIGNED_LEN (4 + 2 + HV_SHA256_LEN + 8 + 8)

typedef struct {
  uint8_t policy_hash[HV_SHA256_LEN];
  uint64_t version, time_unix;
  uint8_t sig[HV_ED25519_SIG_LEN];
} timestamp;

static void signed_bytes(const timestamp *t, uint8_t out[TS_SIGNED_LEN]) {
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, TS_SIGNED_LEN);
  /* cannot fail: the buffer is exactly the size written */
  (void)(hv_buf_write_bytes(&w, (const uint8_t *)TS_MAGIC, 4) &&
         hv_buf_write_u16(&w, TS_FORMAT) &&
         hv_buf_write_bytes(&w, t->policy_hash, HV_SHA256_LEN) &&
         hv_buf_write_u64(&w, t->version) && hv_buf_write_u64(&w, t->time_unix));
}

enum { T_HASH, T_VERSION, T_TIME, T_SIG, T_N };
static const char *const ts_keys[T_N] = {"policy_sha256", "version", "time", "signature"};

static hv_policy_error ts_line(const hv_policy_lex *lx, timestamp *t, bool *seen,
                               hv_policy_diag *diag) {
  int k = 0;
  while (k < T_N && !hv_policy_lex_is(&lx->field[0], ts_keys[k])) k++;
  if (k == T_N) return hv_policy_lex_unknown(lx, &lx->field[0], "key", diag);
  if (seen[k])
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY, "'%s' given twice",
                   ts_keys[k]);
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'%s' takes one value",
                   ts_keys[k]);
  seen[k] = true;
  const hv_policy_lex_tok *v = &lx->field[1];
  switch (k) {
    case T_HASH: return hv_policy_lex_hex(lx, v, ts_keys[k], t->policy_hash, HV_SHA256_LEN, diag);
    case T_VERSION: return hv_policy_lex_number(lx, v, ts_keys[k], 1, UINT64_MAX, &t->version, diag);
    case T_TIME:
      return hv_policy_lex_number(lx, v, ts_keys[k], 1, HV_POLICY_MAX_EXPIRES_UNIX, &t->time_unix,
                           diag);
    default: return hv_policy_lex_hex(lx, v, ts_keys[k], t->sig, HV_ED25519_SIG_LEN, diag);
  }
}

static hv_policy_error ts_parse(const uint8_t *text, size_t len, timestamp *t,
                                hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "timestamp");
  if (!text && len) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "timestamp larger than %d bytes",
                   HV_POLICY_MAX_FILE);
  bool seen[T_N] = {false};
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  hv_policy_error err;
  while (!(err = hv_policy_lex_next(&lx, diag)) && lx.n_fields > 0)
    if ((err = ts_line(&lx, t, seen, diag))) return err;
  if (err) return err;
  for (int k = 0; k < T_N; k++)
    if (!seen[k])
      return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no '%s'", ts_keys[k]);
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_timestamp_sign(const uint8_t *text, size_t len,
                                         const uint8_t seed[HV_ED25519_PRIV_LEN],
                                         uint64_t time_unix, char *out, size_t cap,
                                         size_t *out_len, hv_policy_diag *diag) {
  if (!seed || !out || !out_len || (!text && len))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  hv_policy *p;
  hv_policy_error err = hv_policy_parse(text, len, &p, diag);
  if (err) return err;
  timestamp t = {.version = p->version, .time_unix = time_unix};
  uint8_t pub[HV_ED25519_PUB_LEN], msg[TS_SIGNED_LEN];
  hv_policy_diag_file(diag, "timestamp");
  if (!p->has_timestamp_key)
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TIMESTAMP_MISMATCH, "the policy has no timestamp_key");
  else if (hv_ed25519_public(seed, pub) || hv_sha256(text, len, t.policy_hash))
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_CRYPTO, "Ed25519 or SHA-256 failed");
  else if (memcmp(pub, p->timestamp_key, HV_ED25519_PUB_LEN))
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_UNKNOWN_SIGNER,
                  "this key is not the policy's timestamp_key");
  else if (time_unix == 0 || time_unix > HV_POLICY_MAX_EXPIRES_UNIX)
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OUT_OF_RANGE, "time out of range");
  hv_policy_free(p);
  if (err) return err;
  signed_bytes(&t, msg);
  if (hv_ed25519_sign(seed, msg, sizeof msg, t.sig))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_CRYPTO, "Ed25519 signing failed");
  char hash[2 * HV_SHA256_LEN + 1], sig[2 * HV_ED25519_SIG_LEN + 1];
  hv_sys_hex(t.policy_hash, HV_SHA256_LEN, hash);
  hv_sys_hex(t.sig, HV_ED25519_SIG_LEN, sig);
  int n = snprintf(out, cap, "policy_sha256 %s\nversion %llu\ntime %llu\nsignature %s\n",
                   hash, (unsigned long long)t.version, (unsigned long long)t.time_unix,
                   sig);
  if (n < 0 || (size_t)n >= cap)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "output buffer too small");
  *out_len = (size_t)n;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_timestamp_verify(const hv_policy *p, const uint8_t *text,
                                           size_t len, const uint8_t *ts, size_t ts_len,
                                           uint64_t *time_unix, hv_policy_diag *diag) {
  if (!p || !time_unix || (!text && len))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  timestamp t;
  memset(&t, 0, sizeof t);
  hv_policy_error err = ts_parse(ts, ts_len, &t, diag);
  if (err) return err;
  if (!p->has_timestamp_key)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TIMESTAMP_MISMATCH, "the policy has no timestamp_key");
  uint8_t msg[TS_SIGNED_LEN], hash[HV_SHA256_LEN];
  signed_bytes(&t, msg);
  if (hv_ed25519_verify(p->timestamp_key, msg, sizeof msg, t.sig) != 0)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_BAD_SIGNATURE,
                   "not signed by the policy's timestamp_key");
  if (hv_sha256(text, len, hash) != 0)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_CRYPTO, "SHA-256 failed");
  if (memcmp(hash, t.policy_hash, HV_SHA256_LEN) || t.version != p->version)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TIMESTAMP_MISMATCH,
                   "the timestamp is for another policy (hash or version %llu)",
                   (unsigned long long)t.version);
  *time_unix = t.time_unix;
  return HV_POLICY_OK;
}

uint64_t hv_policy_in_force_until_ms(const hv_policy *p, uint64_t ts_time_unix) {
  uint64_t until = p->expires_unix;
  if (p->has_timestamp_key && ts_time_unix + p->max_timestamp_age_s < until)
    until = ts_time_unix + p->max_timestamp_age_s;
  return until * 1000;
}

hv_policy_error hv_policy_check_in_force(const hv_policy *p, uint64_t ts_time_unix,
                                         uint64_t now_ms, hv_policy_diag *diag) {
  hv_policy_error err = hv_policy_check_expiry(p, now_ms, diag);
  if (err || !p->has_timestamp_key) return err;
  if (now_ms / 1000 < ts_time_unix + p->max_timestamp_age_s) return HV_POLICY_OK;
  hv_policy_diag_file(diag, "timestamp");
  return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TIMESTAMP_STALE,
                 "signed at %llu, more than max_timestamp_age_s %u ago by trusted time",
                 (unsigned long long)ts_time_unix, (unsigned)p->max_timestamp_age_s);
}
