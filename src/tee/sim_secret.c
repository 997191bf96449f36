/* The sim backend's platform secret: 32 random bytes in a private file.
 *
 * Creation never exposes a half-written secret: the bytes are written to a
 * fresh temporary file (O_CREAT|O_EXCL, mode 0600), fsynced, then
 * link()ed to the final name, which fails if the name exists
 * (hv_sys_create). Two processes that start at once (sender and receiver of a demo) therefore both end up
 * with the one secret that won, and a crash leaves either no file or a
 * complete one. The directory is fsynced so the name survives power loss.
 * Gramine has no link() (ENOSYS): there the temporary file is renamed into
 * place if the name is still free, which cannot refuse a name another
 * process takes in that same instant (then the later one wins, and the
 * earlier process holds a secret no longer on disk). Sim mode only: the
 * window is one rename wide; create the secret once (init) before starting
 * several processes at once under Gramine. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "sys/sys.h"
#include "tee/sim.h"

/* Writes a new secret and publishes it only if the name is still free
 * (hv_sys_create). HV_TEE_OK also when another process created it first. */
static hv_tee_error create_secret(const char *path) {
  uint8_t secret[SIM_SECRET_LEN];
  hv_tee_error err = HV_TEE_ERR_CRYPTO;
  if (hv_random(secret, sizeof secret) == 0)
    err = hv_sys_create(path, secret, sizeof secret, 0600) >= 0 ? HV_TEE_OK : HV_TEE_ERR_IO;
  hv_wipe(secret, sizeof secret);
  return err;
}

/* Only a regular file of ours, closed to group and others, of exactly
 * SIM_SECRET_LEN bytes is a platform secret. */
static hv_tee_error check_file(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return HV_TEE_ERR_IO;
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) return HV_TEE_ERR_PERMISSIONS;
  if ((st.st_mode & 0077) != 0 || (st.st_mode & 0400) == 0) return HV_TEE_ERR_PERMISSIONS;
  if (st.st_size != SIM_SECRET_LEN) return HV_TEE_ERR_PERMISSIONS;
  return HV_TEE_OK;
}

hv_tee_error hv_tee_sim_secret_load(const char *path, uint8_t out[SIM_SECRET_LEN]) {
  if (!path || !*path) return HV_TEE_ERR_ARGS;
  /* O_NONBLOCK: a FIFO planted at the path must not hang us (check_file
   * then refuses anything but a regular file). */
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    hv_tee_error err = create_secret(path);
    if (err != HV_TEE_OK) return err;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  }
  if (fd < 0) return errno == ELOOP ? HV_TEE_ERR_PERMISSIONS : HV_TEE_ERR_IO;
  hv_tee_error err = check_file(fd);
  size_t got = 0;
  if (err == HV_TEE_OK &&
      (hv_sys_read_fd(fd, out, SIM_SECRET_LEN, &got) != 0 || got != SIM_SECRET_LEN))
    err = HV_TEE_ERR_IO;
  close(fd);
  if (err != HV_TEE_OK) hv_wipe(out, SIM_SECRET_LEN);
  return err;
}
