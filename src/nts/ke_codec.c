/* NTS-KE record codec (RFC 8915 section 4). */
#include "nts/ke_codec.h"

#include <string.h>

bool hv_nts_ke_build_request(hv_buf_writer *w) {
  bool ok = hv_buf_write_u16(w, HV_NTS_KE_CRITICAL_BIT | HV_NTS_KE_NEXT_PROTOCOL) &&
            hv_buf_write_u16(w, 2) && hv_buf_write_u16(w, HV_NTS_PROTO_NTPV4);
  ok = ok && hv_buf_write_u16(w, HV_NTS_KE_CRITICAL_BIT | HV_NTS_KE_AEAD) &&
       hv_buf_write_u16(w, 2) && hv_buf_write_u16(w, HV_NTS_AEAD_SIV_CMAC_256);
  ok = ok && hv_buf_write_u16(w, HV_NTS_KE_CRITICAL_BIT | HV_NTS_KE_END) &&
       hv_buf_write_u16(w, 0);
  return ok;
}

void hv_nts_exporter_context(bool server_to_client,
                             uint8_t ctx[HV_NTS_EXPORTER_CONTEXT_LEN]) {
  ctx[0] = (uint8_t)(HV_NTS_PROTO_NTPV4 >> 8);
  ctx[1] = (uint8_t)(HV_NTS_PROTO_NTPV4 & 0xff);
  ctx[2] = (uint8_t)(HV_NTS_AEAD_SIV_CMAC_256 >> 8);
  ctx[3] = (uint8_t)(HV_NTS_AEAD_SIV_CMAC_256 & 0xff);
  ctx[4] = server_to_client ? 1 : 0;
}

/* A list of u16 ids that holds exactly the one id we offered: the server
 * must pick from what the client proposed (RFC 8915 4.1.2, 4.1.5). */
static hv_nts_error parse_single_id(hv_buf_reader *body, uint16_t wanted,
                                    bool *agreed) {
  size_t n = hv_buf_remaining(body);
  if (n % 2 != 0) return HV_NTS_ERR_KE_MALFORMED;
  bool all_wanted = n > 0;
  while (hv_buf_remaining(body) > 0) {
    uint16_t id;
    if (!hv_buf_read_u16(body, &id)) return HV_NTS_ERR_KE_MALFORMED;
    if (id != wanted) all_wanted = false;
  }
  *agreed = all_wanted;
  return HV_NTS_OK;
}

static hv_nts_error parse_cookie(hv_buf_reader *body, hv_nts_ke_reply *out) {
  size_t n = hv_buf_remaining(body);
  if (n == 0 || n > HV_NTS_COOKIE_MAX) return HV_NTS_ERR_KE_MALFORMED;
  if (out->n_cookies == HV_NTS_MAX_COOKIES) /* more than a jar holds: unused */
    return hv_buf_skip(body, n) ? HV_NTS_OK : HV_NTS_ERR_KE_MALFORMED;
  hv_nts_cookie *c = &out->cookies[out->n_cookies];
  if (!hv_buf_read_bytes(body, c->data, n)) return HV_NTS_ERR_KE_MALFORMED;
  c->len = n;
  out->n_cookies++;
  return HV_NTS_OK;
}

/* A host name or address literal: visible ASCII only, so it can never
 * smuggle a NUL or a control character into a log or a resolver. */
static hv_nts_error parse_server(hv_buf_reader *body, hv_nts_ke_reply *out) {
  size_t n = hv_buf_remaining(body);
  const uint8_t *p;
  if (n == 0 || n > HV_NTS_HOST_MAX || !hv_buf_read_view(body, n, &p))
    return HV_NTS_ERR_KE_MALFORMED;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x21 || p[i] > 0x7e) return HV_NTS_ERR_KE_MALFORMED;
  memcpy(out->server, p, n);
  out->server[n] = '\0';
  return HV_NTS_OK;
}

static hv_nts_error parse_u16_body(hv_buf_reader *body, uint16_t *v) {
  if (hv_buf_remaining(body) != 2 || !hv_buf_read_u16(body, v))
    return HV_NTS_ERR_KE_MALFORMED;
  return HV_NTS_OK;
}

typedef struct {
  bool seen_next_protocol, seen_aead, seen_server, seen_port;
} seen_records;

/* A record type the reply may carry once only. */
static hv_nts_error once(bool *seen) {
  if (*seen) return HV_NTS_ERR_KE_MALFORMED;
  *seen = true;
  return HV_NTS_OK;
}

static hv_nts_error parse_record(uint16_t type, bool critical,
                                 hv_buf_reader *body, seen_records *seen,
                                 hv_nts_ke_reply *out) {
  hv_nts_error err;
  switch (type) {
    case HV_NTS_KE_NEXT_PROTOCOL:
      if ((err = once(&seen->seen_next_protocol)) != HV_NTS_OK) return err;
      return parse_single_id(body, HV_NTS_PROTO_NTPV4, &out->ntpv4);
    case HV_NTS_KE_ERROR:
      if ((err = parse_u16_body(body, &out->error_code)) != HV_NTS_OK) return err;
      return HV_NTS_ERR_KE_ERROR;
    case HV_NTS_KE_WARNING:
      /* No warning code is defined (RFC 8915 7.8), so every warning is
       * one we do not recognise, which a client treats as an error. */
      out->has_warning = true;
      if ((err = parse_u16_body(body, &out->warning_code)) != HV_NTS_OK) return err;
      return HV_NTS_ERR_KE_ERROR;
    case HV_NTS_KE_AEAD:
      if ((err = once(&seen->seen_aead)) != HV_NTS_OK) return err;
      return parse_single_id(body, HV_NTS_AEAD_SIV_CMAC_256, &out->aead_siv);
    case HV_NTS_KE_NEW_COOKIE:
      return parse_cookie(body, out);
    case HV_NTS_KE_SERVER:
      if ((err = once(&seen->seen_server)) != HV_NTS_OK) return err;
      return parse_server(body, out);
    case HV_NTS_KE_PORT:
      if ((err = once(&seen->seen_port)) != HV_NTS_OK) return err;
      if ((err = parse_u16_body(body, &out->port)) != HV_NTS_OK) return err;
      return out->port == 0 ? HV_NTS_ERR_KE_MALFORMED : HV_NTS_OK;
    default:
      /* RFC 8915 4: an unrecognised critical record is an error; an
       * unrecognised non-critical one is ignored. */
      if (critical) return HV_NTS_ERR_KE_CRITICAL;
      return hv_buf_skip(body, hv_buf_remaining(body)) ? HV_NTS_OK
                                                      : HV_NTS_ERR_KE_MALFORMED;
  }
}

/* What a complete reply must have agreed on. */
static hv_nts_error final_verdict(const hv_nts_ke_reply *out) {
  if (!out->ntpv4) return HV_NTS_ERR_KE_PROTOCOL;
  if (!out->aead_siv) return HV_NTS_ERR_KE_NO_AEAD;
  if (out->n_cookies == 0) return HV_NTS_ERR_KE_NO_COOKIE;
  return HV_NTS_OK;
}

hv_nts_error hv_nts_ke_parse(const uint8_t *data, size_t len,
                             hv_nts_ke_reply *out) {
  memset(out, 0, sizeof *out);
  if (len > HV_NTS_KE_REPLY_MAX) return HV_NTS_ERR_KE_MALFORMED;
  hv_buf_reader r;
  hv_buf_reader_init(&r, data, len);
  seen_records seen = {0};
  while (hv_buf_remaining(&r) >= HV_NTS_KE_RECORD_HEADER) {
    uint16_t type_field, body_len;
    hv_buf_reader body;
    if (!hv_buf_read_u16(&r, &type_field) || !hv_buf_read_u16(&r, &body_len))
      return HV_NTS_ERR_KE_MALFORMED;
    if (body_len > hv_buf_remaining(&r)) return HV_NTS_OK; /* wait for more */
    if (!hv_buf_read_sub(&r, body_len, &body)) return HV_NTS_ERR_KE_MALFORMED;
    bool critical = (type_field & HV_NTS_KE_CRITICAL_BIT) != 0;
    uint16_t type = type_field & (uint16_t)~HV_NTS_KE_CRITICAL_BIT;
    if (type == HV_NTS_KE_END) {
      /* The reply ends here; a byte after it is a framing error. */
      if (body_len != 0 || hv_buf_remaining(&r) != 0)
        return HV_NTS_ERR_KE_MALFORMED;
      out->complete = true;
      return final_verdict(out);
    }
    hv_nts_error err = parse_record(type, critical, &body, &seen, out);
    if (err != HV_NTS_OK) return err;
    if (hv_buf_remaining(&body) != 0) return HV_NTS_ERR_KE_MALFORMED;
  }
  return HV_NTS_OK; /* no End of Message yet */
}
