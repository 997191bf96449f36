/* NTS-KE records (RFC 8915 section 4): the client request and a pure
 * parser of the server's reply. No I/O here, so the parser is fuzzed. */
#ifndef HANDOVER_NTS_KE_CODEC_H
#define HANDOVER_NTS_KE_CODEC_H

#include <stdbool.h>
#include <stdint.h>

#include "handover/buf.h"
#include "nts/nts_limits.h"

#define HV_NTS_KE_END 0
#define HV_NTS_KE_NEXT_PROTOCOL 1
#define HV_NTS_KE_ERROR 2
#define HV_NTS_KE_WARNING 3
#define HV_NTS_KE_AEAD 4
#define HV_NTS_KE_NEW_COOKIE 5
#define HV_NTS_KE_SERVER 6
#define HV_NTS_KE_PORT 7
#define HV_NTS_KE_CRITICAL_BIT 0x8000
#define HV_NTS_KE_RECORD_HEADER 4
/* A reply holds a few small records and 8 cookies of at most
 * HV_NTS_COOKIE_MAX; anything longer is not an NTS-KE reply. */
#define HV_NTS_KE_REPLY_MAX 8192
/* Our request: Next Protocol, AEAD and End of Message. */
#define HV_NTS_KE_REQUEST_LEN 16
/* The key exporter (RFC 8915 section 5.1). */
#define HV_NTS_EXPORTER_LABEL "EXPORTER-network-time-security"
#define HV_NTS_EXPORTER_CONTEXT_LEN 5

typedef struct {
  bool complete; /* End of Message seen: the other fields are final */
  bool ntpv4;    /* Next Protocol agreed on NTPv4 */
  bool aead_siv; /* AEAD agreed on AES-SIV-CMAC-256 */
  uint16_t error_code;   /* of an Error record (then parse fails) */
  uint16_t warning_code; /* of a Warning record (also an error) */
  bool has_warning;
  size_t n_cookies;
  hv_nts_cookie cookies[HV_NTS_MAX_COOKIES];
  char server[HV_NTS_HOST_MAX + 1]; /* empty: the NTS-KE host */
  uint16_t port;                    /* 0: HV_NTS_DEFAULT_NTP_PORT */
} hv_nts_ke_reply;

/* Writes the request into out (at least HV_NTS_KE_REQUEST_LEN bytes). */
HV_MUST_CHECK bool hv_nts_ke_build_request(hv_buf_writer *w);

/* Parses the bytes received so far. HV_NTS_OK with complete == false
 * means more bytes are needed (the caller bounds them by
 * HV_NTS_KE_REPLY_MAX); any other value is the final verdict. */
HV_MUST_CHECK hv_nts_error hv_nts_ke_parse(const uint8_t *data, size_t len, hv_nts_ke_reply *out);

/* The exporter context for one direction: 00 00 | AEAD id | 00 (c2s)
 * or 01 (s2c). */
void hv_nts_exporter_context(bool server_to_client,
                             uint8_t ctx[HV_NTS_EXPORTER_CONTEXT_LEN]);

#endif
