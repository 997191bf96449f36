#include "cli/cmd_policy_json.h"

#include <stdio.h>

#include "cli/json_out.h"

static json_t *expires_json(uint64_t unix_s) {
  char when[HV_POLICY_TIME_TEXT_LEN];
  hv_policy_time_format(unix_s, when);
  return json_string(when);
}

int pol_verify_json(const char *policy, const char *council_path, const hv_policy *p,
                    const hv_policy_council *c, hv_policy_error err, const hv_policy_diag *d,
                    const char *file, uint64_t expires_unix) {
  json_t *o;
  if (!err) {
    o = json_pack("{s:b, s:s, s:b, s:i, s:I, s:s}", "verified", 1, "policy", policy,
                  "override", p == NULL, "threshold", (int)hv_policy_council_threshold(c),
                  "council_size", (json_int_t)hv_policy_council_size(c), "council",
                  council_path ? council_path : "built-in");
    if (o && p) json_object_set_new(o, "version", json_integer((json_int_t)hv_policy_version(p)));
    if (o) json_object_set_new(o, "expires", expires_json(expires_unix));
  } else {
    o = json_pack("{s:b, s:s, s:s, s:s, s:s}", "verified", 0, "policy", policy, "error",
                  hv_policy_error_name(err), "file", file, "what", d->what);
    if (o && d->line) json_object_set_new(o, "line", json_integer((json_int_t)d->line));
  }
  return cli_json_print(o);
}

static json_t *measurement_json(const hv_tee_measurement *m) {
  char mre[2 * HV_TEE_MR_LEN + 1], mrs[2 * HV_TEE_MR_LEN + 1];
  for (size_t i = 0; i < HV_TEE_MR_LEN; i++) {
    snprintf(mre + 2 * i, 3, "%02x", m->mr_enclave[i]);
    snprintf(mrs + 2 * i, 3, "%02x", m->mr_signer[i]);
  }
  return json_pack("{s:s, s:s, s:i, s:i}", "mr_enclave", mre, "mr_signer", mrs,
                   "isv_prod_id", m->isv_prod_id, "isv_svn", m->isv_svn);
}

int pol_show_json(const char *path, const hv_policy *p) {
  hv_policy_time t;
  hv_policy_get_time(p, &t);
  json_t *o = json_pack(
      "{s:s, s:b, s:I, s:o, s:i, s:I, s:{s:i, s:i, s:i, s:i, s:s}}", "policy", path,
      "signatures_checked", 0, "version", (json_int_t)hv_policy_version(p), "expires",
      expires_json(hv_policy_expires_unix(p)), "response_window_s",
      (int)hv_policy_response_window_s(p), "max_chain_lag_s",
      (json_int_t)hv_policy_max_chain_lag_s(p), "time", "min_responses",
      (int)t.min_responses, "max_spread_s", (int)t.max_spread_s, "timeout_ms",
      (int)t.timeout_ms, "min_distinct_operators", (int)t.min_distinct_operators, "quorum",
      hv_policy_quorum_name(t.quorum));
  json_t *servers = json_array(), *runtimes = json_array();
  for (size_t i = 0; o && servers && i < hv_policy_server_count(p); i++) {
    hv_policy_server sv;
    if (hv_policy_server_at(p, i, &sv) == HV_POLICY_OK)
      json_array_append_new(servers, json_pack("{s:s, s:i, s:s, s:s}", "host", sv.host,
                                               "port", sv.ke_port, "operator",
                                               sv.operator_name, "region", sv.region));
  }
  for (size_t i = 0; o && runtimes && i < hv_policy_runtime_count(p); i++) {
    hv_policy_runtime r;
    if (hv_policy_runtime_at(p, i, &r) != HV_POLICY_OK) continue;
    json_t *m = measurement_json(&r.m);
    if (m) json_object_set_new(m, "seq", json_integer((json_int_t)r.seq));
    json_array_append_new(runtimes, m);
  }
  if (o && servers && runtimes) {
    json_object_set_new(o, "servers", servers);
    json_object_set_new(o, "runtimes", runtimes);
    return cli_json_print(o) == 0 ? 0 : 1;
  }
  json_decref(o);
  json_decref(servers);
  json_decref(runtimes);
  return cli_json_print(NULL) == 0 ? 0 : 1;
}
