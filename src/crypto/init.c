/* hv_crypto_init: above every other file of src/crypto, so none of them
 * calls back into the file that calls it. */
#include <openssl/crypto.h>

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
