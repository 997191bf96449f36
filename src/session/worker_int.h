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
  hv_session_worker_config cfg; /* the caller's (its strings outlive us) */
  uint8_t *policy_text;         /* the signed policy bytes, kept only when it
                                   names a timestamp_key */
  size_t policy_len;
  uint64_t ts_time_unix;        /* the newest timestamp accepted */
};

/* Reads and verifies the policy files of w->cfg (refusing a version below
 * the store's newest, recording its version), and derives the protocol
 * parameters, the trusted-time configuration and the freshness state from
 * it: at open, and into a new worker struct on a reload (reload.c).
 * 0 or -1 (logged). */
HV_MUST_CHECK int hv_session_worker_load_policy(hv_session_worker *w);

/* The council to verify signed files against (worker.c). 0 or -1 (logged). */
HV_MUST_CHECK int hv_session_load_council(const hv_session_worker_config *a,
                                          const hv_session_worker *w, hv_policy_council **out);

/* Freshness (fresh.c). After the policy is verified and the parameters
 * filled: the timestamp, the policy's end, the block rate, the floor as
 * the certificates' lower bound. 0 or -1 (logged). */
HV_MUST_CHECK int hv_session_fresh_open(hv_session_worker *w);
/* A sender between connections (with its lock held): a newer valid
 * timestamp file, if the policy takes one, extends the policy's end for
 * the connections that follow; anything else keeps the one in force. */
void hv_session_fresh_refresh(hv_session_worker *w);
/* A trusted time just obtained: HV_PROTO_OK (recorded when it raises the
 * floor), or HV_PROTO_ERR_TIME_BELOW_FLOOR (logged with tag). */
HV_MUST_CHECK hv_proto_error hv_session_fresh_time(hv_session_worker *w, uint64_t now_ms,
                                                   const char *tag);
/* Sender: verifies cfg.override_file for this identity and build and
 * puts it in the protocol parameters. 0 (also without one) or -1 (logged). */
HV_MUST_CHECK int hv_session_fresh_override(hv_session_worker *w,
                                            const uint8_t identity_pub[HV_PROTO_KEY_LEN]);

#endif
