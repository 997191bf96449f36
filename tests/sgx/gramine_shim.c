/* Test-only preload: setrlimit and prctl fail as Gramine 1.9 makes them
 * fail (HV_SHIM_ERRNO=ENOSYS), or as a real refusal would (=EPERM), so
 * that a test can tell which one `handover` warns about. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

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
