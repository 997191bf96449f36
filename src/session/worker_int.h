/* The worker as the session module sees it (opaque to callers). */
#ifndef HANDOVER_SESSION_WORKER_INT_H
#define HANDOVER_SESSION_WORKER_INT_H

#include "handover/policy.h"
#include "handover/session.h"

struct hv_session_worker {
  hv_tee *tee; /* the caller's */
  hv_store *store;
  hv_policy *policy;
  hv_session_log log;
  hv_proto_runtime runtimes[HV_POLICY_MAX_RUNTIMES];
  hv_proto_params params;
  hv_timesrc_config time_cfg;
  uint8_t policy_hash[HV_SHA256_LEN]; /* of the verified policy text (receipts) */
  uint8_t nts_state_key[HV_TIMESRC_STATE_KEY_LEN]; /* time_cfg.state_key */
};

#endif
