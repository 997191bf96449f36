#include "cli/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_hex(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool cli_unhex(const char *hex, uint8_t *out, size_t n) {
  if (strlen(hex) != 2 * n) return false;
  for (size_t i = 0; i < n; i++) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

bool cli_parse_u64(const char *s, uint64_t max, uint64_t *out) {
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

int cli_read_fd(int fd, uint8_t *buf, size_t cap, size_t *len) {
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

int cli_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = cli_read_fd(fd, buf, cap, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

int cli_read_file_alloc(const char *path, size_t cap, uint8_t **out, size_t *len) {
  uint8_t *buf = malloc(cap + 1);
  if (!buf) return -1;
  if (cli_read_file(path, buf, cap, len) != 0) {
    int saved = errno;
    free(buf);
    errno = saved;
    return -1;
  }
  buf[*len] = '\0';
  *out = buf;
  return 0;
}
