/* The HTTP response head of an HTTPS time source: the status line and
 * the Date header (RFC 9110 section 6.6.1, IMF-fixdate, section 5.6.7).
 * Pure: bytes in, seconds out, so it is unit-tested and fuzzed alone. */
#ifndef HANDOVER_NTS_HTTP_DATE_H
#define HANDOVER_NTS_HTTP_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "handover/nts.h"

/* head: the response up to and including the blank line that ends its
 * header section. HV_NTS_OK and *unix_s: the Date, in Unix seconds.
 * HV_NTS_ERR_HTTP: no HTTP/1.x status line, or a header line that does
 * not parse. HV_NTS_ERR_HTTP_DATE: no Date, more than one, or one that
 * is not an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") of a real
 * day. detail says which. */
HV_MUST_CHECK hv_nts_error hv_nts_http_parse_head(const uint8_t *head, size_t len, int64_t *unix_s,
                                                  char *detail, size_t detail_len);

/* An IMF-fixdate of exactly 29 bytes; false when it is not one. */
HV_MUST_CHECK bool hv_nts_http_parse_imf_fixdate(const char *s, size_t len, int64_t *unix_s);

#endif
