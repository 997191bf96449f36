/* handover init: a new worker identity, sealed to this build. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/tee_opts.h"
#include "handover/store.h"
#include "sys/sys.h"

int cmd_init(int argc, char **argv) {
  const char *store_dir = NULL;
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"store", "DIR", "the key store to create (0700; its parent must exist)",
       &store_dir, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "init",
      .synopsis = "init --store DIR [--tee sim|sgx] [sim options]",
      .about = "Creates a new Ed25519 worker identity, seals its secret to this enclave\n"
               "build (MRENCLAVE) and prints the public key in hex.",
      .tables = {opts, tee.table, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  if (!cli_opts_require(&spec, store_dir, "store") || !cli_tee_opts_check(&tee, "init"))
    return CLI_EXIT_USAGE;
  hv_tee *t;
  if (cli_tee_open(&tee, "init", &t) != 0) return CLI_EXIT_FAIL;
  hv_store *store = NULL;
  uint8_t pub[HV_ED25519_PUB_LEN];
  hv_store_error se = hv_store_open(store_dir, t, true, &store);
  if (se == HV_STORE_OK) se = hv_store_init_identity(store, pub);
  if (store) hv_store_free(store);
  hv_tee_free(t);
  if (se != HV_STORE_OK) {
    fprintf(stderr, "handover init: %s: %s\n", store_dir, hv_store_error_text(se));
    return CLI_EXIT_FAIL;
  }
  char hex[2 * HV_ED25519_PUB_LEN + 1];
  hv_sys_hex(pub, sizeof pub, hex);
  printf("%s\n", hex);
  return CLI_EXIT_OK;
}
