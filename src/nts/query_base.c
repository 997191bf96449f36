/* What every step of an NTS query shares: the clocks, waiting and
 * finishing, closing the connection, TLS calls with SIGPIPE held, and
 * address texts. The bottom of src/nts/query*.c: the steps (query_ke.c,
 * query_ntp.c, query_https.c) use it, the loop in query.c drives them,
 * and nothing here calls back up. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nts/query.h"
#include "nts/tls.h"
#include "sys/sys.h"

void hv_nts_query_close_conn(hv_nts_query *q) {
  if (q->ssl) {
    SSL_free(q->ssl);
    q->ssl = NULL;
  }
  if (q->sock >= 0) close(q->sock);
  q->sock = -1;
  q->fd = -1;
}

void hv_nts_query_close_all(hv_nts_query *q) {
  hv_nts_query_close_conn(q);
  SSL_CTX_free(q->ssl_ctx);
  q->ssl_ctx = NULL;
  hv_nts_resolve_stop(&q->res);
  q->fd = -1;
  q->events = 0;
}

query_step hv_nts_query_finish(hv_nts_query *q, hv_nts_error err, const char *fmt, ...) {
  hv_nts_query_close_all(q);
  hv_nts_query_forget_after_nak(q);
  q->result = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q->detail, sizeof q->detail, fmt, ap);
  va_end(ap);
  q->state = QS_DONE;
  return QR_DONE;
}

query_step hv_nts_query_wait(hv_nts_query *q, int fd, short events) {
  q->fd = fd;
  q->events = events;
  return QR_WAIT;
}

/* OpenSSL writes to the socket with write(), and a peer that reset the
 * connection would raise SIGPIPE, which kills a process by default. A
 * library must not change the process's signal handling, so SIGPIPE is
 * blocked in this thread around each TLS call and any SIGPIPE the call
 * raised is consumed before the mask is restored. */
typedef struct {
  sigset_t old;
  bool was_pending;
} sigpipe_guard;

static void sigpipe_hold(sigpipe_guard *g) {
  sigset_t pipe_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old);
}

static void sigpipe_release(sigpipe_guard *g) {
  sigset_t pipe_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
    const struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* One OpenSSL call with SIGPIPE held and the error queue cleared first
 * (other queries in the same thread may have left errors in it). */
int hv_nts_query_tls_call(hv_nts_query *q, tls_op op, void *buf, size_t len) {
  sigpipe_guard g;
  sigpipe_hold(&g);
  int saved_errno;
  ERR_clear_error();
  int rc = 0;
  int n = len > INT32_MAX ? INT32_MAX : (int)len;
  switch (op) {
    case TLS_CONNECT: rc = SSL_connect(q->ssl); break;
    case TLS_WRITE: rc = SSL_write(q->ssl, buf, n); break;
    case TLS_READ: rc = SSL_read(q->ssl, buf, n); break;
    case TLS_SHUTDOWN: rc = SSL_shutdown(q->ssl); break;
  }
  saved_errno = errno;
  sigpipe_release(&g);
  errno = saved_errno;
  return rc;
}

void hv_nts_query_tls_goodbye(hv_nts_query *q) {
  if (hv_nts_query_tls_call(q, TLS_SHUTDOWN, NULL, 0) < 0) ERR_clear_error();
}

query_step hv_nts_query_tls_wait_or_fail(hv_nts_query *q, int rc) {
  int e = SSL_get_error(q->ssl, rc);
  if (e == SSL_ERROR_WANT_READ) return hv_nts_query_wait(q, q->sock, POLLIN);
  if (e == SSL_ERROR_WANT_WRITE) return hv_nts_query_wait(q, q->sock, POLLOUT);
  char why[HV_NTS_DETAIL_MAX];
  hv_nts_error err = hv_nts_tls_failure(q->ssl, e, why, sizeof why);
  return hv_nts_query_finish(q, err, "%s", why);
}

void hv_nts_query_forget_after_nak(hv_nts_query *q) {
  if (!q->ntsn_seen) return;
  hv_nts_jar_drop_cookies(q->jar);
  q->ntsn_seen = false;
}

/* One text per server: an IPv4-mapped IPv6 address reads as IPv4. */
void hv_nts_query_address_text(const hv_nts_addr *a, char out[HV_NTS_ADDRESS_TEXT_MAX]) {
  /* Numeric forms only: INET6_ADDRSTRLEN and five digits. */
  char host[INET6_ADDRSTRLEN], port[8];
  const struct sockaddr_in6 *v6a = (const struct sockaddr_in6 *)&a->ss;
  bool v6 = a->ss.ss_family == AF_INET6;
  bool mapped = v6 && IN6_IS_ADDR_V4MAPPED(&v6a->sin6_addr);
  bool ok = mapped ? inet_ntop(AF_INET, &v6a->sin6_addr.s6_addr[12], host, sizeof host) &&
                         snprintf(port, sizeof port, "%u", ntohs(v6a->sin6_port)) > 0
                   : getnameinfo((const struct sockaddr *)&a->ss, a->len, host, sizeof host,
                                 port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) == 0;
  if (!ok) {
    out[0] = '\0'; /* unknown: never taken for another server's */
    return;
  }
  v6 = v6 && !mapped;
  snprintf(out, HV_NTS_ADDRESS_TEXT_MAX, "%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "",
           port);
}
