/* The HTTPS half of a query: after the TLS handshake (query_ke.c), one
 * `HEAD /`, then the response head, whose Date becomes the sample. */
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nts/http_date.h"
#include "nts/query.h"
#include "sys/sys.h"

#define NS_PER_S 1000000000LL

/* RFC 9110 7.2: Host carries the port when it is not the default, and
 * an IPv6 literal in brackets. */
query_step hv_nts_query_https_request(hv_nts_query *q) {
  const char *h = q->server.host;
  bool v6 = strchr(h, ':') && h[0] != '[';
  char host[HV_NTS_HOST_MAX + 16];
  if (q->server.ke_port == HV_NTS_HTTPS_DEFAULT_PORT)
    snprintf(host, sizeof host, "%s%s%s", v6 ? "[" : "", h, v6 ? "]" : "");
  else
    snprintf(host, sizeof host, "%s%s%s:%u", v6 ? "[" : "", h, v6 ? "]" : "",
             (unsigned)q->server.ke_port);
  int n = snprintf((char *)q->request, sizeof q->request,
                   "HEAD / HTTP/1.1\r\nHost: %s\r\nUser-Agent: handover\r\n"
                   "Connection: close\r\n\r\n",
                   host);
  if (n < 0 || (size_t)n >= sizeof q->request)
    return hv_nts_query_finish(q, HV_NTS_ERR_INTERNAL, "cannot build the HTTP request");
  q->request_len = (size_t)n;
  q->ke_sent = 0;
  q->ke_reply_len = 0;
  /* The Date is made after the server has the request: T1 is now. */
  q->t1_ns = hv_sys_realtime_ns();
  q->t1_mono_ns = hv_sys_monotonic_ns();
  q->state = QS_KE_SEND;
  return QR_AGAIN;
}

static void peer_text(hv_nts_query *q) {
  hv_nts_addr a;
  memset(&a, 0, sizeof a);
  a.len = sizeof a.ss;
  if (getpeername(q->sock, (struct sockaddr *)&a.ss, &a.len) == 0)
    hv_nts_query_address_text(&a, q->ntp_address);
}

/* The Date was made between T1 and T4, reading date_s to date_s + 1: at
 * T4 the server's clock read within [date, date + 1 s + (T4 - T1)]. */
static query_step take_date(hv_nts_query *q, int64_t date_s, int64_t t4, int64_t t4_mono) {
  hv_nts_sample *s = &q->sample;
  int64_t rtt = t4_mono - q->t1_mono_ns;
  if (rtt < 0) rtt = 0;
  peer_text(q);
  memcpy(s->ntp_address, q->ntp_address, sizeof s->ntp_address);
  s->t1_ns = q->t1_ns;
  s->t2_ns = s->t3_ns = date_s * NS_PER_S;
  s->t4_ns = t4;
  s->t4_mono_ns = t4_mono;
  s->delay_ns = rtt;
  s->root_dispersion_ns = HV_NTS_HTTPS_DATE_DISPERSION_NS;
  s->root_delay_ns = 0;
  s->offset_ns = date_s * NS_PER_S + (NS_PER_S + rtt) / 2 - t4;
  s->stratum = 0;
  s->leap = 0;
  hv_nts_query_tls_goodbye(q);
  return hv_nts_query_finish(q, HV_NTS_OK, "HTTPS Date");
}

static const uint8_t *end_of_head(const uint8_t *p, size_t len) {
  for (size_t i = 3; i < len; i++)
    if (p[i - 3] == '\r' && p[i - 2] == '\n' && p[i - 1] == '\r' && p[i] == '\n')
      return p + i + 1;
  return NULL;
}

query_step hv_nts_query_https_recv(hv_nts_query *q) {
  for (;;) {
    if (q->ke_reply_len == sizeof q->ke_reply)
      return hv_nts_query_finish(q, HV_NTS_ERR_HTTP, "HTTP response head longer than %zu bytes",
                          sizeof q->ke_reply);
    int rc = hv_nts_query_tls_call(q, TLS_READ, q->ke_reply + q->ke_reply_len,
                            sizeof q->ke_reply - q->ke_reply_len);
    int64_t t4 = hv_sys_realtime_ns(), t4_mono = hv_sys_monotonic_ns();
    if (rc <= 0) {
      int e = SSL_get_error(q->ssl, rc);
      if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
        return hv_nts_query_finish(q, HV_NTS_ERR_HTTP,
                            "server closed before the end of the HTTP response head");
      return hv_nts_query_tls_wait_or_fail(q, rc);
    }
    size_t from = q->ke_reply_len >= 3 ? q->ke_reply_len - 3 : 0;
    q->ke_reply_len += (size_t)rc;
    const uint8_t *end = end_of_head(q->ke_reply + from, q->ke_reply_len - from);
    if (!end) continue;
    int64_t date_s = 0;
    char why[HV_NTS_DETAIL_MAX];
    hv_nts_error err =
        hv_nts_http_parse_head(q->ke_reply, (size_t)(end - q->ke_reply), &date_s, why, sizeof why);
    if (err != HV_NTS_OK) return hv_nts_query_finish(q, err, "HTTP response with %s", why);
    return take_date(q, date_s, t4, t4_mono);
  }
}
