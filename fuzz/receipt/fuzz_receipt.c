/* libFuzzer target: the receipt decoder and the log parser (both pure).
 * An unsigned receipt that decodes must re-encode to the very same bytes
 * (the format is canonical); a signed one must not verify once any byte
 * differs from what was signed, which the fuzzer cannot produce, so only
 * its decoding and verification path is exercised. A log that parses
 * must visit exactly the entries it counts. */
#include <stdlib.h>
#include <string.h>

#include "handover/log.h"
#include "handover/receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_entry(const hv_log_entry *e, void *ctx) {
  uint64_t *n = ctx;
  if (e->seq != ++*n) abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hv_receipt r;
  static uint8_t buf[HV_RECEIPT_MAX_LEN];
  bool is_signed = false;
  if (hv_receipt_decode(data, size, &r, &is_signed) == HV_RECEIPT_OK) {
    if (!is_signed) {
      size_t n = 0;
      if (hv_receipt_encode(&r, NULL, buf, sizeof buf, &n) != HV_RECEIPT_OK || n != size ||
          memcmp(buf, data, size) != 0)
        abort();
    } else {
      (void)hv_receipt_verify(data, size, r.identity, NULL);
    }
  }
  uint64_t seen = 0;
  hv_log_summary sum;
  if (hv_log_parse(data, size, count_entry, &seen, &sum, NULL) == HV_LOG_OK &&
      seen != sum.count)
    abort();
  return 0;
}
