/* AES-SIV (RFC 5297) through OpenSSL's AES-xxx-SIV ciphers.
 *
 * OpenSSL before 3.5 refuses to finish an AES-SIV operation whose
 * plaintext is empty (the provider never computes the tag when no data
 * passes through update). NTS needs exactly that case, so for an empty
 * plaintext we compute the tag ourselves: with no plaintext, SIV's output
 * is S2V alone (RFC 5297 section 2.4), and S2V is only AES-CMAC (from
 * OpenSSL), doubling in GF(2^128) and XOR.
 *
 * OpenSSL before 3.0.10 also skipped a zero-length associated-data string
 * (CVE-2023-2975), leaving it out of S2V: the tag then no longer
 * authenticates that the string was there. Wycheproof's AES-SIV vectors
 * with an empty AD prove the library we run on (tests/crypto); and at run
 * time, before OpenSSL sees an empty AD string, a one-off probe checks that
 * it changes the tag, and we refuse the operation on a library that skips. */
#include <openssl/evp.h>
#include <stdatomic.h>
#include <string.h>

#include "handover/crypto.h"

#define SIV_BLOCK 16

static const char *siv_cipher_name(size_t key_len) {
  switch (key_len) {
    case 32: return "AES-128-SIV";
    case 48: return "AES-192-SIV";
    case 64: return "AES-256-SIV";
    default: return NULL;
  }
}

/* Doubling in GF(2^128) with the polynomial x^128 + x^7 + x^2 + x + 1. */
static void siv_dbl(uint8_t block[SIV_BLOCK]) {
  uint8_t carry = block[0] >> 7;
  for (size_t i = 0; i < SIV_BLOCK - 1; i++)
    block[i] = (uint8_t)((block[i] << 1) | (block[i + 1] >> 7));
  block[SIV_BLOCK - 1] = (uint8_t)((block[SIV_BLOCK - 1] << 1) ^ (carry * 0x87));
}

/* S2V(K1, ad_1 .. ad_n, "") : the SIV of an empty plaintext. The CMAC key
 * is the first half of the SIV key. */
static int siv_s2v_empty(const uint8_t *key, size_t key_len, const hv_iov *ad,
                         size_t n_ad, uint8_t v[SIV_BLOCK]) {
  static const uint8_t zero[SIV_BLOCK] = {0};
  size_t mac_key_len = key_len / 2;
  uint8_t d[SIV_BLOCK], mac[SIV_BLOCK];
  if (hv_aes_cmac(key, mac_key_len, zero, sizeof zero, d) != 0) return -1;
  for (size_t i = 0; i < n_ad; i++) {
    if (hv_aes_cmac(key, mac_key_len, ad[i].data, ad[i].len, mac) != 0) {
      hv_wipe(d, sizeof d);
      return -1;
    }
    siv_dbl(d);
    for (size_t j = 0; j < SIV_BLOCK; j++) d[j] ^= mac[j];
  }
  /* The final string is empty (< 16 bytes): T = dbl(D) xor pad(""). */
  siv_dbl(d);
  d[0] ^= 0x80;
  int rc = hv_aes_cmac(key, mac_key_len, d, sizeof d, v);
  hv_wipe(d, sizeof d);
  hv_wipe(mac, sizeof mac);
  return rc;
}

/* Runs OpenSSL's SIV over a non-empty text; tag is read (encrypt) or
 * set (decrypt). */
static int siv_run(int enc, const uint8_t *key, size_t key_len,
                   const hv_iov *ad, size_t n_ad, const uint8_t *in,
                   size_t len, uint8_t *out, uint8_t tag[SIV_BLOCK]) {
  const char *name = siv_cipher_name(key_len);
  if (!name || len > INT32_MAX) return -1;
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int ok = cipher && ctx && EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc, NULL);
  if (ok && !enc)
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, SIV_BLOCK, tag) > 0;
  int outl = 0;
  for (size_t i = 0; ok && i < n_ad; i++)
    ok = ad[i].len <= INT32_MAX &&
         EVP_CipherUpdate(ctx, NULL, &outl, ad[i].data, (int)ad[i].len);
  ok = ok && EVP_CipherUpdate(ctx, out, &outl, in, (int)len) && (size_t)outl == len;
  ok = ok && EVP_CipherFinal_ex(ctx, out + len, &outl);
  if (ok && enc)
    ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, SIV_BLOCK, tag) > 0;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  return ok ? 0 : -1;
}

static bool siv_has_empty_ad(const hv_iov *ad, size_t n_ad) {
  for (size_t i = 0; i < n_ad; i++)
    if (ad[i].len == 0) return true;
  return false;
}

/* Does OpenSSL put an empty AD string into S2V? Then [""] and no AD at
 * all give different tags. Computed once; a race only repeats the probe. */
static bool siv_openssl_keeps_empty_ad(void) {
  enum { UNKNOWN, KEEPS, SKIPS };
  static atomic_int verdict = UNKNOWN;
  int v = atomic_load(&verdict);
  if (v != UNKNOWN) return v == KEEPS;
  static const uint8_t key[32] = {1}, pt[1] = {2};
  hv_iov empty = {pt, 0};
  uint8_t with[1], without[1], tag_with[SIV_BLOCK], tag_without[SIV_BLOCK];
  if (siv_run(1, key, sizeof key, &empty, 1, pt, 1, with, tag_with) != 0 ||
      siv_run(1, key, sizeof key, NULL, 0, pt, 1, without, tag_without) != 0)
    return false; /* not cached: an OpenSSL failure may be passing */
  v = memcmp(tag_with, tag_without, SIV_BLOCK) != 0 ? KEEPS : SKIPS;
  atomic_store(&verdict, v);
  return v == KEEPS;
}

int hv_siv_seal(const uint8_t *key, size_t key_len, const hv_iov *ad,
                size_t n_ad, const uint8_t *pt, size_t pt_len, uint8_t *out) {
  if (!siv_cipher_name(key_len) || n_ad > HV_SIV_MAX_AD) return -1;
  if (pt_len == 0) return siv_s2v_empty(key, key_len, ad, n_ad, out);
  if (siv_has_empty_ad(ad, n_ad) && !siv_openssl_keeps_empty_ad()) return -1;
  return siv_run(1, key, key_len, ad, n_ad, pt, pt_len, out + SIV_BLOCK, out);
}

int hv_siv_open(const uint8_t *key, size_t key_len, const hv_iov *ad,
                size_t n_ad, const uint8_t *in, size_t in_len, uint8_t *pt) {
  if (!siv_cipher_name(key_len) || n_ad > HV_SIV_MAX_AD || in_len < SIV_BLOCK)
    return -1;
  uint8_t tag[SIV_BLOCK];
  memcpy(tag, in, SIV_BLOCK);
  size_t ct_len = in_len - SIV_BLOCK;
  if (ct_len > 0) {
    if (siv_has_empty_ad(ad, n_ad) && !siv_openssl_keeps_empty_ad()) return -1;
    int rc = siv_run(0, key, key_len, ad, n_ad, in + SIV_BLOCK, ct_len, pt, tag);
    if (rc != 0) hv_wipe(pt, ct_len);
    return rc;
  }
  uint8_t expect[SIV_BLOCK];
  if (siv_s2v_empty(key, key_len, ad, n_ad, expect) != 0) return -1;
  int equal = hv_ct_equal(expect, tag, SIV_BLOCK);
  hv_wipe(expect, sizeof expect);
  return equal ? 0 : -1;
}
