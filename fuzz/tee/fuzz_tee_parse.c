/* Fuzzes everything in src/tee that reads bytes from outside: sealed
 * files (hv_tee_unseal), reports from a peer (hv_tee_verify_report and the
 * field accessors), target info (hv_tee_report) and the SGX decoders.
 * A sim enclave with a fixed platform secret and identity makes the seeds
 * (a sealed blob and a report made for it) reach the success paths. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover/tee.h"
#include "tee/sgx_types.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static hv_tee *enclave;
static char dir[64] = "/tmp/hv-fuzz-tee-XXXXXX";
static char secret[96];

static void cleanup(void) {
  hv_tee_free(enclave);
  unlink(secret);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  uint8_t bytes[32];
  memset(bytes, 0x42, sizeof bytes);
  if (!mkdtemp(dir)) abort();
  strcpy(secret, dir);
  strcat(secret, "/platform");
  int fd = open(secret, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0 || write(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes) abort();
  close(fd);
  hv_tee_measurement id;
  memset(&id, 0, sizeof id);
  memset(id.mr_enclave, 0xa1, sizeof id.mr_enclave);
  memset(id.mr_signer, 0x51, sizeof id.mr_signer);
  id.isv_prod_id = 7;
  id.isv_svn = 3;
  if (hv_tee_open_sim(secret, &id, &enclave) != HV_TEE_OK) abort();
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *pt = malloc(size ? size : 1);
  size_t pt_len = 0;
  if (!pt) return 0;
  /* Expect the policy the blob names (header byte 7), to reach both paths. */
  hv_tee_seal_policy expected =
      size > 7 && data[7] == 2 ? HV_TEE_SEAL_MRSIGNER : HV_TEE_SEAL_MRENCLAVE;
  if (hv_tee_unseal(enclave, expected, data, size, pt, size, &pt_len) == HV_TEE_OK &&
      pt_len + HV_TEE_SEAL_OVERHEAD < size)
    abort(); /* opened with an impossible length */
  free(pt);
  if (size >= HV_TEE_REPORT_LEN) {
    uint8_t rd[HV_TEE_REPORT_DATA_LEN], ti[HV_TEE_TARGET_INFO_LEN];
    uint8_t rep[HV_TEE_REPORT_LEN];
    hv_tee_measurement m;
    (void)hv_tee_verify_report(enclave, data);
    hv_tee_report_measurement(data, &m);
    hv_tee_report_data(data, rd);
    hv_tee_target_info_from_report(data, ti);
    if (hv_tee_report(enclave, ti, rd, rep) != HV_TEE_OK) abort();
  }
  sgx_report_t r;
  sgx_target_info_t t;
  sgx_key_request_t k;
  (void)!hv_tee_sgx_report_decode(data, size, &r);
  (void)!hv_tee_sgx_target_info_decode(data, size, &t);
  (void)!hv_tee_sgx_key_request_decode(data, size, &k);
  return 0;
}
