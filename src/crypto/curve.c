/* X25519 and Ed25519 through OpenSSL's raw-key EVP_PKEY interfaces. */
#include <openssl/evp.h>

#include "handover/crypto.h"

static int raw_public(int type, const uint8_t priv[32], uint8_t pub[32]) {
  EVP_PKEY *key = EVP_PKEY_new_raw_private_key(type, NULL, priv, 32);
  size_t len = 32;
  int ok = key && EVP_PKEY_get_raw_public_key(key, pub, &len) && len == 32;
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}

static int raw_keypair(int type, uint8_t priv[32], uint8_t pub[32]) {
  if (hv_random(priv, 32) != 0) return -1;
  if (raw_public(type, priv, pub) != 0) {
    hv_wipe(priv, 32);
    return -1;
  }
  return 0;
}

int hv_x25519_public(const uint8_t priv[HV_X25519_LEN], uint8_t pub[HV_X25519_LEN]) {
  return raw_public(EVP_PKEY_X25519, priv, pub);
}

int hv_x25519_keypair(uint8_t priv[HV_X25519_LEN], uint8_t pub[HV_X25519_LEN]) {
  return raw_keypair(EVP_PKEY_X25519, priv, pub);
}

int hv_x25519(const uint8_t priv[HV_X25519_LEN], const uint8_t peer[HV_X25519_LEN],
              uint8_t shared[HV_X25519_LEN]) {
  EVP_PKEY *mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
  EVP_PKEY *theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, 32);
  EVP_PKEY_CTX *ctx = mine ? EVP_PKEY_CTX_new(mine, NULL) : NULL;
  size_t len = HV_X25519_LEN;
  /* OpenSSL itself refuses an all-zero result (a low-order peer point). */
  int ok = ctx && theirs && EVP_PKEY_derive_init(ctx) > 0 &&
           EVP_PKEY_derive_set_peer(ctx, theirs) > 0 &&
           EVP_PKEY_derive(ctx, shared, &len) > 0 && len == HV_X25519_LEN;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(mine);
  EVP_PKEY_free(theirs);
  if (!ok) hv_wipe(shared, HV_X25519_LEN);
  return ok ? 0 : -1;
}

int hv_ed25519_public(const uint8_t priv[HV_ED25519_PRIV_LEN],
                      uint8_t pub[HV_ED25519_PUB_LEN]) {
  return raw_public(EVP_PKEY_ED25519, priv, pub);
}

int hv_ed25519_keypair(uint8_t priv[HV_ED25519_PRIV_LEN],
                       uint8_t pub[HV_ED25519_PUB_LEN]) {
  return raw_keypair(EVP_PKEY_ED25519, priv, pub);
}

int hv_ed25519_sign(const uint8_t priv[HV_ED25519_PRIV_LEN], const uint8_t *msg,
                    size_t len, uint8_t sig[HV_ED25519_SIG_LEN]) {
  EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv, 32);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  size_t sig_len = HV_ED25519_SIG_LEN;
  int ok = key && ctx && EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) &&
           EVP_DigestSign(ctx, sig, &sig_len, msg, len) && sig_len == HV_ED25519_SIG_LEN;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}

int hv_ed25519_verify(const uint8_t pub[HV_ED25519_PUB_LEN], const uint8_t *msg,
                      size_t len, const uint8_t sig[HV_ED25519_SIG_LEN]) {
  EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = key && ctx && EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) &&
           EVP_DigestVerify(ctx, sig, HV_ED25519_SIG_LEN, msg, len) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}
