/* libFuzzer target: the store's file framing (src/store/store_file.c),
 * then the TEE's unsealing of what it frames. The first input byte picks
 * the file kind and whether to recompute the checksum first, so that the
 * fuzzer gets past it to the fields behind. A file that unframes must
 * frame back to the very same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "handover/tee.h"
#include "store/store_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIX_CHECKSUM 0x01
#define KIND_IDENTITY 0x02

static hv_tee *tee;
static char dir[] = "/tmp/hv-fuzz-store-XXXXXX";
static char path[sizeof dir + 16];

static void remove_tee(void) {
  hv_tee_free(tee);
  (void)unlink(path);
  (void)rmdir(dir);
}

/* One sim TEE with a platform secret of its own, for the whole run. */
static hv_tee *sim_tee(void) {
  if (tee) return tee;
  if (!mkdtemp(dir)) abort();
  strcpy(path, dir);
  strcat(path, "/secret");
  if (hv_tee_open_sim(path, NULL, &tee) != HV_TEE_OK) abort();
  atexit(remove_tee);
  return tee;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t file[HV_STORE_MAX_FILE], again[HV_STORE_MAX_FILE];
  static uint8_t pt[HV_STORE_MAX_FILE];
  if (size < 1 || size - 1 > sizeof file) return 0;
  uint8_t mode = data[0];
  size_t len = size - 1;
  memcpy(file, data + 1, len);
  if ((mode & FIX_CHECKSUM) && len >= HV_SHA256_LEN &&
      hv_sha256(file, len - HV_SHA256_LEN, file + len - HV_SHA256_LEN) != 0)
    abort();
  hv_store_kind kind = (mode & KIND_IDENTITY) ? HV_STORE_KIND_IDENTITY
                                              : HV_STORE_KIND_STATE;
  uint8_t pub[HV_ED25519_PUB_LEN];
  const uint8_t *sealed = NULL;
  size_t sealed_len = 0, again_len = 0, pt_len = 0;
  if (hv_store_unframe(kind, file, len, pub, &sealed, &sealed_len) != HV_STORE_OK)
    return 0;
  if (hv_store_frame(kind, kind == HV_STORE_KIND_IDENTITY ? pub : NULL, sealed,
                     sealed_len, again, sizeof again, &again_len) != HV_STORE_OK ||
      again_len != len || memcmp(again, file, len) != 0)
    abort();
  /* Sealed for another platform secret: it must be refused, never read. */
  if (hv_tee_unseal(sim_tee(), HV_TEE_SEAL_MRENCLAVE, sealed, sealed_len, pt, sizeof pt,
                    &pt_len) == HV_TEE_OK)
    abort();
  return 0;
}
