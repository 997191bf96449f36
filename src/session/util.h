/* Small helpers of the session module: hex and numbers (file reads and
 * writes, clocks: sys/sys.h). */
#ifndef HANDOVER_SESSION_UTIL_H
#define HANDOVER_SESSION_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/api.h"

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void hv_session_hex(const uint8_t *in, size_t n, char *out);

/* A decimal number in [0, max]; false on junk, sign or overflow. */
HV_MUST_CHECK bool hv_session_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
