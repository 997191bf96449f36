/* The state file encrypted at rest: under SGX the host owns the disk, and
 * a jar's keys let whoever reads them forge the server's time answers. */
#include <string.h>

#include "handover/buf.h"
#include "timesrc/timesrc_int.h"

#define SEALED_VERSION 1
#define HEADER_LEN 5

static const uint8_t sealed_magic[4] = {'H', 'V', 'T', 'E'};

bool hv_timesrc_state_encrypt(const uint8_t key[HV_TIMESRC_STATE_KEY_LEN], const uint8_t *pt,
                              size_t len, uint8_t *out, size_t *out_len) {
  uint8_t *nonce = out + HEADER_LEN;
  memcpy(out, sealed_magic, sizeof sealed_magic);
  out[4] = SEALED_VERSION;
  /* A random nonce per save: a worker saves a few times a minute at most,
   * far below the 2^32 saves a 96-bit random nonce allows per key. */
  if (hv_random(nonce, HV_GCM_NONCE_LEN) != 0 ||
      hv_gcm_seal(key, HV_TIMESRC_STATE_KEY_LEN, nonce, out, HEADER_LEN, pt, len,
                  out + HEADER_LEN + HV_GCM_NONCE_LEN) != 0)
    return false;
  *out_len = len + HV_TIMESRC_SEALED_OVERHEAD;
  return true;
}

bool hv_timesrc_state_decrypt(const uint8_t key[HV_TIMESRC_STATE_KEY_LEN], const uint8_t *in,
                              size_t len, uint8_t *out, size_t *out_len) {
  hv_buf_reader r;
  uint8_t magic[sizeof sealed_magic], version;
  const uint8_t *nonce, *body;
  hv_buf_reader_init(&r, in, len);
  if (!hv_buf_read_bytes(&r, magic, sizeof magic) ||
      memcmp(magic, sealed_magic, sizeof magic) != 0 || !hv_buf_read_u8(&r, &version) ||
      version != SEALED_VERSION || !hv_buf_read_view(&r, HV_GCM_NONCE_LEN, &nonce) ||
      len < HV_TIMESRC_SEALED_OVERHEAD)
    return false;
  size_t body_len = len - HEADER_LEN - HV_GCM_NONCE_LEN;
  if (!hv_buf_read_view(&r, body_len, &body) || !hv_buf_reader_done(&r) ||
      hv_gcm_open(key, HV_TIMESRC_STATE_KEY_LEN, nonce, in, HEADER_LEN, body, body_len, out) != 0)
    return false;
  *out_len = body_len - HV_GCM_TAG_LEN;
  return true;
}
