/* The policy's trusted-time settings as a timesrc configuration. */
#include <string.h>

#include "policy/policy_int.h"

/* Everything a policy can hold must fit the timesrc configuration. */
_Static_assert(HV_POLICY_MAX_SERVERS <= HV_TIMESRC_MAX_SERVERS, "servers fit");
_Static_assert(HV_POLICY_MAX_HOST <= HV_NTS_HOST_MAX, "host names fit");
_Static_assert(HV_POLICY_MAX_LABEL <= HV_TIMESRC_LABEL_MAX, "labels fit");
_Static_assert(HV_POLICY_TIMEOUT_LIMIT_MS <= HV_TIMESRC_MAX_TIMEOUT_MS, "timeout fits");

void hv_policy_timesrc_config(const hv_policy *p, hv_timesrc_config *cfg) {
  hv_timesrc_config_init(cfg);
  for (size_t i = 0; i < p->n_servers; i++) {
    const hv_policy_server *s = &p->servers[i];
    hv_timesrc_server *d = &cfg->servers[i];
    memset(d, 0, sizeof *d);
    memcpy(d->host, s->host, strlen(s->host) + 1);
    d->ke_port = s->ke_port;
    memcpy(d->operator_name, s->operator_name, strlen(s->operator_name) + 1);
    memcpy(d->region, s->region, strlen(s->region) + 1);
  }
  cfg->n_servers = p->n_servers;
  cfg->rules.min_responses = p->time.min_responses;
  cfg->rules.max_spread_ms = (int64_t)p->time.max_spread_s * 1000;
  cfg->rules.min_distinct_operators = p->time.min_distinct_operators;
  cfg->timeout_ms = (int)p->time.timeout_ms;
}
