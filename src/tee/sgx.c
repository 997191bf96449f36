/* The sgx backend: EREPORT (ENCLU leaf 0) and EGETKEY (leaf 1) for code
 * running inside an enclave, e.g. under Gramine.
 *
 * ENCLU outside an enclave faults (#UD, or #GP under some hypervisors),
 * and CPUID inside one is not allowed either, so we never probe the CPU:
 * we trust the enclave runtime's pseudo-files (hv_tee_sgx_detect) to say
 * where we are, and execute ENCLU only after they did. Everything above
 * the two instructions (key requests, report verification, sealing) is
 * the shared code of tee.c and seal.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "sys/sys.h"
#include "tee/sgx_backend.h"

/* attestation_type is a short word ("dcap", "epid", "none"). */
#define SGX_TYPE_MAX 16

/* Reads a whole small file; -1 on error or if it holds more than cap. */
static ssize_t read_small(const char *dir, const char *name, uint8_t *buf, size_t cap) {
  char path[512];
  int n = snprintf(path, sizeof path, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof path) return -1;
  /* READ_ANY: the runtime's pseudo-files need not be regular files. */
  size_t got = 0;
  return hv_sys_read_file(path, HV_SYS_READ_ANY, buf, cap, &got) == 0 ? (ssize_t)got : -1;
}

static bool type_is(const uint8_t *buf, size_t len, const char *word) {
  size_t wl = strlen(word);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0')) len--;
  return len == wl && memcmp(buf, word, wl) == 0;
}

hv_tee_error hv_tee_sgx_detect(const char *dir, hv_tee_kind *kind, sgx_target_info_t *self_ti) {
  uint8_t type[SGX_TYPE_MAX], ti[HV_TEE_TARGET_INFO_LEN];
  ssize_t n = read_small(dir, "attestation_type", type, sizeof type);
  if (n < 0) return HV_TEE_ERR_NOT_ENCLAVE;
  if (type_is(type, (size_t)n, "dcap")) {
    *kind = HV_TEE_KIND_SGX_DCAP;
  } else if (type_is(type, (size_t)n, "epid")) {
    *kind = HV_TEE_KIND_SGX_EPID;
  } else if (type_is(type, (size_t)n, "none")) {
    /* No remote attestation configured; EREPORT/EGETKEY work regardless.
     * Gramine makes attestation_type and my_target_info only on its SGX
     * host (never under gramine-direct), "none" included. */
    *kind = HV_TEE_KIND_SGX_LOCAL;
  } else {
    return HV_TEE_ERR_NOT_ENCLAVE;
  }
  n = read_small(dir, "my_target_info", ti, sizeof ti);
  if (n != (ssize_t)sizeof ti || !hv_tee_sgx_target_info_decode(ti, sizeof ti, self_ti))
    return HV_TEE_ERR_NOT_ENCLAVE;
  return HV_TEE_OK;
}

hv_tee_error hv_tee_sgx_egetkey_status(uint64_t rax) {
  switch (rax) {
    case 0: return HV_TEE_OK;
    case SGX_ERR_INVALID_CPUSVN: return HV_TEE_ERR_SEAL_CPUSVN;
    case SGX_ERR_INVALID_ISVSVN: return HV_TEE_ERR_SEAL_SVN;
    default: return HV_TEE_ERR_ARGS;
  }
}

#if defined(__x86_64__)

/* ENCLU's operands must be aligned: TARGETINFO, REPORT and KEYREQUEST to
 * 512 bytes, REPORTDATA to 128, the key to 16. */
typedef struct {
  _Alignas(512) uint8_t target_info[HV_TEE_TARGET_INFO_LEN];
  _Alignas(512) uint8_t report[HV_TEE_REPORT_LEN];
  _Alignas(128) uint8_t report_data[SGX_REPORT_DATA_SIZE];
} sgx_ereport_args;

typedef struct {
  _Alignas(512) uint8_t request[HV_TEE_KEY_REQUEST_LEN];
  _Alignas(16) uint8_t key[SGX_KEY_SIZE];
} sgx_egetkey_args;

static void enclu_ereport(sgx_ereport_args *a) {
  __asm__ volatile(".byte 0x0f, 0x01, 0xd7" /* ENCLU */
                   :
                   : "a"(0ULL), "b"(a->target_info), "c"(a->report_data),
                     "d"(a->report)
                   : "memory", "cc");
}

static uint64_t enclu_egetkey(sgx_egetkey_args *a) {
  uint64_t rax = 1;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd7" /* ENCLU */
                   : "+a"(rax)
                   : "b"(a->request), "c"(a->key)
                   : "memory", "cc");
  return rax;
}

static hv_tee_error sgx_ereport(const hv_tee *tee, const sgx_target_info_t *target,
                                const uint8_t report_data[SGX_REPORT_DATA_SIZE],
                                sgx_report_t *out) {
  (void)tee;
  sgx_ereport_args *a = aligned_alloc(512, sizeof *a);
  if (!a) return HV_TEE_ERR_NOMEM;
  memset(a, 0, sizeof *a);
  hv_tee_sgx_target_info_encode(target, a->target_info);
  memcpy(a->report_data, report_data, SGX_REPORT_DATA_SIZE);
  enclu_ereport(a);
  bool ok = hv_tee_sgx_report_decode(a->report, sizeof a->report, out);
  free(a);
  return ok ? HV_TEE_OK : HV_TEE_ERR_ARGS;
}

static hv_tee_error sgx_egetkey(const hv_tee *tee, const sgx_key_request_t *req,
                                uint8_t key[SGX_KEY_SIZE]) {
  (void)tee;
  sgx_egetkey_args *a = aligned_alloc(512, sizeof *a);
  if (!a) return HV_TEE_ERR_NOMEM;
  memset(a, 0, sizeof *a);
  hv_tee_sgx_key_request_encode(req, a->request);
  hv_tee_error err = hv_tee_sgx_egetkey_status(enclu_egetkey(a));
  if (err == HV_TEE_OK) memcpy(key, a->key, SGX_KEY_SIZE);
  hv_wipe(a, sizeof *a);
  free(a);
  return err;
}

static void sgx_free(void *impl) { (void)impl; }

static const tee_backend_ops sgx_ops = {
    .ereport = sgx_ereport,
    .egetkey = sgx_egetkey,
    .free = sgx_free,
};

hv_tee_error hv_tee_open_sgx(hv_tee **out) {
  hv_tee_kind kind;
  sgx_target_info_t self_ti;
  sgx_report_t self;
  static const uint8_t no_data[SGX_REPORT_DATA_SIZE];
  if (!out) return HV_TEE_ERR_ARGS;
  *out = NULL;
  hv_tee_error err = hv_tee_sgx_detect(SGX_ATTESTATION_DIR, &kind, &self_ti);
  if (err != HV_TEE_OK) return err;
  /* A report to ourselves is how an enclave learns its own identity. */
  err = sgx_ereport(NULL, &self_ti, no_data, &self);
  if (err != HV_TEE_OK) return err;
  return hv_tee_new(&sgx_ops, NULL, kind, (self.body.attributes.flags & SGX_FLAGS_DEBUG) != 0,
                 &self.body, out);
}

#else /* not x86_64: SGX does not exist here */

hv_tee_error hv_tee_open_sgx(hv_tee **out) {
  if (!out) return HV_TEE_ERR_ARGS;
  *out = NULL;
  return HV_TEE_ERR_NOT_ENCLAVE;
}

#endif
