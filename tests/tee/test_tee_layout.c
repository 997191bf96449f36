/* The SGX structures against Intel's offsets (sgx_report.h, sgx_key.h),
 * the little-endian byte encoding, and byte round trips. */
#include <stddef.h>

#include "harness.h"
#include "tee/sgx_types.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)le16(p) | ((uint32_t)le16(p + 2) << 16);
}
static uint64_t le64(const uint8_t *p) {
  return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}

static bool all(const uint8_t *p, size_t n, uint8_t v) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != v) return false;
  return true;
}

static void test_sizes_and_offsets(void) {
  HT_CHECK_EQ_INT(sizeof(sgx_target_info_t), 512);
  HT_CHECK_EQ_INT(sizeof(sgx_report_body_t), 384);
  HT_CHECK_EQ_INT(sizeof(sgx_report_t), 432);
  HT_CHECK_EQ_INT(sizeof(sgx_key_request_t), 512);
  HT_CHECK_EQ_INT(offsetof(sgx_report_body_t, isv_family_id), 304);
  HT_CHECK_EQ_INT(offsetof(sgx_report_t, mac), 416);
  HT_CHECK_EQ_INT(offsetof(sgx_key_request_t, reserved2), 78);
  HT_CHECK_EQ_INT(offsetof(sgx_target_info_t, misc_select), 52);
}

static void fill_body(sgx_report_body_t *b) {
  memset(b, 0, sizeof *b);
  memset(b->cpu_svn, 0x01, sizeof b->cpu_svn);
  b->misc_select = 0x11223344;
  memset(b->isv_ext_prod_id, 0x02, sizeof b->isv_ext_prod_id);
  b->attributes.flags = 0x0102030405060708ULL;
  b->attributes.xfrm = 0x1112131415161718ULL;
  memset(b->mr_enclave, 0x03, sizeof b->mr_enclave);
  memset(b->mr_signer, 0x04, sizeof b->mr_signer);
  memset(b->config_id, 0x05, sizeof b->config_id);
  b->isv_prod_id = 0xa1a2;
  b->isv_svn = 0xb1b2;
  b->config_svn = 0xc1c2;
  memset(b->isv_family_id, 0x06, sizeof b->isv_family_id);
  memset(b->report_data, 0x07, sizeof b->report_data);
}

static void test_report_bytes_at_intel_offsets(void) {
  sgx_report_t r, back;
  uint8_t out[HV_TEE_REPORT_LEN], again[HV_TEE_REPORT_LEN];
  fill_body(&r.body);
  memset(r.key_id, 0x08, sizeof r.key_id);
  memset(r.mac, 0x09, sizeof r.mac);
  hv_tee_sgx_report_encode(&r, out);
  HT_CHECK(all(out + 0, 16, 0x01));
  HT_CHECK_EQ_INT(le32(out + 16), 0x11223344);
  HT_CHECK(all(out + 20, 12, 0));
  HT_CHECK(all(out + 32, 16, 0x02));
  HT_CHECK(le64(out + 48) == 0x0102030405060708ULL);
  HT_CHECK(le64(out + 56) == 0x1112131415161718ULL);
  HT_CHECK_EQ_INT(out[48], 0x08); /* little-endian, lowest byte first */
  HT_CHECK(all(out + 64, 32, 0x03));
  HT_CHECK(all(out + 96, 32, 0));
  HT_CHECK(all(out + 128, 32, 0x04));
  HT_CHECK(all(out + 160, 32, 0));
  HT_CHECK(all(out + 192, 64, 0x05));
  HT_CHECK_EQ_INT(le16(out + 256), 0xa1a2);
  HT_CHECK_EQ_INT(le16(out + 258), 0xb1b2);
  HT_CHECK_EQ_INT(le16(out + 260), 0xc1c2);
  HT_CHECK(all(out + 262, 42, 0));
  HT_CHECK(all(out + 304, 16, 0x06));
  HT_CHECK(all(out + 320, 64, 0x07));
  HT_CHECK(all(out + 384, 32, 0x08));
  HT_CHECK(all(out + 416, 16, 0x09));
  HT_CHECK(hv_tee_sgx_report_decode(out, sizeof out, &back));
  hv_tee_sgx_report_encode(&back, again);
  HT_CHECK_MEM(out, again, sizeof out);
  HT_CHECK(back.body.attributes.flags == r.body.attributes.flags);
  HT_CHECK_EQ_INT(back.body.isv_svn, 0xb1b2);
  HT_CHECK(!hv_tee_sgx_report_decode(out, sizeof out - 1, &back));
}

/* The public accessors read the same offsets. */
static void test_public_accessors(void) {
  sgx_report_t r;
  uint8_t out[HV_TEE_REPORT_LEN], rd[HV_TEE_REPORT_DATA_LEN], ti[HV_TEE_TARGET_INFO_LEN];
  fill_body(&r.body);
  memset(r.key_id, 0, sizeof r.key_id);
  memset(r.mac, 0, sizeof r.mac);
  hv_tee_sgx_report_encode(&r, out);
  hv_tee_measurement m;
  hv_tee_report_measurement(out, &m);
  HT_CHECK(all(m.mr_enclave, 32, 0x03) && all(m.mr_signer, 32, 0x04));
  HT_CHECK_EQ_INT(m.isv_prod_id, 0xa1a2);
  HT_CHECK_EQ_INT(m.isv_svn, 0xb1b2);
  hv_tee_report_data(out, rd);
  HT_CHECK(all(rd, sizeof rd, 0x07));
  hv_tee_target_info_from_report(out, ti);
  HT_CHECK(all(ti, 32, 0x03));
  HT_CHECK(le64(ti + 32) == 0x0102030405060708ULL);
  HT_CHECK(le64(ti + 40) == 0x1112131415161718ULL);
  HT_CHECK(all(ti + 48, 2, 0));
  HT_CHECK_EQ_INT(le16(ti + 50), 0xc1c2);
  HT_CHECK_EQ_INT(le32(ti + 52), 0x11223344);
  HT_CHECK(all(ti + 56, 8, 0));
  HT_CHECK(all(ti + 64, 64, 0x05));
  HT_CHECK(all(ti + 128, 384, 0));
}

static void test_target_info_round_trip(void) {
  uint8_t in[HV_TEE_TARGET_INFO_LEN], out[HV_TEE_TARGET_INFO_LEN];
  sgx_target_info_t ti;
  for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 13 + 1);
  HT_CHECK(hv_tee_sgx_target_info_decode(in, sizeof in, &ti));
  HT_CHECK(ti.attributes.flags == le64(in + 32));
  HT_CHECK_EQ_INT(ti.config_svn, le16(in + 50));
  HT_CHECK_EQ_INT(ti.misc_select, le32(in + 52));
  HT_CHECK_MEM(ti.config_id, in + 64, 64);
  hv_tee_sgx_target_info_encode(&ti, out);
  /* Equal except the reserved fields, which encode as zeros. */
  HT_CHECK_MEM(out, in, 48);
  HT_CHECK_MEM(out + 50, in + 50, 6);
  HT_CHECK_MEM(out + 64, in + 64, 64);
  HT_CHECK(all(out + 48, 2, 0) && all(out + 56, 8, 0) && all(out + 128, 384, 0));
  HT_CHECK(!hv_tee_sgx_target_info_decode(in, sizeof in - 1, &ti));
}

static void test_key_request_bytes(void) {
  sgx_key_request_t kr, back;
  uint8_t out[HV_TEE_KEY_REQUEST_LEN];
  memset(&kr, 0, sizeof kr);
  kr.key_name = SGX_KEYSELECT_SEAL;
  kr.key_policy = SGX_KEYPOLICY_MRSIGNER;
  kr.isv_svn = 0x0102;
  memset(kr.cpu_svn, 0x33, sizeof kr.cpu_svn);
  kr.attribute_mask.flags = SGX_SEAL_FLAGS_MASK;
  kr.attribute_mask.xfrm = 0x55;
  memset(kr.key_id, 0x44, sizeof kr.key_id);
  kr.misc_mask = SGX_SEAL_MISC_MASK;
  kr.config_svn = 0x0a0b;
  hv_tee_sgx_key_request_encode(&kr, out);
  HT_CHECK_EQ_INT(le16(out + 0), 4);
  HT_CHECK_EQ_INT(le16(out + 2), 2);
  HT_CHECK_EQ_INT(le16(out + 4), 0x0102);
  HT_CHECK(all(out + 6, 2, 0));
  HT_CHECK(all(out + 8, 16, 0x33));
  HT_CHECK(le64(out + 24) == SGX_SEAL_FLAGS_MASK);
  HT_CHECK(le64(out + 32) == 0x55);
  HT_CHECK(all(out + 40, 32, 0x44));
  HT_CHECK_EQ_INT(le32(out + 72), SGX_SEAL_MISC_MASK);
  HT_CHECK_EQ_INT(le16(out + 76), 0x0a0b);
  HT_CHECK(all(out + 78, 434, 0));
  HT_CHECK(hv_tee_sgx_key_request_decode(out, sizeof out, &back));
  HT_CHECK_EQ_INT(back.isv_svn, 0x0102);
  HT_CHECK(back.attribute_mask.flags == SGX_SEAL_FLAGS_MASK);
  HT_CHECK(!hv_tee_sgx_key_request_decode(out, sizeof out - 1, &back));
}

int main(void) {
  HT_RUN(test_sizes_and_offsets);
  HT_RUN(test_report_bytes_at_intel_offsets);
  HT_RUN(test_public_accessors);
  HT_RUN(test_target_info_round_trip);
  HT_RUN(test_key_request_bytes);
  return HT_DONE();
}
