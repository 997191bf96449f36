/* Durable file writes: one way for every part (see sys.h). A write never
 * touches the live name: it fills a fresh temp file in the same directory
 * (so the rename stays within one file system and is atomic), makes the
 * bytes durable, then publishes the name and makes that durable too. */
#include "sys/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_RANDOM_LEN 8 /* random suffix: concurrent writers never clash */
#define TMP_NAME_CAP 256 /* NAME_MAX + the prefix and suffix */
#define TMP_TRIES 4      /* a clash of 64 random bits is an attack, not luck */

int hv_sys_write_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int fsync_fd_close(int fd) {
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int saved = errno;
  (void)close(fd);
  errno = saved;
  return rc;
}

int hv_sys_fsync_dir(const char *dir) {
  return fsync_fd_close(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

/* The directory part of path into out ("." for a bare name). */
static int dir_of(const char *path, char out[PATH_MAX]) {
  if (strlen(path) >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char copy[PATH_MAX];
  memcpy(copy, path, strlen(path) + 1);
  (void)snprintf(out, PATH_MAX, "%s", dirname(copy));
  return 0;
}

int hv_sys_fsync_parent(const char *path) {
  char dir[PATH_MAX];
  return dir_of(path, dir) == 0 ? hv_sys_fsync_dir(dir) : -1;
}

static int random_suffix(char hex[2 * TMP_RANDOM_LEN + 1]) {
  uint8_t rnd[TMP_RANDOM_LEN];
  size_t got = 0;
  while (got < sizeof rnd) {
    ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof rnd; i++) (void)snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
  return 0;
}

/* A fresh temp file for name in dirfd, filled, fsynced and closed; its
 * name in tmp. -1 (errno) with nothing left behind on failure. */
static int write_temp(int dirfd, const char *name, const void *data, size_t len,
                      mode_t mode, char tmp[TMP_NAME_CAP]) {
  int fd = -1;
  for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
    char hex[2 * TMP_RANDOM_LEN + 1];
    if (random_suffix(hex) != 0) return -1;
    int n = snprintf(tmp, TMP_NAME_CAP, "%s%s-%s", HV_SYS_TMP_PREFIX, name, hex);
    if (n < 0 || n >= TMP_NAME_CAP) {
      errno = ENAMETOOLONG;
      return -1;
    }
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) return -1;
  }
  if (fd < 0) return -1;
  /* The umask may only take bits away; make the mode exact anyway. */
  bool ok = fchmod(fd, mode) == 0 && hv_sys_write_all(fd, data, len) == 0 && fsync(fd) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    (void)unlinkat(dirfd, tmp, 0);
    errno = saved;
    return -1;
  }
  return 0;
}

int hv_sys_replace_at(int dirfd, const char *name, const void *data, size_t len,
                      mode_t mode) {
  char tmp[TMP_NAME_CAP];
  if (write_temp(dirfd, name, data, len, mode, tmp) != 0) return -1;
  if (renameat(dirfd, tmp, dirfd, name) != 0) {
    int saved = errno;
    (void)unlinkat(dirfd, tmp, 0);
    errno = saved;
    return -1;
  }
  return fsync(dirfd);
}

/* The directory of path opened, and the last part of path. */
static int open_parent(const char *path, const char **base) {
  char dir[PATH_MAX];
  if (dir_of(path, dir) != 0) return -1;
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  if (**base == '\0') {
    errno = EISDIR;
    return -1;
  }
  return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int hv_sys_replace(const char *path, const void *data, size_t len, mode_t mode) {
  const char *base = NULL;
  int dirfd = open_parent(path, &base);
  if (dirfd < 0) return -1;
  int rc = hv_sys_replace_at(dirfd, base, data, len, mode);
  int saved = errno;
  (void)close(dirfd);
  errno = saved;
  return rc;
}

/* Publishes the whole temp file tmp (in the directory of path) as path,
 * only if path is free. link() by path, not linkat: a test (and Gramine)
 * sees the call it knows. 1: made; 0: path existed; -1: error. */
static int publish_new(int dirfd, const char *path, const char *tmp, const char *base) {
  char dir[PATH_MAX], tmp_path[PATH_MAX];
  if (dir_of(path, dir) != 0) return -1;
  int n = snprintf(tmp_path, sizeof tmp_path, "%s/%s", dir, tmp);
  if (n < 0 || (size_t)n >= sizeof tmp_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  if (link(tmp_path, path) == 0) return 1;
  if (errno == EEXIST) return 0;
  if (errno != ENOSYS) return -1;
  struct stat st;
  if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) return 0;
  if (errno != ENOENT) return -1;
  return renameat(dirfd, tmp, dirfd, base) == 0 ? 1 : -1;
}

int hv_sys_create(const char *path, const void *data, size_t len, mode_t mode) {
  const char *base = NULL;
  int dirfd = open_parent(path, &base);
  if (dirfd < 0) return -1;
  char tmp[TMP_NAME_CAP];
  int rc = write_temp(dirfd, base, data, len, mode, tmp);
  if (rc == 0) {
    rc = publish_new(dirfd, path, tmp, base);
    int saved = errno;
    (void)unlinkat(dirfd, tmp, 0); /* gone already when renamed */
    errno = saved;
  }
  if (rc >= 0 && fsync(dirfd) != 0) rc = -1;
  int saved = errno;
  (void)close(dirfd);
  errno = saved;
  return rc;
}
