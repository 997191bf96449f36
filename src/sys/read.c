/* Whole-file reads: what every part and command reads (policies, chain
 * heads, secrets, keys) is small, so it is read whole into a bounded
 * buffer, and a file larger than the bound is refused, never cut. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"

int hv_sys_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len) {
  size_t got = 0;
  for (;;) {
    if (got == cap) {
      /* One more byte tells a file of exactly cap bytes from a larger one. */
      uint8_t extra;
      ssize_t n = read(fd, &extra, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -1;
      if (n > 0) {
        errno = EFBIG;
        return -1;
      }
      break;
    }
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  *len = got;
  return 0;
}

static int open_for_reading(const char *path, int flags) {
  if (!(flags & HV_SYS_READ_REGULAR)) return open(path, O_RDONLY | O_CLOEXEC);
  bool private = (flags & HV_SYS_READ_PRIVATE) == HV_SYS_READ_PRIVATE;
  /* O_NONBLOCK: opening a FIFO does not wait for a writer. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (private ? O_NOFOLLOW : 0));
  if (fd < 0) return -1;
  struct stat st;
  int rc = fstat(fd, &st);
  int saved = rc != 0 ? errno : 0;
  if (rc == 0 && !S_ISREG(st.st_mode))
    saved = HV_SYS_ERR_NOT_REGULAR;
  else if (rc == 0 && private && (st.st_uid != geteuid() || (st.st_mode & 077)))
    saved = EPERM;
  if (saved == 0) return fd;
  close(fd);
  errno = saved;
  return -1;
}

int hv_sys_read_file(const char *path, int flags, uint8_t *buf, size_t cap, size_t *len) {
  int fd = open_for_reading(path, flags);
  if (fd < 0) return -1;
  int rc = hv_sys_read_fd(fd, buf, cap, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int hv_sys_read_file_alloc(const char *path, int flags, size_t cap, uint8_t **out,
                           size_t *len) {
  uint8_t *buf = malloc(cap + 1);
  if (!buf) return -1;
  if (hv_sys_read_file(path, flags, buf, cap, len) != 0) {
    int saved = errno;
    free(buf);
    errno = saved;
    return -1;
  }
  buf[*len] = '\0';
  *out = buf;
  return 0;
}

const char *hv_sys_file_error(int err) {
  return err == HV_SYS_ERR_NOT_REGULAR ? "not a regular file" : strerror(err);
}
