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
  /* When set, the exact RESPONSE sent is copied here (the demo replays it). */
  uint8_t *response_copy;
  size_t response_cap;
  size_t *response_len;
} cli_receive_args;

/* 0 only when the key is stored and the sender took our DONE; else -1
 * with the failed check on stderr. */
int cli_receive_run(cli_worker *w, const cli_receive_args *a);

/* Time spent waiting for trusted time in the last run (the benchmark). */
int64_t cli_receive_time_spent_ms(void);

#endif
