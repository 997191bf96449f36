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
  int64_t deadline_ms; /* the receiver's exchange */
  const char *policy_file, *policy_sig_file, *council_file; /* for a reload */
};

/* Reads and verifies the worker's policy files against its council,
 * refusing a version below newest, and hashes the text (receipts); -1
 * with the reason logged (ERROR). */
int sess_worker_read_policy(hv_session_worker *w, uint64_t newest, hv_policy **out,
                            uint8_t hash[HV_SHA256_LEN]);
/* The protocol parameters a policy gives (runtimes: HV_POLICY_MAX_RUNTIMES
 * entries, which out points into). 0 or -1 (logged). */
int sess_worker_params(const hv_session_worker *w, const hv_policy *p,
                       hv_proto_runtime *runtimes, hv_proto_params *out);

#endif
