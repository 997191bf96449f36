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
    d->kind = s->kind;
    memcpy(d->host, s->host, strlen(s->host) + 1);
    d->ke_port = s->ke_port;
    memcpy(d->operator_name, s->operator_name, strlen(s->operator_name) + 1);
    memcpy(d->region, s->region, strlen(s->region) + 1);
  }
  cfg->n_servers = p->n_servers;
  cfg->rules.min_responses = p->time.min_responses;
  cfg->rules.max_spread_ms = (int64_t)p->time.max_spread_s * 1000;
  cfg->rules.min_distinct_operators = p->time.min_distinct_operators;
  cfg->rules.quorum = p->time.quorum;
  cfg->timeout_ms = (int)p->time.timeout_ms;
}

hv_policy_error hv_policy_parse_quorum(const hv_policy_lex *lx, hv_policy *p, hv_policy_diag *diag) {
  if (p->quorum_seen)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY, "'quorum' given twice");
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'quorum' takes exactly one value");
  if (hv_policy_lex_is(&lx->field[1], "configured"))
    p->time.quorum = HV_TIMESRC_QUORUM_CONFIGURED;
  else if (hv_policy_lex_is(&lx->field[1], "answers"))
    p->time.quorum = HV_TIMESRC_QUORUM_ANSWERS;
  else
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "quorum must be 'configured' or 'answers'");
  p->quorum_seen = true;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_parse_kind(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                                     hv_timesrc_kind *out, hv_policy_diag *diag) {
  if (hv_policy_lex_is(t, "nts"))
    *out = HV_TIMESRC_KIND_NTS;
  else if (hv_policy_lex_is(t, "https"))
    *out = HV_TIMESRC_KIND_HTTPS;
  else
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "server kind must be 'nts' or 'https'");
  return HV_POLICY_OK;
}
