/* Keeping a worker's memory to itself (see hv_session_keep_memory_private). */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "session/log.h"

/* Outside SGX (sim mode, or a plain build) the identity key, seal keys
 * and NTS keys sit in this process's memory: no core file may carry them
 * to disk, and no other process of the same user may read them. Inside
 * an enclave the runtime may not implement either call (Gramine 1.9
 * answers ENOSYS): there the CPU keeps the enclave's pages from the host
 * and the runtime writes no core file of them, so that is no failure. */
hv_session_error hv_session_keep_memory_private(const hv_session_log *log) {
  struct rlimit none = {0, 0};
  int core_err = setrlimit(RLIMIT_CORE, &none) == 0 ? 0 : errno;
  int dump_err = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : errno;
  if (!core_err && !dump_err) return HV_SESSION_OK;
  const char *what = core_err ? "setrlimit(RLIMIT_CORE)" : "prctl(PR_SET_DUMPABLE)";
  int err = core_err ? core_err : dump_err;
  if ((!core_err || core_err == ENOSYS) && (!dump_err || dump_err == ENOSYS)) {
    hv_session_logf(log, HV_SESSION_LOG_INFO,
             "core dumps: this runtime has no %s (an enclave runtime such as Gramine); "
             "the enclave's memory is not readable by the host anyway", what);
    return HV_SESSION_ERR_SYSTEM;
  }
  hv_session_logf(log, HV_SESSION_LOG_WARN, "cannot disable core dumps: %s: %s", what,
           strerror(err));
  return HV_SESSION_ERR_SYSTEM;
}
