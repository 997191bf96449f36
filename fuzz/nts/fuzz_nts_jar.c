/* libFuzzer target: loading a saved cookie jar from arbitrary bytes.
 * Whatever loads must save again to the very same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "handover/nts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t again[HV_NTS_JAR_SAVE_MAX];
  hv_nts_jar *jar = hv_nts_jar_new();
  if (!jar) return 0;
  if (hv_nts_jar_load(jar, data, size) == 0) {
    size_t len = 0;
    if (hv_nts_jar_save(jar, again, sizeof again, &len) != 0 || len != size ||
        memcmp(again, data, size) != 0)
      __builtin_trap();
  }
  hv_nts_jar_free(jar);
  return 0;
}
