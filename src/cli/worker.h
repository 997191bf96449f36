/* What serve and receive share: the TEE the options name, and the
 * session module's worker over it (store, verified policy, protocol
 * parameters, trusted-time configuration). */
#ifndef HANDOVER_CLI_WORKER_H
#define HANDOVER_CLI_WORKER_H

#include <stdbool.h>

#include "cli/log.h"
#include "cli/tee_opts.h"
#include "handover/session.h"

typedef struct {
  const char *command; /* for messages: "serve", "receive" */
  const char *store_dir;
  const char *policy_file;
  const char *policy_sig_file;
  const char *council_file; /* dev mode only */
  const char *ca_file;
  const char *nts_state_dir;
  const char *policy_timestamp_file; /* NULL: POLICY.ts when needed */
  const char *override_file;         /* serve only */
  const char *override_sig_file;
  bool create_store;
  int64_t deadline_ms; /* receive --timeout; 0: the default */
  bool quiet; /* no step lines on stdout */
  bool json;  /* step lines as JSON objects on stdout */
} cli_worker_args;

typedef struct {
  cli_log_target log;
  hv_tee *tee;
  hv_session_worker *sw;
  hv_proto_params params;            /* the session worker's */
  const hv_timesrc_config *time_cfg; /* the session worker's */
} cli_worker;

/* Opens everything; on failure prints the failed check and returns -1
 * (*w is then closed). */
HV_MUST_CHECK int cli_worker_open(const cli_worker_args *a, const cli_tee_opts *tee_opts,
                                  cli_worker *w);
void cli_worker_free(cli_worker *w);

#endif
