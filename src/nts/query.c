/* One NTS query: a non-blocking state machine under one deadline. */
#include "nts/query.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "nts/tls.h"
#include "sys/sys.h"

int64_t hv_nts_monotonic_ms(void) { return hv_sys_monotonic_ms(); }
static bool valid_server(const hv_nts_server *s) {
  size_t n = strnlen(s->host, sizeof s->host);
  if (n == 0 || n == sizeof s->host) return false;
  for (size_t i = 0; i < n; i++)
    if (s->host[i] < 0x21 || s->host[i] > 0x7e) return false;
  return true;
}

/* The NTS-KE half and the NTP half never start each other (no call
 * circle between query_ke.c and query_ntp.c): a step says the other half
 * is due, and this loop starts it. */
static query_step follow(hv_nts_query *q, query_step r) {
  for (;;) {
    if (r == QR_KEYS_READY)
      r = hv_nts_query_ntp_begin(q);
    else if (r == QR_REKEY)
      r = hv_nts_query_ke_begin(q);
    else
      return r;
  }
}

static query_step run(hv_nts_query *q, short revents) {
  for (;;) {
    query_step r;
    switch (q->state) {
      case QS_RESOLVE_KE:
      case QS_CONNECT:
      case QS_HANDSHAKE:
      case QS_KE_SEND:
      case QS_KE_RECV: r = hv_nts_query_ke_step(q, revents); break;
      case QS_RESOLVE_NTP:
      case QS_NTP_RECV: r = hv_nts_query_ntp_step(q); break;
      default: return QR_DONE;
    }
    r = follow(q, r);
    if (r != QR_AGAIN) return r;
    revents = 0; /* they were for the previous descriptor */
  }
}

static const char *stage_name(const hv_nts_query *q) {
  static const char *const names[] = {"resolving the NTS-KE host", "connecting",
                                      "in the TLS handshake", "sending the NTS-KE request",
                                      "reading the NTS-KE reply", "resolving the NTP host",
                                      "waiting for the NTP reply"};
  static const char *const https_names[] = {"resolving the HTTPS host", "connecting",
                                            "in the TLS handshake", "sending the HTTP request",
                                            "reading the HTTP response head"};
  if (q->https && q->state <= QS_KE_RECV) return https_names[q->state];
  return q->state < QS_DONE ? names[q->state] : "done";
}

static void check_deadline(hv_nts_query *q) {
  if (q->state == QS_DONE || hv_nts_monotonic_ms() < q->deadline_ms) return;
  if (q->refused != HV_NTS_OK) {
    /* No usable reply came, only refused ones: say why they were. */
    char why[HV_NTS_DETAIL_MAX];
    snprintf(why, sizeof why, "%s", q->refused_detail);
    hv_nts_query_finish(q, q->refused, "%s (and no valid reply before the deadline)", why);
    return;
  }
  hv_nts_query_finish(q, HV_NTS_ERR_TIMEOUT, "deadline passed while %s", stage_name(q));
}

/* What both kinds of query set up: server, options, TLS context. NULL
 * only when out of memory; a query that is done already on failure. */
static hv_nts_query *query_new(const hv_nts_server *server, const hv_nts_options *opts,
                               bool https, int64_t deadline_ms) {
  hv_nts_query *q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->fd = -1;
  q->sock = -1;
  q->res.fd = -1;
  q->https = https;
  q->deadline_ms = deadline_ms;
  if (!server || !valid_server(server)) {
    hv_nts_query_finish(q, HV_NTS_ERR_ARGS, "no valid host name");
    return q;
  }
  q->server = *server;
  if (q->server.ke_port == 0)
    q->server.ke_port = https ? HV_NTS_HTTPS_DEFAULT_PORT : HV_NTS_DEFAULT_KE_PORT;
  if (opts) q->opts = *opts;
  if (opts && opts->ca_file) {
    q->ca_file = strdup(opts->ca_file);
    if (!q->ca_file) {
      hv_nts_query_finish(q, HV_NTS_ERR_INTERNAL, "out of memory");
      return q;
    }
    q->opts.ca_file = q->ca_file;
  }
  if (opts && opts->tls && !(q->ssl_ctx = hv_nts_tls_ctx_ref(opts->tls))) {
    hv_nts_query_finish(q, HV_NTS_ERR_INTERNAL, "cannot share the TLS context");
    return q;
  }
  q->opts.tls = NULL; /* ours is q->ssl_ctx; the caller may free theirs */
  check_deadline(q);
  return q;
}

hv_nts_query *hv_nts_query_start(const hv_nts_server *server,
                                 const hv_nts_options *opts, hv_nts_jar *jar,
                                 int64_t deadline_ms) {
  if (!jar) server = NULL; /* refused as bad arguments */
  hv_nts_query *q = query_new(server, opts, false, deadline_ms);
  if (!q || q->state == QS_DONE) return q;
  q->jar = jar;
  hv_nts_jar_bind(jar, q->server.host, q->server.ke_port);
  query_step r = follow(q, hv_nts_jar_cookie_count(jar) > 0 ? QR_KEYS_READY : QR_REKEY);
  if (r == QR_AGAIN) run(q, 0);
  return q;
}

hv_nts_query *hv_nts_https_query_start(const hv_nts_server *server,
                                       const hv_nts_options *opts, int64_t deadline_ms) {
  hv_nts_query *q = query_new(server, opts, true, deadline_ms);
  if (!q || q->state == QS_DONE) return q;
  if (follow(q, QR_REKEY) == QR_AGAIN) run(q, 0);
  return q;
}

int hv_nts_query_fd(const hv_nts_query *q, short *events) {
  if (!q || q->state == QS_DONE) {
    if (events) *events = 0;
    return -1;
  }
  if (events) *events = q->events;
  return q->fd;
}

void hv_nts_query_step(hv_nts_query *q, short revents) {
  if (!q || q->state == QS_DONE) return;
  check_deadline(q);
  if (q->state == QS_DONE) return;
  run(q, revents);
  if (q->state != QS_DONE && follow(q, hv_nts_query_ntp_timer(q)) == QR_AGAIN) run(q, 0);
}

int64_t hv_nts_query_wake_ms(const hv_nts_query *q) {
  if (!q || q->state == QS_DONE) return 0;
  int64_t wake = q->deadline_ms;
  if (hv_nts_query_ntp_timer_armed(q) && q->resend_at_ms < wake) wake = q->resend_at_ms;
  if (q->state == QS_RESOLVE_KE || q->state == QS_RESOLVE_NTP) {
    int64_t dns = hv_nts_resolve_wake_ms(&q->res); /* a DNS retransmit */
    if (dns < wake) wake = dns;
  }
  return wake;
}

bool hv_nts_query_done(const hv_nts_query *q) { return !q || q->state == QS_DONE; }

/* Asked before the query finished (a caller whose deadline passed), the
 * answer is what it would be at the deadline. */
hv_nts_error hv_nts_query_result(const hv_nts_query *q, hv_nts_sample *out) {
  if (!q) return HV_NTS_ERR_ARGS;
  if (q->state != QS_DONE)
    return q->refused != HV_NTS_OK ? q->refused : HV_NTS_ERR_TIMEOUT;
  if (out && q->result == HV_NTS_OK) *out = q->sample;
  return q->result;
}

const char *hv_nts_query_detail(const hv_nts_query *q) {
  if (!q) return "no query";
  if (q->state == QS_DONE) return q->detail;
  if (q->refused != HV_NTS_OK) return q->refused_detail;
  return stage_name(q);
}

bool hv_nts_query_used_ke(const hv_nts_query *q) { return q && q->used_ke; }

bool hv_nts_query_reached(const hv_nts_query *q) {
  return q && q->state >= QS_HANDSHAKE && q->state != QS_DONE;
}

const char *hv_nts_query_notes(const hv_nts_query *q) {
  if (!q) return "";
  if (q->got_ntsn) return q->rekeyed ? "ntsn, re-keyed" : "ntsn";
  return q->rekeyed ? "unanswered, re-keyed" : "";
}

void hv_nts_query_free(hv_nts_query *q) {
  if (!q) return;
  hv_nts_query_close_all(q);
  if (q->jar) hv_nts_query_forget_after_nak(q);
  free(q->ca_file);
  hv_wipe(q, sizeof *q);
  free(q);
}

hv_nts_error hv_nts_query_run(const hv_nts_server *server, const hv_nts_options *opts,
                              hv_nts_jar *jar, int timeout_ms, hv_nts_sample *out, char *detail,
                              size_t detail_len) {
  int64_t deadline = hv_nts_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  hv_nts_query *q = hv_nts_query_start(server, opts, jar, deadline);
  if (!q) {
    if (detail) snprintf(detail, detail_len, "out of memory");
    return HV_NTS_ERR_INTERNAL;
  }
  while (!hv_nts_query_done(q)) {
    struct pollfd p = {.fd = -1};
    p.fd = hv_nts_query_fd(q, &p.events);
    int64_t left = hv_nts_query_wake_ms(q) - hv_nts_monotonic_ms();
    int rc = poll(&p, 1, left < 0 ? 0 : (int)left);
    hv_nts_query_step(q, rc > 0 ? p.revents : 0);
  }
  hv_nts_error err = hv_nts_query_result(q, out);
  if (detail) snprintf(detail, detail_len, "%s", hv_nts_query_detail(q));
  hv_nts_query_free(q);
  return err;
}
