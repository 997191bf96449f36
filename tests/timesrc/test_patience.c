/* A session does not starve a slow but reachable server: abandoned on a
 * settled verdict while still in NTS-KE (so without cookies), it is
 * waited for on the next query, gets its cookies, and votes from then on
 * without NTS-KE.
 * usage: test_timesrc_patience CA FAST_A FAST_B SLOW */
#include <stdio.h>
#include <stdlib.h>

#include "handover/timesrc.h"
#include "harness.h"

static const char *ca, *fast_a, *fast_b, *slow;

static void slow_server_gets_its_turn(void) {
  static hv_timesrc_config cfg;
  static hv_timesrc_report rep;
  char err[200];
  hv_timesrc_config_init(&cfg);
  cfg.ca_file = ca;
  cfg.timeout_ms = 4000;
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, fast_a, err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, fast_b, err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, slow, err, sizeof err), 0);
  hv_timesrc_session *s = hv_timesrc_session_new(&cfg, err, sizeof err);
  HT_CHECK(s != NULL);
  if (!s) return;
  /* 1: the two fast ones settle it; the slow one is still in NTS-KE. */
  HT_CHECK_EQ_INT(hv_timesrc_session_query(s, &rep), HV_TIMESRC_TRUSTED);
  HT_CHECK(rep.settled_early);
  HT_CHECK_EQ_INT(rep.servers[2].outcome, HV_TIMESRC_OUT_ABANDONED);
  /* 2: it is waited for (it was reachable), and answers. */
  HT_CHECK_EQ_INT(hv_timesrc_session_query(s, &rep), HV_TIMESRC_TRUSTED);
  HT_CHECK(!rep.settled_early);
  HT_CHECK_EQ_INT(rep.servers[2].outcome, HV_TIMESRC_OUT_AGREES);
  HT_CHECK(rep.servers[2].used_ke);
  HT_CHECK_EQ_INT(rep.decision.agreeing, 3);
  /* 3: with its cookies it is as quick as the others: no NTS-KE. */
  HT_CHECK_EQ_INT(hv_timesrc_session_query(s, &rep), HV_TIMESRC_TRUSTED);
  HT_CHECK(!rep.servers[2].used_ke);
  HT_CHECK(rep.servers[2].outcome != HV_TIMESRC_OUT_FAILED);
  hv_timesrc_session_free(s);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s CA FAST_A FAST_B SLOW\n", argv[0]);
    return 2;
  }
  ca = argv[1];
  fast_a = argv[2];
  fast_b = argv[3];
  slow = argv[4];
  HT_RUN(slow_server_gets_its_turn);
  return HT_DONE();
}
