/* The inside of hv_policy and hv_policy_council, shared by the parser,
 * the formatter and the signature checks. */
#ifndef HANDOVER_POLICY_INT_H
#define HANDOVER_POLICY_INT_H

#include "handover/policy.h"

struct hv_policy {
  uint64_t version;
  hv_policy_time time;
  uint32_t response_window_s;
  uint64_t max_chain_lag_s;
  hv_policy_after_handover after_handover;
  bool after_handover_given; /* at most once */
  bool quorum_seen;
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
#define HV_POLICY_TIMEOUT_LIMIT_MS HV_TIMESRC_MAX_TIMEOUT_MS /* what timesrc runs */
#define HV_POLICY_RESPONSE_WINDOW_LIMIT_S 3600u /* an hour */
#define HV_POLICY_CHAIN_LAG_LIMIT_S (366u * 24 * 3600) /* a year */

/* `quorum configured|answers` (timesrc_config.c). */
#include "policy/lex.h"
hv_policy_error hv_policy_parse_quorum(const hv_lex *lx, hv_policy *p, hv_policy_diag *diag);
/* `kind=nts|https` of a server line. */
hv_policy_error hv_policy_parse_kind(const hv_lex *lx, const hv_lex_tok *t,
                                     hv_timesrc_kind *out, hv_policy_diag *diag);

#endif
