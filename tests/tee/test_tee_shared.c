/* The logic above the instructions (report verification, seal key
 * requests, the sealed format) is shared by sim and sgx. This drives it
 * through a backend that is stricter than sim in the way a real CPU is:
 * a non-zero CPUSVN that changes with a microcode update, and EGETKEY that
 * refuses any CPUSVN the CPU never had. Keys still come from the sim. */
#include "harness.h"
#include "tee/tee_int.h"
#include "tee_test_util.h"

#define HISTORY_MAX 4
static uint8_t history[HISTORY_MAX][SGX_CPUSVN_SIZE];
static int n_history;
static const tee_backend_ops *sim_ops;

static hv_tee_error cpu_egetkey(const hv_tee *t, const sgx_key_request_t *req,
                                uint8_t key[SGX_KEY_SIZE]) {
  if (req->key_name == SGX_KEYSELECT_SEAL) {
    bool known = false;
    for (int i = 0; i < n_history; i++)
      if (memcmp(req->cpu_svn, history[i], SGX_CPUSVN_SIZE) == 0) known = true;
    if (!known) return HV_TEE_ERR_SEAL_SVN;
  }
  return sim_ops->egetkey(t, req, key);
}

static hv_tee_error cpu_ereport(const hv_tee *t, const sgx_target_info_t *ti,
                                const uint8_t rd[SGX_REPORT_DATA_SIZE], sgx_report_t *out) {
  return sim_ops->ereport(t, ti, rd, out);
}

static void keep_impl(void *impl) { (void)impl; } /* the sim tee owns it */

static const tee_backend_ops cpu_ops = {cpu_ereport, cpu_egetkey, keep_impl};

/* A "CPU" enclave with sim's keys and identity, at the given CPUSVN. */
static hv_tee *cpu_enclave(hv_tee *sim, uint8_t svn_byte) {
  sgx_report_body_t self = sim->self;
  hv_tee *t = NULL;
  memset(self.cpu_svn, svn_byte, sizeof self.cpu_svn);
  memcpy(history[n_history++], self.cpu_svn, SGX_CPUSVN_SIZE);
  self.attributes.flags &= ~SGX_FLAGS_DEBUG;
  sim_ops = sim->ops;
  HT_CHECK_EQ_INT(hv_tee_new(&cpu_ops, sim->impl, HV_TEE_KIND_SGX_DCAP, false, &self, &t),
                  HV_TEE_OK);
  return t;
}

static void test_seal_across_microcode_update(void) {
  uint8_t pt[16] = "sixteen bytes!!", blob[16 + HV_TEE_SEAL_OVERHEAD], out[sizeof blob];
  size_t len = 0, out_len = 0;
  hv_tee *sim = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  n_history = 0;
  hv_tee *before = cpu_enclave(sim, 0x05);
  HT_CHECK_EQ_INT(hv_tee_seal(before, HV_TEE_SEAL_MRSIGNER, pt, sizeof pt, blob,
                              sizeof blob, &len), HV_TEE_OK);
  hv_tee *after = cpu_enclave(sim, 0x06);
  HT_CHECK_EQ_INT(hv_tee_unseal(after, HV_TEE_SEAL_MRSIGNER, blob, len, out, sizeof out, &out_len), HV_TEE_OK);
  HT_CHECK(out_len == sizeof pt && memcmp(out, pt, sizeof pt) == 0);
  blob[len - 1] ^= 1; /* the tag: the diagnosis must still say tampered */
  HT_CHECK_EQ_INT(hv_tee_unseal(after, HV_TEE_SEAL_MRSIGNER, blob, len, out, sizeof out, &out_len),
                  HV_TEE_ERR_SEAL_TAMPERED);
  blob[len - 1] ^= 1;
  /* Sealed after the update: the older CPUSVN cannot open it. */
  HT_CHECK_EQ_INT(hv_tee_seal(after, HV_TEE_SEAL_MRSIGNER, pt, sizeof pt, blob,
                              sizeof blob, &len), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_unseal(before, HV_TEE_SEAL_MRSIGNER, blob, len, out, sizeof out, &out_len),
                  HV_TEE_ERR_SEAL_CPUSVN);
  hv_tee_free(before);
  hv_tee_free(after);
  hv_tee_free(sim);
}

static void test_reports_and_kind_through_other_backend(void) {
  uint8_t ti[HV_TEE_TARGET_INFO_LEN], rd[HV_TEE_REPORT_DATA_LEN] = {1}, rep[HV_TEE_REPORT_LEN];
  hv_tee *sim = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  hv_tee *peer = tt_open("p1", tt_identity(0xb2, 0x51, 7, 4));
  n_history = 0;
  hv_tee *cpu = cpu_enclave(sim, 0x05);
  HT_CHECK_EQ_INT(hv_tee_get_kind(cpu), HV_TEE_KIND_SGX_DCAP);
  HT_CHECK(!hv_tee_dev_mode(cpu));
  HT_CHECK_EQ_INT(hv_tee_target_info(cpu, ti), HV_TEE_OK);
  /* The target info carries the attributes: without DEBUG it is another
   * target than the sim enclave with the same MRENCLAVE. */
  HT_CHECK_EQ_INT(hv_tee_report(peer, ti, rd, rep), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_verify_report(cpu, rep), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_verify_report(sim, rep), HV_TEE_ERR_REPORT_MAC);
  hv_tee_free(cpu);
  hv_tee_free(peer);
  hv_tee_free(sim);
}

int main(void) {
  tt_tmpdir();
  HT_RUN(test_seal_across_microcode_update);
  HT_RUN(test_reports_and_kind_through_other_backend);
  tt_cleanup();
  return HT_DONE();
}
