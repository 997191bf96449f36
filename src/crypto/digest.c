/* SHA-2, HKDF-SHA256 and AES-CMAC through OpenSSL's EVP interfaces. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "handover/crypto.h"

static int digest_parts(const EVP_MD *md, const hv_iov *parts, size_t n,
                        uint8_t *out) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL);
  for (size_t i = 0; ok && i < n; i++)
    ok = EVP_DigestUpdate(ctx, parts[i].data, parts[i].len);
  ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
  EVP_MD_CTX_free(ctx);
  return ok ? 0 : -1;
}

int hv_sha256_parts(const hv_iov *parts, size_t n, uint8_t out[HV_SHA256_LEN]) {
  return digest_parts(EVP_sha256(), parts, n, out);
}

int hv_sha512_parts(const hv_iov *parts, size_t n, uint8_t out[HV_SHA512_LEN]) {
  return digest_parts(EVP_sha512(), parts, n, out);
}

int hv_sha256(const uint8_t *msg, size_t len, uint8_t out[HV_SHA256_LEN]) {
  hv_iov part = {msg, len};
  return hv_sha256_parts(&part, 1, out);
}

int hv_sha512(const uint8_t *msg, size_t len, uint8_t out[HV_SHA512_LEN]) {
  hv_iov part = {msg, len};
  return hv_sha512_parts(&part, 1, out);
}

int hv_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                   size_t ikm_len, const uint8_t *info, size_t info_len,
                   uint8_t *out, size_t out_len) {
  if (out_len == 0 || out_len > 255 * HV_SHA256_LEN) return -1;
  /* RFC 5869: an absent salt is HashLen zero bytes. OpenSSL refuses a
   * NULL salt, so pass that explicitly. */
  static const uint8_t zero_salt[HV_SHA256_LEN] = {0};
  if (salt_len == 0) {
    salt = zero_salt;
    salt_len = sizeof zero_salt;
  }
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  /* OpenSSL takes the parameters as non-const; it does not write them. */
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len),
      OSSL_PARAM_construct_end()};
  int ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0;
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return ok ? 0 : -1;
}

static const char *cmac_cipher_name(size_t key_len) {
  switch (key_len) {
    case 16: return "AES-128-CBC";
    case 24: return "AES-192-CBC";
    case 32: return "AES-256-CBC";
    default: return NULL;
  }
}

int hv_aes_cmac(const uint8_t *key, size_t key_len, const uint8_t *msg,
                size_t len, uint8_t out[HV_CMAC_LEN]) {
  const char *cipher = cmac_cipher_name(key_len);
  if (!cipher) return -1;
  EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_CMAC, NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)cipher, 0),
      OSSL_PARAM_construct_end()};
  size_t out_len = 0;
  int ok = ctx && EVP_MAC_init(ctx, key, key_len, params) &&
           EVP_MAC_update(ctx, msg, len) &&
           EVP_MAC_final(ctx, out, &out_len, HV_CMAC_LEN) && out_len == HV_CMAC_LEN;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return ok ? 0 : -1;
}
