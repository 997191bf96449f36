/* Stable names of errors and messages: they appear in logs, in ERROR
 * messages to the peer and in tests, so they never change meaning. */
#include "handover/proto.h"

static const char *const ERROR_NAMES[HV_PROTO_ERR__COUNT] = {
    [HV_PROTO_OK] = "ok",
    [HV_PROTO_ERR_ARGS] = "bad-arguments",
    [HV_PROTO_ERR_OUT_SPACE] = "output-buffer-too-small",
    [HV_PROTO_ERR_INTERNAL] = "internal-failure",
    [HV_PROTO_ERR_OVERSIZED] = "message-oversized",
    [HV_PROTO_ERR_TRUNCATED] = "message-truncated",
    [HV_PROTO_ERR_TRAILING] = "trailing-bytes",
    [HV_PROTO_ERR_VERSION] = "unsupported-version",
    [HV_PROTO_ERR_MSG_TYPE] = "unknown-message-type",
    [HV_PROTO_ERR_UNKNOWN_CRITICAL] = "unknown-critical-record",
    [HV_PROTO_ERR_NOT_CRITICAL] = "record-not-critical",
    [HV_PROTO_ERR_DUPLICATE] = "duplicate-record",
    [HV_PROTO_ERR_MISSING] = "missing-record",
    [HV_PROTO_ERR_FIELD_LENGTH] = "record-length",
    [HV_PROTO_ERR_FIELD_VALUE] = "record-value",
    [HV_PROTO_ERR_TOO_MANY_RECORDS] = "too-many-records",
    [HV_PROTO_ERR_UNEXPECTED] = "unexpected-message",
    [HV_PROTO_ERR_PEER_ERROR] = "peer-error",
    [HV_PROTO_ERR_FAILED_BEFORE] = "exchange-already-failed",
    [HV_PROTO_ERR_TABLE_FULL] = "challenge-table-full",
    [HV_PROTO_ERR_CHALLENGE_UNKNOWN] = "challenge-unknown",
    [HV_PROTO_ERR_CHALLENGE_REPLAYED] = "challenge-replayed",
    [HV_PROTO_ERR_CHALLENGE_EXPIRED] = "challenge-expired",
    [HV_PROTO_ERR_TIME_BEFORE_T0] = "time-before-challenge",
    [HV_PROTO_ERR_TIME_WINDOW] = "response-after-window",
    [HV_PROTO_ERR_REPORT_MAC] = "report-mac",
    [HV_PROTO_ERR_REPORT_BINDING] = "report-data-binding",
    [HV_PROTO_ERR_ATTESTATION_KIND] = "attestation-kind-mismatch",
    [HV_PROTO_ERR_DEV_MODE] = "dev-mode-mismatch",
    [HV_PROTO_ERR_RECEIVER_NOT_ALLOWED] = "receiver-not-in-policy",
    [HV_PROTO_ERR_RECEIVER_NOT_NEWER] = "receiver-not-newer",
    [HV_PROTO_ERR_SELF_NOT_ALLOWED] = "own-build-not-in-policy",
    [HV_PROTO_ERR_CHAIN_STALE] = "chain-head-stale",
    [HV_PROTO_ERR_SENDER_NOT_ALLOWED] = "sender-not-in-policy",
    [HV_PROTO_ERR_EXCHANGE_WINDOW] = "exchange-outside-window",
    [HV_PROTO_ERR_DECRYPT] = "decryption-failed",
    [HV_PROTO_ERR_IDENTITY_MISMATCH] = "identity-key-mismatch",
    [HV_PROTO_ERR_POLICY_BEHIND_SENDER] = "policy-older-than-sender",
    [HV_PROTO_ERR_SENDER_NOT_CHALLENGER] = "sender-not-challenger",
    [HV_PROTO_ERR_CHAIN_FUTURE] = "chain-head-in-future",
    [HV_PROTO_ERR_DONE_UNAUTHENTICATED] = "done-unauthenticated",
    [HV_PROTO_ERR_DONE_OTHER_EXCHANGE] = "done-other-exchange",
    [HV_PROTO_ERR_IDENTITY_NOT_EXPECTED] = "identity-mismatch",
    [HV_PROTO_ERR_SENDER_RETIRED] = "sender-retired",
    [HV_PROTO_ERR_HANDOVER_IN_PROGRESS] = "handover-in-progress",
    [HV_PROTO_ERR_POLICY_EXPIRED] = "policy-expired",
    [HV_PROTO_ERR_CHAIN_TIME_BACK] = "chain-head-time-back",
    [HV_PROTO_ERR_CHAIN_JUMP] = "chain-head-jump",
    [HV_PROTO_ERR_TIME_BELOW_FLOOR] = "trusted-time-below-floor",
};
/* The wire codes are fixed (PROTOCOL.md section 8); 40-49 are the move's. */
_Static_assert(HV_PROTO_ERR_CHAIN_FUTURE == 39, "wire error codes renumbered");
_Static_assert(HV_PROTO_ERR_HANDOVER_IN_PROGRESS == 44, "wire error codes renumbered");

const char *hv_proto_error_name(hv_proto_error err) {
  if ((unsigned)err >= HV_PROTO_ERR__COUNT || !ERROR_NAMES[err]) return "unknown-error";
  return ERROR_NAMES[err];
}

const char *hv_proto_msg_name(hv_proto_msg_type type) {
  switch (type) {
    case HV_PROTO_MSG_HELLO: return "hello";
    case HV_PROTO_MSG_CHALLENGE: return "challenge";
    case HV_PROTO_MSG_RESPONSE: return "response";
    case HV_PROTO_MSG_KEY: return "key";
    case HV_PROTO_MSG_DONE: return "done";
    case HV_PROTO_MSG_ERROR: return "error";
  }
  return "unknown";
}
