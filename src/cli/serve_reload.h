/* SIGHUP for `serve`: one thread waits for it (every other thread has it
 * blocked) and has the sender read and verify its policy again, telling
 * systemd (RELOADING=1, then READY=1) and the log what happened. */
#ifndef HANDOVER_CLI_SERVE_RELOAD_H
#define HANDOVER_CLI_SERVE_RELOAD_H

#include <stdbool.h>

#include "cli/serve_status.h"
#include "handover/session.h"

/* Blocks SIGHUP in the calling thread, so that every thread made after
 * it has it blocked too: call first. 0 or -1. */
HV_MUST_CHECK int cli_reload_block(void);

typedef struct cli_reloader cli_reloader;

/* Starts the thread (status: for STATUS=). NULL on failure (logged). */
HV_MUST_CHECK cli_reloader *cli_reload_start(hv_session_sender *s, cli_serve_status *status,
                                             bool json);
/* Stops and joins it. */
void cli_reload_stop(cli_reloader *r);

#endif
