#include "cli/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One log line; longer messages are cut (they carry names, not data). */
#define LOG_LINE_MAX 1024

static const char *log_command = "handover";
static cli_log_format log_format = CLI_LOG_TEXT;

void cli_log_stamp(char out[CLI_LOG_STAMP_LEN]) {
  struct timespec ts;
  struct tm tm;
  char whole[24];
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm) ||
      !strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &tm)) {
    snprintf(out, CLI_LOG_STAMP_LEN, "-");
    return;
  }
  snprintf(out, CLI_LOG_STAMP_LEN, "%.19s.%03dZ", whole, (int)(ts.tv_nsec / 1000000 % 1000));
}

bool cli_log_parse_format(const char *command, const char *value, cli_log_format *out) {
  if (!value || !strcmp(value, "text")) {
    *out = CLI_LOG_TEXT;
    return true;
  }
  if (!strcmp(value, "json")) {
    *out = CLI_LOG_JSON;
    return true;
  }
  fprintf(stderr, "handover %s: --log-format must be text or json, not '%s'\n", command,
          value);
  return false;
}

void cli_log_configure(const char *command, cli_log_format format) {
  log_command = command;
  log_format = format;
}

static const char *level_name(cli_log_level level) {
  switch (level) {
    case CLI_LOG_INFO: return "info";
    case CLI_LOG_WARN: return "warn";
    case CLI_LOG_ERROR: return "error";
  }
  return "info";
}

/* A whole line in one write, so lines of different threads stay whole. */
static void emit_json(FILE *out, json_t *obj) {
  char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
  json_decref(obj);
  if (!text) return;
  fprintf(out, "%s\n", text);
  fflush(out);
  free(text);
}

static void log_line(cli_log_level level, const char *line) {
  char stamp[CLI_LOG_STAMP_LEN];
  cli_log_stamp(stamp);
  if (log_format == CLI_LOG_JSON) {
    emit_json(stderr, json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "level",
                                level_name(level), "command", log_command, "message", line));
    return;
  }
  char upper[8];
  const char *n = level_name(level);
  size_t i = 0;
  for (; n[i] && i + 1 < sizeof upper; i++) upper[i] = (char)(n[i] - 'a' + 'A');
  upper[i] = '\0';
  fprintf(stderr, "%s %-5s %s\n", stamp, upper, line);
}

__attribute__((format(printf, 2, 0))) static void vlog(cli_log_level level, const char *fmt,
                                                       va_list ap) {
  char line[LOG_LINE_MAX];
  vsnprintf(line, sizeof line, fmt, ap);
  log_line(level, line);
}

void cli_log(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(CLI_LOG_INFO, fmt, ap);
  va_end(ap);
}

void cli_log_at(cli_log_level level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

/* "[conn 3 pid 10 uid 0] HELLO received": the sender's lines name their
 * connection first; JSON carries its number as a field of its own. */
static json_int_t conn_of(const char *line) {
  unsigned id;
  return sscanf(line, "[conn %u", &id) == 1 ? (json_int_t)id : -1;
}

void cli_log_json_event(const char *command, const char *event, const char *message) {
  char stamp[CLI_LOG_STAMP_LEN];
  cli_log_stamp(stamp);
  json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "time", stamp, "command", command, "event",
                        event, "message", message);
  json_int_t conn = conn_of(message);
  if (o && conn >= 0) json_object_set_new(o, "conn", json_integer(conn));
  emit_json(stdout, o);
}

void cli_log_json_object(json_t *obj) { emit_json(stdout, obj); }

void cli_session_log(void *ctx, hv_session_level level, const char *line) {
  const cli_log_target *t = ctx;
  switch (level) {
    case HV_SESSION_LOG_ERROR:
      if (t->json_steps) cli_log_json_event(t->command, "error", line);
      if (log_format == CLI_LOG_JSON) {
        log_line(CLI_LOG_ERROR, line);
      } else { /* a log line too, and still names the command first */
        char named[LOG_LINE_MAX];
        snprintf(named, sizeof named, "handover %s: %s", t->command, line);
        log_line(CLI_LOG_ERROR, named);
      }
      break;
    case HV_SESSION_LOG_STEP:
      if (t->quiet) break;
      if (t->json_steps) {
        cli_log_json_event(t->command, "step", line);
        break;
      }
      printf("%s: %s\n", t->command, line);
      fflush(stdout);
      break;
    case HV_SESSION_LOG_INFO:
    case HV_SESSION_LOG_WARN:
      /* A service's events are its progress too: on stdout with --json. */
      if (t->json_steps)
        cli_log_json_event(t->command, level == HV_SESSION_LOG_INFO ? "step" : "warning",
                           line);
      log_line(level == HV_SESSION_LOG_INFO ? CLI_LOG_INFO : CLI_LOG_WARN, line);
      break;
  }
}
