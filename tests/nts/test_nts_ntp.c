/* Unit tests of the NTP packet codec: the request, and each reason a
 * reply is refused. */
#include <string.h>

#include "handover/crypto.h"
#include "harness.h"
#include "nts/ntp_codec.h"
#include "nts_testlib.h"

static uint8_t c2s[HV_NTS_KEY_LEN], s2c[HV_NTS_KEY_LEN];
static uint8_t uid[HV_NTS_UID_LEN], origin[HV_NTS_NTP_TS_LEN];
static hv_nts_cookie cookies[3];
static uint8_t pkt[HV_NTS_NTP_PACKET_MAX + 64];
static size_t pkt_len;
static hv_nts_ntp_reply reply;

static void setup(void) {
  HT_CHECK(hv_random(c2s, sizeof c2s) == 0 && hv_random(s2c, sizeof s2c) == 0);
  HT_CHECK(hv_random(uid, sizeof uid) == 0 && hv_random(origin, sizeof origin) == 0);
  for (size_t i = 0; i < 3; i++) {
    cookies[i].len = 40 + 4 * i;
    memset(cookies[i].data, (int)(0xa0 + i), cookies[i].len);
  }
}

static hv_nts_error parse_with(const uint8_t *key) {
  hv_nts_ntp_expect e = {uid, origin, key};
  return hv_nts_ntp_parse_reply(pkt, pkt_len, &e, &reply);
}

static hv_nts_error parse(void) { return parse_with(s2c); }

static void build(const ht_ntp_reply_spec *s) {
  HT_CHECK(ht_ntp_build_reply(s, pkt, sizeof pkt, &pkt_len));
}

/* A good reply with two encrypted cookies. */
static void good_spec(ht_ntp_reply_spec *s) {
  ht_ntp_reply_defaults(s, uid, origin, s2c);
  s->n_cookies = 2;
  s->cookies = cookies;
}

static void request_layout(void) {
  hv_nts_ntp_request req = {.c2s_key = c2s, .cookie = &cookies[1], .placeholders = 5};
  memcpy(req.uid, uid, sizeof uid);
  memcpy(req.transmit, origin, sizeof origin);
  HT_CHECK(hv_random(req.nonce, sizeof req.nonce) == 0);
  size_t len = 0;
  HT_CHECK(hv_nts_ntp_build_request(&req, pkt, sizeof pkt, &len));
  size_t ef_cookie = 4 + cookies[1].len;
  HT_CHECK_EQ_INT(len, 48 + 36 + ef_cookie * 6 + 40);
  HT_CHECK_EQ_INT(pkt[0], 0x23); /* LI 0, VN 4, mode 3 */
  HT_CHECK_MEM(pkt + 40, origin, 8);
  ht_ntp_request_seen seen;
  HT_CHECK(ht_ntp_read_request(pkt, len, c2s, &seen));
  HT_CHECK_MEM(seen.uid, uid, sizeof uid);
  HT_CHECK_EQ_INT(seen.cookie.len, cookies[1].len);
  HT_CHECK_MEM(seen.cookie.data, cookies[1].data, cookies[1].len);
  HT_CHECK_EQ_INT(seen.placeholders, 5);
  /* The authenticator covers the header: a flipped bit fails it. */
  pkt[2] ^= 1;
  HT_CHECK(!ht_ntp_read_request(pkt, len, c2s, &seen));
  /* Too many placeholders and a missing cookie are refused. */
  req.placeholders = HV_NTS_MAX_COOKIES;
  HT_CHECK(!hv_nts_ntp_build_request(&req, pkt, sizeof pkt, &len));
  req.placeholders = 0;
  req.cookie = NULL;
  HT_CHECK(!hv_nts_ntp_build_request(&req, pkt, sizeof pkt, &len));
}

static void reply_good(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_OK);
  HT_CHECK_EQ_INT(reply.n_cookies, 2);
  HT_CHECK_MEM(reply.cookies[1].data, cookies[1].data, cookies[1].len);
  HT_CHECK_EQ_INT(reply.stratum, 1);
  HT_CHECK_EQ_INT(reply.root_delay, 0x00010000);
  HT_CHECK_EQ_INT(hv_nts_ntp_ts_to_unix_ns(reply.receive_ts) / 1000000000LL, 1700000000LL);
}

static void reply_cookies_only_encrypted(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  s.n_cookies = 1;
  s.plain_cookie = &cookies[2];
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_OK);
  HT_CHECK_EQ_INT(reply.n_cookies, 1);
  HT_CHECK_EQ_INT(reply.cookies[0].len, cookies[0].len);
  HT_CHECK_MEM(reply.cookies[0].data, cookies[0].data, cookies[0].len);
}

static void reply_wrong_unique_id(void) {
  uint8_t other[HV_NTS_UID_LEN];
  memcpy(other, uid, sizeof other);
  other[31] ^= 1;
  ht_ntp_reply_spec s;
  good_spec(&s);
  s.uid = other;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_UNIQUE_ID);
  s.uid = NULL;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_UNIQUE_ID);
}

static void reply_wrong_origin(void) {
  uint8_t other[HV_NTS_NTP_TS_LEN];
  memcpy(other, origin, sizeof other);
  other[0] ^= 0x80;
  ht_ntp_reply_spec s;
  good_spec(&s);
  s.origin = other;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_ORIGIN);
}

static void reply_bad_auth(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  s.bad_tag = true;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_AUTH);
  HT_CHECK_EQ_INT(reply.n_cookies, 0);
  good_spec(&s);
  build(&s);
  HT_CHECK_EQ_INT(parse_with(c2s), HV_NTS_ERR_NTP_AUTH); /* other key */
  s.s2c_key = NULL; /* no authenticator at all */
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_AUTH);
  /* A header byte changed after sealing: the AD no longer matches. */
  good_spec(&s);
  build(&s);
  pkt[3] ^= 1;
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_AUTH);
}

static void reply_wrong_mode(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  s.mode = HV_NTS_NTP_MODE_CLIENT;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MODE);
  good_spec(&s);
  s.version = 3;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MODE);
}

static void reply_truncated(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  build(&s);
  size_t full = pkt_len;
  /* Every cut that is not on a field boundary; 47 bytes is no header. */
  pkt_len = 47;
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MALFORMED);
  pkt_len = 48 + 36 + 2;
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MALFORMED);
  pkt_len = full - 4;
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MALFORMED);
}

static void reply_oversized(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  build(&s);
  memset(pkt + pkt_len, 0, sizeof pkt - pkt_len);
  pkt_len = HV_NTS_NTP_PACKET_MAX + 1;
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MALFORMED);
}

/* The unique id field's length is at bytes 50..51. */
static void reply_lying_lengths(void) {
  static const uint16_t lies[] = {0x0800, 2, 38, 0};
  ht_ntp_reply_spec s;
  good_spec(&s);
  for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
    build(&s);
    pkt[50] = (uint8_t)(lies[i] >> 8);
    pkt[51] = (uint8_t)lies[i];
    HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MALFORMED);
  }
  /* The authenticator's inner nonce length runs past its field. */
  build(&s);
  size_t auth = 48 + 36;
  pkt[auth + 4] = 0x7f;
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_MALFORMED);
}

static void reply_kiss_of_death(void) {
  ht_ntp_reply_spec s;
  ht_ntp_reply_defaults(&s, uid, origin, NULL); /* unauthenticated */
  s.stratum = 0;
  memcpy(s.refid, "NTSN", 4);
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_KOD);
  uint8_t other[HV_NTS_UID_LEN] = {0};
  s.uid = other; /* anyone could send this one: ignored */
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_UNIQUE_ID);
}

static void reply_unsynchronised(void) {
  ht_ntp_reply_spec s;
  good_spec(&s);
  s.leap = 3;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_UNSYNC);
  HT_CHECK_EQ_INT(reply.n_cookies, 2); /* authenticated: cookies usable */
  good_spec(&s);
  s.stratum = 16;
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_UNSYNC);
  good_spec(&s);
  s.stratum = 0;
  memcpy(s.refid, "INIT", 4);
  build(&s);
  HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_UNSYNC);
}

/* RFC 8915 5.7: a kiss-o'-death other than NTSN counts only when it is
 * authenticated; unauthenticated it is an authenticator failure. */
static void reply_kiss_codes(void) {
  static const char *const codes[] = {"RATE", "DENY", "RSTR"};
  for (size_t i = 0; i < 3; i++) {
    ht_ntp_reply_spec s;
    good_spec(&s);
    s.stratum = 0;
    memcpy(s.refid, codes[i], 4);
    build(&s);
    HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_KOD);
    HT_CHECK(reply.authenticated);
    s.s2c_key = NULL;
    build(&s);
    HT_CHECK_EQ_INT(parse(), HV_NTS_ERR_NTP_AUTH);
    HT_CHECK(!reply.authenticated);
  }
}

static void timestamps(void) {
  int64_t ns = 1764250000123456789LL; /* 2025-11-27 */
  int64_t back = hv_nts_ntp_ts_to_unix_ns(hv_nts_ntp_unix_ns_to_ts(ns));
  HT_CHECK(back - ns <= 1 && ns - back <= 1);
  /* After the 2036 era wrap, seconds restart at 0. */
  int64_t late = 2200000000LL * 1000000000LL;
  HT_CHECK(hv_nts_ntp_unix_ns_to_ts(late) >> 32 < (1ULL << 31));
  back = hv_nts_ntp_ts_to_unix_ns(hv_nts_ntp_unix_ns_to_ts(late));
  HT_CHECK(back - late <= 1 && late - back <= 1);
  HT_CHECK_EQ_INT(hv_nts_ntp_short_to_ns(0x00018000), 1500000000LL);
}

int main(void) {
  setup();
  HT_RUN(request_layout);
  HT_RUN(reply_good);
  HT_RUN(reply_cookies_only_encrypted);
  HT_RUN(reply_wrong_unique_id);
  HT_RUN(reply_wrong_origin);
  HT_RUN(reply_bad_auth);
  HT_RUN(reply_wrong_mode);
  HT_RUN(reply_truncated);
  HT_RUN(reply_oversized);
  HT_RUN(reply_lying_lengths);
  HT_RUN(reply_kiss_of_death);
  HT_RUN(reply_unsynchronised);
  HT_RUN(reply_kiss_codes);
  HT_RUN(timestamps);
  return HT_DONE();
}
