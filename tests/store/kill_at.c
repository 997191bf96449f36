/* Linked into store_crasher with -Wl,--wrap=...: every call the store
 * code makes that changes the disk (open for writing, write, pwrite,
 * fsync, rename, unlink) is counted, and the process kills itself with
 * SIGKILL just before call number $HV_KILL_AT. Run with 1, 2, 3, ... it is
 * killed at every write of an operation in turn, and after the last one
 * it exits normally: test_store_crash uses it for the retirement. */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "kill_at.h"

static long calls;

long kill_at_calls(void) { return calls; }

static void count_write(void) {
  static long kill_at = -1;
  if (kill_at < 0) {
    const char *env = getenv("HV_KILL_AT");
    kill_at = env ? atol(env) : 0;
  }
  calls++;
  if (kill_at > 0 && calls == kill_at) raise(SIGKILL);
}

int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...);
int __real_openat64(int dirfd, const char *path, int flags, ...);
int __wrap_openat64(int dirfd, const char *path, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t __real_pwrite64(int fd, const void *buf, size_t n, off_t off);
ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, off_t off);
int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __real_renameat(int a, const char *from, int b, const char *to);
int __wrap_renameat(int a, const char *from, int b, const char *to);
int __real_unlinkat(int dirfd, const char *path, int flags);
int __wrap_unlinkat(int dirfd, const char *path, int flags);

static mode_t mode_of(int flags, va_list ap) {
  return (flags & O_CREAT) ? (mode_t)va_arg(ap, int) : 0;
}

static bool writes(int flags) { return (flags & (O_CREAT | O_WRONLY | O_RDWR)) != 0; }

int __wrap_openat(int dirfd, const char *path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_of(flags, ap);
  va_end(ap);
  if (writes(flags)) count_write();
  return __real_openat(dirfd, path, flags, mode);
}

int __wrap_openat64(int dirfd, const char *path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_of(flags, ap);
  va_end(ap);
  if (writes(flags)) count_write();
  return __real_openat64(dirfd, path, flags, mode);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n) {
  count_write();
  return __real_write(fd, buf, n);
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off) {
  count_write();
  return __real_pwrite(fd, buf, n, off);
}

ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, off_t off) {
  count_write();
  return __real_pwrite64(fd, buf, n, off);
}

int __wrap_fsync(int fd) {
  count_write();
  return __real_fsync(fd);
}

int __wrap_renameat(int a, const char *from, int b, const char *to) {
  count_write();
  return __real_renameat(a, from, b, to);
}

int __wrap_unlinkat(int dirfd, const char *path, int flags) {
  count_write();
  return __real_unlinkat(dirfd, path, flags);
}
