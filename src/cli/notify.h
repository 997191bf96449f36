/* Readiness and status for systemd (Type=notify): sd_notify(3) to
 * NOTIFY_SOCKET when it is set, nothing otherwise. */
#ifndef HANDOVER_CLI_NOTIFY_H
#define HANDOVER_CLI_NOTIFY_H

/* One notification ("READY=1\nSTATUS=...", "RELOADING=1", "STOPPING=1").
 * A failure is logged once as a warning: the service runs on. */
void cli_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
