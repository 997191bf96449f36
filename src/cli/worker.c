#include "cli/worker.h"

#include <string.h>

int cli_worker_open(const cli_worker_args *a, const cli_tee_opts *tee_opts,
                    cli_worker *w) {
  memset(w, 0, sizeof *w);
  w->log = (cli_log_target){.command = a->command, .quiet = a->quiet};
  if (cli_tee_open(tee_opts, a->command, &w->tee) != 0) return -1;
  hv_session_worker_config cfg = {
      .store_dir = a->store_dir,
      .create_store = a->create_store,
      .policy_file = a->policy_file,
      .policy_sig_file = a->policy_sig_file,
      .council_file = a->council_file,
      .ca_file = a->ca_file,
      .nts_state_dir = a->nts_state_dir,
      .policy_timestamp_file = a->policy_timestamp_file,
      .override_file = a->override_file,
      .override_sig_file = a->override_sig_file,
      .log = {.fn = cli_session_log, .ctx = &w->log},
  };
  if (hv_session_worker_open(&cfg, w->tee, &w->sw) != HV_SESSION_OK) {
    cli_worker_free(w);
    return -1;
  }
  w->params = *hv_session_worker_params(w->sw);
  w->time_cfg = hv_session_worker_time_config(w->sw);
  return 0;
}

void cli_worker_free(cli_worker *w) {
  hv_session_worker_free(w->sw);
  w->sw = NULL;
  if (w->tee) hv_tee_free(w->tee);
  w->tee = NULL;
}
