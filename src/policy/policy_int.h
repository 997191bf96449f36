/* The inside of hv_policy and hv_policy_council, shared by the parser,
 * the formatter and the signature checks. */
#ifndef HANDOVER_POLICY_INT_H
#define HANDOVER_POLICY_INT_H

#include "handover/policy.h"
#include "policy/lex.h"

struct hv_policy {
  uint64_t version;
  hv_policy_time time;
  uint32_t response_window_s;
  uint64_t max_chain_lag_s;
  hv_policy_after_handover after_handover;
  bool after_handover_given; /* at most once */
  bool quorum_seen;
  uint64_t expires_unix;
  uint32_t min_block_interval_ms;
  bool has_timestamp_key;
  uint8_t timestamp_key[HV_ED25519_PUB_LEN];
  uint32_t max_timestamp_age_s;
  size_t n_servers;
  hv_policy_server servers[HV_POLICY_MAX_SERVERS];
  size_t n_runtimes;
  hv_policy_runtime runtimes[HV_POLICY_MAX_RUNTIMES];
};

struct hv_policy_council {
  uint32_t threshold;
  size_t n_members;
  uint8_t members[HV_POLICY_MAX_COUNCIL][HV_ED25519_PUB_LEN];
};

/* Ranges of the scalar settings (docs/POLICY.md explains each). */
#define HV_POLICY_MAX_SPREAD_LIMIT_S 86400u     /* a day: beyond is no check */
#define HV_POLICY_TIMEOUT_LIMIT_MS HV_POLICY_MAX_TIMEOUT_MS /* what a time query may run */
#define HV_POLICY_RESPONSE_WINDOW_LIMIT_S 3600u /* an hour */
#define HV_POLICY_CHAIN_LAG_LIMIT_S (366u * 24 * 3600) /* a year */
#define HV_POLICY_BLOCK_INTERVAL_LIMIT_MS 86400000u /* a block a day */
#define HV_POLICY_TIMESTAMP_AGE_LIMIT_S (366u * 24 * 3600) /* a year */

/* The attributes of a measurement line (`runtime`, and an override's
 * `from` and `to`): seq=N (only when with_seq) mr_enclave= mr_signer=
 * isv_prod_id= isv_svn=, each exactly once. */
HV_MUST_CHECK hv_policy_error hv_policy_measurement_attrs(const hv_policy_lex *lx, bool with_seq,
                                                          uint64_t *seq, hv_tee_measurement *m,
                                                          hv_policy_diag *diag);
/* A one-value time line (`expires T`). */
HV_MUST_CHECK hv_policy_error hv_policy_time_field(const hv_policy_lex *lx, const char *what,
                                                   uint64_t *unix_s, hv_policy_diag *diag);
/* The .sig checks shared by policies and overrides: a council, the
 * signature file parses, every line by a member and valid, threshold. */
HV_MUST_CHECK hv_policy_error hv_policy_check_sig_file(const uint8_t *text, size_t len,
                                                       const uint8_t *sig, size_t sig_len,
                                                       const hv_policy_council *council,
                                                       hv_policy_diag *diag);
bool hv_policy_same_measurement(const hv_tee_measurement *a, const hv_tee_measurement *b);

/* `quorum configured|answers` (time_config.c). */
#include "policy/lex.h"
HV_MUST_CHECK hv_policy_error hv_policy_parse_quorum(const hv_policy_lex *lx, hv_policy *p,
                                                     hv_policy_diag *diag);
/* `kind=nts|https` of a server line. */
HV_MUST_CHECK hv_policy_error hv_policy_parse_kind(const hv_policy_lex *lx,
                                                   const hv_policy_lex_tok *t,
                                                   hv_policy_server_kind *out,
                                                   hv_policy_diag *diag);

#endif
