/* One line to the caller's log callback. Callers never pass secrets:
 * only names of steps, errors, public values. */
#ifndef HANDOVER_SESSION_LOG_H
#define HANDOVER_SESSION_LOG_H

#include "handover/session.h"

/* The longest line; longer ones are cut. */
#define HV_SESSION_LOG_LINE_MAX 1024

void hv_session_logf(const hv_session_log *log, hv_session_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
