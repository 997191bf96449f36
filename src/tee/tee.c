/* The public TEE interface over the backend vtable: target info, reports,
 * report verification (EGETKEY(REPORT) + AES-128-CMAC), measurements. */
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"
#include "tee/tee_int.h"

const char *hv_tee_error_text(hv_tee_error err) {
  switch (err) {
    case HV_TEE_OK: return "ok";
    case HV_TEE_ERR_ARGS: return "bad arguments";
    case HV_TEE_ERR_IO: return "platform secret or attestation file I/O failed";
    case HV_TEE_ERR_PERMISSIONS: return "platform secret file is not a private 0600 file of 32 bytes";
    case HV_TEE_ERR_NOT_ENCLAVE: return "not running inside an SGX enclave";
    case HV_TEE_ERR_REPORT_MAC: return "report MAC does not verify for this enclave";
    case HV_TEE_ERR_SEAL_OTHER_ENCLAVE: return "sealed for another enclave identity";
    case HV_TEE_ERR_SEAL_OTHER_PLATFORM: return "sealed on another platform";
    case HV_TEE_ERR_SEAL_SVN: return "sealed at an ISV SVN above this build's";
    case HV_TEE_ERR_SEAL_TAMPERED: return "sealed data malformed or altered";
    case HV_TEE_ERR_CRYPTO: return "cryptographic operation failed";
    case HV_TEE_ERR_SEAL_CPUSVN: return "sealed under a newer CPU SVN than this CPU runs";
    case HV_TEE_ERR_SEAL_DEBUG:
      return "sealed by this build under the other DEBUG attribute (a production "
             "and a debug launch have different seal keys)";
    case HV_TEE_ERR_NOMEM: return "out of memory";
  }
  return "unknown tee error";
}

const char *hv_tee_error_name(hv_tee_error err) {
  switch (err) {
    case HV_TEE_OK: return "ok";
    case HV_TEE_ERR_ARGS: return "bad-arguments";
    case HV_TEE_ERR_IO: return "io-error";
    case HV_TEE_ERR_PERMISSIONS: return "secret-permissions";
    case HV_TEE_ERR_NOT_ENCLAVE: return "not-in-enclave";
    case HV_TEE_ERR_REPORT_MAC: return "report-mac";
    case HV_TEE_ERR_SEAL_OTHER_ENCLAVE: return "sealed-other-enclave";
    case HV_TEE_ERR_SEAL_OTHER_PLATFORM: return "sealed-other-platform";
    case HV_TEE_ERR_SEAL_SVN: return "seal-svn-too-high";
    case HV_TEE_ERR_SEAL_TAMPERED: return "seal-tampered";
    case HV_TEE_ERR_CRYPTO: return "crypto-failed";
    case HV_TEE_ERR_SEAL_CPUSVN: return "sealed-newer-cpusvn";
    case HV_TEE_ERR_SEAL_DEBUG: return "sealed-other-debug";
    case HV_TEE_ERR_NOMEM: return "out-of-memory";
  }
  return "unknown-error";
}

const char *hv_tee_kind_name(hv_tee_kind kind) {
  switch (kind) {
    case HV_TEE_KIND_SIM: return "sim";
    case HV_TEE_KIND_SGX_DCAP: return "sgx-dcap";
    case HV_TEE_KIND_SGX_EPID: return "sgx-epid";
    case HV_TEE_KIND_SGX_LOCAL: return "sgx-local";
  }
  return "unknown";
}

hv_tee_error hv_tee_new(const tee_backend_ops *ops, void *impl, hv_tee_kind kind,
                     bool dev_mode, const sgx_report_body_t *self, hv_tee **out) {
  hv_tee *tee = calloc(1, sizeof *tee);
  if (!tee) {
    ops->free(impl);
    return HV_TEE_ERR_NOMEM;
  }
  tee->ops = ops;
  tee->impl = impl;
  tee->kind = kind;
  tee->dev_mode = dev_mode;
  tee->self = *self;
  memset(tee->self.report_data, 0, sizeof tee->self.report_data);
  *out = tee;
  return HV_TEE_OK;
}

void hv_tee_free(hv_tee *tee) {
  if (!tee) return;
  tee->ops->free(tee->impl);
  hv_wipe(tee, sizeof *tee);
  free(tee);
}

hv_tee_kind hv_tee_get_kind(const hv_tee *tee) { return tee->kind; }

bool hv_tee_dev_mode(const hv_tee *tee) { return tee->dev_mode; }

static void measurement_of(const sgx_report_body_t *b, hv_tee_measurement *out) {
  memcpy(out->mr_enclave, b->mr_enclave, HV_TEE_MR_LEN);
  memcpy(out->mr_signer, b->mr_signer, HV_TEE_MR_LEN);
  out->isv_prod_id = b->isv_prod_id;
  out->isv_svn = b->isv_svn;
}

void hv_tee_self(const hv_tee *tee, hv_tee_measurement *out) {
  measurement_of(&tee->self, out);
}

void hv_tee_target_info_of(const sgx_report_body_t *body, sgx_target_info_t *ti) {
  memset(ti, 0, sizeof *ti);
  memcpy(ti->mr_enclave, body->mr_enclave, sizeof ti->mr_enclave);
  ti->attributes = body->attributes;
  ti->config_svn = body->config_svn;
  ti->misc_select = body->misc_select;
  memcpy(ti->config_id, body->config_id, sizeof ti->config_id);
}

hv_tee_error hv_tee_target_info(const hv_tee *tee,
                                uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  sgx_target_info_t ti;
  hv_tee_target_info_of(&tee->self, &ti);
  hv_tee_sgx_target_info_encode(&ti, out);
  return HV_TEE_OK;
}

hv_tee_error hv_tee_report(const hv_tee *tee,
                           const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                           const uint8_t report_data[HV_TEE_REPORT_DATA_LEN],
                           uint8_t out[HV_TEE_REPORT_LEN]) {
  sgx_target_info_t ti;
  sgx_report_t rep;
  if (!tee || !target_info || !report_data || !out) return HV_TEE_ERR_ARGS;
  if (!hv_tee_sgx_target_info_decode(target_info, HV_TEE_TARGET_INFO_LEN, &ti))
    return HV_TEE_ERR_ARGS;
  hv_tee_error err = tee->ops->ereport(tee, &ti, report_data, &rep);
  if (err != HV_TEE_OK) return err;
  hv_tee_sgx_report_encode(&rep, out);
  return HV_TEE_OK;
}

hv_tee_error hv_tee_verify_report(const hv_tee *tee,
                                  const uint8_t report[HV_TEE_REPORT_LEN]) {
  sgx_report_t rep;
  sgx_key_request_t req;
  uint8_t key[SGX_KEY_SIZE], mac[HV_CMAC_LEN];
  if (!tee || !report) return HV_TEE_ERR_ARGS;
  if (!hv_tee_sgx_report_decode(report, HV_TEE_REPORT_LEN, &rep)) return HV_TEE_ERR_ARGS;
  memset(&req, 0, sizeof req);
  req.key_name = SGX_KEYSELECT_REPORT;
  memcpy(req.key_id, rep.key_id, sizeof req.key_id);
  hv_tee_error err = tee->ops->egetkey(tee, &req, key);
  if (err != HV_TEE_OK) return err;
  /* The MAC covers the body bytes exactly as received, not a re-encoding. */
  int rc = hv_aes_cmac(key, sizeof key, report, HV_TEE_REPORT_BODY_LEN, mac);
  hv_wipe(key, sizeof key);
  if (rc != 0) return HV_TEE_ERR_CRYPTO;
  return hv_ct_equal(mac, rep.mac, sizeof mac) ? HV_TEE_OK : HV_TEE_ERR_REPORT_MAC;
}

static void body_of(const uint8_t report[HV_TEE_REPORT_LEN], sgx_report_body_t *b) {
  /* A fixed-size array always decodes; only a layout bug could fail. */
  if (!hv_tee_sgx_report_body_decode(report, HV_TEE_REPORT_BODY_LEN, b)) memset(b, 0, sizeof *b);
}

void hv_tee_report_measurement(const uint8_t report[HV_TEE_REPORT_LEN],
                               hv_tee_measurement *out) {
  sgx_report_body_t b;
  body_of(report, &b);
  measurement_of(&b, out);
}

void hv_tee_report_data(const uint8_t report[HV_TEE_REPORT_LEN],
                        uint8_t out[HV_TEE_REPORT_DATA_LEN]) {
  sgx_report_body_t b;
  body_of(report, &b);
  memcpy(out, b.report_data, HV_TEE_REPORT_DATA_LEN);
}

bool hv_tee_report_debug(const uint8_t report[HV_TEE_REPORT_LEN]) {
  sgx_report_body_t b;
  body_of(report, &b);
  return (b.attributes.flags & SGX_FLAGS_DEBUG) != 0;
}

void hv_tee_target_info_mr_enclave(const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                                   uint8_t out[HV_TEE_MR_LEN]) {
  sgx_target_info_t ti;
  /* A fixed-size array always decodes; only a layout bug could fail. */
  if (!hv_tee_sgx_target_info_decode(target_info, HV_TEE_TARGET_INFO_LEN, &ti))
    memset(&ti, 0, sizeof ti);
  memcpy(out, ti.mr_enclave, HV_TEE_MR_LEN);
}

void hv_tee_target_info_from_report(const uint8_t report[HV_TEE_REPORT_LEN],
                                    uint8_t out[HV_TEE_TARGET_INFO_LEN]) {
  sgx_report_body_t b;
  sgx_target_info_t ti;
  body_of(report, &b);
  hv_tee_target_info_of(&b, &ti);
  hv_tee_sgx_target_info_encode(&ti, out);
}

void hv_tee_seal_request(const hv_tee *tee, uint16_t key_policy,
                      sgx_key_request_t *req) {
  memset(req, 0, sizeof *req);
  req->key_name = SGX_KEYSELECT_SEAL;
  req->key_policy = key_policy;
  req->isv_svn = tee->self.isv_svn;
  req->config_svn = tee->self.config_svn;
  memcpy(req->cpu_svn, tee->self.cpu_svn, sizeof req->cpu_svn);
  req->attribute_mask.flags = SGX_SEAL_FLAGS_MASK;
  req->attribute_mask.xfrm = SGX_SEAL_XFRM_MASK;
  req->misc_mask = SGX_SEAL_MISC_MASK;
}
