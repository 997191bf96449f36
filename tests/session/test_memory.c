/* hv_session_keep_memory_private: a runtime without the calls (Gramine
 * answers ENOSYS) is an info line naming why; any other failure a
 * warning; success says nothing. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "handover/session.h"
#include "harness.h"

/* This executable's prctl() and setrlimit() come before libc's for the
 * library linked into it; fail_with 0 passes them through. */
static int fail_prctl, fail_rlimit;
int prctl(int option, ...);
int prctl(int option, ...) {
  va_list ap;
  va_start(ap, option);
  unsigned long a = va_arg(ap, unsigned long), b = va_arg(ap, unsigned long),
                c = va_arg(ap, unsigned long), d = va_arg(ap, unsigned long);
  va_end(ap);
  if (fail_prctl) {
    errno = fail_prctl;
    return -1;
  }
  return (int)syscall(SYS_prctl, option, a, b, c, d);
}
int setrlimit(__rlimit_resource_t resource, const struct rlimit *limit) {
  if (fail_rlimit) {
    errno = fail_rlimit;
    return -1;
  }
  return (int)syscall(SYS_setrlimit, resource, limit);
}

static int lines;
static hv_session_level last_level;
static char last[512];

static void record(void *ctx, hv_session_level level, const char *line) {
  (void)ctx;
  lines++;
  last_level = level;
  snprintf(last, sizeof last, "%s", line);
}

static const hv_session_log rec_log = {.fn = record, .ctx = NULL};

static hv_session_error run(int prctl_errno, int rlimit_errno) {
  fail_prctl = prctl_errno;
  fail_rlimit = rlimit_errno;
  lines = 0;
  last[0] = '\0';
  hv_session_error e = hv_session_keep_memory_private(&rec_log);
  fail_prctl = fail_rlimit = 0;
  return e;
}

static void test_works(void) {
  HT_CHECK_EQ_INT(run(0, 0), HV_SESSION_OK);
  HT_CHECK_EQ_INT(lines, 0);
}

static void test_enosys_is_info(void) {
  HT_CHECK_EQ_INT(run(ENOSYS, 0), HV_SESSION_ERR_SYSTEM);
  HT_CHECK_EQ_INT(lines, 1);
  HT_CHECK_EQ_INT(last_level, HV_SESSION_LOG_INFO);
  HT_CHECK(strstr(last, "prctl(PR_SET_DUMPABLE)") != NULL);
  HT_CHECK(strstr(last, "not readable by the host") != NULL);
  HT_CHECK_EQ_INT(run(ENOSYS, ENOSYS), HV_SESSION_ERR_SYSTEM);
  HT_CHECK_EQ_INT(last_level, HV_SESSION_LOG_INFO);
  HT_CHECK(strstr(last, "setrlimit(RLIMIT_CORE)") != NULL);
}

static void test_other_failure_warns(void) {
  HT_CHECK_EQ_INT(run(EPERM, 0), HV_SESSION_ERR_SYSTEM);
  HT_CHECK_EQ_INT(lines, 1);
  HT_CHECK_EQ_INT(last_level, HV_SESSION_LOG_WARN);
  HT_CHECK(strstr(last, "cannot disable core dumps") != NULL);
  /* one ENOSYS does not excuse another failure */
  HT_CHECK_EQ_INT(run(ENOSYS, EPERM), HV_SESSION_ERR_SYSTEM);
  HT_CHECK_EQ_INT(last_level, HV_SESSION_LOG_WARN);
}

int main(void) {
  HT_RUN(test_works);
  HT_RUN(test_enosys_is_info);
  HT_RUN(test_other_failure_warns);
  return HT_DONE();
}
