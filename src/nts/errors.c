/* Stable names of the NTS client's outcomes (they appear in evidence). */
#include "handover/nts.h"

const char *hv_nts_error_name(hv_nts_error err) {
  switch (err) {
    case HV_NTS_OK: return "ok";
    case HV_NTS_ERR_ARGS: return "bad-arguments";
    case HV_NTS_ERR_DNS: return "dns";
    case HV_NTS_ERR_CONNECT: return "connect";
    case HV_NTS_ERR_TLS: return "tls";
    case HV_NTS_ERR_TLS_VERSION: return "tls-version";
    case HV_NTS_ERR_CERT_UNTRUSTED: return "cert-untrusted";
    case HV_NTS_ERR_CERT_HOSTNAME: return "cert-hostname";
    case HV_NTS_ERR_CERT_EXPIRED: return "cert-expired";
    case HV_NTS_ERR_ALPN: return "alpn";
    case HV_NTS_ERR_KE_ERROR: return "ke-error";
    case HV_NTS_ERR_KE_CRITICAL: return "ke-unknown-critical";
    case HV_NTS_ERR_KE_NO_COOKIE: return "ke-no-cookie";
    case HV_NTS_ERR_KE_NO_AEAD: return "ke-no-aead";
    case HV_NTS_ERR_KE_PROTOCOL: return "ke-no-ntpv4";
    case HV_NTS_ERR_KE_MALFORMED: return "ke-malformed";
    case HV_NTS_ERR_NTP_MALFORMED: return "ntp-malformed";
    case HV_NTS_ERR_NTP_UNIQUE_ID: return "ntp-unique-id";
    case HV_NTS_ERR_NTP_ORIGIN: return "ntp-origin";
    case HV_NTS_ERR_NTP_AUTH: return "ntp-auth";
    case HV_NTS_ERR_NTP_KOD: return "ntp-kiss-of-death";
    case HV_NTS_ERR_NTP_UNSYNC: return "ntp-unsynchronised";
    case HV_NTS_ERR_NTP_MODE: return "ntp-mode";
    case HV_NTS_ERR_TIMEOUT: return "timeout";
    case HV_NTS_ERR_IO: return "io";
    case HV_NTS_ERR_INTERNAL: return "internal";
    case HV_NTS_ERR_NTP_ZERO_TIME: return "ntp-zero-timestamp";
    case HV_NTS_ERR_NTP_NEGATIVE_DELAY: return "ntp-negative-delay";
    case HV_NTS_ERR_HTTP_DATE: return "http-date";
    case HV_NTS_ERR_HTTP: return "http";
  }
  return "unknown";
}
