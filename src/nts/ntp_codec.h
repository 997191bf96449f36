/* NTPv4 packets with NTS extension fields (RFC 5905, RFC 7822,
 * RFC 8915 section 5): the client request and a pure parser of the reply.
 * Randomness and keys are passed in, so both are testable and fuzzable. */
#ifndef HANDOVER_NTS_NTP_CODEC_H
#define HANDOVER_NTS_NTP_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "handover/buf.h"
#include "nts/nts_limits.h"

#define HV_NTS_NTP_HEADER_LEN 48
#define HV_NTS_NTP_TS_LEN 8
#define HV_NTS_NTP_ORIGIN_OFFSET 24
#define HV_NTS_NTP_MODE_CLIENT 3
#define HV_NTS_NTP_MODE_SERVER 4
#define HV_NTS_NTP_VERSION 4
#define HV_NTS_NTP_LEAP_UNSYNC 3
#define HV_NTS_NTP_STRATUM_UNSYNC 16
#define HV_NTS_NTP_EF_HEADER 4
#define HV_NTS_NTP_EF_UNIQUE_ID 0x0104
#define HV_NTS_NTP_EF_COOKIE 0x0204
#define HV_NTS_NTP_EF_COOKIE_PLACEHOLDER 0x0304
#define HV_NTS_NTP_EF_AUTHENTICATOR 0x0404
#define HV_NTS_UID_LEN 32   /* RFC 8915 5.3: at least 32 random bytes */
#define HV_NTS_NONCE_LEN 16 /* RFC 8915 5.6: 16 for AES-SIV-CMAC-256 */
/* The largest datagram either side sends: header, unique id, one cookie
 * and seven placeholders (or eight encrypted cookies) of at most
 * HV_NTS_COOKIE_MAX, and the authenticator. A bigger reply is refused. */
#define HV_NTS_NTP_PACKET_MAX 2400
/* Seconds from 1900 (NTP era 0) to 1970. */
#define HV_NTS_NTP_UNIX_EPOCH 2208988800LL

typedef struct {
  uint8_t uid[HV_NTS_UID_LEN];
  uint8_t transmit[HV_NTS_NTP_TS_LEN]; /* random; the expected origin */
  uint8_t nonce[HV_NTS_NONCE_LEN];
  const uint8_t *c2s_key;          /* HV_NTS_KEY_LEN bytes */
  const hv_nts_cookie *cookie;
  size_t placeholders;             /* < HV_NTS_MAX_COOKIES */
} hv_nts_ntp_request;

/* What the reply must match. */
typedef struct {
  const uint8_t *uid;       /* HV_NTS_UID_LEN */
  const uint8_t *origin;    /* HV_NTS_NTP_TS_LEN: our transmit timestamp */
  const uint8_t *s2c_key;   /* HV_NTS_KEY_LEN */
} hv_nts_ntp_expect;

typedef struct {
  uint8_t leap, version, mode, stratum;
  int8_t poll, precision;
  uint32_t root_delay, root_dispersion; /* NTP short format, 16.16 s */
  uint8_t refid[4];
  uint64_t receive_ts, transmit_ts;     /* NTP timestamps, 32.32 s */
  bool authenticated;                   /* the authenticator verified */
  size_t n_cookies;                     /* only from the encrypted part */
  hv_nts_cookie cookies[HV_NTS_MAX_COOKIES];
} hv_nts_ntp_reply;

HV_MUST_CHECK bool hv_nts_ntp_build_request(const hv_nts_ntp_request *req,
                                        uint8_t *out, size_t cap,
                                        size_t *len);

/* Checks, in order: size and extension-field framing (MALFORMED), mode
 * and version (MODE), unique id (UNIQUE_ID), origin (ORIGIN), an NTSN
 * kiss-o'-death (KOD with out->authenticated false: the only verdict
 * given without authentication, after the unique id and origin matched),
 * authenticator missing or failing (AUTH), the encrypted fields
 * (MALFORMED), then an authenticated kiss-o'-death DENY, RSTR or RATE
 * (KOD, authenticated), and last leap 3 / stratum 0 or 16 (UNSYNC). On
 * UNSYNC and an authenticated KOD the cookies are usable. Every other
 * kiss-o'-death without a valid authenticator is AUTH (RFC 8915 5.7:
 * the client ignores it). */
HV_MUST_CHECK hv_nts_error hv_nts_ntp_parse_reply(const uint8_t *pkt, size_t len,
                                                  const hv_nts_ntp_expect *expect,
                                                  hv_nts_ntp_reply *out);

/* NTP 32.32 timestamp to Unix nanoseconds. Era 0 values below 2^31
 * (before 1968) are read as era 1 (2036 to 2104). */
int64_t hv_nts_ntp_ts_to_unix_ns(uint64_t ts);
/* NTP 16.16 short format to nanoseconds. */
int64_t hv_nts_ntp_short_to_ns(uint32_t v);
/* Unix nanoseconds to an NTP 32.32 timestamp (for test servers). */
uint64_t hv_nts_ntp_unix_ns_to_ts(int64_t ns);

#endif
