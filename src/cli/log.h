/* Log lines to stderr, one per event, each with an RFC 3339 UTC timestamp
 * (date and milliseconds) and a level, as text or as one JSON object per
 * line (--log-format, docs/JSON.md). Callers never pass secrets: only
 * names of steps, errors, public values. */
#ifndef HANDOVER_CLI_LOG_H
#define HANDOVER_CLI_LOG_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>

#include "handover/session.h"

typedef enum { CLI_LOG_TEXT, CLI_LOG_JSON } cli_log_format;
typedef enum { CLI_LOG_INFO, CLI_LOG_WARN, CLI_LOG_ERROR } cli_log_level;

/* "2026-12-01T23:35:33.123Z": the current time. */
#define CLI_LOG_STAMP_LEN 32
void cli_log_stamp(char out[CLI_LOG_STAMP_LEN]);

/* Parses a --log-format value; false (message naming the option) if bad. */
HV_MUST_CHECK bool cli_log_parse_format(const char *command, const char *value,
                                        cli_log_format *out);
/* Set once, before any thread logs: the command every line names, and the format. */
void cli_log_configure(const char *command, cli_log_format format);

void cli_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_log_at(cli_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Where the session module's lines go for a command: an ERROR as
 * log line "STAMP ERROR handover COMMAND: ..." on stderr (JSON with
 * --log-format json),
 * a STEP as "COMMAND: ..." on stdout, or one JSON object per step with
 * json_steps (none with quiet), the rest as log lines. */
typedef struct {
  const char *command;
  bool quiet;
  bool json_steps;
} cli_log_target;

void cli_session_log(void *ctx, hv_session_level level, const char *line);

/* One JSON object per line on stdout for the progress of serve and
 * receive (--json): {"time", "command", "event", "message"}. */
void cli_log_json_event(const char *command, const char *event, const char *message);
/* Any other object of that stream (takes the reference; NULL is ignored). */
void cli_log_json_object(json_t *obj);

#endif
