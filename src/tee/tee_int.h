/* The inside of hv_tee: one interface, one small vtable per backend.
 * A backend supplies only what the hardware does (EREPORT, EGETKEY and its
 * own target info); everything built on them (report verification, seal
 * key requests, the sealed-file format) lives once in tee.c and seal.c and
 * is shared by sim and sgx. */
#ifndef HANDOVER_TEE_INT_H
#define HANDOVER_TEE_INT_H

#include "handover/tee.h"
#include "tee/sgx_types.h"

typedef struct {
  /* EREPORT: a report about this enclave, MACed for the target. */
  hv_tee_error (*ereport)(const hv_tee *tee, const sgx_target_info_t *target,
                          const uint8_t report_data[SGX_REPORT_DATA_SIZE],
                          sgx_report_t *out);
  /* EGETKEY: the key the request names, for this enclave. Refuses a seal
   * request above our own isv_svn or cpu_svn with HV_TEE_ERR_SEAL_SVN. */
  hv_tee_error (*egetkey)(const hv_tee *tee, const sgx_key_request_t *req,
                          uint8_t key[SGX_KEY_SIZE]);
  void (*free)(void *impl);
} tee_backend_ops;

struct hv_tee {
  const tee_backend_ops *ops;
  void *impl;
  hv_tee_kind kind;
  bool dev_mode;
  /* This enclave as EREPORT describes it (report_data zero). */
  sgx_report_body_t self;
};

/* Allocates an hv_tee that owns impl (freed with ops->free). */
HV_MUST_CHECK hv_tee_error hv_tee_new(const tee_backend_ops *ops, void *impl, hv_tee_kind kind,
                                      bool dev_mode, const sgx_report_body_t *self, hv_tee **out);

/* Target info addressing the enclave a report body describes. */
void hv_tee_target_info_of(const sgx_report_body_t *body, sgx_target_info_t *ti);
/* hv_tee_seal with a request of the caller's (a random key_id replaces
 * its own): what another enclave, or a debug launch, could write. For
 * tests of what hv_tee_unseal must refuse. */
HV_MUST_CHECK hv_tee_error hv_tee_seal_with(const hv_tee *tee, const sgx_key_request_t *req,
                                            const uint8_t *pt, size_t pt_len, uint8_t *out,
                                            size_t out_cap, size_t *out_len);
/* A seal key request for this enclave as EGETKEY(SEAL) takes it. */
void hv_tee_seal_request(const hv_tee *tee, uint16_t key_policy,
                      sgx_key_request_t *req);

#endif
