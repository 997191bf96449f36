#include "session/nts_key.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "session/log.h"
#include "sys/sys.h"

#define SEALED_CAP (HV_TIMESRC_STATE_KEY_LEN + HV_TEE_SEAL_OVERHEAD)

static int say(const hv_session_log *log, const char *dir, const char *what) {
  hv_session_logf(log, HV_SESSION_LOG_ERROR, "--nts-state %s: %s", dir, what);
  return -1;
}

static int make_key(const hv_session_log *log, const char *dir, const char *path,
                    const hv_tee *tee, uint8_t key[HV_TIMESRC_STATE_KEY_LEN]) {
  uint8_t sealed[SEALED_CAP];
  size_t len = 0;
  if (hv_random(key, HV_TIMESRC_STATE_KEY_LEN) != 0 ||
      hv_tee_seal(tee, HV_TEE_SEAL_MRENCLAVE, key, HV_TIMESRC_STATE_KEY_LEN, sealed,
                  sizeof sealed, &len) != HV_TEE_OK)
    return say(log, dir, "cannot make and seal the state key");
  /* Only once the content is whole on disk does the name appear; two
   * processes racing here (sharing one directory, which the README
   * already forbids) would cost one NTS-KE, no key. */
  int made = hv_sys_create(path, sealed, len, 0600);
  if (made < 0) return say(log, dir, "cannot write " HV_SESSION_NTS_KEY_FILE);
  return made; /* 0: another process won the race: use its key */
}

static int open_key(const hv_session_log *log, const char *dir, const uint8_t *sealed, size_t len,
                    const hv_tee *tee, uint8_t key[HV_TIMESRC_STATE_KEY_LEN]) {
  uint8_t plain[SEALED_CAP];
  size_t plain_len = 0;
  hv_tee_error e =
      hv_tee_unseal(tee, HV_TEE_SEAL_MRENCLAVE, sealed, len, plain, sizeof plain, &plain_len);
  int rc = e == HV_TEE_OK && plain_len == HV_TIMESRC_STATE_KEY_LEN ? 0 : -1;
  if (rc == 0) memcpy(key, plain, HV_TIMESRC_STATE_KEY_LEN);
  hv_wipe(plain, sizeof plain);
  if (rc != 0) {
    char why[200];
    snprintf(why, sizeof why,
             HV_SESSION_NTS_KEY_FILE " does not open for this build (%s): give each build its "
             "own directory, or remove the file (only NTS cookies are lost)",
             e == HV_TEE_OK ? "wrong size" : hv_tee_error_name(e));
    return say(log, dir, why);
  }
  return 0;
}

/* Ours alone: a real directory (not a link), owned by us, closed to
 * others; the same for the key file. Another user must not be able to
 * plant a key file, nor swap the directory under us. */
static int check_private(const hv_session_log *log, const char *dir) {
  struct stat st;
  if (lstat(dir, &st) != 0) return say(log, dir, strerror(errno));
  if (S_ISLNK(st.st_mode)) return say(log, dir, "is a symbolic link");
  if (!S_ISDIR(st.st_mode)) return say(log, dir, "not a directory");
  if (st.st_uid != geteuid()) return say(log, dir, "owned by another user");
  if (st.st_mode & 077) return say(log, dir, "open to others (want mode 700)");
  return 0;
}

int hv_session_nts_key_load(const hv_session_log *log, const char *dir, const hv_tee *tee,
                     uint8_t key[HV_TIMESRC_STATE_KEY_LEN]) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, HV_SESSION_NTS_KEY_FILE) >= (int)sizeof path)
    return say(log, dir, "path too long");
  if (check_private(log, dir) != 0) return -1;
  for (int attempt = 0; attempt < 2; attempt++) {
    uint8_t sealed[SEALED_CAP + 1];
    size_t len = 0;
    if (hv_sys_read_file(path, HV_SYS_READ_PRIVATE, sealed, sizeof sealed, &len) == 0)
      return open_key(log, dir, sealed, len, tee, key);
    if (errno == EPERM || errno == ELOOP || errno == HV_SYS_ERR_NOT_REGULAR)
      return say(log, dir, HV_SESSION_NTS_KEY_FILE " is not a private file of ours (0600)");
    if (errno != ENOENT) return say(log, dir, "cannot read " HV_SESSION_NTS_KEY_FILE);
    int made = make_key(log, dir, path, tee, key);
    if (made != 0) return made > 0 ? 0 : -1;
  }
  return say(log, dir, HV_SESSION_NTS_KEY_FILE " keeps changing");
}
