/* The worker's configuration: one file of `key = value` lines, so that a
 * TEE runtime's manifest can fix its path in argv and mount the file as
 * trusted (its hash is then part of the measurement). */
#ifndef HANDOVER_WORKER_CONFIG_H
#define HANDOVER_WORKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <handover/session.h>

/* The largest configuration file, and line. */
#define HW_CONFIG_MAX 65536
#define HW_CONFIG_LINE_MAX 4096

typedef struct {
  const char *store, *policy, *policy_sig, *council, *ca, *nts_state;
  const char *listen, *connect, *chain_head, *chain_head_file;
  const char *tee, *platform_secret, *mr_enclave, *build_name, *mr_signer;
  const char *isv_prod_id, *isv_svn, *init_if_empty;
  const char *policy_timestamp, *override, *override_sig; /* optional */
  /* derived */
  bool init;
  hv_session_addr listen_addr, connect_addr;
  char text[HW_CONFIG_MAX + 1]; /* the file; the values point into it */
} hw_config;

/* Reads and checks path; false with the reason (file, line, key) in err. */
bool hw_config_load(const char *path, hw_config *c, char *err, size_t err_len);

#endif
