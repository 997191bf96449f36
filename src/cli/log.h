/* One log line per step, to stderr, with a UTC timestamp. Callers never
 * pass secrets: only names of steps, errors, public values. */
#ifndef HANDOVER_CLI_LOG_H
#define HANDOVER_CLI_LOG_H

void cli_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
