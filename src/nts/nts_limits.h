/* Sizes and protocol numbers shared by the pieces of the NTS client. */
#ifndef HANDOVER_NTS_LIMITS_H
#define HANDOVER_NTS_LIMITS_H

#include "handover/nts.h"

/* RFC 8915 section 7.6: AEAD_AES_SIV_CMAC_256. */
#define HV_NTS_AEAD_SIV_CMAC_256 15
#define HV_NTS_KEY_LEN 32 /* AES-SIV-CMAC-256 takes two AES-128 keys */
/* RFC 8915 section 7.7: Next Protocol id of NTPv4. */
#define HV_NTS_PROTO_NTPV4 0
/* Cookies are opaque; real servers (chrony, NTPsec, Cloudflare) send
 * 64..168 bytes. A bound keeps the jar and its saved form small. */
#define HV_NTS_COOKIE_MAX 256

typedef struct {
  uint8_t data[HV_NTS_COOKIE_MAX];
  size_t len;
} hv_nts_cookie;

#endif
