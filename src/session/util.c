#include "session/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/session.h"
#include "sys/sys.h"

int64_t hv_session_monotonic_ms(void) { return hv_sys_monotonic_ms(); }
int64_t hv_session_wall_ms(void) { return hv_sys_realtime_ms(); }

void hv_session_hex(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

bool hv_session_parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || *s < '0' || *s > '9') return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    unsigned d = (unsigned)(*s - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

int hv_session_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len) {
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

int hv_session_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len) {
  /* O_NONBLOCK: opening a FIFO does not wait for a writer. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -1;
  struct stat st;
  int rc = fstat(fd, &st);
  if (rc == 0 && !S_ISREG(st.st_mode)) {
    errno = HV_SESSION_ERR_NOT_REGULAR;
    rc = -1;
  }
  if (rc == 0) rc = hv_session_read_fd(fd, buf, cap, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

const char *hv_session_file_error(int err) {
  return err == HV_SESSION_ERR_NOT_REGULAR ? "not a regular file" : strerror(err);
}

int hv_session_read_file_alloc(const char *path, size_t cap, uint8_t **out, size_t *len) {
  uint8_t *buf = malloc(cap + 1);
  if (!buf) return -1;
  if (hv_session_read_file(path, buf, cap, len) != 0) {
    int saved = errno;
    free(buf);
    errno = saved;
    return -1;
  }
  buf[*len] = '\0';
  *out = buf;
  return 0;
}
