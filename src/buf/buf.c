#include "handover/buf.h"

#include <string.h>

void hv_buf_reader_init(hv_buf_reader *r, const uint8_t *data, size_t len) {
  r->data = data;
  r->len = data ? len : 0;
  r->pos = 0;
  r->failed = false;
}

size_t hv_buf_remaining(const hv_buf_reader *r) {
  return r->failed ? 0 : r->len - r->pos;
}

bool hv_buf_reader_done(const hv_buf_reader *r) {
  return !r->failed && r->pos == r->len;
}

/* The single bounds check every read goes through. */
static const uint8_t *take(hv_buf_reader *r, size_t n) {
  if (r->failed || n > r->len - r->pos) {
    r->failed = true;
    return NULL;
  }
  const uint8_t *p = r->data + r->pos;
  r->pos += n;
  return p;
}

bool hv_buf_read_u8(hv_buf_reader *r, uint8_t *out) {
  const uint8_t *p = take(r, 1);
  if (!p) return false;
  *out = p[0];
  return true;
}

bool hv_buf_read_u16(hv_buf_reader *r, uint16_t *out) {
  const uint8_t *p = take(r, 2);
  if (!p) return false;
  *out = (uint16_t)((p[0] << 8) | p[1]);
  return true;
}

bool hv_buf_read_u32(hv_buf_reader *r, uint32_t *out) {
  const uint8_t *p = take(r, 4);
  if (!p) return false;
  *out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | (uint32_t)p[3];
  return true;
}

bool hv_buf_read_u64(hv_buf_reader *r, uint64_t *out) {
  uint32_t hi, lo;
  if (!hv_buf_read_u32(r, &hi) || !hv_buf_read_u32(r, &lo)) return false;
  *out = ((uint64_t)hi << 32) | lo;
  return true;
}

bool hv_buf_read_bytes(hv_buf_reader *r, uint8_t *out, size_t n) {
  const uint8_t *p = take(r, n);
  if (!p) return false;
  if (n) memcpy(out, p, n);
  return true;
}

bool hv_buf_read_view(hv_buf_reader *r, size_t n, const uint8_t **out) {
  const uint8_t *p = take(r, n);
  if (!p) return false;
  *out = p;
  return true;
}

bool hv_buf_read_sub(hv_buf_reader *r, size_t n, hv_buf_reader *sub) {
  const uint8_t *p = take(r, n);
  if (!p) return false;
  hv_buf_reader_init(sub, p, n);
  return true;
}

bool hv_buf_skip(hv_buf_reader *r, size_t n) { return take(r, n) != NULL; }

void hv_buf_writer_init(hv_buf_writer *w, uint8_t *data, size_t cap) {
  w->data = data;
  w->cap = data ? cap : 0;
  w->len = 0;
  w->failed = false;
}

bool hv_buf_writer_ok(const hv_buf_writer *w) { return !w->failed; }

/* The single bounds check every write goes through. */
static uint8_t *room(hv_buf_writer *w, size_t n) {
  if (w->failed || n > w->cap - w->len) {
    w->failed = true;
    return NULL;
  }
  uint8_t *p = w->data + w->len;
  w->len += n;
  return p;
}

bool hv_buf_write_u8(hv_buf_writer *w, uint8_t v) {
  uint8_t *p = room(w, 1);
  if (!p) return false;
  p[0] = v;
  return true;
}

bool hv_buf_write_u16(hv_buf_writer *w, uint16_t v) {
  uint8_t *p = room(w, 2);
  if (!p) return false;
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
  return true;
}

bool hv_buf_write_u32(hv_buf_writer *w, uint32_t v) {
  uint8_t *p = room(w, 4);
  if (!p) return false;
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
  return true;
}

bool hv_buf_write_u64(hv_buf_writer *w, uint64_t v) {
  return hv_buf_write_u32(w, (uint32_t)(v >> 32)) &&
         hv_buf_write_u32(w, (uint32_t)v);
}

bool hv_buf_write_bytes(hv_buf_writer *w, const uint8_t *p, size_t n) {
  uint8_t *dst = room(w, n);
  if (!dst) return false;
  if (n) memcpy(dst, p, n);
  return true;
}

bool hv_buf_write_zeros(hv_buf_writer *w, size_t n) {
  uint8_t *dst = room(w, n);
  if (!dst) return false;
  if (n) memset(dst, 0, n);
  return true;
}

bool hv_buf_write_reserve(hv_buf_writer *w, size_t n, uint8_t **out) {
  uint8_t *dst = room(w, n);
  if (!dst) return false;
  *out = dst;
  return true;
}
