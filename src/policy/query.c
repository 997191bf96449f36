/* Error names, accessors and the runtime query. */
#include <string.h>

#include "policy/policy_int.h"

const char *hv_policy_error_name(hv_policy_error err) {
  switch (err) {
    case HV_POLICY_OK: return "ok";
    case HV_POLICY_ERR_ARGS: return "bad-arguments";
    case HV_POLICY_ERR_NOMEM: return "out-of-memory";
    case HV_POLICY_ERR_TOO_LARGE: return "too-large";
    case HV_POLICY_ERR_LINE_TOO_LONG: return "line-too-long";
    case HV_POLICY_ERR_BAD_CHAR: return "bad-character";
    case HV_POLICY_ERR_SYNTAX: return "syntax";
    case HV_POLICY_ERR_UNKNOWN_KEY: return "unknown-key";
    case HV_POLICY_ERR_DUPLICATE_KEY: return "duplicate-key";
    case HV_POLICY_ERR_DUPLICATE_ENTRY: return "duplicate-entry";
    case HV_POLICY_ERR_BAD_HEX: return "bad-hex";
    case HV_POLICY_ERR_BAD_NUMBER: return "bad-number";
    case HV_POLICY_ERR_OUT_OF_RANGE: return "out-of-range";
    case HV_POLICY_ERR_TOO_MANY: return "too-many";
    case HV_POLICY_ERR_MISSING_FIELD: return "missing-field";
    case HV_POLICY_ERR_ORDER: return "runtime-order";
    case HV_POLICY_ERR_NO_COUNCIL: return "no-council";
    case HV_POLICY_ERR_UNKNOWN_SIGNER: return "unknown-signer";
    case HV_POLICY_ERR_BAD_SIGNATURE: return "bad-signature";
    case HV_POLICY_ERR_BELOW_THRESHOLD: return "below-threshold";
    case HV_POLICY_ERR_ROLLBACK: return "rollback";
    case HV_POLICY_ERR_NOT_ALLOWED: return "runtime-not-allowed";
    case HV_POLICY_ERR_CRYPTO: return "crypto";
    case HV_POLICY_ERR_BAD_TIME: return "bad-time";
    case HV_POLICY_ERR_EXPIRED: return "expired";
    case HV_POLICY_ERR_TIMESTAMP_STALE: return "timestamp-stale";
    case HV_POLICY_ERR_TIMESTAMP_MISMATCH: return "timestamp-mismatch";
    case HV_POLICY_ERR_NOT_WAIVABLE: return "not-waivable";
    case HV_POLICY_ERR_OVERRIDE_OTHER_IDENTITY: return "override-other-identity";
    case HV_POLICY_ERR_OVERRIDE_OTHER_BUILD: return "override-other-build";
  }
  return "unknown-error";
}

uint64_t hv_policy_version(const hv_policy *p) { return p->version; }

hv_policy_after_handover hv_policy_get_after_handover(const hv_policy *p) {
  return p->after_handover;
}

void hv_policy_get_time(const hv_policy *p, hv_policy_time *out) { *out = p->time; }

uint32_t hv_policy_response_window_s(const hv_policy *p) { return p->response_window_s; }

uint64_t hv_policy_max_chain_lag_s(const hv_policy *p) { return p->max_chain_lag_s; }

uint64_t hv_policy_expires_unix(const hv_policy *p) { return p->expires_unix; }

uint32_t hv_policy_min_block_interval_ms(const hv_policy *p) {
  return p->min_block_interval_ms;
}

bool hv_policy_has_timestamp_key(const hv_policy *p) { return p->has_timestamp_key; }

uint32_t hv_policy_max_timestamp_age_s(const hv_policy *p) { return p->max_timestamp_age_s; }

hv_policy_error hv_policy_check_expiry(const hv_policy *p, uint64_t now_ms,
                                       hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "policy");
  if (!p) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  if (now_ms / 1000 < p->expires_unix) return HV_POLICY_OK;
  char when[HV_POLICY_TIME_TEXT_LEN];
  hv_policy_time_format(p->expires_unix, when);
  return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_EXPIRED,
                 "expired at %s by trusted time; the council must sign a new one", when);
}

size_t hv_policy_server_count(const hv_policy *p) { return p->n_servers; }

hv_policy_error hv_policy_server_at(const hv_policy *p, size_t i,
                                    hv_policy_server *out) {
  if (!p || !out || i >= p->n_servers) return HV_POLICY_ERR_ARGS;
  *out = p->servers[i];
  return HV_POLICY_OK;
}

size_t hv_policy_runtime_count(const hv_policy *p) { return p->n_runtimes; }

hv_policy_error hv_policy_runtime_at(const hv_policy *p, size_t i,
                                     hv_policy_runtime *out) {
  if (!p || !out || i >= p->n_runtimes) return HV_POLICY_ERR_ARGS;
  *out = p->runtimes[i];
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_runtime_order(const hv_policy *p,
                                        const hv_tee_measurement *m,
                                        uint64_t *seq) {
  if (!p || !m) return HV_POLICY_ERR_ARGS;
  for (size_t i = 0; i < p->n_runtimes; i++) {
    if (hv_policy_same_measurement(&p->runtimes[i].m, m)) {
      if (seq) *seq = p->runtimes[i].seq;
      return HV_POLICY_OK;
    }
  }
  return HV_POLICY_ERR_NOT_ALLOWED;
}
