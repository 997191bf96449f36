/* Many runs in one process leave nothing behind: the descriptor count is
 * the same before and after, and ASan's leak check (at exit) finds no
 * memory. Runs alternate with and without a silent server (abandoned
 * once the other two settle the verdict: its open connection must be
 * closed) and with and without cookie persistence.
 * usage: test_timesrc_leaks CA STATE_DIR SILENT_SPEC SERVER...  */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "handover/timesrc.h"
#include "harness.h"

#define RUNS 50
/* Short, so runs that wait for the silent server stay cheap, yet ample
 * for NTS-KE with chronyd on loopback. */
#define RUN_TIMEOUT_MS 600
/* Returns may come this late after the deadline (plain build). */
#define LATE_MS 100
/* More than a jar's 8 cookies: refills must keep it going without KE. */
#define SESSION_QUERIES 12

static const char *ca, *state_dir, *silent_spec;
static int slowdown = 1; /* HV_TEST_SLOWDOWN: sanitizers run everything slower */
static char **servers;
static int n_servers;

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

static int make_config(hv_timesrc_config *cfg, bool with_silent, bool with_state) {
  char err[200];
  hv_timesrc_config_init(cfg);
  cfg->ca_file = ca;
  cfg->timeout_ms = RUN_TIMEOUT_MS * slowdown;
  cfg->state_dir = with_state ? state_dir : NULL;
  for (int i = 0; i < n_servers; i++)
    if (hv_timesrc_config_add(cfg, servers[i], err, sizeof err)) return -1;
  if (with_silent && hv_timesrc_config_add(cfg, silent_spec, err, sizeof err)) return -1;
  return 0;
}

static void repeated_runs(void) {
  static hv_timesrc_config cfg;
  static hv_timesrc_report rep;
  int before = open_fds();
  int trusted = 0, timeouts = 0, silent_runs = 0, cookie_runs = 0, settled = 0;
  HT_CHECK(before > 0);
  for (int i = 0; i < RUNS; i++) {
    bool with_silent = i % 4 >= 2, with_state = i % 2 == 1;
    HT_CHECK_EQ_INT(make_config(&cfg, with_silent, with_state), 0);
    hv_timesrc_verdict v = hv_timesrc_query(&cfg, &rep);
    if (v != HV_TIMESRC_TRUSTED) {
      char why[200];
      fprintf(stderr, "run %d: %s (%s)\n", i, hv_timesrc_verdict_name(v), rep.error);
      for (size_t k = 0; k < rep.n; k++) {
        snprintf(why, sizeof why, "%s", hv_timesrc_outcome_name(&rep.servers[k]));
        fprintf(stderr, "  %s: %s %s\n", cfg.servers[k].host, why, rep.servers[k].detail);
      }
    }
    trusted += v == HV_TIMESRC_TRUSTED;
    silent_runs += with_silent;
    if (with_silent) timeouts += rep.servers[rep.n - 1].error == HV_NTS_ERR_TIMEOUT;
    if (with_silent)
      settled += rep.settled_early && rep.abandoned == 1 &&
                 rep.servers[rep.n - 1].outcome == HV_TIMESRC_OUT_ABANDONED;
    if (with_state && i > 1) cookie_runs += !rep.servers[0].used_ke;
    HT_CHECK(rep.elapsed_ms <= (RUN_TIMEOUT_MS + LATE_MS) * slowdown);
  }
  int after = open_fds();
  HT_CHECK_EQ_INT(trusted, RUNS);
  HT_CHECK(silent_runs > 0);
  HT_CHECK_EQ_INT(timeouts, silent_runs);
  HT_CHECK_EQ_INT(settled, silent_runs);
  HT_CHECK_EQ_INT(cookie_runs, RUNS / 2 - 1);
  HT_CHECK_EQ_INT(after, before);
}

/* A session keeps the jars in memory: only its first query runs NTS-KE,
 * with no state directory at all. */
static void session_reuses_cookies(void) {
  static hv_timesrc_config cfg;
  static hv_timesrc_report rep;
  int before = open_fds();
  char err[200];
  HT_CHECK_EQ_INT(make_config(&cfg, false, false), 0);
  hv_timesrc_session *s = hv_timesrc_session_new(&cfg, err, sizeof err);
  HT_CHECK(s != NULL);
  if (!s) return;
  for (int i = 0; i < SESSION_QUERIES; i++) {
    HT_CHECK_EQ_INT(hv_timesrc_session_query(s, &rep), HV_TIMESRC_TRUSTED);
    for (size_t k = 0; k < rep.n; k++) {
      const hv_timesrc_evidence *e = &rep.servers[k];
      HT_CHECK_EQ_INT(e->outcome, HV_TIMESRC_OUT_AGREES);
      HT_CHECK_EQ_INT(e->used_ke, i == 0);
      /* Carried forward from the instant of T4, however late the loop
       * got to the reply (under load, ms later). */
      int64_t t4_mono = e->sample.t4_mono_ns;
      HT_CHECK(t4_mono > 0 && t4_mono <= rep.decision.mono_ns);
      HT_CHECK(e->candidate.time_ns ==
               e->sample.t4_ns + e->sample.offset_ns + (rep.decision.mono_ns - t4_mono));
    }
  }
  hv_timesrc_session_free(s);
  HT_CHECK_EQ_INT(open_fds(), before);
  /* A refused configuration makes no session and says why. */
  cfg.rules.min_responses = 9;
  HT_CHECK(hv_timesrc_session_new(&cfg, err, sizeof err) == NULL);
  HT_CHECK(strstr(err, "min-responses 9 exceeds") != NULL);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s CA STATE_DIR SILENT_SPEC SERVER SERVER...\n", argv[0]);
    return 2;
  }
  const char *slow = getenv("HV_TEST_SLOWDOWN");
  if (slow && atoi(slow) > 1 && atoi(slow) < 10) slowdown = atoi(slow);
  ca = argv[1];
  state_dir = argv[2];
  silent_spec = argv[3];
  servers = argv + 4;
  n_servers = argc - 4;
  HT_RUN(repeated_runs);
  HT_RUN(session_reuses_cookies);
  return HT_DONE();
}
