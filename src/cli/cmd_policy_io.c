#include "cli/cmd_policy_io.h"

#include "cli/util.h"
#include "handover/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

static int read_all(int fd, uint8_t *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  uint8_t extra;
  ssize_t n;
  do n = read(fd, &extra, 1);
  while (n < 0 && errno == EINTR);
  return n == 0 ? 0 : -1; /* the file grew while we read it */
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
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return fail(prefix, path, errno == EEXIST ? "exists already" : strerror(errno));
  /* fchmod: the mode must not depend on the caller's umask */
  if (fchmod(fd, mode) != 0 || cli_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
    int e = errno;
    close(fd);
    unlink(path);
    return fail(prefix, path, strerror(e));
  }
  if (close(fd) != 0) {
    unlink(path);
    return fail(prefix, path, "close failed");
  }
  return 0;
}

static int fsync_dir_of(const char *path) {
  char copy[PATH_MAX];
  if (strlen(path) >= sizeof copy) return -1;
  strcpy(copy, path);
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

int pol_write_replace(const char *prefix, const char *path, const void *data,
                      size_t len, mode_t mode) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
    return fail(prefix, path, "path too long");
  int fd = mkstemp(tmp);
  if (fd < 0) return fail(prefix, tmp, strerror(errno));
  bool ok = fchmod(fd, mode) == 0 && cli_write_all(fd, data, len) == 0 && fsync(fd) == 0;
  int e = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    e = errno;
  }
  if (!ok) {
    unlink(tmp);
    return fail(prefix, path, strerror(e));
  }
  if (rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    return fail(prefix, path, strerror(e));
  }
  if (fsync_dir_of(path) != 0) return fail(prefix, path, "fsync of its directory failed");
  return 0;
}
