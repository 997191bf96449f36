/* Freshness the host cannot fake (docs/POLICY.md, README security notes):
 * the policy's end (expires, or sooner its online timestamp's age), the
 * chain's block rate for the store's head checks, the store's time floor
 * as the NTS certificates' lower time bound and as the lowest trusted
 * time believed, and the council override of a stuck sender. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/log.h"
#include "session/worker_int.h"
#include "sys/sys.h"

#define FAIL(w, ...) hv_session_logf(&(w)->log, HV_SESSION_LOG_ERROR, __VA_ARGS__)
/* What a path plus a suffix (".ts", ".sig") may take. */
#define PATH_CAP 4096

static int with_suffix(const char *given, const char *base, const char *suffix,
                       char out[PATH_CAP]) {
  int n = given ? snprintf(out, PATH_CAP, "%s", given)
                : snprintf(out, PATH_CAP, "%s%s", base, suffix);
  return n > 0 && n < PATH_CAP ? 0 : -1;
}

/* The time the policy's timestamp was signed, verified against the policy
 * bytes the council signed; 0 without a key. loud: log why it failed. */
static int read_timestamp(hv_session_worker *w, uint64_t *ts_time, bool loud) {
  *ts_time = 0;
  if (!hv_policy_has_timestamp_key(w->policy)) return 0;
  char path[PATH_CAP];
  uint8_t *ts = NULL;
  size_t ts_len = 0;
  int rc = -1;
  if (with_suffix(w->cfg.policy_timestamp_file, w->cfg.policy_file, ".ts", path) != 0) {
    if (loud) FAIL(w, "policy timestamp: path too long");
    return -1;
  }
  if (hv_sys_read_file_alloc(path, HV_SYS_READ_REGULAR, HV_POLICY_MAX_FILE, &ts, &ts_len) != 0) {
    if (loud)
      FAIL(w, "the policy names a timestamp_key: reading %s: %s", path, hv_sys_file_error(errno));
    return -1;
  }
  hv_policy_diag d = {0};
  hv_policy_error pe = hv_policy_timestamp_verify(w->policy, w->policy_text, w->policy_len, ts,
                                                  ts_len, ts_time, &d);
  if (pe != HV_POLICY_OK) {
    if (loud)
      FAIL(w, "policy timestamp %s refused: %s (line %zu: %s)", path, hv_policy_error_name(pe),
           d.line, d.what);
    goto out;
  }
  rc = 0;
out:
  free(ts);
  return rc;
}

void hv_session_fresh_refresh(hv_session_worker *w) {
  uint64_t ts_time = 0;
  if (!hv_policy_has_timestamp_key(w->policy) || read_timestamp(w, &ts_time, false) != 0 ||
      ts_time <= w->ts_time_unix)
    return;
  w->ts_time_unix = ts_time;
  w->params.policy_expires_ms = hv_policy_in_force_until_ms(w->policy, ts_time);
  char when[HV_POLICY_TIME_TEXT_LEN];
  hv_policy_time_format(ts_time, when);
  hv_session_logf(&w->log, HV_SESSION_LOG_INFO, "policy timestamp renewed: signed at %s", when);
}

int hv_session_fresh_open(hv_session_worker *w) {
  uint64_t ts_time = 0, floor = 0;
  if (read_timestamp(w, &ts_time, true) != 0) return -1;
  w->ts_time_unix = ts_time;
  w->params.policy_expires_ms = hv_policy_in_force_until_ms(w->policy, ts_time);
  hv_store_error se = hv_store_set_min_block_interval(
      w->store, hv_policy_min_block_interval_ms(w->policy));
  if (se == HV_STORE_OK) se = hv_store_get_time_floor(w->store, &floor);
  if (se != HV_STORE_OK) {
    FAIL(w, "reading the store's time floor: %s", hv_store_error_text(se));
    return -1;
  }
  /* The floor is a lower bound on the true time: a policy whose end is
   * below it has certainly ended (the exact check is against trusted
   * time, on every message). */
  hv_policy_diag d = {0};
  hv_policy_error pe = hv_policy_check_in_force(w->policy, ts_time, floor, &d);
  if (pe != HV_POLICY_OK) {
    FAIL(w, "policy refused: %s (%s)", hv_policy_error_name(pe), d.what);
    return -1;
  }
  /* NTS certificates that had expired by the floor are refused whatever
   * the host's clock says; it is never lowered because of that clock. */
  w->time_cfg.not_before_unix = (int64_t)(floor / 1000);
  return 0;
}

hv_proto_error hv_session_fresh_time(hv_session_worker *w, uint64_t now_ms, const char *tag) {
  uint64_t floor = 0;
  hv_store_error se = hv_store_record_trusted_time(w->store, now_ms, &floor);
  if (se == HV_STORE_OK) return HV_PROTO_OK;
  if (se == HV_STORE_ERR_BELOW_FLOOR) {
    hv_session_logf(&w->log, HV_SESSION_LOG_WARN,
             "%s refused: trusted time %llu ms is below the time floor %llu ms "
             "(trusted-time-below-floor: the NTS servers' time is older than this build, "
             "or than a chain head or trusted time this store recorded)",
             tag, (unsigned long long)now_ms, (unsigned long long)floor);
    return HV_PROTO_ERR_TIME_BELOW_FLOOR;
  }
  hv_session_logf(&w->log, HV_SESSION_LOG_WARN, "%s refused: recording trusted time: %s", tag,
           hv_store_error_text(se));
  return HV_PROTO_ERR_INTERNAL;
}

static hv_proto_error waiver_check(hv_policy_waiver wv) {
  return wv == HV_POLICY_WAIVE_OWN_BUILD ? HV_PROTO_ERR_SELF_NOT_ALLOWED
                                         : HV_PROTO_ERR_CHAIN_STALE;
}

static int verify_override(hv_session_worker *w, const char *sig_path,
                           const uint8_t identity_pub[HV_PROTO_KEY_LEN],
                           hv_policy_override *o) {
  hv_policy_council *council = NULL;
  uint8_t *text = NULL, *sig = NULL;
  size_t len = 0, sig_len = 0;
  uint64_t floor = 0;
  int rc = -1;
  if (hv_session_load_council(&w->cfg, w, &council) != 0) return -1;
  if (hv_sys_read_file_alloc(w->cfg.override_file, HV_SYS_READ_REGULAR, HV_POLICY_MAX_FILE, &text,
                             &len) != 0 ||
      hv_sys_read_file_alloc(sig_path, HV_SYS_READ_REGULAR, HV_POLICY_MAX_FILE, &sig, &sig_len) !=
          0) {
    FAIL(w, "reading %s: %s", text ? sig_path : w->cfg.override_file, hv_sys_file_error(errno));
    goto out;
  }
  hv_tee_measurement self;
  hv_tee_self(w->tee, &self);
  /* Its expiry against the floor now (a lower bound on the true time),
   * and against trusted time at every RESPONSE it is used for. */
  if (hv_store_get_time_floor(w->store, &floor) != HV_STORE_OK) goto out;
  hv_policy_diag d = {0};
  hv_policy_error pe = hv_policy_override_verify(text, len, sig, sig_len, council,
                                                 identity_pub, &self, floor, o, &d);
  if (pe != HV_POLICY_OK) {
    FAIL(w, "override %s refused: %s (line %zu: %s)", w->cfg.override_file,
         hv_policy_error_name(pe), d.line, d.what);
    goto out;
  }
  rc = 0;
out:
  free(text);
  free(sig);
  hv_policy_council_free(council);
  return rc;
}

int hv_session_fresh_override(hv_session_worker *w, const uint8_t identity_pub[HV_PROTO_KEY_LEN]) {
  if (!w->cfg.override_file) return 0;
  char sig_path[PATH_CAP];
  hv_policy_override o;
  if (with_suffix(w->cfg.override_sig_file, w->cfg.override_file, ".sig", sig_path) != 0 ||
      verify_override(w, sig_path, identity_pub, &o) != 0)
    return -1;
  hv_proto_override *po = &w->params.override;
  po->waives = waiver_check(o.waive);
  memcpy(po->identity_pub, o.identity_pub, HV_PROTO_KEY_LEN);
  po->from = o.from;
  po->to = o.to;
  po->expires_ms = o.expires_unix * 1000;
  char to[160], when[HV_POLICY_TIME_TEXT_LEN];
  hv_session_measurement_line(&o.to, to, sizeof to);
  hv_policy_time_format(o.expires_unix, when);
  hv_session_logf(&w->log, HV_SESSION_LOG_WARN,
           "council override in force: waives %s for a handover to %s, until %s",
           hv_policy_waiver_name(o.waive), to, when);
  return 0;
}
