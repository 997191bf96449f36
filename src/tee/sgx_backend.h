/* The sgx backend's detection step, apart from the instruction, so that it
 * can be tested on machines without SGX. */
#ifndef HANDOVER_TEE_SGX_BACKEND_H
#define HANDOVER_TEE_SGX_BACKEND_H

#include "tee/tee_internal.h"

#define SGX_ATTESTATION_DIR "/dev/attestation"

/* Decides from Gramine's attestation pseudo-files under dir whether we run
 * inside an enclave: attestation_type must say "dcap" or "epid" and
 * my_target_info must hold exactly 512 bytes. HV_TEE_ERR_NOT_ENCLAVE
 * otherwise. Executes no SGX instruction. */
hv_tee_error sgx_detect(const char *dir, hv_tee_kind *kind, sgx_target_info_t *self_ti);

#endif
