/* Receipts and the store's log at the end of an exchange. */
#include "session/evidence.h"

#include <string.h>

#include "handover/log.h"
#include "session/log.h"

void hv_session_record_receipt(hv_session_worker *w, hv_receipt *r, const uint8_t *secret,
                         uint64_t time_ms, const char *tag) {
  static _Thread_local uint8_t buf[HV_RECEIPT_MAX_LEN];
  hv_tee_self(w->tee, r->role == HV_RECEIPT_ROLE_SENDER ? &r->sender : &r->receiver);
  r->policy_version = w->params.policy_version;
  memcpy(r->policy_hash, w->policy_hash, sizeof r->policy_hash);
  size_t len = 0;
  hv_receipt_error re = hv_receipt_encode(r, secret, buf, sizeof buf, &len);
  if (re != HV_RECEIPT_OK) {
    hv_session_logf(&w->log, HV_SESSION_LOG_WARN, "%s no receipt: %s", tag, hv_receipt_error_name(re));
    return;
  }
  hv_store_error se = HV_STORE_OK;
  hv_log_error le = hv_store_log_append(w->store, time_ms, HV_LOG_ENTRY_RECEIPT, buf, len, &se);
  if (le != HV_LOG_OK)
    hv_session_logf(&w->log, HV_SESSION_LOG_WARN, "%s receipt not logged: %s%s%s", tag,
             hv_log_error_name(le), le == HV_LOG_ERR_STORE ? ": " : "",
             le == HV_LOG_ERR_STORE ? hv_store_error_text(se) : "");
  else
    hv_session_logf(&w->log, HV_SESSION_LOG_INFO, "%s receipt (%s, %zu bytes) appended to the store's log",
             tag, secret ? "signed by the identity" : "unsigned: a refusal", len);
}

bool hv_session_refusal_after_report(hv_proto_error err) {
  switch (err) {
    /* sender on a RESPONSE (PROTOCOL.md section 6, checks 6 to 8),
       receiver on a KEY (section 7, checks 3 to 9) */
    case HV_PROTO_ERR_ATTESTATION_KIND:
    case HV_PROTO_ERR_DEV_MODE:
    case HV_PROTO_ERR_RECEIVER_NOT_ALLOWED:
    case HV_PROTO_ERR_RECEIVER_NOT_NEWER:
    case HV_PROTO_ERR_SELF_NOT_ALLOWED:
    case HV_PROTO_ERR_CHAIN_STALE:
    case HV_PROTO_ERR_CHAIN_FUTURE:
    case HV_PROTO_ERR_SENDER_NOT_CHALLENGER:
    case HV_PROTO_ERR_SENDER_NOT_ALLOWED:
    case HV_PROTO_ERR_POLICY_BEHIND_SENDER:
    case HV_PROTO_ERR_EXCHANGE_WINDOW:
    case HV_PROTO_ERR_DECRYPT:
    case HV_PROTO_ERR_IDENTITY_MISMATCH:
      return true;
    default:
      return false;
  }
}
