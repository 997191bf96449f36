/* libFuzzer target: the NTP reply parser, with a fixed unique id, origin
 * and key so that inputs derived from the seeds reach the authenticator
 * and the encrypted cookies. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nts/ntp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds were made with these values (see seeds_ntp/README). */
#define FUZZ_UID_BYTE 0x11
#define FUZZ_ORIGIN_BYTE 0x22
#define FUZZ_KEY_BYTE 0x33

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t uid[HV_NTS_UID_LEN], origin[HV_NTS_NTP_TS_LEN], key[HV_NTS_KEY_LEN];
  static hv_nts_ntp_reply reply;
  memset(uid, FUZZ_UID_BYTE, sizeof uid);
  memset(origin, FUZZ_ORIGIN_BYTE, sizeof origin);
  memset(key, FUZZ_KEY_BYTE, sizeof key);
  hv_nts_ntp_expect expect = {uid, origin, key};
  hv_nts_error err = hv_nts_ntp_parse_reply(data, size, &expect, &reply);
  if (err != HV_NTS_OK && err != HV_NTS_ERR_NTP_UNSYNC && reply.n_cookies != 0)
    __builtin_trap(); /* cookies only ever from an authenticated reply */
  for (size_t i = 0; i < reply.n_cookies; i++)
    if (reply.cookies[i].len == 0 || reply.cookies[i].len > HV_NTS_COOKIE_MAX)
      __builtin_trap();
  return 0;
}
