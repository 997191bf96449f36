/* Randomness, wiping and constant-time comparison: the leaves of
 * src/crypto (they call nothing else of it; hv_crypto_init, which uses
 * every part, is in init.c). */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "handover/crypto.h"

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
