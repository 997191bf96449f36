#include "cli/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void cli_log(const char *fmt, ...) {
  char line[1024], stamp[32] = "";
  struct timespec ts;
  struct tm tm;
  if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm))
    snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min,
             tm.tm_sec, ts.tv_nsec / 1000000);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  /* One fprintf per line keeps lines from different threads whole. */
  fprintf(stderr, "%s %s\n", stamp, line);
}

void cli_session_log(void *ctx, hv_session_level level, const char *line) {
  const cli_log_target *t = ctx;
  switch (level) {
    case HV_SESSION_LOG_ERROR:
      fprintf(stderr, "handover %s: %s\n", t->command, line);
      break;
    case HV_SESSION_LOG_STEP:
      if (t->quiet) break;
      printf("%s: %s\n", t->command, line);
      fflush(stdout);
      break;
    case HV_SESSION_LOG_INFO:
    case HV_SESSION_LOG_WARN:
      cli_log("%s", line);
      break;
  }
}
