/* Files and options for `handover policy`: whole-file reads with a size
 * bound, new files created exclusively, replacements written atomically. */
#ifndef HANDOVER_CLI_CMD_POLICY_IO_H
#define HANDOVER_CLI_CMD_POLICY_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads a regular file of at most max bytes into a malloc'd buffer (with a
 * NUL after it). secret: refuse a file others may read. -1 on error, with
 * the reason printed after prefix. */
int pol_read_file(const char *prefix, const char *path, size_t max, bool secret,
                  uint8_t **out, size_t *out_len);
/* Creates path (it must not exist) with exactly `mode`, whole or not at
 * all (hv_sys_create). */
int pol_write_new(const char *prefix, const char *path, const void *data,
                  size_t len, mode_t mode);
/* Replaces path atomically: temp file, fsync, rename, fsync(dir)
 * (hv_sys_replace). */
int pol_write_replace(const char *prefix, const char *path, const void *data,
                      size_t len, mode_t mode);

/* An option taking a value, `--name VALUE` or `--name=VALUE`. */
typedef struct {
  const char *name; /* without the dashes */
  const char **value;
} pol_opt;

/* 0: parsed; 1: --help was asked (usage printed to stdout); 2: usage error
 * (printed to stderr). *positional gets the one non-option argument, if
 * positional is not NULL; otherwise none is allowed. */
int pol_parse_args(const char *prefix, const char *usage, int argc, char **argv,
                   const pol_opt *opts, size_t n_opts, const char **positional);

#endif
