/* Test-only preload: setrlimit, prctl, link and flock fail as Gramine 1.9
 * makes them fail (HV_SHIM_ERRNO=ENOSYS), or as a real refusal would
 * (=EPERM), so that a test can tell which one `handover` copes with. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static int shim_errno(void) {
  const char *e = getenv("HV_SHIM_ERRNO");
  return e && !strcmp(e, "EPERM") ? EPERM : ENOSYS;
}

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim) {
  (void)resource;
  (void)rlim;
  errno = shim_errno();
  return -1;
}

int prctl(int option, ...) {
  (void)option;
  errno = shim_errno();
  return -1;
}

int link(const char *from, const char *to) {
  (void)from;
  (void)to;
  errno = shim_errno();
  return -1;
}

int flock(int fd, int op) {
  (void)fd;
  (void)op;
  errno = shim_errno();
  return -1;
}
