/* The NTS-KE TLS session: TLS 1.3 only, ALPN ntske/1, verified against
 * the system store or a CA file, host name or IP address checked, and
 * the certificate time judged no earlier than the caller's lower bound. */
#ifndef HANDOVER_NTS_TLS_H
#define HANDOVER_NTS_TLS_H

#include <openssl/ssl.h>

#include "handover/api.h"
#include "nts/nts_limits.h"

#define HV_NTS_ALPN "ntske/1"

/* The client context: TLS 1.3 only, ALPN (ntske/1, or for an HTTPS
 * time source http/1.1), peer verification against ca (NULL: the system
 * store). NULL: detail says why. */
HV_MUST_CHECK SSL_CTX *hv_nts_tls_make_ctx(const char *ca, bool https, char *detail,
                                           size_t detail_len);
/* A new reference to a shared context's SSL_CTX (NULL on failure). */
SSL_CTX *hv_nts_tls_ctx_ref(const hv_nts_tls_ctx *ctx);

/* Makes the SSL object for one connection on fd, from ctx (the SSL holds
 * its own reference). NULL: detail says why. */
HV_MUST_CHECK SSL *hv_nts_tls_new(SSL_CTX *ctx, int fd, const char *host,
                                  const hv_nts_options *opts, char *detail, size_t detail_len);
void hv_nts_tls_free(SSL *ssl);

/* Why a handshake (or other TLS call) failed, from the verify result and
 * OpenSSL's error queue; fills detail and clears the queue. */
HV_MUST_CHECK hv_nts_error hv_nts_tls_failure(SSL *ssl, int ssl_error, char *detail,
                                              size_t detail_len);

/* After the handshake: ntske/1 must have been selected. */
bool hv_nts_tls_alpn_ok(SSL *ssl);

/* The two NTS keys from the TLS exporter (RFC 8915 5.1). */
HV_MUST_CHECK bool hv_nts_tls_export_keys(SSL *ssl, uint8_t c2s[HV_NTS_KEY_LEN],
                                          uint8_t s2c[HV_NTS_KEY_LEN]);

#endif
