/* libFuzzer target: the NTS-KE reply parser over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "nts/ke_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hv_nts_ke_reply reply;
  hv_nts_error err = hv_nts_ke_parse(data, size, &reply);
  /* A verdict of success always comes with a complete, usable reply. */
  if (err == HV_NTS_OK && reply.complete &&
      (reply.n_cookies == 0 || !reply.ntpv4 || !reply.aead_siv))
    __builtin_trap();
  return 0;
}
