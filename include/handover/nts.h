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
  HV_NTS_ERR_NTP_KOD,       /* authenticated kiss-o'-death (e.g. NTSN) */
  HV_NTS_ERR_NTP_UNSYNC,    /* leap 3, or stratum 0 or 16 */
  HV_NTS_ERR_NTP_MODE,      /* not an NTPv4 server-mode (4) reply */
  HV_NTS_ERR_TIMEOUT,       /* the deadline passed */
  HV_NTS_ERR_IO,            /* a socket call failed */
  HV_NTS_ERR_INTERNAL,
} hv_nts_error;

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
 * skips NTS-KE. A name (not an address literal) is resolved by a child
 * process running getaddrinfo, killed and reaped when the query ends,
 * so resolution obeys the deadline and leaves nothing behind. */
HV_API hv_nts_query *hv_nts_query_start(const hv_nts_server *server,
                                 const hv_nts_options *opts, hv_nts_jar *jar,
                                 int64_t deadline_ms);
/* The descriptor to wait on and the events to wait for; -1 when done. */
HV_API int hv_nts_query_fd(const hv_nts_query *q, short *events);
/* The latest CLOCK_MONOTONIC millisecond by which step must be called
 * even if the descriptor stays quiet: a resend, else the deadline. */
HV_API int64_t hv_nts_query_wake_ms(const hv_nts_query *q);
/* Advances after poll() (revents may be 0 on a timeout); it checks the
 * deadline itself. An NTP reply that anyone could have sent (it fails
 * before its authenticator is checked: malformed, wrong mode, unique id
 * or origin) does not end the query: it is remembered and the wait goes
 * on. Once the deadline has passed, one step(q, 0) ends the query with
 * the most precise reason: the last refused reply, else
 * HV_NTS_ERR_TIMEOUT naming the stage it was in. */
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
/* Closes every descriptor, stops any helper, frees everything. */
HV_API void hv_nts_query_free(hv_nts_query *q);

/* Blocking convenience: one query to completion under timeout_ms. */
HV_API HV_MUST_CHECK hv_nts_error hv_nts_query_run(const hv_nts_server *server,
                              const hv_nts_options *opts, hv_nts_jar *jar,
                              int timeout_ms, hv_nts_sample *out,
                              char detail[HV_NTS_DETAIL_MAX]);

/* Monotonic milliseconds, the clock every deadline is on. */
HV_API int64_t hv_nts_monotonic_ms(void);

HV_END_DECLS

#endif
