/* The receiver: the new build fetches the key from the running sender,
 * checks it, seals it to itself and stores it. */
#ifndef HANDOVER_CLI_RECEIVER_H
#define HANDOVER_CLI_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/worker.h"

/* The whole exchange, connect to the sender's close, must end by then.
 * The sender's per-connection deadline is the same. */
#define CLI_RECEIVE_DEADLINE_MS 30000

typedef struct {
  const char *socket_path;
  bool quiet;  /* no step-by-step lines on stdout */
  bool timing; /* end with how long it took, and how much was trusted time */
} cli_receive_args;

/* 0 only when the key is stored and the sender took our DONE; else -1
 * with the failed check on stderr. */
int cli_receive_run(cli_worker *w, const cli_receive_args *a);


#endif
