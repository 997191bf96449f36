/* serve's STATUS= line for systemd: the address, the policy version, and
 * how many handovers completed and connections were refused, each with
 * the time of the last one (RFC 3339 UTC), sent after each of them. */
#ifndef HANDOVER_CLI_SERVE_STATUS_H
#define HANDOVER_CLI_SERVE_STATUS_H

#include <stdint.h>

#include "handover/session.h"

typedef struct cli_serve_status cli_serve_status;

/* NULL on failure. address is copied. */
HV_MUST_CHECK cli_serve_status *cli_serve_status_new(const char *address, uint64_t policy_version);
void cli_serve_status_free(cli_serve_status *st);
/* Sets the policy version (0: keep it) and sends prefix (e.g. "READY=1")
 * with the STATUS= line. Thread-safe. */
void cli_serve_status_notify(cli_serve_status *st, const char *prefix, uint64_t policy_version);
/* An hv_session_outcome_fn (ctx: the status): counts and notifies. */
void cli_serve_status_outcome(void *ctx, hv_session_error result);

#endif
