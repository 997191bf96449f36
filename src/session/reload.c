/* A sender's policy, read again (SIGHUP): a newer version that verifies
 * replaces the old one for the connections that start after it; anything
 * else leaves the old one in force. Connections already running keep what
 * they started with, so what they use is never freed under them: each
 * replaced generation lives until the sender is freed (a reload is an
 * operator's act, a handful per release). */
#include <stdlib.h>
#include <string.h>

#include "session/log.h"
#include "session/sender_int.h"

#define SAY(s, level, ...) sess_log(&(s)->worker->log, level, __VA_ARGS__)

struct sess_policy_gen {
  sess_policy_gen *older;
  hv_policy *policy;        /* the one replaced (NULL for a new one in use) */
  hv_session_time *time;    /* the time session replaced */
  hv_timesrc_config *cfg;   /* the new session's (it keeps the pointer) */
  hv_proto_runtime runtimes[HV_POLICY_MAX_RUNTIMES]; /* params point here */
};

void sess_policy_gens_free(sess_policy_gen *g) {
  while (g) {
    sess_policy_gen *older = g->older;
    if (g->policy) hv_policy_free(g->policy);
    hv_session_time_free(g->time);
    free(g->cfg);
    free(g);
    g = older;
  }
}

/* The new policy's trusted-time configuration, keeping what is this
 * worker's (CA, state directory and key, the certificate floor). The
 * session keeps cfg's address: cfg lives until the sender is freed. */
static hv_session_time *new_time(hv_session_sender *s, const hv_policy *p,
                                 hv_timesrc_config *cfg) {
  const hv_timesrc_config *old = &s->worker->time_cfg;
  hv_policy_timesrc_config(p, cfg);
  cfg->ca_file = old->ca_file;
  cfg->state_dir = old->state_dir;
  cfg->state_key = old->state_key;
  cfg->not_before_unix = old->not_before_unix;
  char err[256];
  hv_session_time *t = hv_session_time_new(cfg, &s->worker->log, err, sizeof err);
  if (!t) SAY(s, HV_SESSION_LOG_ERROR, "reload: the new policy's trusted time: %s", err);
  return t;
}

hv_session_error hv_session_sender_reload_policy(hv_session_sender *s, uint64_t *old_version,
                                                 uint64_t *new_version) {
  hv_session_worker *w = s->worker;
  pthread_mutex_lock(&s->lock);
  uint64_t current = w->params.policy_version;
  *old_version = *new_version = current;
  hv_policy *p = NULL;
  hv_session_time *t = NULL;
  hv_timesrc_config *cfg = malloc(sizeof *cfg);
  sess_policy_gen *g = calloc(1, sizeof *g);
  hv_proto_params params;
  uint8_t hash[HV_SHA256_LEN];
  hv_session_error rc = HV_SESSION_ERR_SYSTEM;
  if (!g || !cfg) goto out;
  rc = HV_SESSION_ERR_REFUSED;
  /* Below the version in force is refused like a rollback. */
  if (sess_worker_read_policy(w, current, &p, hash) != 0) goto out;
  if (hv_policy_version(p) == current) {
    SAY(s, HV_SESSION_LOG_INFO, "reload: %s is version %llu, the one in force: nothing changes",
        w->policy_file, (unsigned long long)current);
    rc = HV_SESSION_OK;
    goto out;
  }
  if (sess_worker_params(w, p, g->runtimes, &params) != 0 || !(t = new_time(s, p, cfg)))
    goto out;
  hv_store_error se = hv_store_set_policy_version(w->store, hv_policy_version(p));
  if (se != HV_STORE_OK) {
    SAY(s, HV_SESSION_LOG_ERROR, "reload: recording the policy version: %s",
        hv_store_error_name(se));
    goto out;
  }
  /* The swap: the old generation is kept (see the top of this file). */
  g->policy = w->policy;
  g->time = s->time;
  g->cfg = cfg; /* lives as long as the new session: with the sender */
  g->older = s->gens;
  s->gens = g;
  g = NULL;
  w->policy = p;
  p = NULL;
  w->params = params;
  memcpy(w->policy_hash, hash, sizeof hash);
  /* w->time_cfg stays: the first time session points at it. */
  s->time = t;
  t = NULL;
  cfg = NULL;
  *new_version = w->params.policy_version;
  rc = HV_SESSION_OK;
out:
  pthread_mutex_unlock(&s->lock);
  if (p) hv_policy_free(p);
  hv_session_time_free(t);
  free(cfg);
  free(g);
  return rc;
}
