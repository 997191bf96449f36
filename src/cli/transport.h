/* The transport options of serve and receive: --listen/--connect ADDR,
 * with --socket/--from PATH kept as aliases of unix:PATH. */
#ifndef HANDOVER_CLI_TRANSPORT_H
#define HANDOVER_CLI_TRANSPORT_H

#include <stdbool.h>

#include "handover/session.h"

typedef struct {
  const char *command;    /* "serve" */
  const char *role;       /* "listen" or "connect" */
  const char *addr_opt;   /* "listen" */
  const char *addr;       /* its value, or NULL */
  const char *alias_opt;  /* "socket" */
  const char *alias_path; /* its value, or NULL */
} cli_transport_args;

/* Exactly one of the two, parsed into *out; false with the option named
 * on stderr (a usage error). */
HV_MUST_CHECK bool cli_transport_addr(const cli_transport_args *a, hv_session_addr *out);

#endif
