/* The TEE options every command that acts as an enclave takes:
 *   --tee sim|sgx
 *   sim: --platform-secret FILE [--create-platform-secret],
 *        --mr-enclave HEX | --build-name NAME, --mr-signer HEX,
 *        --isv-prod-id N, --isv-svn N */
#ifndef HANDOVER_CLI_TEE_OPTS_H
#define HANDOVER_CLI_TEE_OPTS_H

#include <stdint.h>

#include "cli/opts.h"
#include "handover/session.h"
#include "handover/tee.h"

/* What --build-name hashes: mr_enclave = SHA-256(prefix || NAME), so a
 * demo or a test can name sim builds instead of spelling 32-byte hashes. */
#define CLI_SIM_BUILD_PREFIX HV_SESSION_SIM_BUILD_PREFIX

typedef struct {
  const char *tee;
  const char *platform_secret;
  const char *mr_enclave;
  const char *build_name;
  const char *mr_signer;
  const char *isv_prod_id;
  const char *isv_svn;
  bool create_platform_secret; /* else a missing secret file is a typo */
  cli_opt table[9];
} cli_tee_opts;

/* Fills the option table (its pointers point into *o). */
void cli_tee_opts_init(cli_tee_opts *o);

/* Checks the options alone (no file is opened or made): false, with a
 * message naming the option on stderr, when the command line is wrong,
 * so that the command exits CLI_EXIT_USAGE before it does anything. */
HV_MUST_CHECK bool cli_tee_opts_check(const cli_tee_opts *o, const char *command);

/* Opens the TEE the options describe; on failure prints why (naming the
 * option or the TEE error) to stderr, prefixed with the command. */
HV_MUST_CHECK int cli_tee_open(const cli_tee_opts *o, const char *command, hv_tee **out);

/* The measurement of a sim build by name (see CLI_SIM_BUILD_PREFIX). */
HV_MUST_CHECK int cli_sim_build_measurement(const char *name, uint8_t out[HV_TEE_MR_LEN]);

#endif
