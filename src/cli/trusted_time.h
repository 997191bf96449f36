/* Trusted time for the commands: one timesrc session per process, so a
 * long-running sender keeps its cookies and its TLS context from one
 * query to the next (with or without --nts-state); one query at a time;
 * every server's outcome logged on failure; and an optional short reuse
 * for the sender's HELLO. */
#ifndef HANDOVER_CLI_TRUSTED_TIME_H
#define HANDOVER_CLI_TRUSTED_TIME_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "handover/timesrc.h"

/* How long a HELLO (or a DONE) may reuse the last trusted time, carried
 * forward on the monotonic clock. A flood of HELLOs must not become a
 * flood of queries to the NTS operators. It is safe for T0: a host that
 * stalls the monotonic clock makes T0 older, which shortens the response
 * window, and a host that rushes it can move T0 at most this far ahead;
 * every RESPONSE is judged with a fresh query, which also re-checks the
 * chain lag. A DONE is not judged against the time at all. */
#define CLI_TIME_REUSE_MS 1000

typedef struct {
  hv_timesrc_session *session;
  pthread_mutex_t lock;
  bool have_last;
  int64_t last_time_ms, last_mono_ms;
  int64_t queries, reused; /* counters for the log */
  int64_t handshakes;      /* servers asked over NTS-KE (no cookie left) */
  int64_t spent_ms;        /* time spent in queries (for the benchmark) */
} cli_trusted_time;

/* -1 with err filled: a bad configuration or state directory. */
int cli_trusted_time_init(cli_trusted_time *t, const hv_timesrc_config *cfg, char *err,
                          size_t err_len);
void cli_trusted_time_destroy(cli_trusted_time *t);

/* Trusted Unix milliseconds into *now_ms; 0 or -1 (the verdict and every
 * server's outcome are logged with the tag). allow_reuse: see above. */
int cli_trusted_time_now(cli_trusted_time *t, bool allow_reuse, const char *tag,
                         uint64_t *now_ms);

#endif
