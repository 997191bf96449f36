/* Trusted time for a session: one timesrc session per sender (or
 * receiver), so a long-running sender keeps its cookies and its TLS
 * context from one query to the next (with or without a state directory);
 * one query at a time; every server's outcome logged on failure; and an
 * optional short reuse for the sender's HELLO (HV_SESSION_TIME_REUSE_MS). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/session.h"
#include "handover/store.h"
#include "session/log.h"
#include "sys/sys.h"

int64_t hv_session_monotonic_ms(void) { return hv_sys_monotonic_ms(); }

struct hv_session_time {
  hv_timesrc_session *session;
  const hv_timesrc_config *cfg; /* the caller's: names the servers */
  hv_receipt_time agreed;       /* the servers of the last trusted answer */
  hv_session_log log;
  pthread_mutex_t lock;
  bool have_last;
  int64_t last_time_ms, last_mono_ms;
  hv_session_time_stats stats;
};

hv_session_time *hv_session_time_new(const hv_timesrc_config *cfg, const hv_session_log *log,
                                     char *detail, size_t detail_len) {
  hv_session_time *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(detail, detail_len, "out of memory");
    return NULL;
  }
  if (log) t->log = *log;
  t->cfg = cfg;
  t->session = hv_timesrc_session_new(cfg, detail, detail_len);
  if (!t->session) {
    free(t);
    return NULL;
  }
  if (pthread_mutex_init(&t->lock, NULL) != 0) {
    snprintf(detail, detail_len, "cannot make a lock");
    hv_timesrc_session_free(t->session);
    free(t);
    return NULL;
  }
  return t;
}

void hv_session_time_free(hv_session_time *t) {
  if (!t) return;
  hv_timesrc_session_free(t->session);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

void hv_session_time_cancel(hv_session_time *t) {
  if (t) hv_timesrc_session_cancel(t->session);
}

void hv_session_time_get_stats(hv_session_time *t, hv_session_time_stats *out) {
  pthread_mutex_lock(&t->lock);
  *out = t->stats;
  pthread_mutex_unlock(&t->lock);
}

static void log_evidence(const hv_session_time *t, const char *tag,
                         const hv_timesrc_report *r) {
  hv_session_logf(&t->log, HV_SESSION_LOG_WARN, "%s trusted time refused: %s (%zu valid, %zu agreeing)%s%s",
           tag, hv_timesrc_verdict_name(r->decision.verdict), r->decision.valid,
           r->decision.agreeing, r->error[0] ? ": " : "", r->error);
  if (r->decision.verdict == HV_TIMESRC_INTERNAL || r->decision.verdict == HV_TIMESRC_BAD_CONFIG)
    return;
  for (size_t i = 0; i < r->n && i < HV_TIMESRC_MAX_SERVERS; i++) {
    const hv_timesrc_evidence *e = &r->servers[i];
    hv_session_logf(&t->log, HV_SESSION_LOG_WARN, "%s   server %zu: %s%s%s", tag, i + 1,
             hv_timesrc_outcome_name(e), e->detail[0] ? " - " : "", e->detail);
  }
}

/* Names the servers that agreed in r, for receipts: "host:port". */
static void note_agreed(hv_session_time *t, const hv_timesrc_report *r) {
  memset(&t->agreed, 0, sizeof t->agreed);
  for (size_t i = 0; i < r->n && i < t->cfg->n_servers && i < HV_TIMESRC_MAX_SERVERS; i++) {
    if (r->servers[i].outcome != HV_TIMESRC_OUT_AGREES) continue;
    if (t->agreed.n_servers == HV_RECEIPT_MAX_SERVERS) break;
    const hv_timesrc_server *sv = &t->cfg->servers[i];
    bool v6 = strchr(sv->host, ':') != NULL;
    snprintf(t->agreed.servers[t->agreed.n_servers++], HV_RECEIPT_MAX_NAME + 1,
             v6 ? "[%s]:%u" : "%s:%u", sv->host,
             sv->ke_port ? sv->ke_port : HV_NTS_DEFAULT_KE_PORT);
  }
}

void hv_session_time_agreed(hv_session_time *t, hv_receipt_time *out) {
  pthread_mutex_lock(&t->lock);
  *out = t->agreed;
  pthread_mutex_unlock(&t->lock);
}

/* Runs one query with the lock held. */
static hv_session_error query_locked(hv_session_time *t, const char *tag, uint64_t *now_ms) {
  hv_timesrc_report *r = calloc(1, sizeof *r);
  if (!r) return HV_SESSION_ERR_SYSTEM;
  int64_t start = hv_session_monotonic_ms();
  hv_timesrc_verdict v = hv_timesrc_session_query(t->session, r);
  t->stats.spent_ms += hv_session_monotonic_ms() - start;
  t->stats.queries++;
  for (size_t i = 0; i < r->n && i < HV_TIMESRC_MAX_SERVERS; i++)
    t->stats.handshakes += r->servers[i].used_ke;
  hv_session_error rc = HV_SESSION_ERR_TIME;
  if (v == HV_TIMESRC_TRUSTED && r->decision.time_ms > 0) {
    /* Carried from the decision instant to now on the monotonic clock;
     * the two are a few microseconds apart. */
    int64_t mono_now = hv_session_monotonic_ms();
    int64_t carried = r->decision.time_ms + (mono_now - r->decision.mono_ns / 1000000);
    /* Certificates are judged against trusted time too: the next
     * handshake's lower bound is this time, less the floor's slack. */
    if (carried > (int64_t)HV_STORE_FLOOR_SLACK_MS)
      hv_timesrc_session_raise_not_before(
          t->session, (carried - (int64_t)HV_STORE_FLOOR_SLACK_MS) / 1000);
    t->have_last = true;
    t->last_time_ms = carried;
    t->last_mono_ms = mono_now;
    note_agreed(t, r);
    *now_ms = (uint64_t)carried;
    rc = HV_SESSION_OK;
  } else {
    log_evidence(t, tag, r);
  }
  free(r);
  return rc;
}

hv_session_error hv_session_time_now(hv_session_time *t, bool allow_reuse, const char *tag,
                                     uint64_t *now_ms) {
  pthread_mutex_lock(&t->lock);
  hv_session_error rc;
  int64_t age = hv_session_monotonic_ms() - t->last_mono_ms;
  if (allow_reuse && t->have_last && age >= 0 && age <= HV_SESSION_TIME_REUSE_MS) {
    *now_ms = (uint64_t)(t->last_time_ms + age);
    t->stats.reused++;
    rc = HV_SESSION_OK;
  } else {
    rc = query_locked(t, tag, now_ms);
  }
  pthread_mutex_unlock(&t->lock);
  return rc;
}
