#include "handover/buf.h"
#include "harness.h"

static void test_reads_big_endian(void) {
  const uint8_t in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, sizeof in);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  HT_CHECK(hv_buf_read_u8(&r, &a) && a == 1);
  HT_CHECK(hv_buf_read_u16(&r, &b) && b == 0x0203);
  HT_CHECK(hv_buf_read_u32(&r, &c) && c == 0x04050607);
  HT_CHECK(hv_buf_read_u64(&r, &d) && d == 0x08090a0b0c0d0e0fULL);
  HT_CHECK(hv_buf_reader_done(&r));
}

static void test_short_read_fails_and_latches(void) {
  const uint8_t in[] = {1, 2, 3};
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, sizeof in);
  uint32_t c = 0;
  uint8_t a = 0;
  HT_CHECK(!hv_buf_read_u32(&r, &c));
  HT_CHECK(!hv_buf_read_u8(&r, &a)); /* latched, though a byte is left */
  HT_CHECK(!hv_buf_reader_done(&r));
  HT_CHECK_EQ_INT(hv_buf_remaining(&r), 0);
}

static void test_huge_length_does_not_wrap(void) {
  const uint8_t in[] = {1, 2, 3, 4};
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, sizeof in);
  HT_CHECK(hv_buf_skip(&r, 1));
  const uint8_t *view = NULL;
  HT_CHECK(!hv_buf_read_view(&r, SIZE_MAX, &view));
  HT_CHECK(view == NULL);
}

static void test_sub_reader_is_bounded(void) {
  const uint8_t in[] = {0, 2, 0xaa, 0xbb, 0xcc};
  hv_buf_reader r, sub;
  hv_buf_reader_init(&r, in, sizeof in);
  uint16_t n;
  HT_CHECK(hv_buf_read_u16(&r, &n) && hv_buf_read_sub(&r, n, &sub));
  uint16_t v;
  HT_CHECK(hv_buf_read_u16(&sub, &v) && v == 0xaabb);
  uint8_t x;
  HT_CHECK(!hv_buf_read_u8(&sub, &x));
  HT_CHECK(hv_buf_read_u8(&r, &x) && x == 0xcc);
  HT_CHECK(hv_buf_reader_done(&r));
}

static void test_writer_bounds(void) {
  uint8_t out[7];
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, sizeof out);
  HT_CHECK(hv_buf_write_u16(&w, 0x0102));
  HT_CHECK(hv_buf_write_u32(&w, 0x03040506));
  HT_CHECK(!hv_buf_write_u16(&w, 0x0708));
  HT_CHECK(!hv_buf_write_u8(&w, 9)); /* latched */
  HT_CHECK(!hv_buf_writer_ok(&w));
  HT_CHECK_EQ_INT(w.len, 6);
  const uint8_t expect[] = {1, 2, 3, 4, 5, 6};
  HT_CHECK_MEM(out, expect, sizeof expect);
}

static void test_writer_reserve_and_zeros(void) {
  uint8_t out[8];
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, sizeof out);
  uint8_t *slot = NULL;
  HT_CHECK(hv_buf_write_reserve(&w, 2, &slot));
  HT_CHECK(hv_buf_write_zeros(&w, 2));
  HT_CHECK(hv_buf_write_u32(&w, 0xdeadbeef));
  slot[0] = 0x11;
  slot[1] = 0x22;
  const uint8_t expect[] = {0x11, 0x22, 0, 0, 0xde, 0xad, 0xbe, 0xef};
  HT_CHECK_MEM(out, expect, sizeof expect);
  HT_CHECK(!hv_buf_write_zeros(&w, 1));
}

int main(void) {
  HT_RUN(test_reads_big_endian);
  HT_RUN(test_short_read_fails_and_latches);
  HT_RUN(test_huge_length_does_not_wrap);
  HT_RUN(test_sub_reader_is_bounded);
  HT_RUN(test_writer_bounds);
  HT_RUN(test_writer_reserve_and_zeros);
  return HT_DONE();
}
