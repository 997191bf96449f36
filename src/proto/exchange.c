/* The shared pieces of the exchange: injected environment, transcript,
 * key derivation, report bindings (docs/PROTOCOL.md, "Key transport"). */
#include "proto/exchange.h"

#include <stdlib.h>
#include <string.h>

/* ---- the default TEE: the hv_tee itself ---- */
static hv_tee_kind tee_kind(void *ctx) { return hv_tee_get_kind(ctx); }
static bool tee_dev(void *ctx) { return hv_tee_dev_mode(ctx); }
static void tee_self(void *ctx, hv_tee_measurement *out) { hv_tee_self(ctx, out); }
static hv_tee_error tee_ti(void *ctx, uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  return hv_tee_target_info(ctx, out);
}
static hv_tee_error tee_report(void *ctx, const uint8_t ti[HV_TEE_TARGET_INFO_LEN],
                               const uint8_t rd[HV_TEE_REPORT_DATA_LEN],
                               uint8_t out[HV_TEE_REPORT_LEN]) {
  return hv_tee_report(ctx, ti, rd, out);
}
static hv_tee_error tee_verify(void *ctx, const uint8_t report[HV_TEE_REPORT_LEN]) {
  return hv_tee_verify_report(ctx, report);
}
static const hv_proto_tee_ops DIRECT_TEE = {tee_kind, tee_dev, tee_self,
                                            tee_ti, tee_report, tee_verify};

static int os_random(void *ctx, uint8_t *out, size_t len) {
  (void)ctx;
  return hv_random(out, len);
}

hv_proto_error hv_proto_px_init(hv_proto_px *px, const hv_proto_config *cfg) {
  memset(px, 0, sizeof *px);
  const hv_proto_params *p = &cfg->params;
  if ((!cfg->tee_ops && !cfg->tee) || p->n_runtimes > HV_PROTO_MAX_RUNTIMES ||
      (p->n_runtimes && !p->runtimes) || p->response_window_ms == 0)
    return HV_PROTO_ERR_ARGS;
  px->ops = cfg->tee_ops ? cfg->tee_ops : &DIRECT_TEE;
  px->tee_ctx = cfg->tee_ops ? cfg->tee_ctx : (void *)cfg->tee;
  px->random = cfg->random ? cfg->random : os_random;
  px->random_ctx = cfg->random_ctx;
  px->params = *p;
  px->params.runtimes = NULL;
  if (p->n_runtimes) {
    hv_proto_runtime *copy = calloc(p->n_runtimes, sizeof *copy);
    if (!copy) return HV_PROTO_ERR_INTERNAL;
    memcpy(copy, p->runtimes, p->n_runtimes * sizeof *copy);
    px->params.runtimes = copy;
  }
  return HV_PROTO_OK;
}

void hv_proto_px_free(hv_proto_px *px) {
  free((void *)px->params.runtimes);
  memset(px, 0, sizeof *px);
}

hv_proto_error hv_proto_px_random(const hv_proto_px *px, uint8_t *out, size_t len) {
  return px->random(px->random_ctx, out, len) == 0 ? HV_PROTO_OK : HV_PROTO_ERR_INTERNAL;
}

hv_tee_kind hv_proto_px_kind(const hv_proto_px *px) { return px->ops->kind(px->tee_ctx); }
bool hv_proto_px_dev_mode(const hv_proto_px *px) { return px->ops->dev_mode(px->tee_ctx); }
void hv_proto_px_self(const hv_proto_px *px, hv_tee_measurement *out) {
  memset(out, 0, sizeof *out);
  px->ops->self(px->tee_ctx, out);
}

hv_proto_error hv_proto_px_target_info(const hv_proto_px *px, uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  return px->ops->target_info(px->tee_ctx, out) == HV_TEE_OK ? HV_PROTO_OK
                                                             : HV_PROTO_ERR_INTERNAL;
}

hv_proto_error hv_proto_px_report(const hv_proto_px *px, const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                            const uint8_t report_data[HV_TEE_REPORT_DATA_LEN],
                            uint8_t out[HV_TEE_REPORT_LEN]) {
  return px->ops->report(px->tee_ctx, target_info, report_data, out) == HV_TEE_OK
             ? HV_PROTO_OK
             : HV_PROTO_ERR_INTERNAL;
}

hv_proto_error hv_proto_px_verify(const hv_proto_px *px, const uint8_t report[HV_TEE_REPORT_LEN]) {
  return px->ops->verify_report(px->tee_ctx, report) == HV_TEE_OK ? HV_PROTO_OK
                                                                 : HV_PROTO_ERR_REPORT_MAC;
}

static bool same_measurement(const hv_tee_measurement *a, const hv_tee_measurement *b) {
  return memcmp(a->mr_enclave, b->mr_enclave, HV_TEE_MR_LEN) == 0 &&
         memcmp(a->mr_signer, b->mr_signer, HV_TEE_MR_LEN) == 0 &&
         a->isv_prod_id == b->isv_prod_id && a->isv_svn == b->isv_svn;
}

const hv_proto_runtime *hv_proto_px_find_runtime(const hv_proto_px *px, const hv_tee_measurement *m) {
  for (size_t i = 0; i < px->params.n_runtimes; i++)
    if (same_measurement(&px->params.runtimes[i].measurement, m))
      return &px->params.runtimes[i];
  return NULL;
}

static hv_proto_error hashed(int rc) { return rc == 0 ? HV_PROTO_OK : HV_PROTO_ERR_INTERNAL; }

hv_proto_error hv_proto_px_response_binding(const uint8_t *challenge, size_t challenge_len,
                                      const uint8_t receiver_pub[HV_PROTO_KEY_LEN],
                                      uint16_t kind, bool dev_mode,
                                      uint8_t out[HV_TEE_REPORT_DATA_LEN]) {
  uint8_t tail[3] = {(uint8_t)(kind >> 8), (uint8_t)kind, dev_mode ? 1 : 0};
  hv_iov parts[] = {{challenge, challenge_len}, {receiver_pub, HV_PROTO_KEY_LEN},
                    {tail, sizeof tail}};
  return hashed(hv_sha512_parts(parts, 3, out));
}

hv_proto_error hv_proto_px_transcript(const uint8_t *challenge, size_t challenge_len,
                                const uint8_t *response, size_t response_len,
                                const uint8_t identity_pub[HV_PROTO_KEY_LEN],
                                const uint8_t sender_pub[HV_PROTO_KEY_LEN],
                                uint8_t th[HV_PROTO_HASH_LEN]) {
  if (challenge_len > HV_PROTO_MAX_MSG_LEN || response_len > HV_PROTO_MAX_MSG_LEN)
    return HV_PROTO_ERR_ARGS;
  uint8_t clen[2] = {(uint8_t)(challenge_len >> 8), (uint8_t)challenge_len};
  uint8_t rlen[2] = {(uint8_t)(response_len >> 8), (uint8_t)response_len};
  hv_iov parts[] = {{clen, 2}, {challenge, challenge_len}, {rlen, 2},
                    {response, response_len}, {identity_pub, HV_PROTO_KEY_LEN},
                    {sender_pub, HV_PROTO_KEY_LEN}};
  return hashed(hv_sha256_parts(parts, 6, th));
}

hv_proto_error hv_proto_px_key_binding(const uint8_t th[HV_PROTO_HASH_LEN], const hv_proto_key *key,
                                 uint8_t out[HV_TEE_REPORT_DATA_LEN]) {
  hv_iov parts[] = {{th, HV_PROTO_HASH_LEN},
                    {key->identity_pub, HV_PROTO_KEY_LEN},
                    {key->sender_pub, HV_PROTO_KEY_LEN},
                    {key->ciphertext, HV_PROTO_CIPHERTEXT_LEN}};
  return hashed(hv_sha512_parts(parts, 4, out));
}

hv_proto_error hv_proto_px_derive(const uint8_t priv[HV_X25519_LEN],
                            const uint8_t peer[HV_X25519_LEN],
                            const uint8_t th[HV_PROTO_HASH_LEN],
                            uint8_t okm[HV_PX_OKM_LEN]) {
  uint8_t shared[HV_X25519_LEN];
  hv_proto_error err = HV_PROTO_ERR_FIELD_VALUE; /* a low-order peer key */
  if (hv_x25519(priv, peer, shared) == 0)
    err = hashed(hv_hkdf_sha256((const uint8_t *)HV_PX_KDF_SALT,
                                sizeof HV_PX_KDF_SALT - 1, shared, sizeof shared,
                                th, HV_PROTO_HASH_LEN, okm, HV_PX_OKM_LEN));
  hv_wipe(shared, sizeof shared);
  return err;
}

hv_proto_error hv_proto_px_report_key(const hv_proto_px *px, const uint8_t th[HV_PROTO_HASH_LEN],
                                const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                                hv_proto_key *key) {
  uint8_t rd[HV_TEE_REPORT_DATA_LEN];
  hv_proto_error err = hv_proto_px_key_binding(th, key, rd);
  if (!err) err = hv_proto_px_report(px, target_info, rd, key->report);
  return err;
}

hv_proto_error hv_proto_px_build_key(const hv_proto_px *px, const hv_proto_px_key_input *in,
                               const uint8_t identity_pub[HV_PROTO_KEY_LEN],
                               const uint8_t secret[HV_PROTO_SECRET_LEN],
                               const uint8_t eph_priv[HV_X25519_LEN],
                               hv_proto_key *key, uint8_t th_out[HV_PROTO_HASH_LEN]) {
  uint8_t th[HV_PROTO_HASH_LEN], okm[HV_PX_OKM_LEN];
  memset(key, 0, sizeof *key);
  memcpy(key->identity_pub, identity_pub, HV_PROTO_KEY_LEN);
  if (hv_x25519_public(eph_priv, key->sender_pub) != 0) return HV_PROTO_ERR_INTERNAL;
  hv_proto_error err = hv_proto_px_transcript(in->challenge, in->challenge_len, in->response,
                                        in->response_len, key->identity_pub,
                                        key->sender_pub, th);
  if (!err) err = hv_proto_px_derive(eph_priv, in->receiver_pub, th, okm);
  if (!err && hv_gcm_seal(okm, HV_GCM_KEY_LEN, okm + HV_GCM_KEY_LEN, th, sizeof th,
                          secret, HV_PROTO_SECRET_LEN, key->ciphertext) != 0)
    err = HV_PROTO_ERR_INTERNAL;
  hv_wipe(okm, sizeof okm);
  if (!err) err = hv_proto_px_report_key(px, th, in->receiver_target_info, key);
  if (!err && th_out) memcpy(th_out, th, sizeof th);
  return err;
}

void hv_proto_px_done_signed(const uint8_t th[HV_PROTO_HASH_LEN],
                       const uint8_t stored_hash[HV_PROTO_HASH_LEN],
                       uint8_t out[HV_PX_DONE_SIGNED_LEN]) {
  const size_t ctx_len = sizeof HV_PX_DONE_CONTEXT - 1;
  memcpy(out, HV_PX_DONE_CONTEXT, ctx_len);
  memcpy(out + ctx_len, th, HV_PROTO_HASH_LEN);
  memcpy(out + ctx_len + HV_PROTO_HASH_LEN, stored_hash, HV_PROTO_HASH_LEN);
}

void hv_proto_px_reply_error(hv_proto_error err, uint8_t *out, size_t out_cap, size_t *out_len) {
  *out_len = 0;
  if (!out) return;
  if (hv_proto_encode_error((uint16_t)err, hv_proto_error_name(err), out, out_cap, out_len) !=
      HV_PROTO_OK)
    *out_len = 0; /* no room even for an ERROR: the caller sends nothing */
}
