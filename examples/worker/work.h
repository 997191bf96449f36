/* The worker's own work with its identity: here, signing the lines it
 * reads, so that a test (or an operator) can check the identity survived
 * an upgrade. A real worker signs its own messages instead. */
#ifndef HANDOVER_WORKER_WORK_H
#define HANDOVER_WORKER_WORK_H

#include <signal.h>

#include <handover/crypto.h>
#include <handover/session.h>
#include <handover/store.h>

/* The longest line signed; a longer one is answered `ERR line-too-long`. */
#define HW_LINE_MAX 65536
/* How often the loop looks at the stop flag while stdin is quiet. */
#define HW_POLL_MS 200

typedef struct {
  uint8_t secret[HV_ED25519_PRIV_LEN]; /* wiped on close */
  uint8_t pub[HV_ED25519_PUB_LEN];
  const hv_session_log *log;
  char line[HW_LINE_MAX + 1];
  size_t len;
  bool too_long; /* the current line passed HW_LINE_MAX */
} hw_work;

/* Unseals the identity from the store; 0 or -1 (logged). */
int hw_work_open(hw_work *w, hv_store *store, const hv_session_log *log);
void hw_work_close(hw_work *w);

/* Prints LISTENING and IDENTITY, then one answer per stdin line, until
 * *stop (0) or *serve_ended (1: the service returned by itself); -1 on a
 * failure. At stdin's end it goes on serving until then. */
int hw_work_run(hw_work *w, const char *listening, volatile sig_atomic_t *stop,
                volatile sig_atomic_t *serve_ended);

#endif
