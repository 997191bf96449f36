/* Small helpers shared by the commands: hex, numbers, files (clocks and
 * writes: sys/sys.h). */
#ifndef HANDOVER_CLI_UTIL_H
#define HANDOVER_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void cli_hex(const uint8_t *in, size_t n, char *out);
/* Exactly n bytes from 2n hex digits; false on anything else. */
bool cli_unhex(const char *hex, uint8_t *out, size_t n);

/* A decimal number in [0, max]; false on junk, sign or overflow. */
bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Reads all of fd, at most cap bytes. 0, or -1 with errno (EFBIG when
 * there is more than cap). */
int cli_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len);
/* Reads a whole file of at most cap bytes. 0, or -1 with errno
 * (EFBIG when larger than cap). */
int cli_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len);
/* Same, into a fresh malloc'd, NUL-terminated buffer. */
int cli_read_file_alloc(const char *path, size_t cap, uint8_t **out, size_t *len);

#endif
