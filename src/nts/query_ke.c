/* The NTS-KE half of a query: resolve, connect (each address in turn),
 * TLS 1.3 handshake, request, reply, keys into the jar. */
#include <errno.h>
#include <netinet/in.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "nts/query.h"
#include "nts/tls.h"

static query_step try_connect(hv_nts_query *q);

query_step hv_nts_query_ke_begin(hv_nts_query *q) {
  q->used_ke = !q->https;
  q->state = QS_RESOLVE_KE;
  if (hv_nts_resolve_start(&q->res, q->server.host, q->server.ke_port) != 0)
    return hv_nts_query_finish(q, HV_NTS_ERR_IO, "cannot start the resolver: %s",
                        strerror(errno));
  return QR_AGAIN;
}

static query_step resolve_step(hv_nts_query *q) {
  int rc = hv_nts_resolve_step(&q->res);
  if (rc == 0) return hv_nts_query_wait(q, q->res.fd, POLLIN);
  if (rc < 0)
    return hv_nts_query_finish(q, HV_NTS_ERR_DNS, "%s did not resolve", q->server.host);
  q->next_addr = 0;
  q->state = QS_CONNECT;
  return try_connect(q);
}

static query_step start_handshake(hv_nts_query *q) {
  if (!q->ssl_ctx)
    q->ssl_ctx = hv_nts_tls_make_ctx(q->opts.ca_file, q->https, q->detail, sizeof q->detail);
  if (!q->ssl_ctx) return hv_nts_query_finish(q, HV_NTS_ERR_TLS, "%s", q->detail);
  q->ssl = hv_nts_tls_new(q->ssl_ctx, q->sock, q->server.host, &q->opts, q->detail,
                          sizeof q->detail);
  if (!q->ssl) return hv_nts_query_finish(q, HV_NTS_ERR_TLS, "%s", q->detail);
  q->state = QS_HANDSHAKE;
  return QR_AGAIN;
}

/* Starts a connection to the next address; on an immediate failure moves
 * on to the one after. */
static query_step try_connect(hv_nts_query *q) {
  int last_errno = ECONNREFUSED;
  while (q->next_addr < q->res.n) {
    const hv_nts_addr *a = &q->res.addrs[q->next_addr++];
    q->sock = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (q->sock < 0) {
      last_errno = errno;
      continue;
    }
    /* NTS-KE sends the TLS Finished and the request as two small writes;
     * with Nagle the second waits for the server's delayed ACK (~40 ms). */
    const int one = 1;
    if (setsockopt(q->sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
      last_errno = errno;
      hv_nts_query_close_conn(q);
      continue;
    }
    if (connect(q->sock, (const struct sockaddr *)&a->ss, a->len) == 0)
      return start_handshake(q);
    if (errno == EINPROGRESS) return hv_nts_query_wait(q, q->sock, POLLOUT);
    last_errno = errno;
    hv_nts_query_close_conn(q);
  }
  return hv_nts_query_finish(q, HV_NTS_ERR_CONNECT, "cannot connect to %s port %u: %s",
                      q->server.host, q->server.ke_port, strerror(last_errno));
}

static query_step connect_step(hv_nts_query *q, short revents) {
  if (revents == 0) return hv_nts_query_wait(q, q->sock, POLLOUT);
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(q->sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) return start_handshake(q);
  hv_nts_query_close_conn(q);
  return try_connect(q);
}

static query_step handshake_step(hv_nts_query *q) {
  int rc = hv_nts_query_tls_call(q, TLS_CONNECT, NULL, 0);
  if (rc != 1) return hv_nts_query_tls_wait_or_fail(q, rc);
  if (q->https) return hv_nts_query_https_request(q);
  if (!hv_nts_tls_alpn_ok(q->ssl))
    return hv_nts_query_finish(q, HV_NTS_ERR_ALPN, "server did not select ALPN %s",
                        HV_NTS_ALPN);
  hv_buf_writer w;
  hv_buf_writer_init(&w, q->request, HV_NTS_KE_REQUEST_LEN);
  if (!hv_nts_ke_build_request(&w))
    return hv_nts_query_finish(q, HV_NTS_ERR_INTERNAL, "cannot build the NTS-KE request");
  q->request_len = w.len;
  q->ke_sent = 0;
  q->state = QS_KE_SEND;
  return QR_AGAIN;
}

static query_step send_step(hv_nts_query *q) {
  while (q->ke_sent < q->request_len) {
    int rc = hv_nts_query_tls_call(q, TLS_WRITE, q->request + q->ke_sent,
                            q->request_len - q->ke_sent);
    if (rc <= 0) return hv_nts_query_tls_wait_or_fail(q, rc);
    q->ke_sent += (size_t)rc;
  }
  q->ke_reply_len = 0;
  q->state = QS_KE_RECV;
  return QR_AGAIN;
}

static const char *ke_refusal(hv_nts_error err) {
  switch (err) {
    case HV_NTS_ERR_KE_CRITICAL: return "an unknown critical record";
    case HV_NTS_ERR_KE_NO_COOKIE: return "no cookie";
    case HV_NTS_ERR_KE_NO_AEAD: return "no agreement on AEAD 15 (AES-SIV-CMAC-256)";
    case HV_NTS_ERR_KE_PROTOCOL: return "no agreement on NTPv4";
    default: return "records that do not parse";
  }
}

/* RFC 8915 4.1.7: without Server Negotiation the NTP server is at "the
 * same IP address as the NTS-KE server". Resolving the name again could
 * land on another address (round-robin DNS), whose server would not
 * know our cookies; so the jar keeps the address we spoke to. */
static bool ke_peer_address(const hv_nts_query *q, char out[HV_NTS_HOST_MAX + 1]) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  return getpeername(q->sock, (struct sockaddr *)&ss, &len) == 0 &&
         getnameinfo((struct sockaddr *)&ss, len, out, HV_NTS_HOST_MAX + 1, NULL, 0,
                     NI_NUMERICHOST) == 0;
}

/* A complete, agreed reply: keys and cookies go into the jar. */
static query_step take_reply(hv_nts_query *q, hv_nts_ke_reply *reply) {
  hv_nts_jar *jar = q->jar;
  hv_nts_jar_drop_cookies(jar);
  uint8_t c2s[HV_NTS_KEY_LEN], s2c[HV_NTS_KEY_LEN];
  char ntp_host[HV_NTS_HOST_MAX + 1];
  snprintf(ntp_host, sizeof ntp_host, "%s", reply->server);
  hv_nts_error err = HV_NTS_OK;
  if (!hv_nts_tls_export_keys(q->ssl, c2s, s2c))
    err = HV_NTS_ERR_INTERNAL;
  else if (!ntp_host[0] && !ke_peer_address(q, ntp_host))
    err = HV_NTS_ERR_IO;
  else
    hv_nts_jar_set_keys(jar, c2s, s2c, ntp_host, reply->port);
  hv_wipe(c2s, sizeof c2s);
  hv_wipe(s2c, sizeof s2c);
  if (err != HV_NTS_OK)
    return hv_nts_query_finish(q, err, err == HV_NTS_ERR_IO ? "cannot read the NTS-KE server's address"
                                                     : "TLS key export failed");
  for (size_t i = 0; i < reply->n_cookies; i++)
    if (!hv_nts_jar_put(jar, &reply->cookies[i])) break; /* full: the rest are spares */
  hv_nts_query_tls_goodbye(q);
  hv_nts_query_close_conn(q);
  return QR_KEYS_READY; /* the loop in query.c starts the NTP half */
}

static query_step recv_step(hv_nts_query *q) {
  for (;;) {
    if (q->ke_reply_len == sizeof q->ke_reply)
      return hv_nts_query_finish(q, HV_NTS_ERR_KE_MALFORMED,
                          "NTS-KE reply longer than %d bytes", HV_NTS_KE_REPLY_MAX);
    int rc = hv_nts_query_tls_call(q, TLS_READ, q->ke_reply + q->ke_reply_len,
                      sizeof q->ke_reply - q->ke_reply_len);
    if (rc <= 0) {
      int e = SSL_get_error(q->ssl, rc);
      if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
        return hv_nts_query_finish(q, HV_NTS_ERR_KE_MALFORMED,
                            "server closed before End of Message");
      return hv_nts_query_tls_wait_or_fail(q, rc);
    }
    q->ke_reply_len += (size_t)rc;
    hv_nts_ke_reply reply;
    hv_nts_error err = hv_nts_ke_parse(q->ke_reply, q->ke_reply_len, &reply);
    query_step r = QR_AGAIN;
    if (err == HV_NTS_ERR_KE_ERROR)
      r = hv_nts_query_finish(q, err, "server sent NTS-KE %s %u",
                       reply.has_warning ? "Warning" : "Error",
                       reply.has_warning ? reply.warning_code : reply.error_code);
    else if (err != HV_NTS_OK)
      r = hv_nts_query_finish(q, err, "NTS-KE reply with %s", ke_refusal(err));
    else if (reply.complete)
      r = take_reply(q, &reply);
    bool complete = reply.complete;
    hv_wipe(&reply, sizeof reply);
    if (err != HV_NTS_OK || complete) return r;
  }
}

query_step hv_nts_query_ke_step(hv_nts_query *q, short revents) {
  switch (q->state) {
    case QS_RESOLVE_KE: return resolve_step(q);
    case QS_CONNECT: return connect_step(q, revents);
    case QS_HANDSHAKE: return handshake_step(q);
    case QS_KE_SEND: return send_step(q);
    case QS_KE_RECV: return q->https ? hv_nts_query_https_recv(q) : recv_step(q);
    default: return hv_nts_query_finish(q, HV_NTS_ERR_INTERNAL, "bad state");
  }
}
