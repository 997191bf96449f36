/* AES-GCM through OpenSSL, the AEAD of the key transport. */
#include <openssl/evp.h>

#include "handover/crypto.h"

static const EVP_CIPHER *gcm_cipher(size_t key_len) {
  switch (key_len) {
    case 16: return EVP_aes_128_gcm();
    case 32: return EVP_aes_256_gcm();
    default: return NULL;
  }
}

static int gcm_run(int enc, const uint8_t *key, size_t key_len,
                   const uint8_t nonce[HV_GCM_NONCE_LEN], const uint8_t *ad,
                   size_t ad_len, const uint8_t *in, size_t len, uint8_t *out,
                   uint8_t tag[HV_GCM_TAG_LEN]) {
  const EVP_CIPHER *cipher = gcm_cipher(key_len);
  if (!cipher || len > INT32_MAX || ad_len > INT32_MAX) return -1;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int outl = 0;
  int ok = ctx && EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, HV_GCM_NONCE_LEN, NULL) &&
           EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc);
  if (ok && !enc)
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, HV_GCM_TAG_LEN, tag);
  if (ok && ad_len) ok = EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len);
  if (ok && len) ok = EVP_CipherUpdate(ctx, out, &outl, in, (int)len);
  ok = ok && EVP_CipherFinal_ex(ctx, out + len, &outl);
  if (ok && enc)
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, HV_GCM_TAG_LEN, tag);
  EVP_CIPHER_CTX_free(ctx);
  return ok ? 0 : -1;
}

int hv_gcm_seal(const uint8_t *key, size_t key_len,
                const uint8_t nonce[HV_GCM_NONCE_LEN], const uint8_t *ad,
                size_t ad_len, const uint8_t *pt, size_t pt_len, uint8_t *out) {
  return gcm_run(1, key, key_len, nonce, ad, ad_len, pt, pt_len, out, out + pt_len);
}

int hv_gcm_open(const uint8_t *key, size_t key_len,
                const uint8_t nonce[HV_GCM_NONCE_LEN], const uint8_t *ad,
                size_t ad_len, const uint8_t *in, size_t in_len, uint8_t *pt) {
  if (in_len < HV_GCM_TAG_LEN) return -1;
  size_t ct_len = in_len - HV_GCM_TAG_LEN;
  uint8_t tag[HV_GCM_TAG_LEN];
  for (size_t i = 0; i < HV_GCM_TAG_LEN; i++) tag[i] = in[ct_len + i];
  int rc = gcm_run(0, key, key_len, nonce, ad, ad_len, in, ct_len, pt, tag);
  if (rc != 0 && ct_len) hv_wipe(pt, ct_len);
  return rc;
}
