/* Detached signatures: a .sig file of `signature PUBKEY SIG` lines, each
 * an Ed25519 signature over the exact bytes of the policy file. */
#include <stdlib.h>
#include <string.h>

#include "policy/lex.h"
#include "policy/policy_int.h"
#include "sys/sys.h"

typedef struct {
  uint8_t pub[HV_ED25519_PUB_LEN];
  uint8_t sig[HV_ED25519_SIG_LEN];
  size_t line;
} sig_line;

typedef struct {
  size_t n;
  sig_line lines[HV_POLICY_MAX_SIGNATURES];
} sig_file;

static hv_policy_error parse_sig_line(const hv_policy_lex *lx, sig_file *f,
                                      hv_policy_diag *diag) {
  if (!hv_policy_lex_is(&lx->field[0], "signature"))
    return hv_policy_lex_unknown(lx, &lx->field[0], "key", diag);
  if (lx->n_fields != 3)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX,
                   "'signature' takes a public key and a signature");
  if (f->n == HV_POLICY_MAX_SIGNATURES)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_TOO_MANY,
                   "more than %d signatures", HV_POLICY_MAX_SIGNATURES);
  sig_line *s = &f->lines[f->n];
  hv_policy_error err;
  if ((err = hv_policy_lex_hex(lx, &lx->field[1], "public key", s->pub, HV_ED25519_PUB_LEN, diag)) ||
      (err = hv_policy_lex_hex(lx, &lx->field[2], "signature", s->sig, HV_ED25519_SIG_LEN, diag)))
    return err;
  s->line = lx->line;
  f->n++;
  return HV_POLICY_OK;
}

static hv_policy_error parse_sig_file(const uint8_t *text, size_t len, sig_file *f,
                                      hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "signatures");
  f->n = 0;
  if (!text && len) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "signature file larger than %d bytes",
                   HV_POLICY_MAX_FILE);
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  hv_policy_error err;
  while (!(err = hv_policy_lex_next(&lx, diag)) && lx.n_fields > 0)
    if ((err = parse_sig_line(&lx, f, diag))) break;
  return err;
}

static int member_index(const hv_policy_council *c, const uint8_t *pub) {
  for (size_t i = 0; i < c->n_members; i++)
    if (!memcmp(c->members[i], pub, HV_ED25519_PUB_LEN)) return (int)i;
  return -1;
}

/* Every line must be by a member and verify; distinct signers counted. */
static hv_policy_error check_signatures(const uint8_t *text, size_t len,
                                        const sig_file *f,
                                        const hv_policy_council *c,
                                        hv_policy_diag *diag) {
  bool signed_by[HV_POLICY_MAX_COUNCIL] = {false};
  size_t distinct = 0;
  for (size_t i = 0; i < f->n; i++) {
    const sig_line *s = &f->lines[i];
    int m = member_index(c, s->pub);
    if (m < 0)
      return hv_policy_diag_fail(diag, s->line, HV_POLICY_ERR_UNKNOWN_SIGNER,
                     "signature by a key that is not in the council");
    if (hv_ed25519_verify(s->pub, text, len, s->sig) != 0)
      return hv_policy_diag_fail(diag, s->line, HV_POLICY_ERR_BAD_SIGNATURE,
                     "signature by council member %d does not verify "
                     "(policy or signature changed)", m + 1);
    if (!signed_by[m]) distinct++;
    signed_by[m] = true;
  }
  if (distinct < c->threshold)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_BELOW_THRESHOLD,
                   "%zu distinct valid signer(s), threshold %u", distinct,
                   (unsigned)c->threshold);
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_check_sig_file(const uint8_t *text, size_t len,
                                         const uint8_t *sig, size_t sig_len,
                                         const hv_policy_council *council,
                                         hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "council");
  if (!council || council->n_members == 0 || council->threshold == 0)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_NO_COUNCIL, "no council to check against");
  hv_policy_diag_file(diag, "policy");
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "policy larger than %d bytes",
                   HV_POLICY_MAX_FILE);
  sig_file *f = malloc(sizeof *f);
  if (!f) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_NOMEM, "out of memory");
  hv_policy_error err = parse_sig_file(sig, sig_len, f, diag);
  if (!err) err = check_signatures(text, len, f, council, diag);
  free(f);
  return err;
}

hv_policy_error hv_policy_verify(const uint8_t *text, size_t len,
                                 const uint8_t *sig, size_t sig_len,
                                 const hv_policy_council *council,
                                 uint64_t newest_seen, hv_policy **out,
                                 hv_policy_diag *diag) {
  if (!out || (!text && len)) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  *out = NULL;
  /* Signatures first: an unsigned document is never parsed further. */
  hv_policy_error err = hv_policy_check_sig_file(text, len, sig, sig_len, council, diag);
  if (err) return err;
  hv_policy *p;
  if ((err = hv_policy_parse(text, len, &p, diag))) return err;
  if (p->version < newest_seen) {
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ROLLBACK,
                  "version %llu is older than version %llu already seen",
                  (unsigned long long)p->version, (unsigned long long)newest_seen);
    hv_policy_free(p);
    return err;
  }
  *out = p;
  return HV_POLICY_OK;
}

/* `signature ` + 64 hex + ' ' + 128 hex + '\n' */
#define HV_SIG_LINE_LEN (10 + 2 * HV_ED25519_PUB_LEN + 1 + 2 * HV_ED25519_SIG_LEN + 1)

static void put_line(char *out, const sig_line *s) {
  memcpy(out, "signature ", 10);
  hv_sys_hex(s->pub, HV_ED25519_PUB_LEN, out + 10);
  out[10 + 2 * HV_ED25519_PUB_LEN] = ' ';
  hv_sys_hex(s->sig, HV_ED25519_SIG_LEN, out + 11 + 2 * HV_ED25519_PUB_LEN);
  out[HV_SIG_LINE_LEN - 1] = '\n';
}

/* Adds (or replaces) the signature `mine` in f; the others must verify. */
static hv_policy_error merge_signature(const uint8_t *text, size_t len, sig_file *f,
                                       const sig_line *mine, hv_policy_diag *diag) {
  bool replaced = false;
  for (size_t i = 0; i < f->n; i++) {
    if (!memcmp(f->lines[i].pub, mine->pub, HV_ED25519_PUB_LEN)) {
      f->lines[i] = *mine;
      replaced = true;
    } else if (hv_ed25519_verify(f->lines[i].pub, text, len, f->lines[i].sig) != 0) {
      return hv_policy_diag_fail(diag, f->lines[i].line, HV_POLICY_ERR_BAD_SIGNATURE,
                     "an existing signature does not verify over this policy "
                     "(it changed since); start a new signature file");
    }
  }
  if (!replaced) {
    if (f->n == HV_POLICY_MAX_SIGNATURES)
      return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_MANY, "more than %d signatures",
                     HV_POLICY_MAX_SIGNATURES);
    f->lines[f->n++] = *mine;
  }
  return HV_POLICY_OK;
}

static bool looks_like_override(const uint8_t *text, size_t len) {
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  return hv_policy_lex_next(&lx, NULL) == HV_POLICY_OK && lx.n_fields > 0 &&
         hv_policy_lex_is(&lx.field[0], "override");
}

hv_policy_error hv_policy_sign(const uint8_t *text, size_t len,
                               const uint8_t seed[HV_ED25519_PRIV_LEN],
                               const uint8_t *old_sig, size_t old_sig_len,
                               char *sig_out, size_t cap, size_t *sig_out_len,
                               hv_policy_diag *diag) {
  if (!seed || !sig_out || !sig_out_len || (!text && len))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  /* Never sign what a worker would refuse to read: a policy, or an
   * override (a file whose first key is `override`). */
  hv_policy_error err;
  if (looks_like_override(text, len)) {
    hv_policy_override o;
    err = hv_policy_override_parse(text, len, &o, diag);
  } else {
    hv_policy *p;
    err = hv_policy_parse(text, len, &p, diag);
    if (!err) hv_policy_free(p);
  }
  if (err) return err;
  sig_file *f = malloc(sizeof *f);
  if (!f) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_NOMEM, "out of memory");
  sig_line mine = {.line = 0};
  if ((err = parse_sig_file(old_sig, old_sig_len, f, diag))) goto done;
  if (hv_ed25519_public(seed, mine.pub) || hv_ed25519_sign(seed, text, len, mine.sig)) {
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_CRYPTO, "Ed25519 signing failed");
    goto done;
  }
  hv_policy_diag_file(diag, "signatures");
  if ((err = merge_signature(text, len, f, &mine, diag))) goto done;
  if (f->n * HV_SIG_LINE_LEN > cap) {
    err = hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "output buffer too small");
    goto done;
  }
  for (size_t i = 0; i < f->n; i++) put_line(sig_out + i * HV_SIG_LINE_LEN, &f->lines[i]);
  *sig_out_len = f->n * HV_SIG_LINE_LEN;
done:
  free(f);
  return err;
}
