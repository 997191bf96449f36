/* Explicit little-endian encoding of the SGX structures (see sgx_types.h).
 * Every field is written and read one by one, reserved fields included,
 * so the byte layout is Intel's on any host. */
#include <string.h>

#include "tee/sgx_types.h"

bool hv_tee_sgx_le_read_u16(hv_buf_reader *r, uint16_t *out) {
  uint8_t b[2];
  if (!hv_buf_read_bytes(r, b, sizeof b)) return false;
  *out = (uint16_t)(b[0] | (b[1] << 8));
  return true;
}

bool hv_tee_sgx_le_read_u32(hv_buf_reader *r, uint32_t *out) {
  uint8_t b[4];
  if (!hv_buf_read_bytes(r, b, sizeof b)) return false;
  *out = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
         ((uint32_t)b[3] << 24);
  return true;
}

bool hv_tee_sgx_le_read_u64(hv_buf_reader *r, uint64_t *out) {
  uint32_t lo, hi;
  if (!hv_tee_sgx_le_read_u32(r, &lo) || !hv_tee_sgx_le_read_u32(r, &hi)) return false;
  *out = ((uint64_t)hi << 32) | lo;
  return true;
}

bool hv_tee_sgx_le_write_u16(hv_buf_writer *w, uint16_t v) {
  uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  return hv_buf_write_bytes(w, b, sizeof b);
}

bool hv_tee_sgx_le_write_u32(hv_buf_writer *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                  (uint8_t)(v >> 24)};
  return hv_buf_write_bytes(w, b, sizeof b);
}

bool hv_tee_sgx_le_write_u64(hv_buf_writer *w, uint64_t v) {
  return hv_tee_sgx_le_write_u32(w, (uint32_t)v) && hv_tee_sgx_le_write_u32(w, (uint32_t)(v >> 32));
}

static bool write_attributes(hv_buf_writer *w, const sgx_attributes_t *a) {
  return hv_tee_sgx_le_write_u64(w, a->flags) && hv_tee_sgx_le_write_u64(w, a->xfrm);
}

static bool read_attributes(hv_buf_reader *r, sgx_attributes_t *a) {
  return hv_tee_sgx_le_read_u64(r, &a->flags) && hv_tee_sgx_le_read_u64(r, &a->xfrm);
}

/* Encoders write into buffers of exactly the structure's size, so a write
 * cannot fail unless the layout is wrong, which the static asserts rule out.
 * The writer latches any failure; each encoder asserts it at the end. */
static void enc(bool written) { (void)written; }
#define ENC(call) enc(call)

void hv_tee_sgx_target_info_encode(const sgx_target_info_t *ti,
                            uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  hv_buf_writer w;
  memset(out, 0, HV_TEE_TARGET_INFO_LEN);
  hv_buf_writer_init(&w, out, HV_TEE_TARGET_INFO_LEN);
  ENC(hv_buf_write_bytes(&w, ti->mr_enclave, sizeof ti->mr_enclave));
  ENC(write_attributes(&w, &ti->attributes));
  ENC(hv_buf_write_zeros(&w, sizeof ti->reserved1));
  ENC(hv_tee_sgx_le_write_u16(&w, ti->config_svn));
  ENC(hv_tee_sgx_le_write_u32(&w, ti->misc_select));
  ENC(hv_buf_write_zeros(&w, sizeof ti->reserved2));
  ENC(hv_buf_write_bytes(&w, ti->config_id, sizeof ti->config_id));
  ENC(hv_buf_write_zeros(&w, sizeof ti->reserved3));
  assert(hv_buf_writer_ok(&w));
}

bool hv_tee_sgx_target_info_decode(const uint8_t *in, size_t len, sgx_target_info_t *ti) {
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, len);
  bool ok = hv_buf_read_bytes(&r, ti->mr_enclave, sizeof ti->mr_enclave) &&
            read_attributes(&r, &ti->attributes) &&
            hv_buf_read_bytes(&r, ti->reserved1, sizeof ti->reserved1) &&
            hv_tee_sgx_le_read_u16(&r, &ti->config_svn) &&
            hv_tee_sgx_le_read_u32(&r, &ti->misc_select) &&
            hv_buf_read_bytes(&r, ti->reserved2, sizeof ti->reserved2) &&
            hv_buf_read_bytes(&r, ti->config_id, sizeof ti->config_id) &&
            hv_buf_read_bytes(&r, ti->reserved3, sizeof ti->reserved3);
  return ok && hv_buf_reader_done(&r);
}

static void body_write(hv_buf_writer *w, const sgx_report_body_t *b) {
  ENC(hv_buf_write_bytes(w, b->cpu_svn, sizeof b->cpu_svn));
  ENC(hv_tee_sgx_le_write_u32(w, b->misc_select));
  ENC(hv_buf_write_zeros(w, sizeof b->reserved1));
  ENC(hv_buf_write_bytes(w, b->isv_ext_prod_id, sizeof b->isv_ext_prod_id));
  ENC(write_attributes(w, &b->attributes));
  ENC(hv_buf_write_bytes(w, b->mr_enclave, sizeof b->mr_enclave));
  ENC(hv_buf_write_zeros(w, sizeof b->reserved2));
  ENC(hv_buf_write_bytes(w, b->mr_signer, sizeof b->mr_signer));
  ENC(hv_buf_write_zeros(w, sizeof b->reserved3));
  ENC(hv_buf_write_bytes(w, b->config_id, sizeof b->config_id));
  ENC(hv_tee_sgx_le_write_u16(w, b->isv_prod_id));
  ENC(hv_tee_sgx_le_write_u16(w, b->isv_svn));
  ENC(hv_tee_sgx_le_write_u16(w, b->config_svn));
  ENC(hv_buf_write_zeros(w, sizeof b->reserved4));
  ENC(hv_buf_write_bytes(w, b->isv_family_id, sizeof b->isv_family_id));
  ENC(hv_buf_write_bytes(w, b->report_data, sizeof b->report_data));
}

static bool body_read(hv_buf_reader *r, sgx_report_body_t *b) {
  return hv_buf_read_bytes(r, b->cpu_svn, sizeof b->cpu_svn) &&
         hv_tee_sgx_le_read_u32(r, &b->misc_select) &&
         hv_buf_read_bytes(r, b->reserved1, sizeof b->reserved1) &&
         hv_buf_read_bytes(r, b->isv_ext_prod_id, sizeof b->isv_ext_prod_id) &&
         read_attributes(r, &b->attributes) &&
         hv_buf_read_bytes(r, b->mr_enclave, sizeof b->mr_enclave) &&
         hv_buf_read_bytes(r, b->reserved2, sizeof b->reserved2) &&
         hv_buf_read_bytes(r, b->mr_signer, sizeof b->mr_signer) &&
         hv_buf_read_bytes(r, b->reserved3, sizeof b->reserved3) &&
         hv_buf_read_bytes(r, b->config_id, sizeof b->config_id) &&
         hv_tee_sgx_le_read_u16(r, &b->isv_prod_id) &&
         hv_tee_sgx_le_read_u16(r, &b->isv_svn) &&
         hv_tee_sgx_le_read_u16(r, &b->config_svn) &&
         hv_buf_read_bytes(r, b->reserved4, sizeof b->reserved4) &&
         hv_buf_read_bytes(r, b->isv_family_id, sizeof b->isv_family_id) &&
         hv_buf_read_bytes(r, b->report_data, sizeof b->report_data);
}

void hv_tee_sgx_report_body_encode(const sgx_report_body_t *b,
                            uint8_t out[HV_TEE_REPORT_BODY_LEN]) {
  hv_buf_writer w;
  memset(out, 0, HV_TEE_REPORT_BODY_LEN);
  hv_buf_writer_init(&w, out, HV_TEE_REPORT_BODY_LEN);
  body_write(&w, b);
  assert(hv_buf_writer_ok(&w));
}

bool hv_tee_sgx_report_body_decode(const uint8_t *in, size_t len, sgx_report_body_t *b) {
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, len);
  return body_read(&r, b) && hv_buf_reader_done(&r);
}

void hv_tee_sgx_report_encode(const sgx_report_t *rep, uint8_t out[HV_TEE_REPORT_LEN]) {
  hv_buf_writer w;
  memset(out, 0, HV_TEE_REPORT_LEN);
  hv_buf_writer_init(&w, out, HV_TEE_REPORT_LEN);
  body_write(&w, &rep->body);
  ENC(hv_buf_write_bytes(&w, rep->key_id, sizeof rep->key_id));
  ENC(hv_buf_write_bytes(&w, rep->mac, sizeof rep->mac));
  assert(hv_buf_writer_ok(&w));
}

bool hv_tee_sgx_report_decode(const uint8_t *in, size_t len, sgx_report_t *rep) {
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, len);
  bool ok = body_read(&r, &rep->body) &&
            hv_buf_read_bytes(&r, rep->key_id, sizeof rep->key_id) &&
            hv_buf_read_bytes(&r, rep->mac, sizeof rep->mac);
  return ok && hv_buf_reader_done(&r);
}

void hv_tee_sgx_key_request_encode(const sgx_key_request_t *kr,
                            uint8_t out[HV_TEE_KEY_REQUEST_LEN]) {
  hv_buf_writer w;
  memset(out, 0, HV_TEE_KEY_REQUEST_LEN);
  hv_buf_writer_init(&w, out, HV_TEE_KEY_REQUEST_LEN);
  ENC(hv_tee_sgx_le_write_u16(&w, kr->key_name));
  ENC(hv_tee_sgx_le_write_u16(&w, kr->key_policy));
  ENC(hv_tee_sgx_le_write_u16(&w, kr->isv_svn));
  ENC(hv_buf_write_zeros(&w, sizeof kr->reserved1));
  ENC(hv_buf_write_bytes(&w, kr->cpu_svn, sizeof kr->cpu_svn));
  ENC(write_attributes(&w, &kr->attribute_mask));
  ENC(hv_buf_write_bytes(&w, kr->key_id, sizeof kr->key_id));
  ENC(hv_tee_sgx_le_write_u32(&w, kr->misc_mask));
  ENC(hv_tee_sgx_le_write_u16(&w, kr->config_svn));
  ENC(hv_buf_write_zeros(&w, sizeof kr->reserved2));
  assert(hv_buf_writer_ok(&w));
}

bool hv_tee_sgx_key_request_decode(const uint8_t *in, size_t len, sgx_key_request_t *kr) {
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, len);
  bool ok = hv_tee_sgx_le_read_u16(&r, &kr->key_name) &&
            hv_tee_sgx_le_read_u16(&r, &kr->key_policy) &&
            hv_tee_sgx_le_read_u16(&r, &kr->isv_svn) &&
            hv_tee_sgx_le_read_u16(&r, &kr->reserved1) &&
            hv_buf_read_bytes(&r, kr->cpu_svn, sizeof kr->cpu_svn) &&
            read_attributes(&r, &kr->attribute_mask) &&
            hv_buf_read_bytes(&r, kr->key_id, sizeof kr->key_id) &&
            hv_tee_sgx_le_read_u32(&r, &kr->misc_mask) &&
            hv_tee_sgx_le_read_u16(&r, &kr->config_svn) &&
            hv_buf_read_bytes(&r, kr->reserved2, sizeof kr->reserved2);
  return ok && hv_buf_reader_done(&r);
}
