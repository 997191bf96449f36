/* What `serve` checks at start, so that a configuration that is
 * certainly wrong stops it there, naming the file or the check, instead
 * of failing every connection later. The worker (policy verified against
 * the council, store opened) and the sender (identity unsealed, chain
 * head admitted by the store) check the rest when they open. */
#ifndef HANDOVER_CLI_SERVE_CHECKS_H
#define HANDOVER_CLI_SERVE_CHECKS_H

#include "cli/worker.h"
#include "handover/session.h"

/* The --ca file is readable and holds at least one PEM certificate
 * (NULL: the system store, checked by OpenSSL when used). 0, or -1 with
 * the file and the reason on stderr. */
HV_MUST_CHECK int cli_serve_check_ca(const char *ca_file);

/* One trusted-time query (no quorum yet is a warning: every HELLO asks
 * again), and the chain head against the policy's max_chain_lag: a head
 * older than that by trusted time would make every HELLO be refused as
 * chain-head-stale, so the sender refuses to start (-1, logged). By the
 * local clock alone it only warns. */
HV_MUST_CHECK int cli_serve_check_started(const cli_worker *w, hv_session_sender *s,
                                          const hv_proto_chain_head *head);

#endif
