/* The insides of one NTS query, shared by its three source files:
 * query.c (life cycle, deadline), query_ke.c (TCP, TLS, NTS-KE) and
 * query_ntp.c (the NTP exchange). */
#ifndef HANDOVER_NTS_QUERY_H
#define HANDOVER_NTS_QUERY_H

#include <openssl/ssl.h>

#include "handover/api.h"
#include "nts/jar.h"
#include "nts/ke_codec.h"
#include "nts/ntp_codec.h"
#include "nts/resolve.h"

typedef enum {
  QS_RESOLVE_KE,
  QS_CONNECT,
  QS_HANDSHAKE,
  QS_KE_SEND,
  QS_KE_RECV,
  QS_RESOLVE_NTP,
  QS_NTP_RECV,
  QS_DONE,
} query_state;

/* What a state handler tells the loop in hv_nts_query_step. */
typedef enum {
  QR_WAIT,    /* q->fd and q->events are set: wait for them */
  QR_AGAIN,   /* moved on: run the next handler now */
  QR_DONE,    /* finished (q->result says how) */
  QR_KEYS_READY, /* NTS-KE done, the jar holds keys: start the NTP half */
  QR_REKEY,   /* the NTP half needs NTS-KE again: start it */
} query_step;

/* "HEAD / HTTP/1.1", Host with a bracketed literal and a port, two more
 * headers: well under this. */
#define HV_NTS_HTTPS_REQUEST_MAX 512
_Static_assert(HV_NTS_HTTPS_REQUEST_MAX >= HV_NTS_KE_REQUEST_LEN, "one request buffer");

struct hv_nts_query {
  query_state state;
  bool https;   /* an HTTPS Date query (query_https.c), not NTS */
  int64_t t1_ns, t1_mono_ns; /* HTTPS: when the request went out */
  hv_nts_server server;
  hv_nts_options opts;
  char *ca_file; /* our copy of opts.ca_file */
  SSL_CTX *ssl_ctx; /* our reference: shared (opts.tls) or made at KE */
  hv_nts_jar *jar;
  int64_t deadline_ms;
  bool used_ke;

  hv_nts_resolver res;
  size_t next_addr; /* the next KE address to try */
  int sock;     /* the TCP or UDP socket, or -1 */
  int fd;       /* what to wait on: sock or the resolver's pipe */
  short events;
  SSL *ssl;
  size_t ke_sent;
  size_t request_len; /* of `request`: the NTS-KE or the HTTP request */
  uint8_t request[HV_NTS_HTTPS_REQUEST_MAX];
  uint8_t ke_reply[HV_NTS_KE_REPLY_MAX];
  size_t ke_reply_len;

  /* Every NTP request sent so far: a reply to any of them counts. */
  struct {
    uint8_t uid[HV_NTS_UID_LEN];
    uint8_t origin[HV_NTS_NTP_TS_LEN];
    int64_t t1_ns;
  } sent[HV_NTS_NTP_MAX_SENDS];
  size_t n_sent;
  int64_t resend_at_ms; /* CLOCK_MONOTONIC; when to send again unanswered */
  char ntp_address[HV_NTS_ADDRESS_TEXT_MAX]; /* where the request went */
  uint8_t packet[HV_NTS_NTP_PACKET_MAX + 1]; /* +1: tells an oversized reply */

  bool ntsn_seen; /* an NTS NAK matched a request of the current keys */
  bool rekeyed;   /* NTS-KE ran again within this query after an NTSN */
  bool got_ntsn;  /* any NTSN in this query (for the evidence) */

  hv_nts_error result;
  hv_nts_error refused;  /* why the last unusable NTP reply was ignored */
  char refused_detail[HV_NTS_DETAIL_MAX];
  hv_nts_sample sample;
  char detail[HV_NTS_DETAIL_MAX];
};

/* Ends the query with err and a printf-style reason; closes everything.
 * Always QR_DONE, so a handler can end with "return hv_nts_query_finish". */
query_step hv_nts_query_finish(hv_nts_query *q, hv_nts_error err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
HV_MUST_CHECK query_step hv_nts_query_wait(hv_nts_query *q, int fd, short events);
/* Closes the TCP/TLS or UDP connection, if any. */
void hv_nts_query_close_conn(hv_nts_query *q);
/* Closes everything the query holds open: connection, TLS context,
 * resolver. */
void hv_nts_query_close_all(hv_nts_query *q);

typedef enum { TLS_CONNECT, TLS_WRITE, TLS_READ, TLS_SHUTDOWN } tls_op;
/* One OpenSSL call with SIGPIPE held and the error queue cleared. */
HV_MUST_CHECK int hv_nts_query_tls_call(hv_nts_query *q, tls_op op, void *buf, size_t len);
/* Sends close_notify once, without waiting for the server's: a courtesy,
 * since the reply is whole. Its failure changes nothing. */
void hv_nts_query_tls_goodbye(hv_nts_query *q);
/* Maps SSL_ERROR_WANT_* to a wait; anything else ends the query. */
HV_MUST_CHECK query_step hv_nts_query_tls_wait_or_fail(hv_nts_query *q, int rc);
/* "[v6]:port" or "v4:port" of an address (IPv4-mapped read as IPv4). */
void hv_nts_query_address_text(const hv_nts_addr *a, char out[HV_NTS_ADDRESS_TEXT_MAX]);

HV_MUST_CHECK query_step hv_nts_query_ke_begin(hv_nts_query *q);
/* HTTPS: after the handshake, the request; then the response head. */
HV_MUST_CHECK query_step hv_nts_query_https_request(hv_nts_query *q);
HV_MUST_CHECK query_step hv_nts_query_https_recv(hv_nts_query *q);
HV_MUST_CHECK query_step hv_nts_query_ke_step(hv_nts_query *q, short revents);
HV_MUST_CHECK query_step hv_nts_query_ntp_begin(hv_nts_query *q);
HV_MUST_CHECK query_step hv_nts_query_ntp_step(hv_nts_query *q);
/* Whether something is due at q->resend_at_ms: another request (waiting
 * for a reply, under the limit of requests, a cookie left) or, after an
 * NTS NAK, NTS-KE again. */
bool hv_nts_query_ntp_timer_armed(const hv_nts_query *q);
/* At or after the resend time with no valid reply: after an NTSN, drops
 * the jar and starts NTS-KE again (QR_AGAIN: run the machine); else
 * sends another request if it may. The query may end (an error). */
HV_MUST_CHECK query_step hv_nts_query_ntp_timer(hv_nts_query *q);
/* Empties the jar when an NTSN came and no valid reply since. */
void hv_nts_query_forget_after_nak(hv_nts_query *q);

#endif
