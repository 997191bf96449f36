/* Local attestation with the sim backend: who can verify whose report. */
#include "handover/crypto.h"
#include "harness.h"
#include "tee/tee_int.h"
#include "tee_test_util.h"

static hv_tee *A, *B, *C, *B_elsewhere;

static void make_report(hv_tee *from, hv_tee *to, uint8_t rd_byte,
                        uint8_t report[HV_TEE_REPORT_LEN]) {
  uint8_t ti[HV_TEE_TARGET_INFO_LEN], rd[HV_TEE_REPORT_DATA_LEN];
  memset(rd, rd_byte, sizeof rd);
  HT_CHECK_EQ_INT(hv_tee_target_info(to, ti), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_report(from, ti, rd, report), HV_TEE_OK);
}

static void test_report_verifies_in_target(void) {
  uint8_t rep[HV_TEE_REPORT_LEN];
  make_report(A, B, 0x11, rep);
  HT_CHECK_EQ_INT(hv_tee_verify_report(B, rep), HV_TEE_OK);
  make_report(B, A, 0x22, rep);
  HT_CHECK_EQ_INT(hv_tee_verify_report(A, rep), HV_TEE_OK);
}

static void test_report_refused_by_other_enclave(void) {
  uint8_t rep[HV_TEE_REPORT_LEN];
  make_report(A, B, 0x11, rep);
  HT_CHECK_EQ_INT(hv_tee_verify_report(C, rep), HV_TEE_ERR_REPORT_MAC);
  /* Nor by the sender itself. */
  HT_CHECK_EQ_INT(hv_tee_verify_report(A, rep), HV_TEE_ERR_REPORT_MAC);
}

static void test_report_refused_on_other_platform(void) {
  uint8_t rep[HV_TEE_REPORT_LEN];
  make_report(A, B, 0x11, rep);
  /* B_elsewhere has B's identity exactly, under another platform secret. */
  HT_CHECK_EQ_INT(hv_tee_verify_report(B_elsewhere, rep), HV_TEE_ERR_REPORT_MAC);
}

/* Every single-bit change of body, key_id or mac breaks the MAC. */
static void test_every_bit_flip_refused(void) {
  uint8_t rep[HV_TEE_REPORT_LEN];
  make_report(A, B, 0x5a, rep);
  int accepted = 0;
  for (size_t bit = 0; bit < HV_TEE_REPORT_LEN * 8; bit++) {
    rep[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    if (hv_tee_verify_report(B, rep) != HV_TEE_ERR_REPORT_MAC) accepted++;
    rep[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  HT_CHECK_EQ_INT(accepted, 0);
  HT_CHECK_EQ_INT(hv_tee_verify_report(B, rep), HV_TEE_OK);
}

static void test_report_fields(void) {
  uint8_t rep[HV_TEE_REPORT_LEN], rd[HV_TEE_REPORT_DATA_LEN], ti[HV_TEE_TARGET_INFO_LEN];
  uint8_t want[HV_TEE_REPORT_DATA_LEN];
  for (size_t i = 0; i < sizeof want; i++) want[i] = (uint8_t)(i * 7 + 3);
  HT_CHECK_EQ_INT(hv_tee_target_info(B, ti), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_report(A, ti, want, rep), HV_TEE_OK);
  hv_tee_report_data(rep, rd);
  HT_CHECK_MEM(rd, want, sizeof want);
  hv_tee_measurement m, self;
  hv_tee_report_measurement(rep, &m);
  hv_tee_self(A, &self);
  HT_CHECK_MEM(m.mr_enclave, self.mr_enclave, HV_TEE_MR_LEN);
  HT_CHECK_MEM(m.mr_signer, self.mr_signer, HV_TEE_MR_LEN);
  HT_CHECK_EQ_INT(m.isv_prod_id, 7);
  HT_CHECK_EQ_INT(m.isv_svn, 3);
  HT_CHECK_EQ_INT(m.mr_enclave[0], 0xa1);
  HT_CHECK_EQ_INT(m.mr_signer[0], 0x51);
}

/* B answers A using the target info taken from A's report. */
static void test_reply_via_target_info_from_report(void) {
  uint8_t rep[HV_TEE_REPORT_LEN], reply[HV_TEE_REPORT_LEN], ti[HV_TEE_TARGET_INFO_LEN];
  uint8_t mine[HV_TEE_TARGET_INFO_LEN], rd[HV_TEE_REPORT_DATA_LEN] = {0};
  make_report(A, B, 0x33, rep);
  hv_tee_target_info_from_report(rep, ti);
  HT_CHECK_EQ_INT(hv_tee_target_info(A, mine), HV_TEE_OK);
  HT_CHECK_MEM(ti, mine, sizeof mine);
  HT_CHECK_EQ_INT(hv_tee_report(B, ti, rd, reply), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_verify_report(A, reply), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_verify_report(C, reply), HV_TEE_ERR_REPORT_MAC);
}

/* The MAC is exactly AES-128-CMAC over the 384 body bytes under the key
 * EGETKEY(REPORT, key_id) gives the target, as on the CPU. */
static void test_mac_is_cmac_under_target_report_key(void) {
  uint8_t rep[HV_TEE_REPORT_LEN], key[SGX_KEY_SIZE], mac[HV_CMAC_LEN];
  sgx_key_request_t req;
  make_report(A, B, 0x44, rep);
  memset(&req, 0, sizeof req);
  req.key_name = SGX_KEYSELECT_REPORT;
  memcpy(req.key_id, rep + 384, SGX_KEYID_SIZE);
  HT_CHECK_EQ_INT(B->ops->egetkey(B, &req, key), HV_TEE_OK);
  HT_CHECK(hv_aes_cmac(key, sizeof key, rep, HV_TEE_REPORT_BODY_LEN, mac) == 0);
  HT_CHECK_MEM(mac, rep + 416, HV_CMAC_LEN);
  /* A's own report key is another key. */
  HT_CHECK_EQ_INT(A->ops->egetkey(A, &req, key), HV_TEE_OK);
  HT_CHECK(hv_aes_cmac(key, sizeof key, rep, HV_TEE_REPORT_BODY_LEN, mac) == 0);
  HT_CHECK(memcmp(mac, rep + 416, HV_CMAC_LEN) != 0);
}

/* The key_id is per platform secret, like the CPU's per-boot KEYID. */
static void test_key_id_per_platform(void) {
  uint8_t r1[HV_TEE_REPORT_LEN], r2[HV_TEE_REPORT_LEN], r3[HV_TEE_REPORT_LEN];
  static const uint8_t zero[SGX_KEYID_SIZE];
  make_report(A, B, 1, r1);
  make_report(C, A, 2, r2);
  make_report(B_elsewhere, A, 3, r3);
  HT_CHECK_MEM(r1 + 384, r2 + 384, SGX_KEYID_SIZE);
  HT_CHECK(memcmp(r1 + 384, r3 + 384, SGX_KEYID_SIZE) != 0);
  HT_CHECK(memcmp(r1 + 384, zero, SGX_KEYID_SIZE) != 0);
}

static void test_bad_arguments(void) {
  uint8_t rep[HV_TEE_REPORT_LEN] = {0}, ti[HV_TEE_TARGET_INFO_LEN] = {0};
  uint8_t rd[HV_TEE_REPORT_DATA_LEN] = {0};
  HT_CHECK_EQ_INT(hv_tee_report(A, NULL, rd, rep), HV_TEE_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_tee_report(A, ti, NULL, rep), HV_TEE_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_tee_verify_report(A, NULL), HV_TEE_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_tee_verify_report(A, rep), HV_TEE_ERR_REPORT_MAC);
}

static void test_kind_and_dev_mode(void) {
  HT_CHECK_EQ_INT(hv_tee_get_kind(A), HV_TEE_KIND_SIM);
  HT_CHECK(hv_tee_dev_mode(A));
  HT_CHECK(strcmp(hv_tee_kind_name(HV_TEE_KIND_SIM), "sim") == 0);
  HT_CHECK(strcmp(hv_tee_kind_name(HV_TEE_KIND_SGX_DCAP), "sgx-dcap") == 0);
  HT_CHECK(strcmp(hv_tee_kind_name(HV_TEE_KIND_SGX_EPID), "sgx-epid") == 0);
}

/* The DEBUG attribute is read from the report body's attributes.flags
 * (offset 48, little-endian, bit 0x2), nothing else. */
static void test_report_debug_bit(void) {
  uint8_t rep[HV_TEE_REPORT_LEN];
  make_report(A, B, 0x55, rep);
  HT_CHECK(hv_tee_report_debug(rep)); /* sim enclaves are debug enclaves */
  rep[48] ^= (uint8_t)SGX_FLAGS_DEBUG;
  HT_CHECK(!hv_tee_report_debug(rep));
  rep[48] ^= (uint8_t)SGX_FLAGS_DEBUG;
  rep[48] ^= (uint8_t)SGX_FLAGS_INITTED; /* another flag: still DEBUG */
  HT_CHECK(hv_tee_report_debug(rep));
  sgx_report_t parsed;
  HT_CHECK(hv_tee_sgx_report_decode(rep, sizeof rep, &parsed));
  parsed.body.attributes.flags &= ~SGX_FLAGS_DEBUG;
  hv_tee_sgx_report_encode(&parsed, rep);
  HT_CHECK(!hv_tee_report_debug(rep));
}

static void test_target_info_mr_enclave(void) {
  uint8_t ti[HV_TEE_TARGET_INFO_LEN], mr[HV_TEE_MR_LEN];
  hv_tee_measurement self;
  HT_CHECK_EQ_INT(hv_tee_target_info(B, ti), HV_TEE_OK);
  hv_tee_target_info_mr_enclave(ti, mr);
  hv_tee_self(B, &self);
  HT_CHECK_MEM(mr, self.mr_enclave, HV_TEE_MR_LEN);
  HT_CHECK_MEM(mr, ti, HV_TEE_MR_LEN); /* offset 0 of sgx_target_info_t */
  HT_CHECK_EQ_INT(mr[0], 0xb2);
}

/* With no identity given, mr_enclave is SHA-256 of this executable: the
 * same on every open, different from an explicit one. */
static void test_default_identity_hashes_executable(void) {
  char path[512];
  hv_tee *x = NULL, *y = NULL;
  tt_path(path, sizeof path, "platform-1");
  HT_CHECK_EQ_INT(hv_tee_open_sim(path, NULL, &x), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_open_sim(path, NULL, &y), HV_TEE_OK);
  if (!x || !y) return;
  hv_tee_measurement mx, my;
  static const uint8_t zero[HV_TEE_MR_LEN];
  hv_tee_self(x, &mx);
  hv_tee_self(y, &my);
  HT_CHECK_MEM(mx.mr_enclave, my.mr_enclave, HV_TEE_MR_LEN);
  HT_CHECK(memcmp(mx.mr_enclave, zero, HV_TEE_MR_LEN) != 0);
  HT_CHECK_MEM(mx.mr_signer, zero, HV_TEE_MR_LEN);
  uint8_t rep[HV_TEE_REPORT_LEN];
  make_report(x, y, 1, rep);
  HT_CHECK_EQ_INT(hv_tee_verify_report(y, rep), HV_TEE_OK);
  hv_tee_free(x);
  hv_tee_free(y);
}

int main(void) {
  tt_tmpdir();
  A = tt_open("platform-1", tt_identity(0xa1, 0x51, 7, 3));
  B = tt_open("platform-1", tt_identity(0xb2, 0x51, 7, 4));
  C = tt_open("platform-1", tt_identity(0xc3, 0x51, 7, 4));
  B_elsewhere = tt_open("platform-2", tt_identity(0xb2, 0x51, 7, 4));
  HT_RUN(test_report_verifies_in_target);
  HT_RUN(test_report_refused_by_other_enclave);
  HT_RUN(test_report_refused_on_other_platform);
  HT_RUN(test_every_bit_flip_refused);
  HT_RUN(test_report_fields);
  HT_RUN(test_reply_via_target_info_from_report);
  HT_RUN(test_mac_is_cmac_under_target_report_key);
  HT_RUN(test_key_id_per_platform);
  HT_RUN(test_bad_arguments);
  HT_RUN(test_kind_and_dev_mode);
  HT_RUN(test_default_identity_hashes_executable);
  HT_RUN(test_report_debug_bit);
  HT_RUN(test_target_info_mr_enclave);
  hv_tee_free(A);
  hv_tee_free(B);
  hv_tee_free(C);
  hv_tee_free(B_elsewhere);
  tt_cleanup();
  return HT_DONE();
}
