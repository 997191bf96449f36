#include "session/log.h"

#include <stdarg.h>
#include <stdio.h>

void hv_session_logf(const hv_session_log *log, hv_session_level level, const char *fmt, ...) {
  if (!log || !log->fn) return;
  char line[HV_SESSION_LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  log->fn(log->ctx, level, line);
}

const char *hv_session_error_name(hv_session_error err) {
  switch (err) {
    case HV_SESSION_OK: return "ok";
    case HV_SESSION_ERR_ARGS: return "bad-arguments";
    case HV_SESSION_ERR_SYSTEM: return "system-error";
    case HV_SESSION_ERR_TRANSPORT: return "transport-error";
    case HV_SESSION_ERR_REFUSED: return "refused";
    case HV_SESSION_ERR_TIME: return "no-trusted-time";
    case HV_SESSION_ERR_STORE: return "store-error";
    case HV_SESSION_ERR_ADDRESS: return "bad-address";
  }
  return "unknown";
}
