/* The trusted-time choices of a policy: `quorum` and a server's `kind`. */
#include "policy/policy_int.h"

const char *hv_policy_quorum_name(hv_policy_quorum q) {
  return q == HV_POLICY_QUORUM_ANSWERS ? "answers" : "configured";
}

const char *hv_policy_server_kind_name(hv_policy_server_kind k) {
  return k == HV_POLICY_SERVER_KIND_HTTPS ? "https" : "nts";
}

hv_policy_error hv_policy_parse_quorum(const hv_policy_lex *lx, hv_policy *p, hv_policy_diag *diag) {
  if (p->quorum_seen)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY, "'quorum' given twice");
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'quorum' takes exactly one value");
  if (hv_policy_lex_is(&lx->field[1], "configured"))
    p->time.quorum = HV_POLICY_QUORUM_CONFIGURED;
  else if (hv_policy_lex_is(&lx->field[1], "answers"))
    p->time.quorum = HV_POLICY_QUORUM_ANSWERS;
  else
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "quorum must be 'configured' or 'answers'");
  p->quorum_seen = true;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_parse_kind(const hv_policy_lex *lx, const hv_policy_lex_tok *t,
                                     hv_policy_server_kind *out, hv_policy_diag *diag) {
  if (hv_policy_lex_is(t, "nts"))
    *out = HV_POLICY_SERVER_KIND_NTS;
  else if (hv_policy_lex_is(t, "https"))
    *out = HV_POLICY_SERVER_KIND_HTTPS;
  else
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "server kind must be 'nts' or 'https'");
  return HV_POLICY_OK;
}
