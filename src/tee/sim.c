/* The sim backend: EREPORT and EGETKEY in software.
 *
 * Every key is HKDF-SHA256 of the platform secret, with a salt naming this
 * scheme and an info string naming the key's purpose followed by exactly
 * the inputs the CPU would mix in:
 *  - REPORT key: the verifying enclave's MRENCLAVE, ATTRIBUTES, MISCSELECT
 *    and the KEYID. EREPORT derives it for the *target*; EGETKEY(REPORT)
 *    for the caller itself, so only the target can check the MAC.
 *  - SEAL key: the key policy, MRENCLAVE or MRSIGNER (per policy), ISVPRODID,
 *    the requested ISVSVN, CPUSVN and CONFIGSVN, our ATTRIBUTES and
 *    MISCSELECT under the request's masks, and the request's KEYID. Like the
 *    CPU, EGETKEY refuses an svn above our own, so a newer build can derive
 *    an older build's MRSIGNER keys and never the reverse.
 * The KEYID in reports plays the role of the per-boot KEYID: random per
 * platform secret (derived from it), the same for every sim enclave there. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "sys/sys.h"
#include "tee/sim.h"

#define SIM_SALT "handover sim platform v1"
#define SIM_INFO_KEYID "report key id"
#define SIM_INFO_REPORT "report key"
#define SIM_INFO_SEAL "seal key"
/* The longest info string: label + the seal key's inputs. */
#define SIM_INFO_MAX 256
/* /proc/self/exe is hashed in one piece; no build of ours is near this. */
#define SIM_EXE_MAX (512u * 1024 * 1024)
/* A 64-bit enclave, initialised, with the DEBUG bit set: that is what a
 * dev-mode enclave is, and any policy that looks at attributes sees it. */
#define SIM_FLAGS (SGX_FLAGS_INITTED | SGX_FLAGS_DEBUG | SGX_FLAGS_MODE64BIT)
#define SIM_XFRM 0x3ULL /* x87 and SSE state */

typedef struct {
  uint8_t secret[SIM_SECRET_LEN];
  uint8_t key_id[SGX_KEYID_SIZE];
} sim_impl;

static hv_tee_error derive(const sim_impl *sim, const uint8_t *info,
                           size_t info_len, uint8_t *out, size_t out_len) {
  if (hv_hkdf_sha256((const uint8_t *)SIM_SALT, sizeof SIM_SALT - 1, sim->secret,
                     sizeof sim->secret, info, info_len, out, out_len) != 0)
    return HV_TEE_ERR_CRYPTO;
  return HV_TEE_OK;
}

static bool write_label(hv_buf_writer *w, const char *label) {
  return hv_buf_write_bytes(w, (const uint8_t *)label, strlen(label) + 1);
}

static bool write_attrs(hv_buf_writer *w, const sgx_attributes_t *a) {
  return hv_tee_sgx_le_write_u64(w, a->flags) && hv_tee_sgx_le_write_u64(w, a->xfrm);
}

static hv_tee_error report_key(const sim_impl *sim, const uint8_t mr_enclave[32],
                               const sgx_attributes_t *attributes,
                               uint32_t misc_select,
                               const uint8_t key_id[SGX_KEYID_SIZE],
                               uint8_t key[SGX_KEY_SIZE]) {
  uint8_t info[SIM_INFO_MAX];
  hv_buf_writer w;
  hv_buf_writer_init(&w, info, sizeof info);
  bool ok = write_label(&w, SIM_INFO_REPORT) &&
            hv_buf_write_bytes(&w, mr_enclave, SGX_HASH_SIZE) &&
            write_attrs(&w, attributes) && hv_tee_sgx_le_write_u32(&w, misc_select) &&
            hv_buf_write_bytes(&w, key_id, SGX_KEYID_SIZE);
  if (!ok) return HV_TEE_ERR_ARGS;
  return derive(sim, info, w.len, key, SGX_KEY_SIZE);
}

static bool svn_above(const uint8_t *req, const uint8_t *own, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (req[i] > own[i]) return true;
  return false;
}

static hv_tee_error seal_key(const hv_tee *tee, const sgx_key_request_t *req,
                             uint8_t key[SGX_KEY_SIZE]) {
  static const uint8_t zero[SGX_HASH_SIZE];
  const sgx_report_body_t *self = &tee->self;
  uint16_t policy = req->key_policy;
  if (policy != SGX_KEYPOLICY_MRENCLAVE && policy != SGX_KEYPOLICY_MRSIGNER)
    return HV_TEE_ERR_ARGS;
  if (svn_above(req->cpu_svn, self->cpu_svn, SGX_CPUSVN_SIZE))
    return HV_TEE_ERR_SEAL_CPUSVN;
  if (req->isv_svn > self->isv_svn || req->config_svn > self->config_svn)
    return HV_TEE_ERR_SEAL_SVN;
  sgx_attributes_t attrs = {self->attributes.flags & req->attribute_mask.flags,
                            self->attributes.xfrm & req->attribute_mask.xfrm};
  uint8_t info[SIM_INFO_MAX];
  hv_buf_writer w;
  hv_buf_writer_init(&w, info, sizeof info);
  bool by_enclave = policy == SGX_KEYPOLICY_MRENCLAVE;
  bool ok = write_label(&w, SIM_INFO_SEAL) && hv_tee_sgx_le_write_u16(&w, policy) &&
            hv_buf_write_bytes(&w, by_enclave ? self->mr_enclave : zero, SGX_HASH_SIZE) &&
            hv_buf_write_bytes(&w, by_enclave ? zero : self->mr_signer, SGX_HASH_SIZE) &&
            hv_tee_sgx_le_write_u16(&w, self->isv_prod_id) &&
            hv_tee_sgx_le_write_u16(&w, req->isv_svn) &&
            hv_buf_write_bytes(&w, req->cpu_svn, SGX_CPUSVN_SIZE) &&
            hv_tee_sgx_le_write_u16(&w, req->config_svn) && write_attrs(&w, &attrs) &&
            hv_tee_sgx_le_write_u32(&w, self->misc_select & req->misc_mask) &&
            hv_buf_write_bytes(&w, req->key_id, SGX_KEYID_SIZE);
  if (!ok) return HV_TEE_ERR_ARGS;
  return derive(tee->impl, info, w.len, key, SGX_KEY_SIZE);
}

static hv_tee_error sim_egetkey(const hv_tee *tee, const sgx_key_request_t *req,
                                uint8_t key[SGX_KEY_SIZE]) {
  const sgx_report_body_t *self = &tee->self;
  switch (req->key_name) {
    case SGX_KEYSELECT_REPORT:
      return report_key(tee->impl, self->mr_enclave, &self->attributes,
                        self->misc_select, req->key_id, key);
    case SGX_KEYSELECT_SEAL:
      return seal_key(tee, req, key);
    default:
      return HV_TEE_ERR_ARGS;
  }
}

static hv_tee_error sim_ereport(const hv_tee *tee, const sgx_target_info_t *target,
                                const uint8_t report_data[SGX_REPORT_DATA_SIZE],
                                sgx_report_t *out) {
  const sim_impl *sim = tee->impl;
  uint8_t key[SGX_KEY_SIZE], body[HV_TEE_REPORT_BODY_LEN];
  memset(out, 0, sizeof *out);
  out->body = tee->self;
  memcpy(out->body.report_data, report_data, SGX_REPORT_DATA_SIZE);
  memcpy(out->key_id, sim->key_id, sizeof out->key_id);
  hv_tee_error err = report_key(sim, target->mr_enclave, &target->attributes,
                                target->misc_select, sim->key_id, key);
  if (err != HV_TEE_OK) return err;
  hv_tee_sgx_report_body_encode(&out->body, body);
  int rc = hv_aes_cmac(key, sizeof key, body, sizeof body, out->mac);
  hv_wipe(key, sizeof key);
  return rc == 0 ? HV_TEE_OK : HV_TEE_ERR_CRYPTO;
}

static void sim_free(void *impl) {
  if (!impl) return;
  hv_wipe(impl, sizeof(sim_impl));
  free(impl);
}

static const tee_backend_ops sim_ops = {
    .ereport = sim_ereport,
    .egetkey = sim_egetkey,
    .free = sim_free,
};

static hv_tee_error hash_exe(uint8_t out[SGX_HASH_SIZE]) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HV_TEE_ERR_IO;
  struct stat st;
  hv_tee_error err = HV_TEE_ERR_IO;
  uint8_t *buf = NULL;
  if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size <= SIM_EXE_MAX &&
      !(buf = malloc((size_t)st.st_size)))
    err = HV_TEE_ERR_NOMEM;
  size_t got = 0;
  if (buf && hv_sys_read_fd(fd, buf, (size_t)st.st_size, &got) == 0 && got == (size_t)st.st_size)
    err = hv_sha256(buf, got, out) == 0 ? HV_TEE_OK : HV_TEE_ERR_CRYPTO;
  free(buf);
  close(fd);
  return err;
}

static hv_tee_error sim_identity(const hv_tee_measurement *identity,
                                 sgx_report_body_t *self) {
  memset(self, 0, sizeof *self);
  self->attributes.flags = SIM_FLAGS;
  self->attributes.xfrm = SIM_XFRM;
  if (!identity) return hash_exe(self->mr_enclave);
  memcpy(self->mr_enclave, identity->mr_enclave, SGX_HASH_SIZE);
  memcpy(self->mr_signer, identity->mr_signer, SGX_HASH_SIZE);
  self->isv_prod_id = identity->isv_prod_id;
  self->isv_svn = identity->isv_svn;
  return HV_TEE_OK;
}

hv_tee_error hv_tee_open_sim(const char *secret_path,
                             const hv_tee_measurement *identity, hv_tee **out) {
  if (!secret_path || !out) return HV_TEE_ERR_ARGS;
  *out = NULL;
  sgx_report_body_t self;
  hv_tee_error err = sim_identity(identity, &self);
  if (err != HV_TEE_OK) return err;
  sim_impl *sim = calloc(1, sizeof *sim);
  if (!sim) return HV_TEE_ERR_NOMEM;
  err = hv_tee_sim_secret_load(secret_path, sim->secret);
  if (err == HV_TEE_OK) {
    uint8_t info[] = SIM_INFO_KEYID;
    err = derive(sim, info, sizeof info, sim->key_id, sizeof sim->key_id);
  }
  if (err != HV_TEE_OK) {
    sim_free(sim);
    return err;
  }
  return hv_tee_new(&sim_ops, sim, HV_TEE_KIND_SIM, true, &self, out);
}
