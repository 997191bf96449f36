#include "cli/trusted_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/log.h"
#include "cli/util.h"

int cli_trusted_time_init(cli_trusted_time *t, const hv_timesrc_config *cfg, char *err,
                          size_t err_len) {
  memset(t, 0, sizeof *t);
  t->session = hv_timesrc_session_new(cfg, err, err_len);
  if (!t->session) return -1;
  if (pthread_mutex_init(&t->lock, NULL) != 0) {
    snprintf(err, err_len, "cannot make a lock");
    hv_timesrc_session_free(t->session);
    t->session = NULL;
    return -1;
  }
  return 0;
}

void cli_trusted_time_destroy(cli_trusted_time *t) {
  if (!t->session) return;
  hv_timesrc_session_free(t->session);
  t->session = NULL;
  pthread_mutex_destroy(&t->lock);
}

static void log_evidence(const char *tag, const hv_timesrc_report *r) {
  cli_log("%s trusted time refused: %s (%zu valid, %zu agreeing)%s%s", tag,
          hv_timesrc_verdict_name(r->decision.verdict), r->decision.valid,
          r->decision.agreeing, r->error[0] ? ": " : "", r->error);
  if (r->decision.verdict == HV_TIMESRC_INTERNAL || r->decision.verdict == HV_TIMESRC_BAD_CONFIG)
    return;
  for (size_t i = 0; i < r->n && i < HV_TIMESRC_MAX_SERVERS; i++) {
    const hv_timesrc_evidence *e = &r->servers[i];
    cli_log("%s   server %zu: %s%s%s", tag, i + 1, hv_timesrc_outcome_name(e),
            e->detail[0] ? " - " : "", e->detail);
  }
}

/* Runs one query with the lock held. */
static int query_locked(cli_trusted_time *t, const char *tag, uint64_t *now_ms) {
  hv_timesrc_report *r = calloc(1, sizeof *r);
  if (!r) return -1;
  int64_t start = cli_monotonic_ms();
  hv_timesrc_verdict v = hv_timesrc_session_query(t->session, r);
  t->spent_ms += cli_monotonic_ms() - start;
  t->queries++;
  for (size_t i = 0; i < r->n && i < HV_TIMESRC_MAX_SERVERS; i++)
    t->handshakes += r->servers[i].used_ke;
  int rc = -1;
  if (v == HV_TIMESRC_TRUSTED && r->decision.time_ms > 0) {
    /* Carried from the decision instant to now on the monotonic clock;
     * the two are a few microseconds apart. */
    int64_t mono_now = cli_monotonic_ms();
    int64_t carried = r->decision.time_ms + (mono_now - r->decision.mono_ns / 1000000);
    t->have_last = true;
    t->last_time_ms = carried;
    t->last_mono_ms = mono_now;
    *now_ms = (uint64_t)carried;
    rc = 0;
  } else {
    log_evidence(tag, r);
  }
  free(r);
  return rc;
}

int cli_trusted_time_now(cli_trusted_time *t, bool allow_reuse, const char *tag,
                         uint64_t *now_ms) {
  pthread_mutex_lock(&t->lock);
  int rc;
  int64_t age = cli_monotonic_ms() - t->last_mono_ms;
  if (allow_reuse && t->have_last && age >= 0 && age <= CLI_TIME_REUSE_MS) {
    *now_ms = (uint64_t)(t->last_time_ms + age);
    t->reused++;
    rc = 0;
  } else {
    rc = query_locked(t, tag, now_ms);
  }
  pthread_mutex_unlock(&t->lock);
  return rc;
}
