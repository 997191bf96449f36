/* The replay probe of the demo and the tests: a receiver that answers a
 * challenge, takes the KEY without storing it, then sends the very same
 * RESPONSE again, on the same connection and on a new one. */
#ifndef HANDOVER_DEMO_REPLAY_H
#define HANDOVER_DEMO_REPLAY_H

#include <stddef.h>

#include "cli/worker.h"

#define CLI_REPLAY_TEXT_MAX 300

typedef struct {
  char same_conn[CLI_REPLAY_TEXT_MAX]; /* the ERROR text, or why none came */
  char new_conn[CLI_REPLAY_TEXT_MAX];
} cli_replay_result;

/* 0 when both replays were answered (with whatever); -1 when the first,
 * honest exchange did not reach KEY (printed). */
int cli_replay_probe(cli_worker *w, const char *socket_path, cli_replay_result *out);

/* A receiver that takes the KEY and then neither stores it nor sends
 * DONE: it holds the connection until the file until_path exists (or the
 * deadline), so a test can try a second receiver meanwhile. Prints "KEY
 * held" once it has the KEY. 0, or -1 when it did not reach KEY. */
int cli_hold_key_probe(cli_worker *w, const char *socket_path, const char *until_path);

#endif
