/* Randomness, wiping and constant-time comparison. */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "handover/crypto.h"

/* Warms up by doing the work: one operation of each kind that a query
 * runs, on throwaway inputs. */
int hv_crypto_init(void) {
  if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1) return -1;
  uint8_t key[HV_SIV_CMAC_256_KEY_LEN] = {0}, text[1] = {0};
  uint8_t sealed[sizeof text + HV_SIV_TAG_LEN], mac[HV_CMAC_LEN], digest[HV_SHA256_LEN];
  hv_iov ad = {text, sizeof text};
  int rc = hv_random(text, sizeof text) ||
           hv_siv_seal(key, sizeof key, &ad, 1, text, sizeof text, sealed) ||
           hv_aes_cmac(key, 16, text, sizeof text, mac) ||
           hv_sha256(text, sizeof text, digest);
  hv_wipe(text, sizeof text);
  return rc ? -1 : 0;
}

int hv_random(uint8_t *out, size_t len) {
  if (len > INT32_MAX) return -1;
  return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

void hv_wipe(void *p, size_t len) {
  if (p && len) OPENSSL_cleanse(p, len);
}

int hv_ct_equal(const void *a, const void *b, size_t len) {
  return CRYPTO_memcmp(a, b, len) == 0;
}
