#include "cli/notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "cli/log.h"

/* STATUS= lines are short; systemctl shows one line. */
#define NOTIFY_MAX 512

void cli_notify(const char *fmt, ...) {
  static int warned;
  char text[NOTIFY_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  int rc = sd_notify(0, text);
  if (rc < 0 && !warned) {
    warned = 1;
    cli_log_at(CLI_LOG_WARN, "sd_notify to NOTIFY_SOCKET failed: %s", strerror(-rc));
  }
}
