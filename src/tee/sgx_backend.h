/* The sgx backend's detection step, apart from the instruction, so that it
 * can be tested on machines without SGX. */
#ifndef HANDOVER_TEE_SGX_BACKEND_H
#define HANDOVER_TEE_SGX_BACKEND_H

#include "handover/api.h"
#include "tee/tee_int.h"

#define SGX_ATTESTATION_DIR "/dev/attestation"

/* Decides from Gramine's attestation pseudo-files under dir whether we run
 * inside an enclave: attestation_type must say "dcap", "epid" or "none"
 * (kind sgx-local: Gramine without remote attestation) and
 * my_target_info must hold exactly 512 bytes. HV_TEE_ERR_NOT_ENCLAVE
 * otherwise. Executes no SGX instruction. */
HV_MUST_CHECK hv_tee_error hv_tee_sgx_detect(const char *dir, hv_tee_kind *kind,
                                             sgx_target_info_t *self_ti);

/* EGETKEY's status codes (Intel SDM vol. 3D, EGETKEY). */
#define SGX_ERR_INVALID_ATTRIBUTE 2
#define SGX_ERR_INVALID_CPUSVN 32
#define SGX_ERR_INVALID_ISVSVN 64
#define SGX_ERR_INVALID_KEYNAME 256

/* EGETKEY's RAX as our error: a CPU SVN above the CPU's is
 * HV_TEE_ERR_SEAL_CPUSVN, an ISV SVN (or CONFIGSVN) above ours
 * HV_TEE_ERR_SEAL_SVN (unseal reports them as such), anything else a bad
 * request. */
HV_MUST_CHECK hv_tee_error hv_tee_sgx_egetkey_status(uint64_t rax);

#endif
