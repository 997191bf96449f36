/* The cookie jar's insides, shared by the query machine and its tests. */
#ifndef HANDOVER_NTS_JAR_H
#define HANDOVER_NTS_JAR_H

#include <stdbool.h>

#include "handover/api.h"
#include "nts/nts_limits.h"

struct hv_nts_jar {
  bool has_keys;
  char ke_host[HV_NTS_HOST_MAX + 1]; /* the NTS-KE server it belongs to */
  uint16_t ke_port;
  char ntp_host[HV_NTS_HOST_MAX + 1]; /* from Server Negotiation, else the
                                          NTS-KE server's address (RFC 8915 4.1.7) */
  uint16_t ntp_port;
  uint8_t c2s[HV_NTS_KEY_LEN];
  uint8_t s2c[HV_NTS_KEY_LEN];
  size_t n_cookies;
  hv_nts_cookie cookies[HV_NTS_MAX_COOKIES];
};

/* The keys and NTP server of a finished NTS-KE (the query's only write
 * into a jar besides cookies); the jar then holds keys. */
void hv_nts_jar_set_keys(hv_nts_jar *jar, const uint8_t c2s[HV_NTS_KEY_LEN],
                         const uint8_t s2c[HV_NTS_KEY_LEN], const char *ntp_host,
                         uint16_t ntp_port);
/* Empties the jar if it belongs to another NTS-KE server. */
void hv_nts_jar_bind(hv_nts_jar *jar, const char *ke_host, uint16_t ke_port);
/* Adds a cookie; false when the jar is full (the cookie is dropped). */
HV_MUST_CHECK bool hv_nts_jar_put(hv_nts_jar *jar, const hv_nts_cookie *c);
/* Takes one cookie out: each is used once (RFC 8915 5.7). */
HV_MUST_CHECK bool hv_nts_jar_take(hv_nts_jar *jar, hv_nts_cookie *out);
/* Drops the cookies, keeps nothing that lets a query skip NTS-KE. */
void hv_nts_jar_drop_cookies(hv_nts_jar *jar);

#endif
