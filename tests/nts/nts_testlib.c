/* Server-side helpers for the NTS tests. */
#include "nts_testlib.h"

#include <string.h>

#include "handover/crypto.h"

bool ht_ke_record(hv_buf_writer *w, bool critical, uint16_t type,
                  const uint8_t *body, size_t len) {
  return hv_buf_write_u16(w, (uint16_t)(type | (critical ? 0x8000 : 0))) &&
         hv_buf_write_u16(w, (uint16_t)len) &&
         (len == 0 || hv_buf_write_bytes(w, body, len));
}

bool ht_ke_record_u16(hv_buf_writer *w, bool critical, uint16_t type,
                      uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  return ht_ke_record(w, critical, type, b, 2);
}

void ht_ntp_reply_defaults(ht_ntp_reply_spec *s, const uint8_t *uid,
                           const uint8_t *origin, const uint8_t *key) {
  memset(s, 0, sizeof *s);
  s->uid = uid;
  s->origin = origin;
  s->s2c_key = key;
  s->version = HV_NTS_NTP_VERSION;
  s->mode = HV_NTS_NTP_MODE_SERVER;
  s->stratum = 1;
  memcpy(s->refid, "TEST", 4);
  s->receive_ts = hv_nts_ntp_unix_ns_to_ts(1700000000LL * 1000000000LL);
  s->transmit_ts = s->receive_ts + 1;
  s->root_delay = 0x00010000;     /* 1 s */
  s->root_dispersion = 0x00008000; /* 0.5 s */
}

static bool ef(hv_buf_writer *w, uint16_t type, const uint8_t *body, size_t len) {
  size_t pad = (4 - len % 4) % 4;
  return hv_buf_write_u16(w, type) && hv_buf_write_u16(w, (uint16_t)(4 + len + pad)) &&
         hv_buf_write_bytes(w, body, len) && hv_buf_write_zeros(w, pad);
}

static bool write_auth(const ht_ntp_reply_spec *s, hv_buf_writer *w) {
  uint8_t pt[HV_NTS_NTP_PACKET_MAX], ct[HV_NTS_NTP_PACKET_MAX + 16], nonce[16];
  hv_buf_writer pw;
  hv_buf_writer_init(&pw, pt, sizeof pt);
  for (size_t i = 0; i < s->n_cookies; i++)
    if (!ef(&pw, HV_NTS_NTP_EF_COOKIE, s->cookies[i].data, s->cookies[i].len))
      return false;
  if (!hv_buf_writer_ok(&pw) || hv_random(nonce, sizeof nonce) != 0) return false;
  hv_iov ad[2] = {{w->data, w->len}, {nonce, sizeof nonce}};
  if (hv_siv_seal(s->s2c_key, HV_NTS_KEY_LEN, ad, 2, pt, pw.len, ct) != 0)
    return false;
  size_t ct_len = pw.len + 16;
  if (s->bad_tag) ct[3] ^= 0x10;
  return hv_buf_write_u16(w, HV_NTS_NTP_EF_AUTHENTICATOR) &&
         hv_buf_write_u16(w, (uint16_t)(4 + 4 + sizeof nonce + ct_len)) &&
         hv_buf_write_u16(w, sizeof nonce) && hv_buf_write_u16(w, (uint16_t)ct_len) &&
         hv_buf_write_bytes(w, nonce, sizeof nonce) && hv_buf_write_bytes(w, ct, ct_len);
}

bool ht_ntp_build_reply(const ht_ntp_reply_spec *s, uint8_t *out, size_t cap,
                        size_t *len) {
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, cap);
  bool ok = hv_buf_write_u8(&w, (uint8_t)(s->leap << 6 | s->version << 3 | s->mode)) &&
            hv_buf_write_u8(&w, s->stratum) && hv_buf_write_u8(&w, 4) &&
            hv_buf_write_u8(&w, 0xec) && hv_buf_write_u32(&w, s->root_delay) &&
            hv_buf_write_u32(&w, s->root_dispersion) &&
            hv_buf_write_bytes(&w, s->refid, 4) &&
            hv_buf_write_u64(&w, s->receive_ts) &&
            hv_buf_write_bytes(&w, s->origin, HV_NTS_NTP_TS_LEN) &&
            hv_buf_write_u64(&w, s->receive_ts) && hv_buf_write_u64(&w, s->transmit_ts);
  if (ok && s->uid) ok = ef(&w, HV_NTS_NTP_EF_UNIQUE_ID, s->uid, HV_NTS_UID_LEN);
  if (ok && s->plain_cookie)
    ok = ef(&w, HV_NTS_NTP_EF_COOKIE, s->plain_cookie->data, s->plain_cookie->len);
  if (ok && s->s2c_key) ok = write_auth(s, &w);
  if (!ok) return false;
  *len = w.len;
  return true;
}

bool ht_ntp_read_request(const uint8_t *pkt, size_t len, const uint8_t *c2s_key,
                         ht_ntp_request_seen *out) {
  memset(out, 0, sizeof *out);
  if (len < HV_NTS_NTP_HEADER_LEN || (pkt[0] & 7) != HV_NTS_NTP_MODE_CLIENT) return false;
  memcpy(out->transmit, pkt + 40, HV_NTS_NTP_TS_LEN);
  hv_buf_reader r;
  hv_buf_reader_init(&r, pkt, len);
  bool seen_uid = false, seen_cookie = false;
  if (!hv_buf_skip(&r, HV_NTS_NTP_HEADER_LEN)) return false;
  while (hv_buf_remaining(&r) > 0) {
    size_t start = r.pos;
    uint16_t type, ef_len;
    const uint8_t *body;
    if (!hv_buf_read_u16(&r, &type) || !hv_buf_read_u16(&r, &ef_len) || ef_len < 4 ||
        !hv_buf_read_view(&r, ef_len - 4u, &body))
      return false;
    size_t n = ef_len - 4u;
    if (type == HV_NTS_NTP_EF_UNIQUE_ID && n == HV_NTS_UID_LEN) {
      memcpy(out->uid, body, n);
      seen_uid = true;
    } else if (type == HV_NTS_NTP_EF_COOKIE && n <= HV_NTS_COOKIE_MAX) {
      memcpy(out->cookie.data, body, n);
      out->cookie.len = n;
      seen_cookie = true;
    } else if (type == HV_NTS_NTP_EF_COOKIE_PLACEHOLDER) {
      out->placeholders++;
    } else if (type == HV_NTS_NTP_EF_AUTHENTICATOR && n >= 4 + 16 + 16) {
      uint16_t nl = (uint16_t)(body[0] << 8 | body[1]);
      uint16_t cl = (uint16_t)(body[2] << 8 | body[3]);
      if (nl != 16 || cl != 16 || n < 4u + nl + cl) return false;
      uint8_t none[1];
      hv_iov ad[2] = {{pkt, start}, {body + 4, nl}};
      return seen_uid && seen_cookie && hv_buf_remaining(&r) == 0 &&
             hv_siv_open(c2s_key, HV_NTS_KEY_LEN, ad, 2, body + 4 + nl, cl, none) == 0;
    }
  }
  return false;
}
