#include "cli/cmd_policy_io.h"

#include "handover/crypto.h"
#include "sys/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *prefix, const char *path, const char *what) {
  fprintf(stderr, "%s: %s: %s\n", prefix, path, what);
  return -1;
}

/* Exactly the len bytes fstat promised: a file that grew or shrank while
 * it was read is refused. */
static int read_all(int fd, uint8_t *buf, size_t len) {
  size_t got = 0;
  return hv_sys_read_fd(fd, buf, len, &got) == 0 && got == len ? 0 : -1;
}

int pol_read_file(const char *prefix, const char *path, size_t max, bool secret,
                  uint8_t **out, size_t *out_len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(prefix, path, strerror(errno));
  struct stat st;
  int rc = -1;
  uint8_t *buf = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    fail(prefix, path, "not a regular file");
  } else if ((size_t)st.st_size > max) {
    fail(prefix, path, "file too large");
  } else if (secret && (st.st_mode & 077)) {
    fail(prefix, path, "secret key file is accessible by others (chmod 600)");
  } else if (!(buf = malloc((size_t)st.st_size + 1))) {
    fail(prefix, path, "out of memory");
  } else if (read_all(fd, buf, (size_t)st.st_size) != 0) {
    fail(prefix, path, "read failed or file changed while reading");
  } else {
    buf[st.st_size] = 0;
    *out = buf;
    *out_len = (size_t)st.st_size;
    buf = NULL;
    rc = 0;
  }
  if (buf) {
    hv_wipe(buf, (size_t)st.st_size + 1); /* may hold a secret key */
    free(buf);
  }
  close(fd);
  return rc;
}

int pol_write_new(const char *prefix, const char *path, const void *data,
                  size_t len, mode_t mode) {
  int made = hv_sys_create(path, data, len, mode);
  if (made == 0) return fail(prefix, path, "exists already");
  return made > 0 ? 0 : fail(prefix, path, strerror(errno));
}

int pol_write_replace(const char *prefix, const char *path, const void *data,
                      size_t len, mode_t mode) {
  return hv_sys_replace(path, data, len, mode) == 0 ? 0 : fail(prefix, path, strerror(errno));
}
