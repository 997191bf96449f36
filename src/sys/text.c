/* The two text forms every part reads or writes: lower-case hex of bytes
 * (measurements, keys, hashes) and bounded decimal numbers (options,
 * chain heads). One copy, so the parts cannot come to disagree. */
#include <string.h>

#include "sys/sys.h"

void hv_sys_hex(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

int hv_sys_hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool hv_sys_unhex(const char *hex, size_t len, uint8_t *out, size_t n) {
  if (len != 2 * n) return false;
  for (size_t i = 0; i < n; i++) {
    int hi = hv_sys_hex_digit(hex[2 * i]), lo = hv_sys_hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

bool hv_sys_parse_u64(const char *s, uint64_t max, uint64_t *out) {
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
