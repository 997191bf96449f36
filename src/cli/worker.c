#include "cli/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/nts_key.h"
#include "cli/util.h"
#include "handover/crypto.h"

void cli_measurement_line(const hv_tee_measurement *m, char *out, size_t cap) {
  char enclave[2 * HV_TEE_MR_LEN + 1], signer[2 * HV_TEE_MR_LEN + 1];
  cli_hex(m->mr_enclave, HV_TEE_MR_LEN, enclave);
  cli_hex(m->mr_signer, HV_TEE_MR_LEN, signer);
  snprintf(out, cap, "mr_enclave %.16s... mr_signer %.16s... prod %u svn %u", enclave,
           signer, m->isv_prod_id, m->isv_svn);
}

static int load_council(const cli_worker_args *a, const cli_worker *w,
                        hv_policy_council **out) {
  hv_policy_diag d = {0};
  hv_policy_error err;
  if (a->council_file) {
    if (!hv_tee_dev_mode(w->tee)) {
      fprintf(stderr, "handover %s: --council is for dev mode only; a production "
              "worker trusts the council built into it\n", a->command);
      return -1;
    }
    uint8_t *text;
    size_t len;
    if (cli_read_file_alloc(a->council_file, HV_POLICY_MAX_FILE, &text, &len) != 0) {
      fprintf(stderr, "handover %s: reading council %s: %s\n", a->command,
              a->council_file, strerror(errno));
      return -1;
    }
    err = hv_policy_council_parse(text, len, out, &d);
    free(text);
  } else {
    err = hv_policy_council_builtin(out, &d);
  }
  if (err != HV_POLICY_OK) {
    fprintf(stderr, "handover %s: council refused: %s (line %zu: %s)\n", a->command,
            hv_policy_error_name(err), d.line, d.what);
    return -1;
  }
  return 0;
}

static int verify_policy(const cli_worker_args *a, cli_worker *w) {
  uint64_t newest = 0;
  hv_store_error se = hv_store_get_policy_version(w->store, &newest);
  if (se != HV_STORE_OK) {
    fprintf(stderr, "handover %s: reading the store's policy version: %s\n",
            a->command, hv_store_error_name(se));
    return -1;
  }
  hv_policy_council *council;
  if (load_council(a, w, &council) != 0) return -1;
  uint8_t *text = NULL, *sig = NULL;
  size_t text_len, sig_len;
  int rc = -1;
  if (cli_read_file_alloc(a->policy_file, HV_POLICY_MAX_FILE, &text, &text_len) != 0 ||
      cli_read_file_alloc(a->policy_sig_file, HV_POLICY_MAX_FILE, &sig, &sig_len) != 0) {
    fprintf(stderr, "handover %s: reading %s: %s\n", a->command,
            text ? a->policy_sig_file : a->policy_file, strerror(errno));
    goto out;
  }
  hv_policy_diag d = {0};
  hv_policy_error pe = hv_policy_verify(text, text_len, sig, sig_len, council, newest,
                                        &w->policy, &d);
  if (pe != HV_POLICY_OK) {
    fprintf(stderr, "handover %s: policy refused: %s (line %zu: %s)\n", a->command,
            hv_policy_error_name(pe), d.line, d.what);
    goto out;
  }
  se = hv_store_set_policy_version(w->store, hv_policy_version(w->policy));
  if (se != HV_STORE_OK) {
    fprintf(stderr, "handover %s: recording the policy version: %s\n", a->command,
            hv_store_error_name(se));
    goto out;
  }
  rc = 0;
out:
  free(text);
  free(sig);
  hv_policy_council_free(council);
  return rc;
}

static int fill_params(const cli_worker_args *a, cli_worker *w) {
  size_t n = hv_policy_runtime_count(w->policy);
  if (n > HV_POLICY_MAX_RUNTIMES || n > HV_PROTO_MAX_RUNTIMES) {
    fprintf(stderr, "handover %s: policy lists too many runtimes\n", a->command);
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

/* The policy's servers always fit: src/policy/timesrc_config.c asserts
 * its limits against timesrc's at compile time. */
static int fill_time_config(const cli_worker_args *a, cli_worker *w) {
  hv_timesrc_config *c = &w->time_cfg;
  hv_policy_timesrc_config(w->policy, c);
  c->ca_file = a->ca_file;
  c->state_dir = a->nts_state_dir;
  char err[160];
  if (hv_timesrc_config_check(c, err, sizeof err) != 0) {
    fprintf(stderr, "handover %s: the policy's time settings: %s\n", a->command, err);
    return -1;
  }
  return 0;
}

int cli_worker_open(const cli_worker_args *a, const cli_tee_opts *tee_opts,
                    cli_worker *w) {
  memset(w, 0, sizeof *w);
  /* NTS cookies and keys: private to this worker. */
  if (a->nts_state_dir && mkdir(a->nts_state_dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "handover %s: --nts-state %s: %s\n", a->command, a->nts_state_dir,
            strerror(errno));
    return -1;
  }
  if (cli_tee_open(tee_opts, a->command, &w->tee) != 0) return -1;
  hv_store_error se = hv_store_open(a->store_dir, w->tee, a->create_store, &w->store);
  if (se != HV_STORE_OK) {
    fprintf(stderr, "handover %s: opening store %s: %s\n", a->command, a->store_dir,
            hv_store_error_name(se));
    cli_worker_close(w);
    return -1;
  }
  if (verify_policy(a, w) != 0 || fill_params(a, w) != 0 ||
      fill_time_config(a, w) != 0) {
    cli_worker_close(w);
    return -1;
  }
  /* The newest block this worker verified is a lower bound on the true
   * time that the host cannot wind back: NTS certificates that had
   * expired by then are refused whatever the local clock says. */
  hv_store_chain_head head = {0, 0};
  int64_t wall = cli_wall_ms();
  /* (one stored in the future, by an older version, is not believed) */
  if (hv_store_get_chain_head(w->store, &head) == HV_STORE_OK &&
      head.time_ms <= (uint64_t)wall + HV_PROTO_CHAIN_HEAD_AHEAD_MS)
    w->time_cfg.not_before_unix = (int64_t)(head.time_ms / 1000);
  if (a->nts_state_dir) {
    if (cli_nts_key_load(a->command, a->nts_state_dir, w->tee, w->nts_state_key) != 0) {
      cli_worker_close(w);
      return -1;
    }
    w->time_cfg.state_key = w->nts_state_key;
  }
  return 0;
}

void cli_worker_close(cli_worker *w) {
  if (w->policy) hv_policy_free(w->policy);
  if (w->store) hv_store_close(w->store);
  if (w->tee) hv_tee_close(w->tee);
  hv_wipe(w, sizeof *w);
}
