/* The council override for a stuck sender: a council-signed file that
 * waives one check for one worker identity and one pair of builds, until
 * it expires (docs/POLICY.md). What may be waived is closed: the two
 * checks that can leave an honest sender stuck (its chain source died;
 * its own build was withdrawn before it could hand over). Attestation,
 * dev mode, the receiver allowlist and the response window are what
 * keep the key inside allowed enclaves and can never be waived. */
#include <string.h>

#include "policy/policy_int.h"

#define OVERRIDE_FORMAT 1

enum { O_OVERRIDE, O_IDENTITY, O_FROM, O_TO, O_WAIVE, O_EXPIRES, O_N };
static const char *const o_keys[O_N] = {"override", "identity", "from",
                                        "to",       "waive",    "expires"};

const char *hv_policy_waiver_name(hv_policy_waiver w) {
  switch (w) {
    case HV_POLICY_WAIVE_CHAIN_HEAD_STALE: return "chain-head-stale";
    case HV_POLICY_WAIVE_OWN_BUILD: return "own-build-not-in-policy";
  }
  return "none";
}

static hv_policy_error parse_waive(const hv_policy_lex *lx, hv_policy_override *o,
                                   hv_policy_diag *diag) {
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'waive' takes one check name");
  const hv_policy_lex_tok *v = &lx->field[1];
  if (hv_policy_lex_is(v, "chain-head-stale")) o->waive = HV_POLICY_WAIVE_CHAIN_HEAD_STALE;
  else if (hv_policy_lex_is(v, "own-build-not-in-policy")) o->waive = HV_POLICY_WAIVE_OWN_BUILD;
  else
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_NOT_WAIVABLE,
                   "only chain-head-stale or own-build-not-in-policy may be waived");
  return HV_POLICY_OK;
}

static hv_policy_error o_line(const hv_policy_lex *lx, hv_policy_override *o, bool *seen,
                              hv_policy_diag *diag) {
  int k = 0;
  while (k < O_N && !hv_policy_lex_is(&lx->field[0], o_keys[k])) k++;
  if (k == O_N) return hv_policy_lex_unknown(lx, &lx->field[0], "key", diag);
  if (seen[k])
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY, "'%s' given twice", o_keys[k]);
  if (k != O_OVERRIDE && !seen[O_OVERRIDE])
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "the first key must be 'override'");
  seen[k] = true;
  uint64_t format;
  switch (k) {
    case O_OVERRIDE:
      if (lx->n_fields != 2)
        return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'override' takes one value");
      return hv_policy_lex_number(lx, &lx->field[1], "override", OVERRIDE_FORMAT, OVERRIDE_FORMAT,
                           &format, diag);
    case O_IDENTITY:
      if (lx->n_fields != 2)
        return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'identity' takes one key");
      return hv_policy_lex_hex(lx, &lx->field[1], "identity", o->identity_pub,
                        HV_ED25519_PUB_LEN, diag);
    case O_FROM: return hv_policy_measurement_attrs(lx, false, NULL, &o->from, diag);
    case O_TO: return hv_policy_measurement_attrs(lx, false, NULL, &o->to, diag);
    case O_WAIVE: return parse_waive(lx, o, diag);
    default: return hv_policy_time_field(lx, "expires", &o->expires_unix, diag);
  }
}

hv_policy_error hv_policy_override_parse(const uint8_t *text, size_t len,
                                         hv_policy_override *out,
                                         hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "override");
  if (!out || (!text && len)) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "override larger than %d bytes",
                   HV_POLICY_MAX_FILE);
  hv_policy_override o;
  memset(&o, 0, sizeof o);
  bool seen[O_N] = {false};
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  hv_policy_error err;
  while (!(err = hv_policy_lex_next(&lx, diag)) && lx.n_fields > 0)
    if ((err = o_line(&lx, &o, seen, diag))) return err;
  if (err) return err;
  for (int k = 0; k < O_N; k++)
    if (!seen[k]) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no '%s'", o_keys[k]);
  if (hv_policy_same_measurement(&o.from, &o.to))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OUT_OF_RANGE, "'from' and 'to' are the same build");
  *out = o;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_override_verify_signed(const uint8_t *text, size_t len,
                                                 const uint8_t *sig, size_t sig_len,
                                                 const hv_policy_council *council,
                                                 hv_policy_override *out,
                                                 hv_policy_diag *diag) {
  if (!out || (!text && len)) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  /* Signatures first: an unsigned document is never parsed further. */
  hv_policy_error err = hv_policy_check_sig_file(text, len, sig, sig_len, council, diag);
  if (!err) err = hv_policy_override_parse(text, len, out, diag);
  return err;
}

hv_policy_error hv_policy_override_verify(const uint8_t *text, size_t len,
                                          const uint8_t *sig, size_t sig_len,
                                          const hv_policy_council *council,
                                          const uint8_t identity_pub[HV_ED25519_PUB_LEN],
                                          const hv_tee_measurement *self,
                                          uint64_t now_ms, hv_policy_override *out,
                                          hv_policy_diag *diag) {
  if (!out || !identity_pub || !self || (!text && len))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  hv_policy_override o;
  hv_policy_error err = hv_policy_override_verify_signed(text, len, sig, sig_len, council,
                                                         &o, diag);
  if (err) return err;
  if (memcmp(o.identity_pub, identity_pub, HV_ED25519_PUB_LEN))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OVERRIDE_OTHER_IDENTITY,
                   "the override names another worker identity");
  if (!hv_policy_same_measurement(&o.from, self))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OVERRIDE_OTHER_BUILD,
                   "the override's 'from' is not this build");
  if (now_ms / 1000 >= o.expires_unix)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_EXPIRED, "the override expired by trusted time");
  *out = o;
  return HV_POLICY_OK;
}
