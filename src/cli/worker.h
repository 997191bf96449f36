/* What serve and receive share: opening the TEE, the store and the
 * verified policy, and turning the policy into the protocol's parameters
 * and the trusted-time configuration. */
#ifndef HANDOVER_CLI_WORKER_H
#define HANDOVER_CLI_WORKER_H

#include <stdbool.h>

#include "cli/tee_opts.h"
#include "handover/policy.h"
#include "handover/proto.h"
#include "handover/store.h"
#include "handover/tee.h"
#include "handover/timesrc.h"

typedef struct {
  const char *command; /* for messages: "serve", "receive" */
  const char *store_dir;
  const char *policy_file;
  const char *policy_sig_file;
  const char *council_file; /* dev mode only */
  const char *ca_file;
  const char *nts_state_dir;
  bool create_store;
} cli_worker_args;

typedef struct {
  hv_tee *tee;
  hv_store *store;
  hv_policy *policy;
  hv_proto_runtime runtimes[HV_POLICY_MAX_RUNTIMES];
  hv_proto_params params;
  hv_timesrc_config time_cfg;
  uint8_t nts_state_key[HV_TIMESRC_STATE_KEY_LEN]; /* time_cfg.state_key */
} cli_worker;

/* Opens everything; on failure prints the failed check and returns -1
 * (*w is then closed). The policy must verify against the council (the
 * built-in one, or --council in dev mode) and must not be older than the
 * newest version the store has seen; its version is then recorded. */
int cli_worker_open(const cli_worker_args *a, const cli_tee_opts *tee_opts,
                    cli_worker *w);
void cli_worker_close(cli_worker *w);

/* The measurement as one short line: mr_enclave prefix, prod id, svn. */
void cli_measurement_line(const hv_tee_measurement *m, char *out, size_t cap);

#endif
