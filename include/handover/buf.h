/* Bounds-checked byte cursor. Every parser in handover reads through
 * hv_buf_reader and every encoder writes through hv_buf_writer, so a bad
 * length can only ever make a read fail, never run past a buffer.
 * All integers are big-endian (network order), as in NTS-KE, NTP and our
 * own protocol. A failed read or write latches: later calls fail too, so a
 * parser may check once at the end, as long as it ignores the outputs of
 * the failed calls. */
#ifndef HANDOVER_BUF_H
#define HANDOVER_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "handover/api.h"

HV_BEGIN_DECLS

typedef struct {
  const uint8_t *data;
  size_t len;
  size_t pos;
  bool failed;
} hv_buf_reader;

typedef struct {
  uint8_t *data;
  size_t cap;
  size_t len;
  bool failed;
} hv_buf_writer;

HV_API void hv_buf_reader_init(hv_buf_reader *r, const uint8_t *data, size_t len);
HV_API size_t hv_buf_remaining(const hv_buf_reader *r);
/* True when every byte was consumed and no read failed. */
HV_API bool hv_buf_reader_done(const hv_buf_reader *r);

HV_API HV_MUST_CHECK bool hv_buf_read_u8(hv_buf_reader *r, uint8_t *out);
HV_API HV_MUST_CHECK bool hv_buf_read_u16(hv_buf_reader *r, uint16_t *out);
HV_API HV_MUST_CHECK bool hv_buf_read_u32(hv_buf_reader *r, uint32_t *out);
HV_API HV_MUST_CHECK bool hv_buf_read_u64(hv_buf_reader *r, uint64_t *out);
HV_API HV_MUST_CHECK bool hv_buf_read_bytes(hv_buf_reader *r, uint8_t *out, size_t n);
/* Points *out at the next n bytes without copying. */
HV_API HV_MUST_CHECK bool hv_buf_read_view(hv_buf_reader *r, size_t n, const uint8_t **out);
/* A sub-reader over the next n bytes (for nested length-prefixed data). */
HV_API HV_MUST_CHECK bool hv_buf_read_sub(hv_buf_reader *r, size_t n, hv_buf_reader *sub);
HV_API HV_MUST_CHECK bool hv_buf_skip(hv_buf_reader *r, size_t n);

HV_API void hv_buf_writer_init(hv_buf_writer *w, uint8_t *data, size_t cap);
/* True when no write failed. */
HV_API bool hv_buf_writer_ok(const hv_buf_writer *w);

HV_API HV_MUST_CHECK bool hv_buf_write_u8(hv_buf_writer *w, uint8_t v);
HV_API HV_MUST_CHECK bool hv_buf_write_u16(hv_buf_writer *w, uint16_t v);
HV_API HV_MUST_CHECK bool hv_buf_write_u32(hv_buf_writer *w, uint32_t v);
HV_API HV_MUST_CHECK bool hv_buf_write_u64(hv_buf_writer *w, uint64_t v);
HV_API HV_MUST_CHECK bool hv_buf_write_bytes(hv_buf_writer *w, const uint8_t *p, size_t n);
HV_API HV_MUST_CHECK bool hv_buf_write_zeros(hv_buf_writer *w, size_t n);
/* Reserves n bytes to be filled later (e.g. a length or a MAC). */
HV_API HV_MUST_CHECK bool hv_buf_write_reserve(hv_buf_writer *w, size_t n, uint8_t **out);

HV_END_DECLS

#endif
