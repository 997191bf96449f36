/* NTPv4 + NTS extension fields (RFC 8915 section 5). */
#include "nts/ntp_codec.h"

#include <string.h>

#include "handover/crypto.h"

#define NTS_AUTH_FIXED 4 /* nonce length and ciphertext length fields */
#define NTP_NS_PER_S 1000000000LL

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

static bool write_header(hv_buf_writer *w, const uint8_t transmit[HV_NTS_NTP_TS_LEN]) {
  /* LI 0, VN 4, mode 3; everything else zero except the transmit
   * timestamp, which is random (RFC 8915 5.7 / RFC 9109). */
  return hv_buf_write_u8(w, (HV_NTS_NTP_VERSION << 3) | HV_NTS_NTP_MODE_CLIENT) &&
         hv_buf_write_zeros(w, HV_NTS_NTP_HEADER_LEN - 1 - HV_NTS_NTP_TS_LEN) &&
         hv_buf_write_bytes(w, transmit, HV_NTS_NTP_TS_LEN);
}

static bool write_ef(hv_buf_writer *w, uint16_t type, const uint8_t *body,
                     size_t len) {
  size_t padded = pad4(len);
  if (HV_NTS_NTP_EF_HEADER + padded > UINT16_MAX) return false;
  bool ok = hv_buf_write_u16(w, type) &&
            hv_buf_write_u16(w, (uint16_t)(HV_NTS_NTP_EF_HEADER + padded));
  ok = ok && (body ? hv_buf_write_bytes(w, body, len) : hv_buf_write_zeros(w, len));
  return ok && hv_buf_write_zeros(w, padded - len);
}

bool hv_nts_ntp_build_request(const hv_nts_ntp_request *req, uint8_t *out, size_t cap,
                          size_t *len) {
  if (!req->cookie || req->cookie->len == 0 ||
      req->cookie->len > HV_NTS_COOKIE_MAX ||
      req->placeholders >= HV_NTS_MAX_COOKIES)
    return false;
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, cap);
  bool ok = write_header(&w, req->transmit) &&
            write_ef(&w, HV_NTS_NTP_EF_UNIQUE_ID, req->uid, HV_NTS_UID_LEN) &&
            write_ef(&w, HV_NTS_NTP_EF_COOKIE, req->cookie->data, req->cookie->len);
  /* A placeholder has the cookie's length (RFC 8915 5.5). */
  for (size_t i = 0; ok && i < req->placeholders; i++)
    ok = write_ef(&w, HV_NTS_NTP_EF_COOKIE_PLACEHOLDER, NULL, req->cookie->len);
  if (!ok) return false;
  /* Everything before the authenticator is associated data; the nonce is
   * the last AD string (RFC 5297 AEAD); the plaintext is empty. */
  uint8_t tag[HV_SIV_TAG_LEN];
  hv_iov ad[2] = {{out, w.len}, {req->nonce, HV_NTS_NONCE_LEN}};
  if (hv_siv_seal(req->c2s_key, HV_NTS_KEY_LEN, ad, 2, NULL, 0, tag) != 0)
    return false;
  ok = hv_buf_write_u16(&w, HV_NTS_NTP_EF_AUTHENTICATOR) &&
       hv_buf_write_u16(&w, HV_NTS_NTP_EF_HEADER + NTS_AUTH_FIXED +
                                HV_NTS_NONCE_LEN + HV_SIV_TAG_LEN) &&
       hv_buf_write_u16(&w, HV_NTS_NONCE_LEN) &&
       hv_buf_write_u16(&w, HV_SIV_TAG_LEN) &&
       hv_buf_write_bytes(&w, req->nonce, HV_NTS_NONCE_LEN) &&
       hv_buf_write_bytes(&w, tag, HV_SIV_TAG_LEN);
  if (!ok) return false;
  *len = w.len;
  return true;
}

static bool read_header(hv_buf_reader *r, hv_nts_ntp_reply *out,
                        uint8_t origin[HV_NTS_NTP_TS_LEN]) {
  uint8_t first = 0, stratum = 0, poll = 0, precision = 0;
  uint64_t reference = 0;
  bool ok = hv_buf_read_u8(r, &first) && hv_buf_read_u8(r, &stratum) &&
            hv_buf_read_u8(r, &poll) && hv_buf_read_u8(r, &precision) &&
            hv_buf_read_u32(r, &out->root_delay) &&
            hv_buf_read_u32(r, &out->root_dispersion) &&
            hv_buf_read_bytes(r, out->refid, sizeof out->refid) &&
            hv_buf_read_u64(r, &reference) &&
            hv_buf_read_bytes(r, origin, HV_NTS_NTP_TS_LEN) &&
            hv_buf_read_u64(r, &out->receive_ts) &&
            hv_buf_read_u64(r, &out->transmit_ts);
  out->leap = first >> 6;
  out->version = (first >> 3) & 7;
  out->mode = first & 7;
  out->stratum = stratum;
  out->poll = (int8_t)poll;
  out->precision = (int8_t)precision;
  return ok;
}

/* Where the fields we use sit in the reply. */
typedef struct {
  const uint8_t *uid;     /* unique id body (NULL: none before the auth) */
  size_t uid_len;
  size_t auth_offset;     /* start of the authenticator field */
  hv_buf_reader auth;     /* its body */
  bool has_auth;
} reply_fields;

/* Walks every extension field; any length that is too small, not a
 * multiple of 4 or runs past the datagram makes the packet malformed. */
static hv_nts_error walk_fields(hv_buf_reader *r, reply_fields *f) {
  memset(f, 0, sizeof *f);
  while (hv_buf_remaining(r) > 0) {
    size_t start = r->pos;
    uint16_t type, len;
    hv_buf_reader body;
    if (!hv_buf_read_u16(r, &type) || !hv_buf_read_u16(r, &len) ||
        len < HV_NTS_NTP_EF_HEADER || len % 4 != 0 ||
        !hv_buf_read_sub(r, len - HV_NTS_NTP_EF_HEADER, &body))
      return HV_NTS_ERR_NTP_MALFORMED;
    if (f->has_auth) continue; /* after the authenticator: unauthenticated */
    if (type == HV_NTS_NTP_EF_UNIQUE_ID) {
      if (f->uid) return HV_NTS_ERR_NTP_MALFORMED;
      f->uid = body.data;
      f->uid_len = body.len;
    } else if (type == HV_NTS_NTP_EF_AUTHENTICATOR) {
      f->has_auth = true;
      f->auth_offset = start;
      f->auth = body;
    }
  }
  return HV_NTS_OK;
}

static hv_nts_error take_cookies(const uint8_t *pt, size_t len, hv_nts_ntp_reply *out) {
  hv_buf_reader r;
  hv_buf_reader_init(&r, pt, len);
  while (hv_buf_remaining(&r) > 0) {
    uint16_t type, ef_len;
    const uint8_t *body;
    if (!hv_buf_read_u16(&r, &type) || !hv_buf_read_u16(&r, &ef_len) ||
        ef_len < HV_NTS_NTP_EF_HEADER || ef_len % 4 != 0 ||
        !hv_buf_read_view(&r, ef_len - HV_NTS_NTP_EF_HEADER, &body))
      return HV_NTS_ERR_NTP_MALFORMED;
    size_t n = ef_len - HV_NTS_NTP_EF_HEADER;
    if (type != HV_NTS_NTP_EF_COOKIE) continue;
    if (n == 0 || n > HV_NTS_COOKIE_MAX) return HV_NTS_ERR_NTP_MALFORMED;
    if (out->n_cookies == HV_NTS_MAX_COOKIES) continue;
    memcpy(out->cookies[out->n_cookies].data, body, n);
    out->cookies[out->n_cookies++].len = n;
  }
  return HV_NTS_OK;
}

/* Opens the authenticator: AD is the packet before it, then the nonce. */
static hv_nts_error open_auth(const uint8_t *pkt, reply_fields *f,
                              const uint8_t *key, hv_nts_ntp_reply *out) {
  uint16_t nonce_len, ct_len;
  const uint8_t *nonce, *ct;
  hv_buf_reader *a = &f->auth;
  if (!hv_buf_read_u16(a, &nonce_len) || !hv_buf_read_u16(a, &ct_len) ||
      nonce_len == 0 || ct_len < HV_SIV_TAG_LEN ||
      !hv_buf_read_view(a, nonce_len, &nonce) ||
      !hv_buf_skip(a, pad4(nonce_len) - nonce_len) ||
      !hv_buf_read_view(a, ct_len, &ct) ||
      !hv_buf_skip(a, pad4(ct_len) - ct_len))
    return HV_NTS_ERR_NTP_MALFORMED;
  uint8_t pt[HV_NTS_NTP_PACKET_MAX];
  size_t pt_len = ct_len - HV_SIV_TAG_LEN;
  hv_iov ad[2] = {{pkt, f->auth_offset}, {nonce, nonce_len}};
  if (hv_siv_open(key, HV_NTS_KEY_LEN, ad, 2, ct, ct_len, pt) != 0)
    return HV_NTS_ERR_NTP_AUTH;
  hv_nts_error err = take_cookies(pt, pt_len, out);
  hv_wipe(pt, pt_len);
  return err;
}

static bool is_kod(const hv_nts_ntp_reply *out, const char code[4]) {
  return out->stratum == 0 && memcmp(out->refid, code, 4) == 0;
}

/* RFC 5905 7.4: the kiss codes that tell a client to stop or back off. */
static bool is_stopping_kod(const hv_nts_ntp_reply *out) {
  return is_kod(out, "DENY") || is_kod(out, "RSTR") || is_kod(out, "RATE");
}

hv_nts_error hv_nts_ntp_parse_reply(const uint8_t *pkt, size_t len,
                                const hv_nts_ntp_expect *expect,
                                hv_nts_ntp_reply *out) {
  memset(out, 0, sizeof *out);
  if (len < HV_NTS_NTP_HEADER_LEN || len > HV_NTS_NTP_PACKET_MAX)
    return HV_NTS_ERR_NTP_MALFORMED;
  hv_buf_reader r;
  hv_buf_reader_init(&r, pkt, len);
  uint8_t origin[HV_NTS_NTP_TS_LEN];
  reply_fields f;
  if (!read_header(&r, out, origin)) return HV_NTS_ERR_NTP_MALFORMED;
  hv_nts_error err = walk_fields(&r, &f);
  if (err != HV_NTS_OK) return err;
  if (out->mode != HV_NTS_NTP_MODE_SERVER || out->version != HV_NTS_NTP_VERSION)
    return HV_NTS_ERR_NTP_MODE;
  if (!f.uid || f.uid_len != HV_NTS_UID_LEN ||
      !hv_ct_equal(f.uid, expect->uid, HV_NTS_UID_LEN))
    return HV_NTS_ERR_NTP_UNIQUE_ID;
  if (!hv_ct_equal(origin, expect->origin, HV_NTS_NTP_TS_LEN))
    return HV_NTS_ERR_NTP_ORIGIN;
  if (is_kod(out, "NTSN")) return HV_NTS_ERR_NTP_KOD;
  if (!f.has_auth) return HV_NTS_ERR_NTP_AUTH;
  err = open_auth(pkt, &f, expect->s2c_key, out);
  if (err != HV_NTS_OK) {
    out->n_cookies = 0;
    return err;
  }
  out->authenticated = true;
  if (is_stopping_kod(out)) return HV_NTS_ERR_NTP_KOD;
  if (out->leap == HV_NTS_NTP_LEAP_UNSYNC || out->stratum == 0 ||
      out->stratum >= HV_NTS_NTP_STRATUM_UNSYNC)
    return HV_NTS_ERR_NTP_UNSYNC;
  return HV_NTS_OK;
}

int64_t hv_nts_ntp_ts_to_unix_ns(uint64_t ts) {
  int64_t sec = (int64_t)(ts >> 32);
  if (sec < (1LL << 31)) sec += 1LL << 32; /* era 1 */
  int64_t frac_ns = (int64_t)(((ts & 0xffffffffu) * (uint64_t)NTP_NS_PER_S) >> 32);
  return (sec - HV_NTS_NTP_UNIX_EPOCH) * NTP_NS_PER_S + frac_ns;
}

int64_t hv_nts_ntp_short_to_ns(uint32_t v) {
  return (int64_t)(((uint64_t)v * (uint64_t)NTP_NS_PER_S) >> 16);
}

uint64_t hv_nts_ntp_unix_ns_to_ts(int64_t ns) {
  int64_t sec = ns / NTP_NS_PER_S + HV_NTS_NTP_UNIX_EPOCH;
  int64_t rem = ns % NTP_NS_PER_S;
  if (rem < 0) {
    rem += NTP_NS_PER_S;
    sec--;
  }
  uint64_t frac = ((uint64_t)rem << 32) / (uint64_t)NTP_NS_PER_S;
  return ((uint64_t)(uint32_t)sec << 32) | frac;
}
