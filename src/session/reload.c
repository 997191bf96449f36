/* A sender's policy, read again (SIGHUP): a newer version that verifies
 * replaces the old one for the connections that start after it; anything
 * else leaves the old one in force. The new policy is loaded into a worker
 * struct of its own (the same code as at open: verified, recorded, its
 * parameters, time settings and freshness), then swapped in under the
 * sender's lock. Connections already running keep what they started with,
 * so nothing they use is freed under them: each generation lives until
 * the sender is freed (a reload is an operator's act, a handful per
 * release). */
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"
#include "session/log.h"
#include "session/sender_int.h"

#define SAY(s, level, ...) hv_session_logf(&(s)->worker->log, level, __VA_ARGS__)

struct hv_session_policy_gen {
  hv_session_policy_gen *older;
  hv_session_worker *loaded; /* its runtimes and time_cfg are in use */
  hv_policy *replaced;       /* the policy it replaced */
  uint8_t *replaced_text;    /* and its kept text */
  hv_session_time *replaced_time;
};

static void free_loaded(hv_session_worker *n) {
  if (!n) return;
  if (n->policy) hv_policy_free(n->policy);
  free(n->policy_text);
  hv_wipe(n, sizeof *n);
  free(n);
}

void hv_session_policy_gens_free(hv_session_policy_gen *g) {
  while (g) {
    hv_session_policy_gen *older = g->older;
    free_loaded(g->loaded);
    if (g->replaced) hv_policy_free(g->replaced);
    free(g->replaced_text);
    hv_session_time_free(g->replaced_time);
    free(g);
    g = older;
  }
}

/* A worker struct sharing w's TEE, store, log and configuration. */
static hv_session_worker *load(const hv_session_worker *w) {
  hv_session_worker *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->tee = w->tee;
  n->store = w->store;
  n->log = w->log;
  n->cfg = w->cfg;
  memcpy(n->nts_state_key, w->nts_state_key, sizeof n->nts_state_key);
  if (hv_session_worker_load_policy(n) != 0) {
    free_loaded(n);
    return NULL;
  }
  if (w->time_cfg.state_key) n->time_cfg.state_key = n->nts_state_key;
  return n;
}

static void swap_in(hv_session_sender *s, hv_session_policy_gen *g, hv_session_worker *n,
                    hv_session_time *t) {
  hv_session_worker *w = s->worker;
  g->loaded = n;
  g->replaced = w->policy;
  g->replaced_text = w->policy_text;
  g->replaced_time = s->time;
  g->older = s->gens;
  s->gens = g;
  w->policy = n->policy;
  n->policy = NULL;
  w->policy_text = n->policy_text;
  w->policy_len = n->policy_len;
  n->policy_text = NULL;
  hv_proto_override keep = w->params.override; /* a council override stays in force */
  w->params = n->params; /* its runtimes live in n */
  w->params.override = keep;
  memcpy(w->policy_hash, n->policy_hash, sizeof w->policy_hash);
  w->ts_time_unix = n->ts_time_unix;
  /* w->time_cfg stays: the first time session points at it. */
  s->time = t;
}

hv_session_error hv_session_sender_reload_policy(hv_session_sender *s, uint64_t *old_version,
                                                 uint64_t *new_version) {
  hv_session_worker *w = s->worker;
  pthread_mutex_lock(&s->lock);
  uint64_t current = w->params.policy_version;
  *old_version = *new_version = current;
  hv_session_error rc = HV_SESSION_ERR_SYSTEM;
  hv_session_policy_gen *g = calloc(1, sizeof *g);
  hv_session_worker *n = NULL;
  if (!g) goto out;
  rc = HV_SESSION_ERR_REFUSED;
  /* Below the version the store has seen is refused like a rollback. */
  if (!(n = load(w))) goto out;
  if (n->params.policy_version <= current) {
    SAY(s, HV_SESSION_LOG_INFO, "reload: %s is version %llu, the one in force: nothing changes",
        w->cfg.policy_file, (unsigned long long)n->params.policy_version);
    rc = HV_SESSION_OK;
    goto out;
  }
  char err[256];
  hv_session_time *t = hv_session_time_new(&n->time_cfg, &w->log, err, sizeof err);
  if (!t) {
    SAY(s, HV_SESSION_LOG_ERROR, "reload: the new policy's trusted time: %s", err);
    goto out;
  }
  swap_in(s, g, n, t);
  g = NULL;
  n = NULL;
  *new_version = w->params.policy_version;
  rc = HV_SESSION_OK;
out:
  pthread_mutex_unlock(&s->lock);
  free_loaded(n);
  free(g);
  return rc;
}
