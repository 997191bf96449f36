/* Unit tests of the NTS-KE record codec and the exporter contexts. */
#include <string.h>

#include "harness.h"
#include "nts/ke_codec.h"
#include "nts_testlib.h"

static uint8_t buf[HV_NTS_KE_REPLY_MAX + 16];
static hv_nts_ke_reply ke;

static void w_init(hv_buf_writer *w) { hv_buf_writer_init(w, buf, sizeof buf); }

/* Next Protocol NTPv4, AEAD 15 and one cookie: the minimum that works. */
static void good_head(hv_buf_writer *w) {
  static const uint8_t cookie[] = {1, 2, 3, 4, 5, 6, 7, 8};
  HT_CHECK(ht_ke_record_u16(w, true, HV_NTS_KE_NEXT_PROTOCOL, 0));
  HT_CHECK(ht_ke_record_u16(w, false, HV_NTS_KE_AEAD, 15));
  HT_CHECK(ht_ke_record(w, false, HV_NTS_KE_NEW_COOKIE, cookie, sizeof cookie));
}

static void end(hv_buf_writer *w) {
  HT_CHECK(ht_ke_record(w, true, HV_NTS_KE_END, NULL, 0));
}

static hv_nts_error parse(const hv_buf_writer *w) {
  return hv_nts_ke_parse(w->data, w->len, &ke);
}

static void ke_request_bytes(void) {
  static const uint8_t want[HV_NTS_KE_REQUEST_LEN] = {
      0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0};
  hv_buf_writer w;
  w_init(&w);
  HT_CHECK(hv_nts_ke_build_request(&w));
  HT_CHECK_EQ_INT(w.len, HV_NTS_KE_REQUEST_LEN);
  HT_CHECK_MEM(buf, want, sizeof want);
}

static void ke_good_reply(void) {
  hv_buf_writer w;
  w_init(&w);
  good_head(&w);
  uint8_t c2[100];
  memset(c2, 0x42, sizeof c2);
  HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, c2, sizeof c2));
  HT_CHECK(ht_ke_record(&w, true, HV_NTS_KE_SERVER, (const uint8_t *)"ntp.example", 11));
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_PORT, 12345));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_OK);
  HT_CHECK(ke.complete && ke.ntpv4 && ke.aead_siv);
  HT_CHECK_EQ_INT(ke.n_cookies, 2);
  HT_CHECK_EQ_INT(ke.cookies[0].len, 8);
  HT_CHECK_EQ_INT(ke.cookies[1].len, 100);
  HT_CHECK_MEM(ke.cookies[1].data, c2, sizeof c2);
  HT_CHECK(strcmp(ke.server, "ntp.example") == 0);
  HT_CHECK_EQ_INT(ke.port, 12345);
  HT_CHECK(!ke.has_warning);
}

/* A ninth cookie is more than the jar holds: ignored, not an error. */
static void ke_extra_cookies_ignored(void) {
  hv_buf_writer w;
  w_init(&w);
  good_head(&w);
  for (uint8_t i = 0; i < HV_NTS_MAX_COOKIES; i++) {
    uint8_t c[12];
    memset(c, i, sizeof c);
    HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, c, sizeof c));
  }
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_OK);
  HT_CHECK_EQ_INT(ke.n_cookies, HV_NTS_MAX_COOKIES);
  HT_CHECK_EQ_INT(ke.cookies[0].len, 8); /* the first ones are kept */
}

static void ke_defaults_without_negotiation(void) {
  hv_buf_writer w;
  w_init(&w);
  good_head(&w);
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_OK);
  HT_CHECK(ke.server[0] == '\0');
  HT_CHECK_EQ_INT(ke.port, 0);
}

static void ke_incomplete_waits(void) {
  hv_buf_writer w;
  w_init(&w);
  good_head(&w);
  end(&w);
  for (size_t cut = 0; cut < w.len; cut++) {
    HT_CHECK_EQ_INT(hv_nts_ke_parse(buf, cut, &ke), HV_NTS_OK);
    HT_CHECK(!ke.complete);
  }
}

static void ke_error_record(void) {
  hv_buf_writer w;
  w_init(&w);
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_ERROR, 1));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_ERROR);
  HT_CHECK_EQ_INT(ke.error_code, 1);
}

/* No warning code is defined, so any warning is an unknown one. */
static void ke_warning_record(void) {
  hv_buf_writer w;
  w_init(&w);
  good_head(&w);
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_WARNING, 7));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_ERROR);
  HT_CHECK(ke.has_warning);
  HT_CHECK_EQ_INT(ke.warning_code, 7);
}

static void ke_unknown_records(void) {
  hv_buf_writer w;
  w_init(&w);
  good_head(&w);
  HT_CHECK(ht_ke_record_u16(&w, false, 0x1234, 9)); /* ignored */
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_OK);
  w_init(&w);
  good_head(&w);
  HT_CHECK(ht_ke_record_u16(&w, true, 0x1234, 9));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_CRITICAL);
}

static void ke_missing_agreements(void) {
  static const uint8_t cookie[] = {1, 2, 3, 4};
  hv_buf_writer w;
  w_init(&w); /* no cookie */
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_NEXT_PROTOCOL, 0));
  HT_CHECK(ht_ke_record_u16(&w, false, HV_NTS_KE_AEAD, 15));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_NO_COOKIE);
  w_init(&w); /* no AEAD record */
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_NEXT_PROTOCOL, 0));
  HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, cookie, 4));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_NO_AEAD);
  w_init(&w); /* another AEAD */
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_NEXT_PROTOCOL, 0));
  HT_CHECK(ht_ke_record_u16(&w, false, HV_NTS_KE_AEAD, 30));
  HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, cookie, 4));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_NO_AEAD);
  w_init(&w); /* no Next Protocol */
  HT_CHECK(ht_ke_record_u16(&w, false, HV_NTS_KE_AEAD, 15));
  HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, cookie, 4));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_PROTOCOL);
  w_init(&w); /* a protocol we never offered */
  HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_NEXT_PROTOCOL, 0x8001));
  HT_CHECK(ht_ke_record_u16(&w, false, HV_NTS_KE_AEAD, 15));
  HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, cookie, 4));
  end(&w);
  HT_CHECK_EQ_INT(parse(&w), HV_NTS_ERR_KE_PROTOCOL);
}

/* Each case breaks one length or value rule of one record. */
static void ke_malformed_lengths(void) {
  static const uint8_t odd[3] = {0, 0, 0};
  static const uint8_t ctl[4] = {'a', '\n', 'b', 'c'};
  static uint8_t big[HV_NTS_COOKIE_MAX + 1];
  hv_buf_writer w;
  for (int c = 0; c < 10; c++) {
    w_init(&w);
    good_head(&w);
    switch (c) {
      case 0: HT_CHECK(ht_ke_record(&w, true, HV_NTS_KE_END, odd, 1)); break;
      case 1: end(&w); HT_CHECK(hv_buf_write_u8(&w, 0)); break;
      case 2: HT_CHECK(ht_ke_record(&w, true, HV_NTS_KE_PORT, odd, 3)); break;
      case 3: HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_PORT, 0)); break;
      case 4: HT_CHECK(ht_ke_record(&w, true, HV_NTS_KE_SERVER, ctl, 4)); break;
      case 5: HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, NULL, 0)); break;
      case 6: HT_CHECK(ht_ke_record(&w, false, HV_NTS_KE_NEW_COOKIE, big, sizeof big)); break;
      case 7: HT_CHECK(ht_ke_record_u16(&w, true, HV_NTS_KE_NEXT_PROTOCOL, 0)); break;
      case 8: HT_CHECK(ht_ke_record(&w, true, HV_NTS_KE_AEAD, odd, 3)); break;
      case 9: HT_CHECK(ht_ke_record(&w, true, HV_NTS_KE_ERROR, odd, 3)); break;
    }
    if (c != 0 && c != 1) end(&w);
    hv_nts_error e = parse(&w);
    if (e != HV_NTS_ERR_KE_MALFORMED) fprintf(stderr, "malformed case %d\n", c);
    HT_CHECK_EQ_INT(e, HV_NTS_ERR_KE_MALFORMED);
  }
  HT_CHECK_EQ_INT(hv_nts_ke_parse(buf, HV_NTS_KE_REPLY_MAX + 1, &ke),
                  HV_NTS_ERR_KE_MALFORMED);
}

static void exporter_contexts(void) {
  static const uint8_t c2s[5] = {0, 0, 0, 15, 0}, s2c[5] = {0, 0, 0, 15, 1};
  uint8_t ctx[HV_NTS_EXPORTER_CONTEXT_LEN];
  hv_nts_exporter_context(false, ctx);
  HT_CHECK_MEM(ctx, c2s, 5);
  hv_nts_exporter_context(true, ctx);
  HT_CHECK_MEM(ctx, s2c, 5);
  HT_CHECK(strcmp(HV_NTS_EXPORTER_LABEL, "EXPORTER-network-time-security") == 0);
}

int main(void) {
  HT_RUN(ke_request_bytes);
  HT_RUN(ke_good_reply);
  HT_RUN(ke_extra_cookies_ignored);
  HT_RUN(ke_defaults_without_negotiation);
  HT_RUN(ke_incomplete_waits);
  HT_RUN(ke_error_record);
  HT_RUN(ke_warning_record);
  HT_RUN(ke_unknown_records);
  HT_RUN(ke_missing_agreements);
  HT_RUN(ke_malformed_lengths);
  HT_RUN(exporter_contexts);
  return HT_DONE();
}
