/* NTS-KE over OpenSSL. */
#include "nts/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nts/ke_codec.h"
#include "nts/resolve.h"

static const unsigned char alpn_wire[] = "\x07" HV_NTS_ALPN;
static const unsigned char alpn_http[] = "\x08http/1.1";

static void openssl_detail(const char *what, char *detail, size_t detail_len) {
  char err[120] = "no OpenSSL error";
  unsigned long e = ERR_peek_last_error();
  if (e) ERR_error_string_n(e, err, sizeof err);
  snprintf(detail, detail_len, "%s: %s", what, err);
}

struct hv_nts_tls_ctx {
  SSL_CTX *ssl_ctx;
};

SSL_CTX *hv_nts_tls_make_ctx(const char *ca, bool https, char *detail, size_t detail_len) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    openssl_detail("SSL_CTX_new", detail, detail_len);
    return NULL;
  }
  bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
            (https ? SSL_CTX_set_alpn_protos(ctx, alpn_http, sizeof alpn_http - 1)
                   : SSL_CTX_set_alpn_protos(ctx, alpn_wire, sizeof alpn_wire - 1)) == 0;
  if (ok) {
    ok = ca ? SSL_CTX_load_verify_locations(ctx, ca, NULL) == 1
            : SSL_CTX_set_default_verify_paths(ctx) == 1;
    if (!ok) openssl_detail(ca ? "loading the CA file" : "loading the system store",
                            detail, detail_len);
  } else {
    openssl_detail("TLS settings", detail, detail_len);
  }
  if (!ok) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  return ctx;
}

/* The host's clock may have been wound back to when a revoked
 * certificate was still valid: judge validity at the caller's lower
 * bound when that is later than the local clock (DESIGN section 3). */
static void apply_time_bound(X509_VERIFY_PARAM *param, const hv_nts_options *opts) {
  time_t now = time(NULL);
  if (opts && opts->not_before_unix > (int64_t)now)
    X509_VERIFY_PARAM_set_time(param, (time_t)opts->not_before_unix);
}

static bool set_peer_name(SSL *ssl, const char *host) {
  X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
  hv_nts_addr literal;
  if (hv_nts_parse_literal(host, 0, &literal)) {
    /* An address literal is checked against the IP SANs; RFC 6066
     * forbids it as SNI. */
    char bare[HV_NTS_HOST_MAX + 1];
    size_t n = strlen(host);
    if (host[0] == '[' && n >= 2)
      snprintf(bare, sizeof bare, "%.*s", (int)(n - 2), host + 1);
    else
      snprintf(bare, sizeof bare, "%s", host);
    return X509_VERIFY_PARAM_set1_ip_asc(param, bare) == 1;
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
}

static hv_nts_tls_ctx *ctx_new(const char *ca_file, bool https, char *detail,
                               size_t detail_len) {
  hv_nts_tls_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) {
    snprintf(detail, detail_len, "out of memory");
    return NULL;
  }
  ctx->ssl_ctx = hv_nts_tls_make_ctx(ca_file, https, detail, detail_len);
  if (!ctx->ssl_ctx) {
    free(ctx);
    return NULL;
  }
  return ctx;
}

hv_nts_tls_ctx *hv_nts_tls_ctx_new(const char *ca_file, char *detail, size_t detail_len) {
  return ctx_new(ca_file, false, detail, detail_len);
}

hv_nts_tls_ctx *hv_nts_https_tls_ctx_new(const char *ca_file, char *detail, size_t detail_len) {
  return ctx_new(ca_file, true, detail, detail_len);
}

void hv_nts_tls_ctx_free(hv_nts_tls_ctx *ctx) {
  if (!ctx) return;
  SSL_CTX_free(ctx->ssl_ctx);
  free(ctx);
}

SSL_CTX *hv_nts_tls_ctx_ref(const hv_nts_tls_ctx *ctx) {
  if (!ctx || SSL_CTX_up_ref(ctx->ssl_ctx) != 1) return NULL;
  return ctx->ssl_ctx;
}

SSL *hv_nts_tls_new(SSL_CTX *ctx, int fd, const char *host, const hv_nts_options *opts,
                    char *detail, size_t detail_len) {
  SSL *ssl = SSL_new(ctx);
  if (!ssl || SSL_set_fd(ssl, fd) != 1 || !set_peer_name(ssl, host)) {
    openssl_detail("TLS session setup", detail, detail_len);
    SSL_free(ssl);
    return NULL;
  }
  apply_time_bound(SSL_get0_param(ssl), opts);
  SSL_set_connect_state(ssl);
  return ssl;
}

void hv_nts_tls_free(SSL *ssl) { SSL_free(ssl); }

static hv_nts_error verify_failure(long v) {
  switch (v) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return HV_NTS_ERR_CERT_EXPIRED;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return HV_NTS_ERR_CERT_HOSTNAME;
    default:
      return HV_NTS_ERR_CERT_UNTRUSTED;
  }
}

static bool is_version_reason(int reason) {
  return reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
         reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_WRONG_SSL_VERSION ||
         reason == SSL_R_NO_PROTOCOLS_AVAILABLE || reason == SSL_R_WRONG_VERSION_NUMBER;
}

hv_nts_error hv_nts_tls_failure(SSL *ssl, int ssl_error, char *detail,
                                size_t detail_len) {
  hv_nts_error err = HV_NTS_ERR_TLS;
  long v = SSL_get_verify_result(ssl);
  unsigned long e = ERR_peek_last_error();
  int reason = e ? ERR_GET_REASON(e) : 0;
  if (v != X509_V_OK) {
    err = verify_failure(v);
    snprintf(detail, detail_len, "certificate: %s", X509_verify_cert_error_string(v));
  } else if (e && is_version_reason(reason)) {
    err = HV_NTS_ERR_TLS_VERSION;
    openssl_detail("server does not speak TLS 1.3", detail, detail_len);
  } else if (e && reason == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL) {
    err = HV_NTS_ERR_ALPN;
    openssl_detail("server refused ALPN " HV_NTS_ALPN, detail, detail_len);
  } else if (e) {
    openssl_detail("TLS", detail, detail_len);
  } else if (ssl_error == SSL_ERROR_SYSCALL && errno != 0) {
    snprintf(detail, detail_len, "TLS: %s", strerror(errno));
  } else {
    snprintf(detail, detail_len, "TLS: connection closed by the server");
  }
  ERR_clear_error();
  return err;
}

bool hv_nts_tls_alpn_ok(SSL *ssl) {
  const unsigned char *p = NULL;
  unsigned int n = 0;
  SSL_get0_alpn_selected(ssl, &p, &n);
  return p && n == sizeof HV_NTS_ALPN - 1 && memcmp(p, HV_NTS_ALPN, n) == 0;
}

bool hv_nts_tls_export_keys(SSL *ssl, uint8_t c2s[HV_NTS_KEY_LEN],
                            uint8_t s2c[HV_NTS_KEY_LEN]) {
  static const char label[] = HV_NTS_EXPORTER_LABEL;
  uint8_t ctx[HV_NTS_EXPORTER_CONTEXT_LEN];
  hv_nts_exporter_context(false, ctx);
  bool ok = SSL_export_keying_material(ssl, c2s, HV_NTS_KEY_LEN, label,
                                       sizeof label - 1, ctx, sizeof ctx, 1) == 1;
  hv_nts_exporter_context(true, ctx);
  ok = ok && SSL_export_keying_material(ssl, s2c, HV_NTS_KEY_LEN, label,
                                        sizeof label - 1, ctx, sizeof ctx, 1) == 1;
  return ok;
}
