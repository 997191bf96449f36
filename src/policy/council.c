/* Council files (`threshold N`, `member HEX`) and secret key files. */
#include <stdlib.h>
#include <string.h>

#include "policy/council_builtin.h"
#include "policy/lex.h"
#include "policy/policy_int.h"

static hv_policy_error parse_member(const hv_policy_lex *lx, hv_policy_council *c,
                                    hv_policy_diag *diag) {
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'member' takes one public key");
  if (c->n_members == HV_POLICY_MAX_COUNCIL)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_TOO_MANY,
                   "more than %d council members", HV_POLICY_MAX_COUNCIL);
  uint8_t *key = c->members[c->n_members];
  hv_policy_error err = hv_policy_lex_hex(lx, &lx->field[1], "member", key, HV_ED25519_PUB_LEN, diag);
  if (err) return err;
  for (size_t i = 0; i < c->n_members; i++)
    if (!memcmp(c->members[i], key, HV_ED25519_PUB_LEN))
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_ENTRY,
                     "member listed twice");
  c->n_members++;
  return HV_POLICY_OK;
}

static hv_policy_error parse_council_line(const hv_policy_lex *lx, hv_policy_council *c,
                                          bool *have_threshold, hv_policy_diag *diag) {
  const hv_policy_lex_tok *key = &lx->field[0];
  if (hv_policy_lex_is(key, "member")) return parse_member(lx, c, diag);
  if (!hv_policy_lex_is(key, "threshold"))
    return hv_policy_lex_unknown(lx, key, "key", diag);
  if (*have_threshold)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY, "'threshold' given twice");
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'threshold' takes one value");
  uint64_t t;
  hv_policy_error err = hv_policy_lex_number(lx, &lx->field[1], "threshold", 1,
                                      HV_POLICY_MAX_COUNCIL, &t, diag);
  if (err) return err;
  c->threshold = (uint32_t)t;
  *have_threshold = true;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_council_parse(const uint8_t *text, size_t len,
                                        hv_policy_council **out,
                                        hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "council");
  if (!out || (!text && len)) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  *out = NULL;
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "council larger than %d bytes",
                   HV_POLICY_MAX_FILE);
  hv_policy_council *c = calloc(1, sizeof *c);
  if (!c) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_NOMEM, "out of memory");
  bool have_threshold = false;
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  hv_policy_error err;
  while (!(err = hv_policy_lex_next(&lx, diag)) && lx.n_fields > 0)
    if ((err = parse_council_line(&lx, c, &have_threshold, diag))) break;
  if (!err && c->n_members == 0)
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_NO_COUNCIL, "the council has no member");
  if (!err && !have_threshold)
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no 'threshold'");
  if (!err && c->threshold > c->n_members)
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OUT_OF_RANGE,
                  "threshold %u but only %zu members", (unsigned)c->threshold,
                  c->n_members);
  if (err) {
    free(c);
    return err;
  }
  *out = c;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_council_builtin(hv_policy_council **out,
                                          hv_policy_diag *diag) {
  const char *text = hv_policy_builtin_council_text;
  return hv_policy_council_parse((const uint8_t *)text, strlen(text), out, diag);
}

void hv_policy_council_free(hv_policy_council *c) { free(c); }

size_t hv_policy_council_size(const hv_policy_council *c) { return c->n_members; }

uint32_t hv_policy_council_threshold(const hv_policy_council *c) { return c->threshold; }

hv_policy_error hv_policy_secret_key_parse(const uint8_t *text, size_t len,
                                           uint8_t seed[HV_ED25519_PRIV_LEN],
                                           hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "secret key");
  if (!seed || (!text && len)) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "key file too large");
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  bool have = false;
  hv_policy_error err;
  while (!(err = hv_policy_lex_next(&lx, diag)) && lx.n_fields > 0) {
    if (!hv_policy_lex_is(&lx.field[0], "secret_key"))
      /* Never echo the line: it may be the secret itself. */
      err = hv_policy_diag_fail(diag, lx.line, HV_POLICY_ERR_UNKNOWN_KEY,
                    "unknown key (want 'secret_key')");
    else if (have)
      err = hv_policy_diag_fail(diag, lx.line, HV_POLICY_ERR_DUPLICATE_KEY, "'secret_key' given twice");
    else if (lx.n_fields != 2)
      err = hv_policy_diag_fail(diag, lx.line, HV_POLICY_ERR_SYNTAX, "'secret_key' takes one value");
    else
      err = hv_policy_lex_hex(&lx, &lx.field[1], "secret_key", seed, HV_ED25519_PRIV_LEN, diag);
    if (err) break;
    have = true;
  }
  if (!err && !have) err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no 'secret_key'");
  if (err) hv_wipe(seed, HV_ED25519_PRIV_LEN);
  return err;
}
