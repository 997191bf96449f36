/* The store's errors: kebab-case names (logs, JSON) and sentences (what a
 * person reads). */
#include "handover/store.h"

const char *hv_store_error_text(hv_store_error err) {
  switch (err) {
    case HV_STORE_OK: return "ok";
    case HV_STORE_ERR_ARGS: return "bad arguments";
    case HV_STORE_ERR_MISSING: return "store directory does not exist";
    case HV_STORE_ERR_NOT_DIR: return "store path is not a directory";
    case HV_STORE_ERR_PERMISSIONS:
      return "wrong permissions (directory must be 0700, files 0600, owned by us, no symlinks)";
    case HV_STORE_ERR_IO: return "a system call on the store directory failed (open, sync or listing)";
    case HV_STORE_ERR_READ: return "reading a store file failed";
    case HV_STORE_ERR_WRITE: return "writing a store file failed (create, write, fsync or rename)";
    case HV_STORE_ERR_CORRUPT: return "store file corrupt (truncated, altered or malformed)";
    case HV_STORE_ERR_NO_IDENTITY: return "no identity stored";
    case HV_STORE_ERR_EXISTS: return "an identity is already stored";
    case HV_STORE_ERR_IDENTITY_MISMATCH: return "a different identity is already stored";
    case HV_STORE_ERR_ROLLBACK: return "refused: value is older than the one stored";
    case HV_STORE_ERR_OTHER_ENCLAVE: return "sealed by another enclave";
    case HV_STORE_ERR_OTHER_PLATFORM: return "sealed on another platform";
    case HV_STORE_ERR_TEE: return "sealing or unsealing failed in the TEE (bad arguments or TEE I/O)";
    case HV_STORE_ERR_CRYPTO: return "key generation or derivation failed";
    case HV_STORE_ERR_LOCK: return "cannot open or lock the store's lock file";
    case HV_STORE_ERR_NEWER_CPUSVN: return "sealed under a newer CPU SVN than this CPU runs";
    case HV_STORE_ERR_NEWER_ISVSVN: return "sealed at an ISV SVN above this build's";
    case HV_STORE_ERR_OTHER_DEBUG:
      return "sealed by this build under the other DEBUG attribute (a production and "
             "a debug launch have different seal keys)";
    case HV_STORE_ERR_STATE_MISSING:
      return "state file missing while an identity exists (refused, never taken as a fresh store)";
    case HV_STORE_ERR_OTHER_WORKER:
      return "state belongs to another worker (it names another identity)";
    case HV_STORE_ERR_RETIRED:
      return "store retired: its key moved to another build (see handover status)";
    case HV_STORE_ERR_TOMBSTONE_MISSING:
      return "the state records that the key moved, but its tombstone is missing or not "
             "the one recorded (refused: files deleted or swapped)";
    case HV_STORE_ERR_HEAD_TIME_BACK:
      return "chain head refused: its time is below the recorded head's";
    case HV_STORE_ERR_HEAD_JUMP:
      return "chain head refused: its number is further ahead than the time since the "
             "recorded head allows at the fastest block rate";
    case HV_STORE_ERR_BELOW_FLOOR: return "trusted time is below the time floor";
    case HV_STORE_ERR_NOMEM: return "out of memory";
  }
  return "unknown store error";
}

const char *hv_store_error_name(hv_store_error err) {
  switch (err) {
    case HV_STORE_OK: return "ok";
    case HV_STORE_ERR_ARGS: return "bad-arguments";
    case HV_STORE_ERR_MISSING: return "store-missing";
    case HV_STORE_ERR_NOT_DIR: return "store-not-directory";
    case HV_STORE_ERR_PERMISSIONS: return "permissions";
    case HV_STORE_ERR_IO: return "io-error";
    case HV_STORE_ERR_READ: return "read-failed";
    case HV_STORE_ERR_WRITE: return "write-failed";
    case HV_STORE_ERR_CORRUPT: return "corrupt";
    case HV_STORE_ERR_NO_IDENTITY: return "no-identity";
    case HV_STORE_ERR_EXISTS: return "identity-exists";
    case HV_STORE_ERR_IDENTITY_MISMATCH: return "identity-mismatch";
    case HV_STORE_ERR_ROLLBACK: return "rollback";
    case HV_STORE_ERR_OTHER_ENCLAVE: return "sealed-other-enclave";
    case HV_STORE_ERR_OTHER_PLATFORM: return "sealed-other-platform";
    case HV_STORE_ERR_TEE: return "tee-failed";
    case HV_STORE_ERR_CRYPTO: return "crypto-failed";
    case HV_STORE_ERR_LOCK: return "lock-failed";
    case HV_STORE_ERR_NEWER_CPUSVN: return "sealed-newer-cpusvn";
    case HV_STORE_ERR_NEWER_ISVSVN: return "sealed-newer-isvsvn";
    case HV_STORE_ERR_OTHER_DEBUG: return "sealed-other-debug";
    case HV_STORE_ERR_STATE_MISSING: return "state-missing";
    case HV_STORE_ERR_OTHER_WORKER: return "other-worker";
    case HV_STORE_ERR_RETIRED: return "retired";
    case HV_STORE_ERR_TOMBSTONE_MISSING: return "tombstone-missing";
    case HV_STORE_ERR_HEAD_TIME_BACK: return "head-time-back";
    case HV_STORE_ERR_HEAD_JUMP: return "head-jump";
    case HV_STORE_ERR_BELOW_FLOOR: return "below-floor";
    case HV_STORE_ERR_NOMEM: return "out-of-memory";
  }
  return "unknown-error";
}
