/* The worker: the store, the verified policy, the protocol parameters and
 * the trusted-time configuration, opened once for serving or receiving. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "handover/crypto.h"
#include "session/log.h"
#include "session/nts_key.h"
#include "session/worker_int.h"
#include "sys/sys.h"

#define FAIL(w, ...) hv_session_logf(&(w)->log, HV_SESSION_LOG_ERROR, __VA_ARGS__)

void hv_session_measurement_line(const hv_tee_measurement *m, char *out, size_t cap) {
  char enclave[2 * HV_TEE_MR_LEN + 1], signer[2 * HV_TEE_MR_LEN + 1];
  hv_sys_hex(m->mr_enclave, HV_TEE_MR_LEN, enclave);
  hv_sys_hex(m->mr_signer, HV_TEE_MR_LEN, signer);
  snprintf(out, cap, "mr_enclave %.16s... mr_signer %.16s... prod %u svn %u", enclave,
           signer, m->isv_prod_id, m->isv_svn);
}

int hv_session_sim_build_measurement(const char *name, uint8_t out[HV_TEE_MR_LEN]) {
  hv_iov parts[2] = {
      {(const uint8_t *)HV_SESSION_SIM_BUILD_PREFIX, strlen(HV_SESSION_SIM_BUILD_PREFIX)},
      {(const uint8_t *)name, strlen(name)},
  };
  return hv_sha256_parts(parts, 2, out);
}

int hv_session_load_council(const hv_session_worker_config *a, const hv_session_worker *w,
                      hv_policy_council **out) {
  hv_policy_diag d = {0};
  hv_policy_error err;
  if (a->council_file) {
    if (!hv_tee_dev_mode(w->tee)) {
      FAIL(w, "--council is for dev mode only; a production worker trusts the council "
              "built into it");
      return -1;
    }
    uint8_t *text;
    size_t len;
    if (hv_sys_read_file_alloc(a->council_file, HV_SYS_READ_REGULAR, HV_POLICY_MAX_FILE, &text,
                               &len) != 0) {
      FAIL(w, "reading council %s: %s", a->council_file, hv_sys_file_error(errno));
      return -1;
    }
    err = hv_policy_council_parse(text, len, out, &d);
    free(text);
  } else {
    err = hv_policy_council_builtin(out, &d);
  }
  if (err != HV_POLICY_OK) {
    FAIL(w, "council refused: %s (line %zu: %s)", hv_policy_error_name(err), d.line, d.what);
    return -1;
  }
  return 0;
}

static int verify_policy(const hv_session_worker_config *a, hv_session_worker *w) {
  uint64_t newest = 0;
  hv_store_error se = hv_store_get_policy_version(w->store, &newest);
  if (se != HV_STORE_OK) {
    FAIL(w, "reading the store's policy version: %s", hv_store_error_text(se));
    return -1;
  }
  hv_policy_council *council;
  if (hv_session_load_council(a, w, &council) != 0) return -1;
  uint8_t *text = NULL, *sig = NULL;
  size_t text_len, sig_len;
  int rc = -1;
  if (!a->policy_file || !a->policy_sig_file) {
    FAIL(w, "no policy given");
    goto out;
  }
  if (hv_sys_read_file_alloc(a->policy_file, HV_SYS_READ_REGULAR, HV_POLICY_MAX_FILE, &text,
                             &text_len) != 0 ||
      hv_sys_read_file_alloc(a->policy_sig_file, HV_SYS_READ_REGULAR, HV_POLICY_MAX_FILE, &sig,
                             &sig_len) != 0) {
    FAIL(w, "reading %s: %s", text ? a->policy_sig_file : a->policy_file, hv_sys_file_error(errno));
    goto out;
  }
  hv_policy_diag d = {0};
  hv_policy_error pe = hv_policy_verify(text, text_len, sig, sig_len, council, newest,
                                        &w->policy, &d);
  if (pe != HV_POLICY_OK) {
    FAIL(w, "policy %s refused: %s (line %zu: %s)", a->policy_file, hv_policy_error_name(pe),
         d.line, d.what);
    goto out;
  }
  if (hv_sha256(text, text_len, w->policy_hash) != 0) goto out;
  se = hv_store_set_policy_version(w->store, hv_policy_version(w->policy));
  if (se != HV_STORE_OK) {
    FAIL(w, "recording the policy version: %s", hv_store_error_text(se));
    goto out;
  }
  rc = 0;
  /* The bytes the council signed: an online timestamp names their hash. */
  if (hv_policy_has_timestamp_key(w->policy)) {
    w->policy_text = text;
    w->policy_len = text_len;
    text = NULL;
  }
out:
  free(text);
  free(sig);
  hv_policy_council_free(council);
  return rc;
}

static int fill_params(hv_session_worker *w) {
  size_t n = hv_policy_runtime_count(w->policy);
  if (n > HV_POLICY_MAX_RUNTIMES || n > HV_PROTO_MAX_RUNTIMES) {
    FAIL(w, "policy lists too many runtimes");
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    hv_policy_runtime r;
    if (hv_policy_runtime_at(w->policy, i, &r) != HV_POLICY_OK) return -1;
    w->runtimes[i] = (hv_proto_runtime){.measurement = r.m, .added = r.seq};
  }
  w->params = (hv_proto_params){
      .runtimes = w->runtimes,
      .n_runtimes = n,
      .response_window_ms = (uint64_t)hv_policy_response_window_s(w->policy) * 1000,
      .max_chain_lag_ms = hv_policy_max_chain_lag_s(w->policy) * 1000,
      .policy_version = hv_policy_version(w->policy),
  };
  return 0;
}

/* The policy's servers always fit: src/session/policy_time.c asserts
 * its limits against timesrc's at compile time. */
static int fill_time_config(const hv_session_worker_config *a, hv_session_worker *w) {
  hv_timesrc_config *c = &w->time_cfg;
  hv_session_timesrc_config(w->policy, c);
  c->ca_file = a->ca_file;
  c->state_dir = a->nts_state_dir;
  char err[160];
  if (hv_timesrc_config_check(c, err, sizeof err) != 0) {
    FAIL(w, "the policy's time settings: %s", err);
    return -1;
  }
  return 0;
}

int hv_session_worker_load_policy(hv_session_worker *w) {
  const hv_session_worker_config *a = &w->cfg;
  return verify_policy(a, w) != 0 || fill_params(w) != 0 || fill_time_config(a, w) != 0 ||
                 hv_session_fresh_open(w) != 0
             ? -1
             : 0;
}

hv_session_error hv_session_worker_open(const hv_session_worker_config *a, hv_tee *tee,
                                        hv_session_worker **out) {
  *out = NULL;
  if (!a || !tee || !a->store_dir) return HV_SESSION_ERR_ARGS;
  hv_session_worker *w = calloc(1, sizeof *w);
  if (!w) return HV_SESSION_ERR_SYSTEM;
  w->tee = tee;
  w->log = a->log;
  w->cfg = *a;
  /* NTS cookies and keys: private to this worker. */
  if (a->nts_state_dir && mkdir(a->nts_state_dir, 0700) != 0 && errno != EEXIST) {
    FAIL(w, "--nts-state %s: %s", a->nts_state_dir, strerror(errno));
    hv_session_worker_free(w);
    return HV_SESSION_ERR_ARGS;
  }
  hv_store_error se = hv_store_open(a->store_dir, w->tee, a->create_store, &w->store);
  if (se != HV_STORE_OK) {
    FAIL(w, "opening store %s: %s", a->store_dir, hv_store_error_text(se));
    hv_session_worker_free(w);
    return HV_SESSION_ERR_STORE;
  }
  if (hv_session_worker_load_policy(w) != 0) {
    hv_session_worker_free(w);
    return HV_SESSION_ERR_REFUSED;
  }
  if (a->nts_state_dir) {
    if (hv_session_nts_key_load(&w->log, a->nts_state_dir, w->tee, w->nts_state_key) != 0) {
      hv_session_worker_free(w);
      return HV_SESSION_ERR_REFUSED;
    }
    w->time_cfg.state_key = w->nts_state_key;
  }
  *out = w;
  return HV_SESSION_OK;
}

void hv_session_worker_free(hv_session_worker *w) {
  if (!w) return;
  if (w->policy) hv_policy_free(w->policy);
  free(w->policy_text);
  if (w->store) hv_store_free(w->store);
  hv_wipe(w, sizeof *w);
  free(w);
}

hv_tee *hv_session_worker_tee(const hv_session_worker *w) { return w->tee; }
hv_store *hv_session_worker_store(const hv_session_worker *w) { return w->store; }
const hv_proto_params *hv_session_worker_params(const hv_session_worker *w) {
  return &w->params;
}
const hv_timesrc_config *hv_session_worker_time_config(const hv_session_worker *w) {
  return &w->time_cfg;
}
