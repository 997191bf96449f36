/* The sender service as the session module sees it (opaque to callers). */
#ifndef HANDOVER_SESSION_SENDER_INT_H
#define HANDOVER_SESSION_SENDER_INT_H

#include <pthread.h>
#include <signal.h>

#include "handover/api.h"
#include "session/worker_int.h"

/* Policies and time sessions a reload replaced (reload.c). */
typedef struct hv_session_policy_gen hv_session_policy_gen;
void hv_session_policy_gens_free(hv_session_policy_gen *g);

struct hv_session_sender {
  hv_session_worker *worker;
  uint8_t secret[HV_PROTO_SECRET_LEN]; /* the identity; wiped on free */
  pthread_mutex_t lock; /* guards the store, the head, and time/params (reload) */
  hv_session_time *time;
  const char *chain_head_file;  /* re-read for each message when set */
  hv_proto_chain_head head;     /* the current one */
  hv_proto_chain_head recorded; /* the last one written to the store */
  hv_session_policy_gen *gens;        /* replaced by reloads; freed with the sender */
  bool retires;  /* policy after_handover retire (the default) */
  bool key_out;  /* retiring: a connection's KEY awaits its DONE */
  bool retired;  /* the key moved: tombstone recorded, secret wiped */
  /* hv_session_serve's stop flag (NULL outside it): once set, no new
   * trusted-time query starts, so connections waiting for the time lock
   * end at once instead of each running a query before serve can stop. */
  volatile sig_atomic_t *stop;
  hv_session_outcome_fn outcome; /* after each connection; NULL: none */
  void *outcome_ctx;
};

/* The one place the sender takes a chain head (at start and for each
 * message): refused if from the future, recorded in the store when it
 * differs from the last one recorded (always, with force: the store then
 * checks it against what it saw before this run). Called with the lock
 * held (or before any connection). HV_PROTO_OK, or the code to tell a
 * peer, with the reason in detail. */
HV_MUST_CHECK hv_proto_error hv_session_admit_head(hv_session_sender *s,
                                                   const hv_proto_chain_head *h, bool force,
                                                   char *detail, size_t detail_len);

#endif
