/* RFC 8915 NTS client: NTS-KE over TLS 1.3, then NTPv4 with NTS extension
 * fields. One query is one non-blocking state machine that exposes one
 * descriptor at a time, so many queries can share one poll loop and one
 * deadline (see src/timesrc). A per-server cookie jar carries the keys and
 * cookies from one query to the next, so most queries need no TLS. */
#ifndef HANDOVER_NTS_H
#define HANDOVER_NTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/api.h"

HV_BEGIN_DECLS

#define HV_NTS_DEFAULT_KE_PORT 4460
#define HV_NTS_DEFAULT_NTP_PORT 123
#define HV_NTS_HOST_MAX 255      /* a DNS name, as RFC 1035 bounds it */
#define HV_NTS_MAX_COOKIES 8     /* RFC 8915 section 4.1.6: servers send 8 */
#define HV_NTS_DETAIL_MAX 160

typedef enum {
  HV_NTS_OK = 0,
  HV_NTS_ERR_ARGS,
  HV_NTS_ERR_DNS,           /* name did not resolve */
  HV_NTS_ERR_CONNECT,       /* TCP connect failed */
  HV_NTS_ERR_TLS,           /* handshake failed for another reason */
  HV_NTS_ERR_TLS_VERSION,   /* server does not speak TLS 1.3 */
  HV_NTS_ERR_CERT_UNTRUSTED,/* chain does not reach a trusted CA */
  HV_NTS_ERR_CERT_HOSTNAME, /* certificate is not for this host */
  HV_NTS_ERR_CERT_EXPIRED,  /* expired, or not yet valid, or expired
                               before the caller's lower time bound */
  HV_NTS_ERR_ALPN,          /* server did not select ntske/1 */
  HV_NTS_ERR_KE_ERROR,      /* server sent an Error record */
  HV_NTS_ERR_KE_CRITICAL,   /* unknown critical record */
  HV_NTS_ERR_KE_NO_COOKIE,  /* no New Cookie record */
  HV_NTS_ERR_KE_NO_AEAD,    /* no agreement on AEAD 15 */
  HV_NTS_ERR_KE_PROTOCOL,   /* no NTPv4 next protocol */
  HV_NTS_ERR_KE_MALFORMED,  /* records that do not parse */
  HV_NTS_ERR_NTP_MALFORMED, /* truncated, oversized, lying EF lengths */
  HV_NTS_ERR_NTP_UNIQUE_ID, /* unique id does not match */
  HV_NTS_ERR_NTP_ORIGIN,    /* origin timestamp does not match */
  HV_NTS_ERR_NTP_AUTH,      /* authenticator missing or does not verify */
  HV_NTS_ERR_NTP_KOD,       /* an NTS NAK (NTSN) and no valid reply, or an
                               authenticated DENY, RSTR or RATE */
  HV_NTS_ERR_NTP_UNSYNC,    /* leap 3, or stratum 0 or 16 */
  HV_NTS_ERR_NTP_MODE,      /* not an NTPv4 server-mode (4) reply */
  HV_NTS_ERR_TIMEOUT,       /* the deadline passed */
  HV_NTS_ERR_IO,            /* a socket call failed */
  HV_NTS_ERR_INTERNAL,
  HV_NTS_ERR_NTP_ZERO_TIME, /* receive or transmit timestamp 0: "not
                               available" (RFC 5905 section 6) */
  HV_NTS_ERR_NTP_NEGATIVE_DELAY, /* the server's hold time exceeds the round
                                    trip by more than HV_NTS_ALLOWANCE_NS */
  HV_NTS_ERR_HTTP_DATE,     /* HTTPS source: no, or a malformed, Date */
  HV_NTS_ERR_HTTP,          /* HTTPS source: not an HTTP response */
} hv_nts_error;

/* Timestamp rounding (NTP's 2^-32 s and our ns) and the time between
 * reading a clock and the packet moving: a sample may look this much
 * better than it is; more is not a measurement but a lie. */
#define HV_NTS_ALLOWANCE_NS 1000000 /* 1 ms */

HV_API const char *hv_nts_error_name(hv_nts_error err); /* stable, e.g. "cert-expired" */

typedef struct {
  char host[HV_NTS_HOST_MAX + 1]; /* name, IPv4 or IPv6 literal */
  uint16_t ke_port;               /* 0 means HV_NTS_DEFAULT_KE_PORT */
} hv_nts_server;

/* A TLS client context for NTS-KE with its trust store loaded once.
 * Loading the system store parses every certificate in it, which costs
 * milliseconds; queries that share a context pay that once. A query
 * that is given one keeps its own reference, so the caller may free it
 * at any time. */
typedef struct hv_nts_tls_ctx hv_nts_tls_ctx;
/* ca_file NULL: the system trust store. NULL on failure: detail says why. */
HV_API hv_nts_tls_ctx *hv_nts_tls_ctx_new(const char *ca_file, char *detail, size_t detail_len);
HV_API void hv_nts_tls_ctx_free(hv_nts_tls_ctx *ctx);

typedef struct {
  const char *ca_file;     /* NULL: the system trust store */
  int64_t not_before_unix; /* refuse certificates expired before this
                              (a lower bound on true time; 0 = none) */
  hv_nts_tls_ctx *tls;     /* NULL: the query loads ca_file itself; else
                              ca_file is ignored */
} hv_nts_options;

/* A request that got no answer (UDP may drop it) is sent again, each time
 * with a fresh cookie, unique id and timestamp, this long after the last
 * one: longer than any sane round trip, short against the default 5 s
 * deadline. At most this many requests per query: each costs a cookie. */
#define HV_NTS_NTP_RESEND_MS 1000
#define HV_NTS_NTP_MAX_SENDS 3

/* "[IPv6 literal]:port" (55 characters) and its NUL fit. */
#define HV_NTS_ADDRESS_TEXT_MAX 64

/* An authenticated sample. Times are Unix nanoseconds. */
typedef struct {
  /* The NTP server that answered, numeric: "192.0.2.1:123", "[::1]:123".
   * Two names for one server give the same text; "" if unknown. */
  char ntp_address[HV_NTS_ADDRESS_TEXT_MAX];
  int64_t t1_ns, t2_ns, t3_ns, t4_ns;
  int64_t offset_ns;          /* ((T2 - T1) + (T3 - T4)) / 2 */
  int64_t delay_ns;           /* (T4 - T1) - (T3 - T2) */
  int64_t root_delay_ns;
  int64_t root_dispersion_ns;
  int64_t t4_mono_ns;         /* CLOCK_MONOTONIC read with T4: carrying the
                                 sample forward starts here, not when the
                                 caller got round to it */
  uint8_t stratum;
  uint8_t leap;
} hv_nts_sample;

/* Cookies, keys and the negotiated NTP address of one server. A jar
 * belongs to one NTS-KE server: a query against another host or port
 * empties it first. */
typedef struct hv_nts_jar hv_nts_jar;
HV_API hv_nts_jar *hv_nts_jar_new(void);
HV_API void hv_nts_jar_free(hv_nts_jar *jar); /* wipes keys and cookies */
HV_API size_t hv_nts_jar_cookie_count(const hv_nts_jar *jar);
/* Forgets keys and cookies (the next query runs NTS-KE). */
HV_API void hv_nts_jar_clear(hv_nts_jar *jar);
/* Where this jar's cookies are used: the NTP host and port after Server
 * and Port Negotiation (defaults: the NTS-KE host, port 123). False when
 * the jar holds no keys. */
HV_API bool hv_nts_jar_ntp_server(const hv_nts_jar *jar, char host[HV_NTS_HOST_MAX + 1],
                           uint16_t *port);
/* Upper bound on hv_nts_jar_save's output, for sizing its buffer. */
#define HV_NTS_JAR_SAVE_MAX 4096
/* Serialized form for persistence (it holds keys: store it 0600). */
HV_API HV_MUST_CHECK int hv_nts_jar_save(const hv_nts_jar *jar, uint8_t *out,
                                  size_t cap, size_t *len);
HV_API HV_MUST_CHECK int hv_nts_jar_load(hv_nts_jar *jar, const uint8_t *in, size_t len);

typedef struct hv_nts_query hv_nts_query;

/* Starts one query; deadline_ms is on CLOCK_MONOTONIC. The jar must
 * outlive the query. NULL only when out of memory. A jar with cookies
 * skips NTS-KE. A name (not an address literal) is resolved with c-ares
 * inside the query's own state machine (resolv.conf and the hosts file,
 * as the system resolver reads them): no process or thread is made, so
 * it works in an enclave (Gramine) and beside callers that reap with
 * waitpid(-1); resolution obeys the deadline, and ending the query
 * closes every socket it opened. */
HV_API hv_nts_query *hv_nts_query_start(const hv_nts_server *server,
                                 const hv_nts_options *opts, hv_nts_jar *jar,
                                 int64_t deadline_ms);
/* The descriptor to wait on and the events to wait for; -1 when done. */
HV_API int hv_nts_query_fd(const hv_nts_query *q, short *events);
/* The latest CLOCK_MONOTONIC millisecond by which step must be called
 * even if the descriptor stays quiet: a resend, else the deadline. */
HV_API int64_t hv_nts_query_wake_ms(const hv_nts_query *q);
/* Advances after poll() (revents may be 0 on a timeout); it checks the
 * deadline itself. RFC 8915 section 5.7: an NTP reply that does not
 * verify (malformed, wrong mode, unknown unique id, wrong origin, no
 * authenticator or one that fails, an unauthenticated kiss-o'-death) is
 * discarded, remembered, and the wait goes on. An NTS NAK (NTSN) whose
 * unique id and origin match is noted; if no valid reply has come by the
 * resend time, the jar is emptied and NTS-KE run again, once, within the
 * same deadline, then NTP with the fresh cookies; likewise when two
 * requests made with stored cookies (no NTS-KE yet in this query) go
 * unanswered, as a server that lost its keys but sends no NAK does.
 * Once the deadline has
 * passed, one step(q, 0) ends the query with the most precise reason:
 * the last refused reply, else HV_NTS_ERR_TIMEOUT naming the stage it
 * was in. A query that ends (or is freed) with an NTSN unanswered leaves
 * the jar empty, so the next query starts with NTS-KE. */
HV_API void hv_nts_query_step(hv_nts_query *q, short revents);
HV_API bool hv_nts_query_done(const hv_nts_query *q);
/* The outcome; *out is filled only on HV_NTS_OK. Asked before the query
 * is done (the caller gave up at its deadline), it is the outcome the
 * deadline would give: the last refused reply's error, else TIMEOUT. */
HV_API HV_MUST_CHECK hv_nts_error hv_nts_query_result(const hv_nts_query *q, hv_nts_sample *out);
/* A human-readable reason for a failure (e.g. OpenSSL's verify message);
 * before the query is done, the stage it is in or the refused reply. */
HV_API const char *hv_nts_query_detail(const hv_nts_query *q);
/* True when this query ran NTS-KE (false: it used a cookie from the jar). */
HV_API bool hv_nts_query_used_ke(const hv_nts_query *q);
/* What happened on the way, for the evidence: "", "ntsn" (an NTS NAK
 * came, then a valid reply), "ntsn, re-keyed" (the cookies were dropped
 * and NTS-KE run again within this query), or "unanswered, re-keyed"
 * (requests with stored cookies went unanswered: the same). */
HV_API const char *hv_nts_query_notes(const hv_nts_query *q);
/* True once the TCP connection to the NTS-KE (or HTTPS) server is up,
 * or the query is past it: the server is reachable, only slower. */
HV_API bool hv_nts_query_reached(const hv_nts_query *q);
/* Closes every descriptor, stops any helper, frees everything. */
HV_API void hv_nts_query_free(hv_nts_query *q);

/* An HTTPS Date query (RFC 9110 section 6.6.1), for where NTP's UDP does
 * not get through: TLS 1.3 to server (port: HV_NTS_HTTPS_DEFAULT_PORT
 * when 0) with the certificate checked exactly as for NTS-KE (opts: CA
 * file or system store, lower time bound), one `HEAD /`, and the Date
 * of the response head. Date has one-second resolution and was made at
 * some instant between our request (T1) and the end of the head (T4), so
 * the sample's interval is [Date, Date + 1 s + (T4 - T1)]: as an
 * hv_nts_sample, offset to its centre, delay T4 - T1 and root dispersion
 * half a second; t2 = t3 = the Date. opts->tls must come from
 * hv_nts_https_tls_ctx_new (or be NULL). The same life cycle as an NTS
 * query (fd, wake_ms, step, result, free); no jar. Errors: the TLS and
 * certificate ones, HV_NTS_ERR_HTTP (no HTTP/1.x response head, or it
 * ended early or is too long), HV_NTS_ERR_HTTP_DATE (no Date, or one that
 * is not an IMF-fixdate). */
#define HV_NTS_HTTPS_DEFAULT_PORT 443
#define HV_NTS_HTTPS_DATE_DISPERSION_NS 500000000LL /* half the resolution */
HV_API hv_nts_query *hv_nts_https_query_start(const hv_nts_server *server,
                                       const hv_nts_options *opts, int64_t deadline_ms);
/* A TLS context for HTTPS time sources (ALPN http/1.1). */
HV_API hv_nts_tls_ctx *hv_nts_https_tls_ctx_new(const char *ca_file, char *detail, size_t detail_len);

/* Blocking convenience: one query to completion under timeout_ms. */
HV_API HV_MUST_CHECK hv_nts_error hv_nts_query_run(const hv_nts_server *server,
                                                   const hv_nts_options *opts, hv_nts_jar *jar,
                                                   int timeout_ms, hv_nts_sample *out, char *detail,
                                                   size_t detail_len);

/* Monotonic milliseconds, the clock every deadline is on. */
HV_API int64_t hv_nts_monotonic_ms(void);

HV_END_DECLS

#endif
