/* Small helpers of the session module: clocks, hex, numbers, files
 * (writes and the clocks themselves: sys/sys.h). */
#ifndef HANDOVER_SESSION_UTIL_H
#define HANDOVER_SESSION_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the wall clock (only to judge a chain head before any
 * trusted time exists); CLOCK_MONOTONIC is hv_session_monotonic_ms. */
int64_t hv_session_wall_ms(void);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void hv_session_hex(const uint8_t *in, size_t n, char *out);

/* A decimal number in [0, max]; false on junk, sign or overflow. */
bool hv_session_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* Reads all of fd, at most cap bytes. 0, or -1 with errno (EFBIG when
 * there is more than cap). */
int hv_session_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len);
/* Reads a whole file of at most cap bytes; 0 or -1 with errno. Files come
 * from the host: only a regular file is read (else errno
 * HV_SESSION_ERR_NOT_REGULAR), opened without blocking, so a FIFO or a device
 * cannot stall the caller (nor the sender's lock it may hold). */
#define HV_SESSION_ERR_NOT_REGULAR ESPIPE
int hv_session_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len);
/* strerror, with HV_SESSION_ERR_NOT_REGULAR said plainly. */
const char *hv_session_file_error(int err);
/* Same, into a fresh malloc'd, NUL-terminated buffer. */
int hv_session_read_file_alloc(const char *path, size_t cap, uint8_t **out, size_t *len);

#endif
