#include "cli/serve_status.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/log.h"
#include "cli/notify.h"

struct cli_serve_status {
  pthread_mutex_t lock;
  char address[HV_SESSION_ADDR_MAX + 16];
  uint64_t version;
  unsigned long long handovers, refused;
  char last_handover[CLI_LOG_STAMP_LEN], last_refused[CLI_LOG_STAMP_LEN];
};

cli_serve_status *cli_serve_status_new(const char *address, uint64_t policy_version) {
  cli_serve_status *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  pthread_mutex_init(&st->lock, NULL);
  snprintf(st->address, sizeof st->address, "%s", address);
  st->version = policy_version;
  return st;
}

void cli_serve_status_free(cli_serve_status *st) {
  if (!st) return;
  pthread_mutex_destroy(&st->lock);
  free(st);
}

/* Called with the lock held. */
static void send_locked(const cli_serve_status *st, const char *prefix) {
  char counts[160] = "", refused[96] = "";
  if (st->handovers)
    snprintf(counts, sizeof counts, "; %llu handover%s, last at %s", st->handovers,
             st->handovers == 1 ? "" : "s", st->last_handover);
  if (st->refused)
    snprintf(refused, sizeof refused, "; %llu refused, last at %s", st->refused,
             st->last_refused);
  cli_notify("%s%sSTATUS=serving on %s, policy version %llu%s%s", prefix ? prefix : "",
             prefix ? "\n" : "", st->address, (unsigned long long)st->version, counts, refused);
}

void cli_serve_status_notify(cli_serve_status *st, const char *prefix, uint64_t policy_version) {
  if (!st) return;
  pthread_mutex_lock(&st->lock);
  if (policy_version) st->version = policy_version;
  send_locked(st, prefix);
  pthread_mutex_unlock(&st->lock);
}

void cli_serve_status_outcome(void *ctx, hv_session_error result) {
  cli_serve_status *st = ctx;
  char stamp[CLI_LOG_STAMP_LEN];
  cli_log_stamp(stamp);
  pthread_mutex_lock(&st->lock);
  if (result == HV_SESSION_OK) {
    st->handovers++;
    memcpy(st->last_handover, stamp, sizeof stamp);
  } else {
    st->refused++;
    memcpy(st->last_refused, stamp, sizeof stamp);
  }
  send_locked(st, NULL);
  pthread_mutex_unlock(&st->lock);
}
