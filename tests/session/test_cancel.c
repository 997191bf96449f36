/* Stopping a service must not wait out a trusted-time query: a cancelled
 * time source returns at once from a query under way (here, one whose only
 * server accepts TCP and never answers TLS), and from every later one. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handover/session.h"
#include "harness.h"

/* Far above what the cancelled query may take, so the check cannot race. */
#define QUERY_TIMEOUT_MS 20000
#define CANCELLED_BY_MS (QUERY_TIMEOUT_MS / 2)

static hv_session_time *t;
static hv_session_error got;
static int64_t took_ms;

static void *ask(void *arg) {
  (void)arg;
  uint64_t now = 0;
  int64_t start = hv_session_monotonic_ms();
  got = hv_session_time_now(t, false, "test:", &now);
  took_ms = hv_session_monotonic_ms() - start;
  return NULL;
}

static void test_cancel_ends_a_query(void) {
  hv_session_addr a, bound;
  char err[256];
  HT_CHECK(hv_session_addr_parse("tcp:127.0.0.1:0", "listen", &a, err, sizeof err) ==
           HV_SESSION_OK);
  int silent = hv_session_listen(&a, &bound, err, sizeof err); /* never accepts */
  HT_CHECK(silent >= 0);
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  char spec[64];
  snprintf(spec, sizeof spec, "127.0.0.1:%u", bound.port);
  HT_CHECK(hv_timesrc_config_add(&cfg, spec, err, sizeof err) == 0);
  cfg.rules.min_responses = 1;
  cfg.timeout_ms = QUERY_TIMEOUT_MS;
  t = hv_session_time_new(&cfg, NULL, err, sizeof err);
  HT_CHECK(t != NULL);
  if (!t) return;
  pthread_t th;
  HT_CHECK(pthread_create(&th, NULL, ask, NULL) == 0);
  usleep(300000); /* the query is under way (or about to be: then it fails at once) */
  hv_session_time_cancel(t);
  pthread_join(th, NULL);
  HT_CHECK_EQ_INT(got, HV_SESSION_ERR_TIME);
  HT_CHECK(took_ms < CANCELLED_BY_MS);
  /* ... and a later query does not even start */
  uint64_t now = 0;
  int64_t start = hv_session_monotonic_ms();
  HT_CHECK_EQ_INT(hv_session_time_now(t, false, "test:", &now), HV_SESSION_ERR_TIME);
  HT_CHECK(hv_session_monotonic_ms() - start < CANCELLED_BY_MS);
  hv_session_time_free(t);
  close(silent);
}

int main(void) {
  HT_RUN(test_cancel_ends_a_query);
  return HT_DONE();
}
