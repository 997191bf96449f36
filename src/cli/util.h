/* Small helpers shared by the commands: hex and numbers (file reads and
 * writes, clocks: sys/sys.h). */
#ifndef HANDOVER_CLI_UTIL_H
#define HANDOVER_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/api.h"

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void cli_hex(const uint8_t *in, size_t n, char *out);
/* Exactly n bytes from 2n hex digits; false on anything else. */
HV_MUST_CHECK bool cli_unhex(const char *hex, uint8_t *out, size_t n);

/* A decimal number in [0, max]; false on junk, sign or overflow. */
HV_MUST_CHECK bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
