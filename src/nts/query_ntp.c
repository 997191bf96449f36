/* The NTP half of a query: one cookie from the jar, one authenticated
 * request, and the reply checked before anything from it is used. */
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "nts/query.h"
#include "sys/sys.h"

query_step hv_nts_query_ntp_begin(hv_nts_query *q) {
  const hv_nts_jar *jar = q->jar;
  const char *host = jar->ntp_host[0] ? jar->ntp_host : q->server.host;
  uint16_t port = jar->ntp_port ? jar->ntp_port : HV_NTS_DEFAULT_NTP_PORT;
  q->state = QS_RESOLVE_NTP;
  q->n_sent = 0; /* after a re-key: requests under the old keys are void */
  if (hv_nts_resolve_start(&q->res, host, port) != 0)
    return hv_nts_query_finish(q, HV_NTS_ERR_IO, "cannot start the resolver: %s",
                        strerror(errno));
  return QR_AGAIN;
}

/* Builds the request with a cookie taken out of the jar (used once,
 * whatever happens next) and placeholders to refill the jar to 8, and
 * records what its reply must echo. */
static bool build_request(hv_nts_query *q, size_t *len) {
  hv_nts_cookie cookie;
  if (q->n_sent == HV_NTS_NTP_MAX_SENDS || !hv_nts_jar_take(q->jar, &cookie)) return false;
  hv_nts_ntp_request req = {.c2s_key = q->jar->c2s, .cookie = &cookie};
  req.placeholders = HV_NTS_MAX_COOKIES - 1 - hv_nts_jar_cookie_count(q->jar);
  bool ok = hv_random(req.uid, sizeof req.uid) == 0 &&
            hv_random(req.transmit, sizeof req.transmit) == 0 &&
            hv_random(req.nonce, sizeof req.nonce) == 0 &&
            hv_nts_ntp_build_request(&req, q->packet, sizeof q->packet, len);
  memcpy(q->sent[q->n_sent].uid, req.uid, HV_NTS_UID_LEN);
  memcpy(q->sent[q->n_sent].origin, req.transmit, HV_NTS_NTP_TS_LEN);
  hv_wipe(&cookie, sizeof cookie);
  hv_wipe(&req, sizeof req);
  return ok;
}

/* One request on the connected socket; the query ends on failure. */
static query_step send_one(hv_nts_query *q) {
  size_t len = 0;
  if (!build_request(q, &len))
    return hv_nts_query_finish(q, HV_NTS_ERR_INTERNAL, "cannot build the NTP request");
  q->sent[q->n_sent].t1_ns = hv_sys_realtime_ns();
  ssize_t sent = send(q->sock, q->packet, len, 0);
  if (sent < 0 && errno == ECONNREFUSED && q->n_sent > 0) {
    /* An ICMP error left pending by an earlier request: anyone could have
     * sent it, so it must not end the query (recv_step's rule). This
     * request is lost; the earlier ones may still be answered. */
    q->refused = HV_NTS_ERR_IO;
    snprintf(q->refused_detail, sizeof q->refused_detail, "NTP send: %s", strerror(errno));
  } else if (sent < 0 || (size_t)sent != len) {
    return hv_nts_query_finish(q, HV_NTS_ERR_IO, "NTP send: %s",
                        sent < 0 ? strerror(errno) : "short write");
  }
  q->n_sent++;
  q->resend_at_ms = hv_nts_monotonic_ms() + HV_NTS_NTP_RESEND_MS;
  q->state = QS_NTP_RECV;
  return hv_nts_query_wait(q, q->sock, POLLIN);
}

static bool can_resend(const hv_nts_query *q) {
  return q->state == QS_NTP_RECV && q->n_sent < HV_NTS_NTP_MAX_SENDS &&
         hv_nts_jar_cookie_count(q->jar) > 0;
}

/* Stored cookies that the server silently ignores (it lost its keys and
 * sends no NTSN) look like a lost request; after this many unanswered
 * ones, NTS-KE runs again as after an NTSN. */
#define REKEY_AFTER_SILENT_SENDS 2

static bool rekey_pending(const hv_nts_query *q) {
  if (q->state != QS_NTP_RECV || q->rekeyed) return false;
  return q->ntsn_seen || (!q->used_ke && q->n_sent >= REKEY_AFTER_SILENT_SENDS);
}

bool hv_nts_query_ntp_timer_armed(const hv_nts_query *q) { return rekey_pending(q) || can_resend(q); }

query_step hv_nts_query_ntp_timer(hv_nts_query *q) {
  if (!hv_nts_query_ntp_timer_armed(q) || hv_nts_monotonic_ms() < q->resend_at_ms) return QR_WAIT;
  if (rekey_pending(q)) {
    /* RFC 8915 5.7: the server no longer knows our cookies. Once, so a
     * server that always answers NTSN costs one handshake, not a loop;
     * stale stored cookies must not fail a query that has time left. */
    hv_nts_query_close_conn(q);
    q->ntsn_seen = false;
    hv_nts_jar_drop_cookies(q->jar);
    q->rekeyed = true;
    return QR_REKEY; /* the loop in query.c starts NTS-KE */
  }
  return send_one(q) == QR_DONE ? QR_DONE : QR_WAIT;
}



static query_step send_request(hv_nts_query *q) {
  const hv_nts_addr *a = &q->res.addrs[0];
  q->sock = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  /* A connected socket only receives datagrams from the server. */
  if (q->sock < 0 || connect(q->sock, (const struct sockaddr *)&a->ss, a->len) != 0)
    return hv_nts_query_finish(q, HV_NTS_ERR_IO, "NTP socket: %s", strerror(errno));
  hv_nts_query_address_text(a, q->ntp_address);
  return send_one(q);
}

static query_step resolve_step(hv_nts_query *q) {
  int rc = hv_nts_resolve_step(&q->res);
  if (rc == 0) return hv_nts_query_wait(q, q->res.fd, POLLIN);
  if (rc < 0) return hv_nts_query_finish(q, HV_NTS_ERR_DNS, "the NTP host did not resolve");
  return send_request(q);
}

static void fill_sample(hv_nts_query *q, const hv_nts_ntp_reply *r, int64_t t1, int64_t t4,
                        int64_t t4_mono) {
  hv_nts_sample *s = &q->sample;
  memcpy(s->ntp_address, q->ntp_address, sizeof s->ntp_address);
  s->t1_ns = t1;
  s->t2_ns = hv_nts_ntp_ts_to_unix_ns(r->receive_ts);
  s->t3_ns = hv_nts_ntp_ts_to_unix_ns(r->transmit_ts);
  s->t4_ns = t4;
  s->t4_mono_ns = t4_mono;
  s->offset_ns = ((s->t2_ns - s->t1_ns) + (s->t3_ns - s->t4_ns)) / 2;
  s->delay_ns = (s->t4_ns - s->t1_ns) - (s->t3_ns - s->t2_ns);
  s->root_delay_ns = hv_nts_ntp_short_to_ns(r->root_delay);
  s->root_dispersion_ns = hv_nts_ntp_short_to_ns(r->root_dispersion);
  s->stratum = r->stratum;
  s->leap = r->leap;
}

static const char *refusal(hv_nts_error err) {
  switch (err) {
    case HV_NTS_ERR_NTP_AUTH: return "NTP reply without a valid authenticator (none, or it does not verify)";
    case HV_NTS_ERR_NTP_KOD: return "NTS NAK (NTSN): the server does not know our cookie";
    case HV_NTS_ERR_NTP_MALFORMED: return "malformed NTP reply (size or field lengths)";
    case HV_NTS_ERR_NTP_MODE: return "NTP reply is not NTPv4 server mode";
    case HV_NTS_ERR_NTP_UNIQUE_ID: return "NTP reply with another unique identifier";
    case HV_NTS_ERR_NTP_ORIGIN: return "NTP reply with another origin timestamp";
    default: return "NTP reply refused";
  }
}

/* Parses a reply against each request sent, newest first, and keeps the
 * first that it answers (its unique id and origin match); else the
 * newest's refusal. *which is the request answered. */
static hv_nts_error parse_against_sent(hv_nts_query *q, size_t len, hv_nts_ntp_reply *reply,
                                       size_t *which) {
  hv_nts_error newest = HV_NTS_ERR_NTP_UNIQUE_ID;
  for (size_t k = q->n_sent; k-- > 0;) {
    hv_nts_ntp_expect expect = {q->sent[k].uid, q->sent[k].origin, q->jar->s2c};
    hv_nts_error err = hv_nts_ntp_parse_reply(q->packet, len, &expect, reply);
    if (k + 1 == q->n_sent) newest = err;
    if (err != HV_NTS_ERR_NTP_UNIQUE_ID && err != HV_NTS_ERR_NTP_ORIGIN) {
      *which = k;
      return err;
    }
  }
  *which = q->n_sent ? q->n_sent - 1 : 0;
  return newest;
}

/* RFC 5905 section 6: a zero timestamp means "not available"; a server
 * that holds the request longer than the whole round trip measured is
 * not measuring. Both are refused by name, not turned into a time. */
static query_step take_sample(hv_nts_query *q, const hv_nts_ntp_reply *r, size_t which,
                              int64_t t4, int64_t t4_mono) {
  if (r->receive_ts == 0 || r->transmit_ts == 0)
    return hv_nts_query_finish(q, HV_NTS_ERR_NTP_ZERO_TIME,
                        "NTP reply with a zero %s timestamp (not available)",
                        r->receive_ts == 0 ? "receive" : "transmit");
  fill_sample(q, r, q->sent[which].t1_ns, t4, t4_mono);
  if (q->sample.delay_ns < -HV_NTS_ALLOWANCE_NS)
    return hv_nts_query_finish(q, HV_NTS_ERR_NTP_NEGATIVE_DELAY,
                        "NTP reply with a negative delay of %lld us (server hold time "
                        "longer than the round trip)",
                        (long long)(q->sample.delay_ns / 1000));
  return hv_nts_query_finish(q, HV_NTS_OK, "stratum %u", r->stratum);
}

/* Remembers why a reply was discarded; the wait goes on. */
static void discard(hv_nts_query *q, hv_nts_error err) {
  q->refused = err;
  snprintf(q->refused_detail, sizeof q->refused_detail, "%s", refusal(err));
}

/* One datagram. Replies that could come from anyone (they fail before
 * the authenticator is reached) are remembered and the wait goes on: an
 * off-path sender must not be able to end the query. */
static query_step handle_reply(hv_nts_query *q, size_t len, int64_t t4, int64_t t4_mono) {
  hv_nts_ntp_reply reply;
  memset(&reply, 0, sizeof reply);
  size_t which = 0;
  hv_nts_error err = parse_against_sent(q, len, &reply, &which);
  for (size_t i = 0; i < reply.n_cookies; i++)
    if (!hv_nts_jar_put(q->jar, &reply.cookies[i])) break; /* full: the rest are spares */
  query_step r = QR_AGAIN;
  if (err == HV_NTS_OK) {
    q->ntsn_seen = false; /* the keys work after all */
    r = take_sample(q, &reply, which, t4, t4_mono);
  } else if (err == HV_NTS_ERR_NTP_KOD && reply.authenticated) {
    r = hv_nts_query_finish(q, err, "authenticated kiss-o'-death %.4s", (const char *)reply.refid);
  } else if (err == HV_NTS_ERR_NTP_KOD) {
    q->ntsn_seen = q->got_ntsn = true;
    discard(q, err);
  } else if (err == HV_NTS_ERR_NTP_UNSYNC) {
    r = hv_nts_query_finish(q, err, "server unsynchronised (leap %u, stratum %u)",
                     reply.leap, reply.stratum);
  } else {
    discard(q, err);
  }
  hv_wipe(&reply, sizeof reply);
  return r;
}

static query_step recv_step(hv_nts_query *q) {
  for (;;) {
    ssize_t n = recv(q->sock, q->packet, sizeof q->packet, MSG_TRUNC);
    int64_t t4 = hv_sys_realtime_ns(), t4_mono = hv_sys_monotonic_ns();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return hv_nts_query_wait(q, q->sock, POLLIN);
    if (n < 0 && errno != ECONNREFUSED)
      return hv_nts_query_finish(q, HV_NTS_ERR_IO, "NTP receive: %s", strerror(errno));
    if (n < 0) {
      /* from an ICMP error, which anyone could forge */
      q->refused = HV_NTS_ERR_IO;
      snprintf(q->refused_detail, sizeof q->refused_detail, "NTP receive: %s",
               strerror(errno));
      continue;
    }
    query_step r = handle_reply(q, (size_t)n, t4, t4_mono);
    if (r != QR_AGAIN) return r;
  }
}

query_step hv_nts_query_ntp_step(hv_nts_query *q) {
  if (q->state == QS_RESOLVE_NTP) return resolve_step(q);
  return recv_step(q);
}
