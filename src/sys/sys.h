/* The system calls every part shares: durable file writes, whole writes,
 * directory fsyncs, whole-file reads and the two clocks; and the two text
 * forms every part uses (hex, decimal). The lowest layer (below buf): it
 * uses nothing of handover, so store, tee, timesrc, session and the
 * commands may all use it and the dependencies still point one way.
 * Private to the build (not in include/, not exported). The system calls
 * return 0 (or a count) on success and -1 with errno set on failure,
 * except where said. */
#ifndef HANDOVER_SYS_H
#define HANDOVER_SYS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "handover/api.h"

/* Prefix of every temp file a durable write makes beside its target
 * (".tmp-NAME-16 hex"): whatever is so named is a crash's leftover. */
#define HV_SYS_TMP_PREFIX ".tmp-"

/* Writes all len bytes, retrying short writes and EINTR. */
HV_MUST_CHECK int hv_sys_write_all(int fd, const void *data, size_t len);
/* fsync of a directory (the names in it survive power loss), by path or
 * of the directory that holds path. */
HV_MUST_CHECK int hv_sys_fsync_dir(const char *dir);
HV_MUST_CHECK int hv_sys_fsync_parent(const char *path);

/* Replaces (or creates) name in the directory dirfd so that a reader, or
 * a crash, sees the old file or the new one, never a mix: a fresh temp
 * file beside it (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, then exactly mode,
 * whatever the umask), all bytes, fsync, rename over name, fsync of the
 * directory. On failure the temp file is gone and name untouched. */
HV_MUST_CHECK int hv_sys_replace_at(int dirfd, const char *name, const void *data,
                                    size_t len, mode_t mode);
/* The same by path (the directory is the one that holds path). */
HV_MUST_CHECK int hv_sys_replace(const char *path, const void *data, size_t len,
                                 mode_t mode);
/* Creates path whole, only if it does not exist: the same temp file,
 * published by link(), which refuses a taken name, then the directory's
 * fsync. A runtime without link() (Gramine 1.9 answers ENOSYS) gets
 * rename() after a check that path is free: two processes racing between
 * those two calls both think they made it (the later one's file stays).
 * 1: made; 0: path existed (someone else made it first); -1: error. */
HV_MUST_CHECK int hv_sys_create(const char *path, const void *data, size_t len,
                                mode_t mode);

/* Reads all of fd, at most cap bytes; EFBIG when there is more. */
HV_MUST_CHECK int hv_sys_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len);
/* hv_sys_read_file's flags: HV_SYS_READ_ANY opens whatever path names (a
 * pipe from the shell's <(...), /dev/stdin); HV_SYS_READ_REGULAR, for
 * files the host hands in, reads only a regular file (else errno
 * HV_SYS_ERR_NOT_REGULAR) and opens it without blocking, so a FIFO or a
 * device cannot stall the caller (nor a lock it holds);
 * HV_SYS_READ_PRIVATE, for a key, is READ_REGULAR that also refuses a
 * symbolic link (ELOOP) and a file not ours or open to group or others
 * (EPERM), so another user cannot plant what we read. */
#define HV_SYS_READ_ANY 0
#define HV_SYS_READ_REGULAR 1
#define HV_SYS_READ_PRIVATE 3 /* includes READ_REGULAR */
#define HV_SYS_ERR_NOT_REGULAR ESPIPE
/* Reads a whole file of at most cap bytes (EFBIG when larger). */
HV_MUST_CHECK int hv_sys_read_file(const char *path, int flags, uint8_t *buf, size_t cap,
                                   size_t *len);
/* The same into a fresh malloc'd buffer, NUL-terminated after *len bytes. */
HV_MUST_CHECK int hv_sys_read_file_alloc(const char *path, int flags, size_t cap, uint8_t **out,
                                         size_t *len);
/* strerror, with HV_SYS_ERR_NOT_REGULAR said plainly. */
const char *hv_sys_file_error(int err);

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void hv_sys_hex(const uint8_t *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1. */
int hv_sys_hex_digit(int c);
/* Exactly n bytes from exactly 2n hex digits; false on anything else. */
HV_MUST_CHECK bool hv_sys_unhex(const char *hex, size_t len, uint8_t *out, size_t n);
/* A decimal number in [0, max], digits only; false on junk, a sign, an
 * empty string or overflow. */
HV_MUST_CHECK bool hv_sys_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* CLOCK_MONOTONIC (every deadline) and CLOCK_REALTIME (the host's wall
 * clock, never trusted time), in ns or ms; 0 if the clock fails. */
int64_t hv_sys_monotonic_ns(void);
int64_t hv_sys_realtime_ns(void);
int64_t hv_sys_monotonic_ms(void);
int64_t hv_sys_realtime_ms(void);

#endif
