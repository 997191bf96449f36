/* JSON on stdout (jansson), the way every command writes it: one compact
 * object per line, keys in the order given, ASCII only; numbers that may
 * pass 2^53 (nanoseconds) as decimal strings, which common JSON tools
 * would otherwise round (docs/JSON.md). */
#ifndef HANDOVER_CLI_JSON_OUT_H
#define HANDOVER_CLI_JSON_OUT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "handover/api.h"

/* Prints obj and a newline to out and takes the reference. 0, or -1 if
 * obj is NULL (a jansson allocation failed) or the write failed. */
HV_MUST_CHECK int cli_json_write(FILE *out, json_t *obj);
HV_MUST_CHECK int cli_json_print(json_t *obj);
/* A nanosecond (or any 64-bit) value as a JSON string: "1764632133123456789". */
HV_MUST_CHECK json_t *cli_json_i64_string(int64_t v);

#endif
