/* Every server at once: one poll() loop over the descriptor each query
 * exposes, one deadline for DNS, TCP, TLS and UDP together. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handover/timesrc.h"
#include "sys/sys.h"
#include "timesrc/timesrc_int.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
/* A query that is not done but shows no descriptor is retried this often
 * rather than spun on. */
#define IDLE_RETRY_MS 1

const char *hv_timesrc_outcome_name(const hv_timesrc_evidence *e) {
  switch (e->outcome) {
  case HV_TIMESRC_OUT_AGREES: return "agrees";
  case HV_TIMESRC_OUT_FALSETICKER: return "falseticker";
  case HV_TIMESRC_OUT_TOO_VAGUE: return "too-vague";
  case HV_TIMESRC_OUT_DUPLICATE: return "duplicate";
  case HV_TIMESRC_OUT_ABANDONED: return "abandoned";
  case HV_TIMESRC_OUT_FAILED: break;
  }
  return hv_nts_error_name(e->error);
}

/* What one run keeps per server. */
typedef struct {
  hv_nts_jar *jar;
  hv_nts_query *q;
  bool finished;
} slot;

typedef enum { PATIENCE_NONE, PATIENCE_OWED, PATIENCE_SPENT } patience;

/* Jars live as long as the session, so that a long-running caller uses
 * its cookies from one query to the next, with or without a state dir. */
struct hv_timesrc_session {
  hv_timesrc_config cfg;
  hv_nts_jar *jars[HV_TIMESRC_MAX_SERVERS];
  hv_timesrc_state *state; /* NULL without cfg.state_dir */
  /* Made the first time a server needs NTS-KE, then kept: one trust
   * store load for every handshake of the session. */
  hv_nts_tls_ctx *tls;
  hv_nts_tls_ctx *https_tls; /* the same for the HTTPS sources */
  /* A server abandoned on a settled verdict while still in NTS-KE has no
   * cookies, so next time it would be the slowest again and abandoned
   * again, forever. If it was reachable (its TCP connection was up), the
   * next query waits for it (OWED; the deadline still bounds it); one
   * that then fails to answer is not waited for again (SPENT) until it
   * has answered once. */
  patience waits[HV_TIMESRC_MAX_SERVERS];
  /* hv_timesrc_session_cancel: the flag, and a pipe that wakes a poll
   * under way (written from a signal handler or another thread). */
  atomic_bool cancelled;
  int wake[2];
};

typedef struct {
  const hv_timesrc_config *cfg;
  hv_timesrc_session *session;
  hv_timesrc_report *out;
  slot s[HV_TIMESRC_MAX_SERVERS];
  int64_t start_ms, deadline_ms;
} run;

static void finish(run *r, size_t i, hv_nts_error forced) {
  slot *s = &r->s[i];
  hv_timesrc_evidence *e = &r->out->servers[i];
  s->finished = true;
  e->elapsed_ms = hv_sys_monotonic_ns() / NS_PER_MS - r->start_ms;
  e->outcome = HV_TIMESRC_OUT_FAILED;
  e->error = forced;
  if (s->q) {
    if (forced == HV_NTS_OK) e->error = hv_nts_query_result(s->q, &e->sample);
    const char *detail = hv_nts_query_detail(s->q);
    if (detail) snprintf(e->detail, sizeof e->detail, "%s", detail);
    e->used_ke = hv_nts_query_used_ke(s->q);
    snprintf(e->notes, sizeof e->notes, "%s", hv_nts_query_notes(s->q));
    hv_nts_query_free(s->q);
    s->q = NULL;
  }
  if (e->error == HV_NTS_OK) e->outcome = HV_TIMESRC_OUT_AGREES; /* until judged */
  patience *p = &r->session->waits[i];
  if (e->error == HV_NTS_OK)
    *p = PATIENCE_NONE;
  else if (*p == PATIENCE_OWED)
    *p = PATIENCE_SPENT;
}

static bool is_https(const hv_timesrc_server *s) { return s->kind == HV_TIMESRC_KIND_HTTPS; }

/* Gives every NTS server its jar; true when one of them has no cookie. */
static bool attach_jars(run *r) {
  bool needs_ke = false;
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    if (is_https(&r->cfg->servers[i])) continue; /* no cookies */
    hv_nts_jar **jar = &r->session->jars[i];
    if (!*jar)
      *jar = r->session->state ? hv_timesrc_state_jar(r->session->state, &r->cfg->servers[i])
                               : hv_nts_jar_new();
    r->s[i].jar = *jar;
    needs_ke |= *jar && hv_nts_jar_cookie_count(*jar) == 0;
  }
  return needs_ke;
}

static void start_all(run *r) {
  /* Without a shared context (it failed to load), each query loads its
   * own and reports the failure as its own. */
  if (attach_jars(r) && !r->session->tls) {
    char ignored[HV_NTS_DETAIL_MAX];
    r->session->tls = hv_nts_tls_ctx_new(r->cfg->ca_file, ignored, sizeof ignored);
  }
  bool any_https = false;
  for (size_t i = 0; i < r->cfg->n_servers; i++) any_https |= is_https(&r->cfg->servers[i]);
  if (any_https && !r->session->https_tls) {
    char ignored[HV_NTS_DETAIL_MAX];
    r->session->https_tls = hv_nts_https_tls_ctx_new(r->cfg->ca_file, ignored, sizeof ignored);
  }
  hv_nts_options opts = {r->cfg->ca_file, r->cfg->not_before_unix, r->session->tls};
  hv_nts_options https_opts = {r->cfg->ca_file, r->cfg->not_before_unix, r->session->https_tls};
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    const hv_timesrc_server *srv = &r->cfg->servers[i];
    hv_nts_server ns;
    memset(&ns, 0, sizeof ns);
    memcpy(ns.host, srv->host, sizeof ns.host);
    ns.ke_port = srv->ke_port;
    slot *s = &r->s[i];
    if (is_https(srv))
      s->q = hv_nts_https_query_start(&ns, &https_opts, r->deadline_ms);
    else if (s->jar)
      s->q = hv_nts_query_start(&ns, &opts, s->jar, r->deadline_ms);
    if (!s->q) finish(r, i, HV_NTS_ERR_INTERNAL);
  }
}

/* Steps a query that shows no descriptor (it may be between stages). */
static void nudge(run *r, size_t i) {
  slot *s = &r->s[i];
  if (!hv_nts_query_done(s->q)) hv_nts_query_step(s->q, 0);
  if (hv_nts_query_done(s->q)) finish(r, i, HV_NTS_OK);
}

/* One round: wait for any descriptor or the deadline, then step. Returns
 * false when nothing is left to wait for. */
static bool poll_round(run *r) {
  if (atomic_load(&r->session->cancelled)) return false;
  struct pollfd pfd[HV_TIMESRC_MAX_SERVERS + 1]; /* + the cancel pipe */
  size_t idx[HV_TIMESRC_MAX_SERVERS], n = 0;
  bool idle = false;
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    if (r->s[i].finished) continue;
    short events = 0;
    int fd = hv_nts_query_fd(r->s[i].q, &events);
    if (fd < 0) {
      nudge(r, i);
      idle |= !r->s[i].finished;
      continue;
    }
    pfd[n] = (struct pollfd){.fd = fd, .events = events};
    idx[n++] = i;
  }
  if (n == 0 && !idle) return false;
  int64_t now = hv_sys_monotonic_ns() / NS_PER_MS;
  if (now >= r->deadline_ms) return false;
  int64_t wake = r->deadline_ms; /* the earliest resend, else the deadline */
  for (size_t k = 0; k < n; k++) {
    int64_t w = hv_nts_query_wake_ms(r->s[idx[k]].q);
    if (w < wake) wake = w;
  }
  int64_t left = wake > now ? wake - now : 0;
  if (idle && left > IDLE_RETRY_MS) left = IDLE_RETRY_MS;
  pfd[n] = (struct pollfd){.fd = r->session->wake[0], .events = POLLIN};
  int rc = poll(pfd, (nfds_t)n + 1, (int)left);
  if (atomic_load(&r->session->cancelled)) return false;
  if (rc < 0 && errno != EINTR) {
    for (size_t k = 0; k < n; k++) finish(r, idx[k], HV_NTS_ERR_IO);
    return false;
  }
  now = hv_sys_monotonic_ns() / NS_PER_MS;
  for (size_t k = 0; k < n; k++) {
    slot *s = &r->s[idx[k]];
    short revents = rc > 0 ? pfd[k].revents : 0;
    /* Quiet ones are stepped too once their wake time is due (a resend). */
    if (!revents && now < hv_nts_query_wake_ms(s->q)) continue;
    hv_nts_query_step(s->q, revents);
    if (hv_nts_query_done(s->q)) finish(r, idx[k], HV_NTS_OK);
  }
  return true;
}

/* The earlier server whose NTP server (address and port) this sample
 * came from, if one voted (two names, or two NTS-KE ports, for one
 * server): this one must not vote again. -1: none. */
static long duplicate_of(const run *r, size_t i) {
  const hv_timesrc_evidence *e = &r->out->servers[i];
  if (!e->sample.ntp_address[0]) return -1;
  for (size_t k = 0; k < i; k++) {
    const hv_timesrc_evidence *earlier = &r->out->servers[k];
    /* Only an earlier sample that votes makes this one a second vote. */
    if (earlier->outcome == HV_TIMESRC_OUT_FAILED ||
        earlier->outcome == HV_TIMESRC_OUT_ABANDONED ||
        earlier->outcome == HV_TIMESRC_OUT_DUPLICATE ||
        earlier->outcome == HV_TIMESRC_OUT_TOO_VAGUE)
      continue;
    if (strcmp(earlier->sample.ntp_address, e->sample.ntp_address) == 0) return (long)k;
  }
  return -1;
}

static bool answered(const hv_timesrc_evidence *e) {
  return e->outcome != HV_TIMESRC_OUT_FAILED && e->outcome != HV_TIMESRC_OUT_ABANDONED;
}

/* The voting candidates carried to the instant mono_ns; of[] maps them
 * to servers. With mark, the evidence is updated (duplicate, too vague). */
static size_t collect(run *r, int64_t mono_ns, bool mark, hv_timesrc_candidate *cand,
                      size_t *of) {
  size_t n = 0;
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    hv_timesrc_evidence *e = &r->out->servers[i];
    if (!r->s[i].finished || !answered(e) || e->outcome == HV_TIMESRC_OUT_DUPLICATE) continue;
    long dup = duplicate_of(r, i);
    if (dup >= 0) {
      if (mark) {
        char address[sizeof e->sample.ntp_address];
        memcpy(address, e->sample.ntp_address, sizeof address);
        e->outcome = HV_TIMESRC_OUT_DUPLICATE;
        snprintf(e->detail, sizeof e->detail, "the same NTP server (%s) as server %ld",
                 address, dup + 1);
      }
      continue;
    }
    hv_timesrc_candidate c;
    bool votes = hv_timesrc_candidate_from_sample(&e->sample, mono_ns - e->sample.t4_mono_ns, &c);
    c.operator_name = hv_timesrc_operator_of(&r->cfg->servers[i]);
    if (mark) {
      e->candidate = c;
      if (!votes) e->outcome = HV_TIMESRC_OUT_TOO_VAGUE;
    }
    if (!votes) continue;
    cand[n] = c;
    of[n++] = i;
  }
  return n;
}

/* Distinct operators among the voting candidates and the servers still
 * outstanding: the most the agreeing set could ever span. */
static size_t possible_operators(const run *r, const size_t *of, size_t n) {
  const char *seen[HV_TIMESRC_MAX_SERVERS];
  size_t k = 0;
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    bool counts = !r->s[i].finished;
    for (size_t j = 0; j < n && !counts; j++) counts = of[j] == i;
    if (!counts) continue;
    const char *op = hv_timesrc_operator_of(&r->cfg->servers[i]);
    bool dup = false;
    for (size_t j = 0; j < k && !dup; j++) dup = strcmp(seen[j], op) == 0;
    if (!dup) seen[k++] = op;
  }
  return k;
}

/* True when no outstanding answer could change the verdict: the run
 * stops and closes what is still open. */
static bool settled(run *r) {
  hv_timesrc_candidate cand[HV_TIMESRC_MAX_SERVERS];
  size_t of[HV_TIMESRC_MAX_SERVERS], outstanding = 0;
  for (size_t i = 0; i < r->cfg->n_servers; i++) outstanding += !r->s[i].finished;
  if (outstanding == 0) return true;
  if (r->cfg->wait_all) return false;
  for (size_t i = 0; i < r->cfg->n_servers; i++)
    if (!r->s[i].finished && r->session->waits[i] == PATIENCE_OWED) return false;
  size_t n = collect(r, hv_sys_monotonic_ns(), false, cand, of);
  return hv_timesrc_settled(cand, n, outstanding, r->cfg->n_servers,
                            possible_operators(r, of, n), &r->cfg->rules);
}

static void abandon_outstanding(run *r) {
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    if (r->s[i].finished) continue;
    bool owed = r->session->waits[i] == PATIENCE_NONE && hv_nts_query_reached(r->s[i].q) &&
                !is_https(&r->cfg->servers[i]) &&
                hv_nts_jar_cookie_count(r->s[i].jar) == 0;
    finish(r, i, HV_NTS_ERR_TIMEOUT);
    if (owed) r->session->waits[i] = PATIENCE_OWED;
    hv_timesrc_evidence *e = &r->out->servers[i];
    e->outcome = HV_TIMESRC_OUT_ABANDONED;
    snprintf(e->detail, sizeof e->detail, "abandoned: the verdict was settled without it");
    r->out->abandoned++;
  }
  r->out->settled_early = r->out->abandoned > 0;
}

/* Carries every sample to one monotonic instant and lets select judge. */
static void decide(run *r) {
  hv_timesrc_report *out = r->out;
  hv_timesrc_candidate cand[HV_TIMESRC_MAX_SERVERS];
  bool in_set[HV_TIMESRC_MAX_SERVERS];
  size_t of[HV_TIMESRC_MAX_SERVERS];
  out->decision.mono_ns = hv_sys_monotonic_ns();
  out->decision.local_ns = hv_sys_realtime_ns();
  size_t n = collect(r, out->decision.mono_ns, true, cand, of);
  hv_timesrc_verdict v =
      hv_timesrc_select_of(cand, n, r->cfg->n_servers, &r->cfg->rules, in_set, &out->decision);
  /* Settled untrusted because even the abandoned servers could not have
   * made a majority of those configured: that is the reason to give. */
  hv_timesrc_decision *d = &out->decision;
  if (out->settled_early && v != HV_TIMESRC_TRUSTED &&
      r->cfg->rules.quorum == HV_TIMESRC_QUORUM_CONFIGURED &&
      2 * (d->agreeing + out->abandoned) <= d->majority_of)
    d->verdict = HV_TIMESRC_NO_MAJORITY;
  for (size_t k = 0; k < n; k++)
    out->servers[of[k]].outcome = in_set[k] ? HV_TIMESRC_OUT_AGREES : HV_TIMESRC_OUT_FALSETICKER;
  /* It points into the session's configuration, which the report may
   * outlive; the configuration's servers carry the labels. */
  for (size_t i = 0; i < r->cfg->n_servers; i++) out->servers[i].candidate.operator_name = NULL;
}

/* Saving is best effort: a jar that cannot be written costs the next
 * run one NTS-KE, and must not cost this run its answer. */
static void release(run *r) {
  for (size_t i = 0; i < r->cfg->n_servers; i++) {
    if (r->s[i].q) hv_nts_query_free(r->s[i].q);
    r->s[i].q = NULL;
  }
  if (!r->session->state) return;
  if (hv_timesrc_state_save(r->session->state, r->cfg->servers, r->session->jars,
                            r->cfg->n_servers) != 0)
    return; /* best effort, as said above */
}

/* The verdict says whose fault a refusal is: the configuration's
 * (HV_TIMESRC_BAD_CONFIG) or this process's (HV_TIMESRC_INTERNAL). */
static hv_timesrc_verdict session_open(const hv_timesrc_config *cfg, hv_timesrc_session **out,
                                       char *detail, size_t detail_len) {
  *out = NULL;
  if (hv_timesrc_config_check(cfg, detail, detail_len)) return HV_TIMESRC_BAD_CONFIG;
  hv_timesrc_session *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(detail, detail_len, "out of memory");
    return HV_TIMESRC_INTERNAL;
  }
  s->cfg = *cfg;
  atomic_init(&s->cancelled, false);
  if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    snprintf(detail, detail_len, "cannot make a pipe: %s", strerror(errno));
    free(s);
    return HV_TIMESRC_INTERNAL;
  }
  if (cfg->state_dir &&
      !(s->state = hv_timesrc_state_open(cfg->state_dir, cfg->state_key, detail, detail_len))) {
    close(s->wake[0]);
    close(s->wake[1]);
    free(s);
    return HV_TIMESRC_BAD_CONFIG;
  }
  *out = s;
  return HV_TIMESRC_TRUSTED;
}

hv_timesrc_session *hv_timesrc_session_new(const hv_timesrc_config *cfg, char *detail,
                                           size_t detail_len) {
  hv_timesrc_session *s;
  return session_open(cfg, &s, detail, detail_len) == HV_TIMESRC_TRUSTED ? s : NULL;
}

void hv_timesrc_session_cancel(hv_timesrc_session *s) {
  if (!s) return;
  atomic_store(&s->cancelled, true);
  /* Full pipe (cancelled twice): the byte already there wakes the poll. */
  (void)!write(s->wake[1], "x", 1);
}

void hv_timesrc_session_free(hv_timesrc_session *s) {
  if (!s) return;
  close(s->wake[0]);
  close(s->wake[1]);
  for (size_t i = 0; i < HV_TIMESRC_MAX_SERVERS; i++) hv_nts_jar_free(s->jars[i]);
  hv_timesrc_state_free(s->state);
  hv_nts_tls_ctx_free(s->tls);
  hv_nts_tls_ctx_free(s->https_tls);
  free(s);
}

void hv_timesrc_session_raise_not_before(hv_timesrc_session *s, int64_t unix_s) {
  if (s && unix_s > s->cfg.not_before_unix) s->cfg.not_before_unix = unix_s;
}

hv_timesrc_verdict hv_timesrc_query(const hv_timesrc_config *cfg, hv_timesrc_report *out) {
  hv_timesrc_session *s;
  char detail[sizeof out->error] = "";
  hv_timesrc_verdict refused = session_open(cfg, &s, detail, sizeof detail);
  if (!s) {
    memset(out, 0, sizeof *out);
    memcpy(out->error, detail, sizeof detail);
    return out->decision.verdict = refused;
  }
  hv_timesrc_verdict v = hv_timesrc_session_query(s, out);
  hv_timesrc_session_free(s);
  return v;
}

hv_timesrc_verdict hv_timesrc_session_query(hv_timesrc_session *session,
                                            hv_timesrc_report *out) {
  const hv_timesrc_config *cfg = &session->cfg;
  memset(out, 0, sizeof *out);
  int64_t start_ns = hv_sys_monotonic_ns();
  run *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(out->error, sizeof out->error, "out of memory");
    return out->decision.verdict = HV_TIMESRC_INTERNAL;
  }
  r->cfg = cfg;
  r->session = session;
  r->out = out;
  out->n = cfg->n_servers;
  r->start_ms = start_ns / NS_PER_MS;
  /* Rounded up: the deadline never falls short of the full timeout. */
  r->deadline_ms = (start_ns + NS_PER_MS - 1) / NS_PER_MS + cfg->timeout_ms;
  start_all(r);
  bool done = settled(r);
  while (!done && poll_round(r)) done = settled(r);
  if (done) abandon_outstanding(r);
  /* The deadline passed (or poll failed): whatever is still open lost. */
  for (size_t i = 0; i < cfg->n_servers; i++)
    if (!r->s[i].finished) finish(r, i, HV_NTS_ERR_TIMEOUT);
  decide(r);
  out->query_us = (hv_sys_monotonic_ns() - start_ns) / 1000;
  release(r);
  free(r);
  out->elapsed_ms = (hv_sys_monotonic_ns() - start_ns) / NS_PER_MS;
  return out->decision.verdict;
}
