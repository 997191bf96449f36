/* Files and options for `handover policy`: whole-file reads with a size
 * bound, new files created exclusively, replacements written atomically. */
#ifndef HANDOVER_CLI_CMD_POLICY_IO_H
#define HANDOVER_CLI_CMD_POLICY_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "handover/api.h"

/* Reads a regular file of at most max bytes into a malloc'd buffer (with a
 * NUL after it). secret: refuse a file others may read. -1 on error, with
 * the reason printed after prefix. */
HV_MUST_CHECK int pol_read_file(const char *prefix, const char *path, size_t max, bool secret,
                                uint8_t **out, size_t *out_len);
/* Creates path (it must not exist) with exactly `mode`, whole or not at
 * all (hv_sys_create). */
HV_MUST_CHECK int pol_write_new(const char *prefix, const char *path, const void *data, size_t len,
                                mode_t mode);
/* Replaces path atomically: temp file, fsync, rename, fsync(dir)
 * (hv_sys_replace). */
HV_MUST_CHECK int pol_write_replace(const char *prefix, const char *path, const void *data,
                                    size_t len, mode_t mode);

#endif
