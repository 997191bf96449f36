/* One log line per step, to stderr, with a UTC timestamp. Callers never
 * pass secrets: only names of steps, errors, public values. */
#ifndef HANDOVER_CLI_LOG_H
#define HANDOVER_CLI_LOG_H

#include <stdbool.h>

#include "handover/session.h"

void cli_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where the session module's lines go for a command: an ERROR as
 * "handover COMMAND: ..." on stderr, a STEP as "COMMAND: ..." on stdout
 * (none with quiet), the rest through cli_log. */
typedef struct {
  const char *command;
  bool quiet;
} cli_log_target;

void cli_session_log(void *ctx, hv_session_level level, const char *line);

#endif
