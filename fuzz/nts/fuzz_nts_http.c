/* libFuzzer target: the HTTPS time source's response-head parser. */
#include <stddef.h>
#include <stdint.h>

#include "nts/http_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The latest Date an IMF-fixdate can name: 9999-12-31T23:59:60. */
#define LAST_FIXDATE_S 253402300800LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t s = -1;
  char why[HV_NTS_DETAIL_MAX];
  hv_nts_error err = hv_nts_http_parse_head(data, size, &s, why, sizeof why);
  /* A Date is only ever given with success, and it is a real one. */
  if (err == HV_NTS_OK && (s < 0 || s > LAST_FIXDATE_S)) __builtin_trap();
  if (err != HV_NTS_OK && err != HV_NTS_ERR_HTTP && err != HV_NTS_ERR_HTTP_DATE)
    __builtin_trap();
  return 0;
}
