/* Server-side helpers for the NTS tests: build NTS-KE and NTP replies
 * (well-formed or deliberately broken) and read a client's request. */
#ifndef HANDOVER_TESTS_NTS_TESTLIB_H
#define HANDOVER_TESTS_NTS_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nts/ntp_codec.h"

/* Appends one NTS-KE record. */
bool ht_ke_record(hv_buf_writer *w, bool critical, uint16_t type,
                  const uint8_t *body, size_t len);
bool ht_ke_record_u16(hv_buf_writer *w, bool critical, uint16_t type,
                      uint16_t v);

typedef struct {
  const uint8_t *uid;      /* NULL: no unique id field */
  const uint8_t *origin;   /* HV_NTS_NTP_TS_LEN */
  const uint8_t *s2c_key;  /* NULL: no authenticator */
  uint8_t leap, version, mode, stratum;
  uint8_t refid[4];
  uint64_t receive_ts, transmit_ts;
  uint32_t root_delay, root_dispersion;
  size_t n_cookies;
  const hv_nts_cookie *cookies;
  bool bad_tag;            /* flip one bit of the authenticator */
  const hv_nts_cookie *plain_cookie; /* an unencrypted cookie field */
} ht_ntp_reply_spec;

/* A spec for a good reply to (uid, origin) under key, with n cookies. */
void ht_ntp_reply_defaults(ht_ntp_reply_spec *s, const uint8_t *uid,
                           const uint8_t *origin, const uint8_t *key);
bool ht_ntp_build_reply(const ht_ntp_reply_spec *s, uint8_t *out, size_t cap,
                        size_t *len);

/* What a server learns from a client request it authenticated. */
typedef struct {
  uint8_t uid[HV_NTS_UID_LEN];
  uint8_t transmit[HV_NTS_NTP_TS_LEN];
  hv_nts_cookie cookie;
  size_t placeholders;
} ht_ntp_request_seen;

/* Parses and authenticates a client request under c2s_key. */
bool ht_ntp_read_request(const uint8_t *pkt, size_t len, const uint8_t *c2s_key,
                         ht_ntp_request_seen *out);

#endif
