/* The sender's checks (DESIGN section 8, "Sender, on RESPONSE", and the
 * chain head at CHALLENGE time): each case flips exactly one condition of
 * an exchange that otherwise succeeds, and expects exactly its error. Two
 * real sim enclaves share one platform secret. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

static fx_world W;

/* Sender and receiver up to a RESPONSE made at FX_T0. */
static bool start(fx_run *run) {
  return fx_run_open(&W, run) == 0 && fx_to_challenge(&W, run, FX_T0) == HV_PROTO_OK &&
         fx_to_response(run, FX_T0 + 10) == HV_PROTO_OK;
}

/* The sender's answer to `resp` at now: the error, and that the ERROR it
 * wrote for the peer carries the same code. */
static hv_proto_error answer(fx_run *run, const fx_msg *resp, uint64_t now) {
  fx_msg out;
  hv_proto_error err = hv_proto_sender_handle(run->sender, now, &W.head, resp->b, resp->n,
                                              out.b, sizeof out.b, &out.n, NULL);
  if (err) {
    hv_proto_msg m;
    HT_CHECK_EQ_INT(fx_error_code(out.b, out.n), err);
    HT_CHECK(hv_proto_decode(out.b, out.n, &m) == HV_PROTO_OK &&
             strcmp(m.u.error.text, hv_proto_error_name(err)) == 0);
  }
  return err;
}

static void test_happy_path_control(void) {
  fx_run run;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_OK);
  fx_run_close(&run);
}

static void test_challenge_unknown(void) {
  fx_run run, other;
  HT_CHECK(fx_run_open(&W, &run) == 0 && fx_run_open(&W, &other) == 0);
  /* The receiver answers a challenge that `other` issued; `run` never did. */
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &other, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_receiver_hello(run.receiver, run.hello.b, sizeof run.hello.b,
                                          &run.hello.n), HV_PROTO_OK);
  run.challenge = other.challenge;
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_CHALLENGE_UNKNOWN);
  HT_CHECK_EQ_INT(answer(&other, &run.response, FX_T0 + 1000), HV_PROTO_OK);
  fx_run_close(&run);
  fx_run_close(&other);
}

static void test_challenge_altered_is_unknown(void) {
  fx_run run;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  /* Same nonce, another policy version: not the bytes the sender issued. */
  run.challenge.b[run.challenge.n - 1] ^= 1;
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_CHALLENGE_UNKNOWN);
  fx_run_close(&run);
}

static void test_challenge_replayed(void) {
  fx_run run;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_OK);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 2000), HV_PROTO_ERR_CHALLENGE_REPLAYED);
  fx_run_close(&run);
}

static void test_challenge_used_even_when_refused(void) {
  fx_run run;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 - HV_PROTO_T0_TOLERANCE_MS - 1),
                  HV_PROTO_ERR_TIME_BEFORE_T0);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_CHALLENGE_REPLAYED);
  fx_run_close(&run);
}

static void test_challenge_expired(void) {
  fx_run run;
  fx_msg hello, ch;
  HT_CHECK(start(&run));
  /* A later HELLO, at a trusted time past the window, expires the open
   * challenge for good; the RESPONSE then comes with a trusted time that
   * reads earlier (another quorum), inside the window. */
  HT_CHECK_EQ_INT(hv_proto_receiver_hello(run.receiver, hello.b, sizeof hello.b, &hello.n),
                  HV_PROTO_ERR_UNEXPECTED); /* a receiver says HELLO once */
  memcpy(hello.b, run.hello.b, run.hello.n);
  hello.n = run.hello.n;
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + FX_WINDOW + 1, &W.head,
                                         hello.b, hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_CHALLENGE_EXPIRED);
  fx_run_close(&run);
}

static void test_response_after_window(void) {
  fx_run run, edge;
  HT_CHECK(start(&run) && start(&edge));
  HT_CHECK_EQ_INT(answer(&edge, &edge.response, FX_T0 + FX_WINDOW), HV_PROTO_OK);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + FX_WINDOW + 1),
                  HV_PROTO_ERR_TIME_WINDOW);
  fx_run_close(&run);
  fx_run_close(&edge);
}

static void test_response_before_t0(void) {
  fx_run run;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 - HV_PROTO_T0_TOLERANCE_MS - 1),
                  HV_PROTO_ERR_TIME_BEFORE_T0);
  fx_run_close(&run);
  /* Within the tolerance: two honest readings that disagree a little. */
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 - HV_PROTO_T0_TOLERANCE_MS), HV_PROTO_OK);
  fx_run_close(&run);
}

static void test_report_targeted_at_another_enclave(void) {
  fx_run run;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_tee_target_info(W.third_tee, ti), HV_TEE_OK);
  HT_CHECK(fx_forge_response(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, true, ti, NULL,
                             &forged) == 0);
  HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_REPORT_MAC);
  fx_run_close(&run);
}

static void test_forged_control_accepted(void) {
  fx_run run;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  fx_challenge_target(&run.challenge, ti);
  HT_CHECK(fx_forge_response(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, true, ti, NULL,
                             &forged) == 0);
  HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_OK);
  fx_run_close(&run);
}

static void test_report_from_another_platform(void) {
  fx_run run;
  W.receiver_wrap.tee = W.new_on_b; /* same build, other machine's secret */
  HT_CHECK(start(&run));
  W.receiver_wrap.tee = W.new_tee;
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_REPORT_MAC);
  fx_run_close(&run);
}

static void test_report_data_does_not_bind(void) {
  fx_run run;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN], other_pub[HV_PROTO_KEY_LEN];
  HT_CHECK(start(&run));
  fx_challenge_target(&run.challenge, ti);
  memset(other_pub, 0x42, sizeof other_pub);
  HT_CHECK(fx_forge_response(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, true, ti,
                             other_pub, &forged) == 0);
  HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_REPORT_BINDING);
  fx_run_close(&run);
}

static void test_attestation_kind_mismatch(void) {
  fx_run run;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  fx_challenge_target(&run.challenge, ti);
  HT_CHECK(fx_forge_response(W.new_tee, &run.challenge, HV_TEE_KIND_SGX_DCAP, true, ti,
                             NULL, &forged) == 0);
  HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_ATTESTATION_KIND);
  fx_run_close(&run);
}

static void test_dev_receiver_for_non_dev_sender(void) {
  fx_run run;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  W.sender_wrap.dev_mode = 0; /* the sender claims production */
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  /* An honest dev receiver refuses such a challenge itself ... */
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_ERR_DEV_MODE);
  /* ... and the sender refuses the RESPONSE of one that does not. */
  fx_challenge_target(&run.challenge, ti);
  HT_CHECK(fx_forge_response(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, true, ti, NULL,
                             &forged) == 0);
  HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_DEV_MODE);
  W.sender_wrap.dev_mode = -1;
  fx_run_close(&run);
}

/* The attack of a debug launch: an allowed build started as a debug
 * enclave (same MRENCLAVE, valid MAC, DEBUG set) that claims production.
 * A production sender must look at the attested bit, not the claim. */
static void test_debug_receiver_claiming_production(void) {
  fx_run run;
  W.sender_wrap.dev_mode = 0;   /* a production sender */
  W.receiver_wrap.dev_mode = 0; /* a receiver that claims production ... */
  HT_CHECK(start(&run));        /* ... in a report with DEBUG set (sim) */
  HT_CHECK(hv_tee_report_debug(run.response.b + 680));
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_DEV_MODE);
  fx_run_close(&run);
  W.sender_wrap.dev_mode = W.receiver_wrap.dev_mode = -1;
}

/* Control of the case above: the same exchange with DEBUG clear in the
 * report (what a production launch would produce) is served. */
static void test_production_receiver_accepted(void) {
  fx_run run;
  fx_msg prod;
  W.sender_wrap.dev_mode = 0;
  W.receiver_wrap.dev_mode = 0;
  HT_CHECK(start(&run));
  HT_CHECK(fx_with_debug(W.old_tee, &run.response, false, &prod) == 0);
  HT_CHECK_EQ_INT(answer(&run, &prod, FX_T0 + 1000), HV_PROTO_OK);
  fx_run_close(&run);
  W.sender_wrap.dev_mode = W.receiver_wrap.dev_mode = -1;
}

/* A dev sender, a receiver that claims dev mode but whose report says it
 * is a production enclave: the attested bit disagrees with the claim and
 * with the sender's mode. */
static void test_receiver_report_not_debug_for_dev_sender(void) {
  fx_run run;
  fx_msg prod;
  HT_CHECK(start(&run));
  HT_CHECK(fx_with_debug(W.old_tee, &run.response, false, &prod) == 0);
  HT_CHECK_EQ_INT(answer(&run, &prod, FX_T0 + 1000), HV_PROTO_ERR_DEV_MODE);
  fx_run_close(&run);
}

/* A dev sender, a debug receiver (DEBUG set) whose RESPONSE claims
 * production: the claim, bound by the report, must agree as well. */
static void test_receiver_claim_disagrees_with_its_report(void) {
  fx_run run;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  fx_challenge_target(&run.challenge, ti);
  HT_CHECK(fx_forge_response(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, false, ti, NULL,
                             &forged) == 0);
  HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_DEV_MODE);
  fx_run_close(&run);
}

/* The report data binds exactly the RESPONSE's kind, dev mode and
 * challenge bytes: each bound differently is refused. */
static void test_report_binds_other_kind_dev_or_challenge(void) {
  fx_msg other_challenge;
  for (int flip = 0; flip < 3; flip++) {
    fx_run run;
    fx_msg forged;
    uint8_t ti[HV_TEE_TARGET_INFO_LEN];
    HT_CHECK(start(&run));
    fx_challenge_target(&run.challenge, ti);
    other_challenge = run.challenge;
    other_challenge.b[other_challenge.n - 1] ^= 1; /* the policy version */
    fx_binding bind = {NULL, NULL, 0, -1};
    if (flip == 0) bind.kind = HV_TEE_KIND_SGX_DCAP;
    if (flip == 1) bind.dev = 0;
    if (flip == 2) bind.challenge = &other_challenge;
    HT_CHECK(fx_forge_response_ex(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, true, ti,
                                  NULL, &bind, &forged) == 0);
    HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_REPORT_BINDING);
    fx_run_close(&run);
  }
}

/* A low-order receiver key (all-zero shared secret), bound by an honest
 * report: refused as an out-of-range value, no KEY made. */
static void test_low_order_receiver_key(void) {
  static const uint8_t low_order[][HV_PROTO_KEY_LEN] = {{0}, {1}};
  for (size_t i = 0; i < sizeof low_order / sizeof low_order[0]; i++) {
    fx_run run;
    fx_msg forged;
    uint8_t ti[HV_TEE_TARGET_INFO_LEN];
    HT_CHECK(start(&run));
    fx_challenge_target(&run.challenge, ti);
    HT_CHECK(fx_forge_response_ex(W.new_tee, &run.challenge, HV_TEE_KIND_SIM, true, ti,
                                  low_order[i], NULL, &forged) == 0);
    HT_CHECK_EQ_INT(answer(&run, &forged, FX_T0 + 1000), HV_PROTO_ERR_FIELD_VALUE);
    fx_run_close(&run);
  }
}

static void test_receiver_not_in_policy(void) {
  fx_run run;
  hv_proto_runtime only_old[] = {W.runtimes[0], W.runtimes[2]};
  W.sender_params.runtimes = only_old;
  W.sender_params.n_runtimes = 2;
  HT_CHECK(start(&run));
  W.sender_params = W.receiver_params;
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000),
                  HV_PROTO_ERR_RECEIVER_NOT_ALLOWED);
  fx_run_close(&run);
}

static void test_receiver_older_than_sender(void) {
  fx_run run;
  /* The same two builds, but the policy added the receiver's first. */
  hv_proto_runtime swapped[] = {{W.old_m, 2}, {W.new_m, 1}};
  W.sender_params.runtimes = swapped;
  W.sender_params.n_runtimes = 2;
  HT_CHECK(start(&run));
  W.sender_params = W.receiver_params;
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000),
                  HV_PROTO_ERR_RECEIVER_NOT_NEWER);
  fx_run_close(&run);
}

static void test_receiver_same_build(void) {
  fx_run run;
  W.receiver_wrap.tee = W.old_tee;
  HT_CHECK(start(&run));
  W.receiver_wrap.tee = W.new_tee;
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000),
                  HV_PROTO_ERR_RECEIVER_NOT_NEWER);
  fx_run_close(&run);
}

static void test_own_build_not_in_policy(void) {
  fx_run run;
  hv_proto_runtime no_old[] = {W.runtimes[1], W.runtimes[2]};
  W.sender_params.runtimes = no_old;
  W.sender_params.n_runtimes = 2;
  HT_CHECK(start(&run));
  W.sender_params = W.receiver_params;
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_SELF_NOT_ALLOWED);
  fx_run_close(&run);
}

static void test_chain_head_stale_at_challenge(void) {
  fx_run run, edge;
  hv_proto_chain_head fresh = W.head;
  HT_CHECK(fx_run_open(&W, &run) == 0 && fx_run_open(&W, &edge) == 0);
  W.head.time_ms = FX_T0 - FX_LAG;
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &edge, FX_T0), HV_PROTO_OK);
  W.head.time_ms = FX_T0 - FX_LAG - 1;
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK_EQ_INT(fx_error_code(run.challenge.b, run.challenge.n), HV_PROTO_ERR_CHAIN_STALE);
  W.head = fresh;
  fx_run_close(&run);
  fx_run_close(&edge);
}

static void test_chain_head_stale_at_response(void) {
  fx_run run;
  hv_proto_chain_head fresh = W.head;
  W.head.time_ms = FX_T0 - FX_LAG + 500; /* fresh enough at T0 ... */
  HT_CHECK(start(&run));
  /* ... but the worker stopped following the chain: stale 1 s later. */
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_CHAIN_STALE);
  W.head = fresh;
  fx_run_close(&run);
}

/* A head ahead of trusted time by clock skew is fine; one further ahead
 * than HV_PROTO_CHAIN_HEAD_AHEAD_MS is made up. */
static void test_chain_head_in_future(void) {
  fx_run run, edge;
  hv_proto_chain_head fresh = W.head;
  HT_CHECK(fx_run_open(&W, &run) == 0 && fx_run_open(&W, &edge) == 0);
  W.head.time_ms = FX_T0 + HV_PROTO_CHAIN_HEAD_AHEAD_MS;
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &edge, FX_T0), HV_PROTO_OK);
  W.head.time_ms = FX_T0 + HV_PROTO_CHAIN_HEAD_AHEAD_MS + 1;
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_ERR_CHAIN_FUTURE);
  HT_CHECK_EQ_INT(fx_error_code(run.challenge.b, run.challenge.n), HV_PROTO_ERR_CHAIN_FUTURE);
  W.head = fresh;
  fx_run_close(&run);
  fx_run_close(&edge);
}

static void test_challenge_table_full(void) {
  hv_proto_sender *s = NULL;
  hv_proto_config cfg;
  fx_msg hello, ch;
  fx_run run;
  fx_sender_config(&W, &cfg);
  HT_CHECK_EQ_INT(hv_proto_sender_new(&cfg, W.identity_secret, &s), HV_PROTO_OK);
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(hv_proto_receiver_hello(run.receiver, hello.b, sizeof hello.b, &hello.n),
                  HV_PROTO_OK);
  for (int i = 0; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++)
    HT_CHECK_EQ_INT(hv_proto_sender_handle(s, FX_T0, &W.head, hello.b, hello.n, ch.b,
                                           sizeof ch.b, &ch.n, NULL), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_open_challenges(s, FX_T0), HV_PROTO_MAX_OPEN_CHALLENGES);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(s, FX_T0 + 1, &W.head, hello.b, hello.n, ch.b,
                                         sizeof ch.b, &ch.n, NULL), HV_PROTO_ERR_TABLE_FULL);
  HT_CHECK_EQ_INT(fx_error_code(ch.b, ch.n), HV_PROTO_ERR_TABLE_FULL);
  fx_run_close(&run);
  /* Live challenges are never evicted; once the window has passed, the
   * expired ones make room. */
  HT_CHECK_EQ_INT(hv_proto_sender_handle(s, FX_T0 + FX_WINDOW + 1, &W.head, hello.b,
                                         hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_open_challenges(s, FX_T0 + FX_WINDOW + 1), 1);
  hv_proto_sender_free(s);
}

static void test_used_challenge_makes_room(void) {
  fx_run run;
  fx_msg ch;
  HT_CHECK(start(&run));
  for (int i = 1; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++)
    HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0, &W.head, run.hello.b,
                                           run.hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                    HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0, &W.head, run.hello.b,
                                         run.hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_ERR_TABLE_FULL);
  HT_CHECK_EQ_INT(fx_to_key(&W, &run, FX_T0 + 1000), HV_PROTO_OK);
  /* Used, but its KEY awaits a DONE: not evicted within the window. */
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1000, &W.head, run.hello.b,
                                         run.hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_ERR_TABLE_FULL);
  HT_CHECK_EQ_INT(fx_to_done(&run, FX_T0 + 1200), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1300, &W.head, run.done.b,
                                         run.done.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1300, &W.head, run.hello.b,
                                         run.hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_OK);
  fx_run_close(&run);
}

static void test_bad_configuration_refused(void) {
  hv_proto_config cfg;
  hv_proto_sender *s = NULL;
  hv_proto_receiver *r = NULL;
  fx_sender_config(&W, &cfg);
  cfg.params.response_window_ms = 0;
  HT_CHECK_EQ_INT(hv_proto_sender_new(&cfg, W.identity_secret, &s), HV_PROTO_ERR_ARGS);
  fx_sender_config(&W, &cfg);
  cfg.params.n_runtimes = HV_PROTO_MAX_RUNTIMES + 1;
  HT_CHECK_EQ_INT(hv_proto_receiver_new(&cfg, &r), HV_PROTO_ERR_ARGS);
  fx_sender_config(&W, &cfg);
  cfg.tee_ops = NULL; /* and no hv_tee either */
  HT_CHECK_EQ_INT(hv_proto_sender_new(&cfg, W.identity_secret, &s), HV_PROTO_ERR_ARGS);
  HT_CHECK(s == NULL && r == NULL);
}

int main(void) {
  if (fx_open(&W) != 0) {
    fprintf(stderr, "cannot set up the sim enclaves\n");
    return 1;
  }
  HT_RUN(test_happy_path_control);
  HT_RUN(test_challenge_unknown);
  HT_RUN(test_challenge_altered_is_unknown);
  HT_RUN(test_challenge_replayed);
  HT_RUN(test_challenge_used_even_when_refused);
  HT_RUN(test_challenge_expired);
  HT_RUN(test_response_after_window);
  HT_RUN(test_response_before_t0);
  HT_RUN(test_report_targeted_at_another_enclave);
  HT_RUN(test_forged_control_accepted);
  HT_RUN(test_report_from_another_platform);
  HT_RUN(test_report_data_does_not_bind);
  HT_RUN(test_attestation_kind_mismatch);
  HT_RUN(test_dev_receiver_for_non_dev_sender);
  HT_RUN(test_debug_receiver_claiming_production);
  HT_RUN(test_production_receiver_accepted);
  HT_RUN(test_receiver_report_not_debug_for_dev_sender);
  HT_RUN(test_receiver_claim_disagrees_with_its_report);
  HT_RUN(test_report_binds_other_kind_dev_or_challenge);
  HT_RUN(test_low_order_receiver_key);
  HT_RUN(test_receiver_not_in_policy);
  HT_RUN(test_receiver_older_than_sender);
  HT_RUN(test_receiver_same_build);
  HT_RUN(test_own_build_not_in_policy);
  HT_RUN(test_chain_head_stale_at_challenge);
  HT_RUN(test_chain_head_stale_at_response);
  HT_RUN(test_chain_head_in_future);
  HT_RUN(test_challenge_table_full);
  HT_RUN(test_used_challenge_makes_room);
  HT_RUN(test_bad_configuration_refused);
  fx_close(&W);
  return HT_DONE();
}
