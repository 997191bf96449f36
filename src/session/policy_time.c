/* The policy's trusted-time settings as a timesrc configuration: session
 * is the layer that uses both, so policy and timesrc stay siblings
 * (DESIGN section 2). */
#include <string.h>

#include "handover/session.h"

/* Everything a policy can hold must fit the timesrc configuration, and
 * the policy's choices must mean timesrc's. */
_Static_assert(HV_POLICY_MAX_SERVERS <= HV_TIMESRC_MAX_SERVERS, "servers fit");
_Static_assert(HV_POLICY_MAX_HOST <= HV_NTS_HOST_MAX, "host names fit");
_Static_assert(HV_POLICY_MAX_LABEL <= HV_TIMESRC_LABEL_MAX, "labels fit");
_Static_assert(HV_POLICY_MAX_TIMEOUT_MS == HV_TIMESRC_MAX_TIMEOUT_MS, "one timeout limit");
_Static_assert(HV_POLICY_DEFAULT_HTTPS_PORT == HV_TIMESRC_DEFAULT_HTTPS_PORT, "one https port");

static hv_timesrc_kind kind_of(hv_policy_server_kind k) {
  return k == HV_POLICY_SERVER_KIND_HTTPS ? HV_TIMESRC_KIND_HTTPS : HV_TIMESRC_KIND_NTS;
}

static hv_timesrc_quorum quorum_of(hv_policy_quorum q) {
  return q == HV_POLICY_QUORUM_ANSWERS ? HV_TIMESRC_QUORUM_ANSWERS : HV_TIMESRC_QUORUM_CONFIGURED;
}

void hv_session_timesrc_config(const hv_policy *p, hv_timesrc_config *cfg) {
  hv_timesrc_config_init(cfg);
  size_t n = hv_policy_server_count(p);
  for (size_t i = 0; i < n; i++) {
    hv_policy_server s;
    hv_timesrc_server *d = &cfg->servers[i];
    memset(d, 0, sizeof *d);
    if (hv_policy_server_at(p, i, &s) != HV_POLICY_OK) return; /* i < count: cannot fail */
    d->kind = kind_of(s.kind);
    memcpy(d->host, s.host, strlen(s.host) + 1);
    d->ke_port = s.ke_port;
    memcpy(d->operator_name, s.operator_name, strlen(s.operator_name) + 1);
    memcpy(d->region, s.region, strlen(s.region) + 1);
    cfg->n_servers = i + 1;
  }
  hv_policy_time t;
  hv_policy_get_time(p, &t);
  cfg->rules.min_responses = t.min_responses;
  cfg->rules.max_spread_ms = (int64_t)t.max_spread_s * 1000;
  cfg->rules.min_distinct_operators = t.min_distinct_operators;
  cfg->rules.quorum = quorum_of(t.quorum);
  cfg->timeout_ms = (int)t.timeout_ms;
}
