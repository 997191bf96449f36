/* The sgx backend on a machine (or process) that is not an enclave: it
 * refuses cleanly, and its detection reads Gramine's files correctly. */
#include <fcntl.h>
#include <sys/stat.h>

#include "harness.h"
#include "tee/sgx_backend.h"
#include "tee_test_util.h"

static void put(const char *name, const void *data, size_t len) {
  char path[512];
  tt_path(path, sizeof path, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  HT_CHECK(write(fd, data, len) == (ssize_t)len);
  close(fd);
}

static void test_open_outside_enclave_refused(void) {
  struct stat st;
  hv_tee *tee = (hv_tee *)&st; /* must be reset to NULL */
  if (stat(SGX_ATTESTATION_DIR "/attestation_type", &st) == 0) {
    printf("skip: %s exists, this runs inside an enclave\n", SGX_ATTESTATION_DIR);
    return;
  }
  HT_CHECK_EQ_INT(hv_tee_open_sgx(&tee), HV_TEE_ERR_NOT_ENCLAVE);
  HT_CHECK(tee == NULL);
}

static void test_detect_kinds(void) {
  sgx_target_info_t ti_in, ti_out;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  hv_tee_kind kind = HV_TEE_KIND_SIM;
  memset(&ti_in, 0, sizeof ti_in);
  memset(ti_in.mr_enclave, 0xee, sizeof ti_in.mr_enclave);
  ti_in.attributes.flags = 0x7;
  ti_in.misc_select = 0x12345678;
  hv_tee_sgx_target_info_encode(&ti_in, ti);
  put("my_target_info", ti, sizeof ti);
  put("attestation_type", "dcap", 4);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti_out), HV_TEE_OK);
  HT_CHECK_EQ_INT(kind, HV_TEE_KIND_SGX_DCAP);
  HT_CHECK_MEM(ti_out.mr_enclave, ti_in.mr_enclave, 32);
  HT_CHECK_EQ_INT(ti_out.misc_select, 0x12345678);
  put("attestation_type", "epid\n", 5);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti_out), HV_TEE_OK);
  HT_CHECK_EQ_INT(kind, HV_TEE_KIND_SGX_EPID);
  /* No remote attestation configured: local attestation still works. */
  put("attestation_type", "none", 4);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti_out), HV_TEE_OK);
  HT_CHECK_EQ_INT(kind, HV_TEE_KIND_SGX_LOCAL);
}

static void test_detect_refusals(void) {
  sgx_target_info_t ti;
  hv_tee_kind kind;
  uint8_t bytes[HV_TEE_TARGET_INFO_LEN + 1] = {0};
  put("my_target_info", bytes, HV_TEE_TARGET_INFO_LEN);
  put("attestation_type", "nonex", 5);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
  put("attestation_type", "dcapx", 5);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
  put("attestation_type", "", 0);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
  put("attestation_type", "dcap", 4);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_OK);
  put("my_target_info", bytes, HV_TEE_TARGET_INFO_LEN - 1);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
  put("my_target_info", bytes, HV_TEE_TARGET_INFO_LEN + 1);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
  char path[512];
  tt_path(path, sizeof path, "my_target_info");
  unlink(path);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect(tt_dir, &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
  HT_CHECK_EQ_INT(hv_tee_sgx_detect("/nonexistent-hv-dir", &kind, &ti), HV_TEE_ERR_NOT_ENCLAVE);
}

static void test_egetkey_status(void) {
  HT_CHECK_EQ_INT(hv_tee_sgx_egetkey_status(0), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_sgx_egetkey_status(SGX_ERR_INVALID_ISVSVN), HV_TEE_ERR_SEAL_SVN);
  HT_CHECK_EQ_INT(hv_tee_sgx_egetkey_status(SGX_ERR_INVALID_CPUSVN), HV_TEE_ERR_SEAL_CPUSVN);
  HT_CHECK_EQ_INT(hv_tee_sgx_egetkey_status(SGX_ERR_INVALID_KEYNAME), HV_TEE_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_tee_sgx_egetkey_status(SGX_ERR_INVALID_ATTRIBUTE), HV_TEE_ERR_ARGS);
}

int main(void) {
  tt_tmpdir();
  HT_RUN(test_open_outside_enclave_refused);
  HT_RUN(test_detect_kinds);
  HT_RUN(test_detect_refusals);
  HT_RUN(test_egetkey_status);
  tt_cleanup();
  return HT_DONE();
}
