/* libFuzzer target: the strict message decoder. Whatever decodes must
 * re-encode to something that decodes to the same message (records the
 * decoder ignored are dropped by the canonical encoding), and an echoed
 * challenge must survive the same round trip. */
#include <stdlib.h>
#include <string.h>

#include "proto/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const hv_proto_msg *m) {
  static uint8_t buf[HV_PROTO_MAX_MSG_LEN];
  hv_proto_msg back;
  size_t n = 0;
  if (hv_proto_encode(m, buf, sizeof buf, &n) != HV_PROTO_OK) abort();
  if (hv_proto_decode(buf, n, &back) != HV_PROTO_OK || back.type != m->type) abort();
  if (m->type == HV_PROTO_MSG_RESPONSE) {
    const hv_proto_response *a = &m->u.response, *b = &back.u.response;
    if (a->challenge_len != b->challenge_len ||
        memcmp(a->challenge, b->challenge, a->challenge_len) != 0 || a->kind != b->kind ||
        a->dev_mode != b->dev_mode || memcmp(a->report, b->report, sizeof a->report) != 0)
      abort();
  } else if (memcmp(&m->u, &back.u, sizeof m->u) != 0) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hv_proto_msg m;
  if (hv_proto_decode(data, size, &m) != HV_PROTO_OK) return 0;
  round_trip(&m);
  if (m.type == HV_PROTO_MSG_RESPONSE) {
    hv_proto_msg ch;
    if (hv_proto_decode(m.u.response.challenge, m.u.response.challenge_len, &ch) ==
        HV_PROTO_OK)
      round_trip(&ch);
  }
  return 0;
}
