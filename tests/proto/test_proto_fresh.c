/* Freshness in the state machines: the policy's expiry (sender on HELLO
 * and RESPONSE, receiver on KEY: policy-expired) and the council
 * override (waives chain-head-stale or own-build-not-in-policy for one
 * identity and pair of builds, until it expires; nothing else). Each
 * case flips exactly one condition against a control that passes. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

static fx_world W;

static bool start(fx_run *run) {
  return fx_run_open(&W, run) == 0 && fx_to_challenge(&W, run, FX_T0) == HV_PROTO_OK &&
         fx_to_response(run, FX_T0 + 10) == HV_PROTO_OK;
}

/* The sender's answer to `resp` at now; ev out; the ERROR carries it. */
static hv_proto_error answer_ev(fx_run *run, const fx_msg *resp, uint64_t now,
                                hv_proto_event *ev) {
  hv_proto_error err = hv_proto_sender_handle(run->sender, now, &W.head, resp->b, resp->n,
                                              run->key.b, sizeof run->key.b, &run->key.n, ev);
  if (err) HT_CHECK_EQ_INT(fx_error_code(run->key.b, run->key.n), err);
  return err;
}

static hv_proto_error answer(fx_run *run, const fx_msg *resp, uint64_t now) {
  hv_proto_event ev;
  return answer_ev(run, resp, now, &ev);
}

static void restore(void) {
  W.sender_params = W.receiver_params;
  W.sender_params.policy_expires_ms = W.receiver_params.policy_expires_ms = 0;
  memset(&W.sender_params.override, 0, sizeof W.sender_params.override);
  W.receiver_params = W.sender_params;
}

/* ---- expiry ---- */

static void test_expired_at_challenge(void) {
  fx_run run, edge;
  W.sender_params.policy_expires_ms = FX_T0 + 1;
  HT_CHECK(fx_run_open(&W, &edge) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &edge, FX_T0), HV_PROTO_OK);
  W.sender_params.policy_expires_ms = FX_T0;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_ERR_POLICY_EXPIRED);
  HT_CHECK_EQ_INT(fx_error_code(run.challenge.b, run.challenge.n), HV_PROTO_ERR_POLICY_EXPIRED);
  restore();
  fx_run_close(&run);
  fx_run_close(&edge);
}

static void test_expired_at_response(void) {
  fx_run run, edge;
  W.sender_params.policy_expires_ms = FX_T0 + 1000;
  HT_CHECK(start(&run) && start(&edge));
  HT_CHECK_EQ_INT(answer(&edge, &edge.response, FX_T0 + 999), HV_PROTO_OK);
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_POLICY_EXPIRED);
  HT_CHECK_EQ_INT(run.key.n > 0 && fx_error_code(run.key.b, run.key.n) ==
                  HV_PROTO_ERR_POLICY_EXPIRED, 1);
  restore();
  fx_run_close(&run);
  fx_run_close(&edge);
}

static void test_expired_at_key(void) {
  fx_run run, edge;
  W.receiver_params.policy_expires_ms = FX_T0 + 2000;
  HT_CHECK(start(&run) && start(&edge));
  HT_CHECK_EQ_INT(fx_to_key(&W, &edge, FX_T0 + 1000), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_accept_key(&edge, FX_T0 + 1999), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_key(&W, &run, FX_T0 + 1000), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_accept_key(&run, FX_T0 + 2000), HV_PROTO_ERR_POLICY_EXPIRED);
  HT_CHECK_EQ_INT(fx_error_code(run.done.b, run.done.n), HV_PROTO_ERR_POLICY_EXPIRED);
  restore();
  fx_run_close(&run);
  fx_run_close(&edge);
}

/* ---- the council override ---- */

static hv_proto_override override_for(hv_proto_error waives) {
  hv_proto_override o;
  memset(&o, 0, sizeof o);
  o.waives = waives;
  memcpy(o.identity_pub, W.identity_pub, HV_PROTO_KEY_LEN);
  o.from = W.old_m;
  o.to = W.new_m;
  o.expires_ms = FX_T0 + 3600 * 1000;
  return o;
}

/* A stale head: the sender's chain source is gone. */
static void stale_head(void) { W.head.time_ms = FX_T0 - FX_LAG - 3600 * 1000; }

/* The exchange up to the sender's answer, with override o and a stale
 * head: the error, and at which message (0 CHALLENGE, 1 KEY). */
static hv_proto_error with_stale(const hv_proto_override *o, int *at, bool *used) {
  fx_run run;
  hv_proto_chain_head fresh = W.head;
  stale_head();
  W.sender_params.override = *o;
  hv_proto_event ev = {0};
  hv_proto_error err = HV_PROTO_ERR_INTERNAL;
  *at = 0;
  if (fx_run_open(&W, &run) == 0 && !(err = fx_to_challenge(&W, &run, FX_T0))) {
    *at = 1;
    if ((err = fx_to_response(&run, FX_T0 + 10)) == HV_PROTO_OK)
      err = answer_ev(&run, &run.response, FX_T0 + 1000, &ev);
  }
  *used = ev.override_used;
  fx_run_close(&run);
  W.head = fresh;
  restore();
  return err;
}

static void test_override_waives_stale_head(void) {
  hv_proto_override none = {0}, o = override_for(HV_PROTO_ERR_CHAIN_STALE);
  int at;
  bool used;
  HT_CHECK_EQ_INT(with_stale(&none, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK_EQ_INT(at, 0);
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_OK);
  HT_CHECK(used);
}

static void test_override_stale_refusals(void) {
  int at;
  bool used;
  hv_proto_override o = override_for(HV_PROTO_ERR_CHAIN_STALE);
  o.identity_pub[0] ^= 1; /* another worker's identity */
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
  o = override_for(HV_PROTO_ERR_CHAIN_STALE);
  o.from = W.third_m; /* another sender build */
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK_EQ_INT(at, 0);
  o = override_for(HV_PROTO_ERR_CHAIN_STALE);
  o.to = W.third_m; /* another receiver build: HELLO passes, RESPONSE not */
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK_EQ_INT(at, 1);
  o = override_for(HV_PROTO_ERR_CHAIN_STALE);
  o.expires_ms = FX_T0 + 1000; /* expired when the RESPONSE is judged */
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK_EQ_INT(at, 1);
  o = override_for(HV_PROTO_ERR_SELF_NOT_ALLOWED); /* waives the other check */
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
  o = override_for(HV_PROTO_ERR_DEV_MODE); /* not a waivable check */
  HT_CHECK_EQ_INT(with_stale(&o, &at, &used), HV_PROTO_ERR_CHAIN_STALE);
}

/* Our build withdrawn from the policy; the receiver still listed. */
static hv_proto_error without_own_build(const hv_proto_override *o, bool *used) {
  fx_run run;
  hv_proto_runtime no_old[] = {W.runtimes[1], W.runtimes[2]};
  W.sender_params.runtimes = no_old;
  W.sender_params.n_runtimes = 2;
  W.sender_params.override = *o;
  hv_proto_event ev = {0};
  hv_proto_error err = HV_PROTO_ERR_INTERNAL;
  if (start(&run)) err = answer_ev(&run, &run.response, FX_T0 + 1000, &ev);
  *used = ev.override_used;
  fx_run_close(&run);
  restore();
  return err;
}

static void test_override_waives_own_build(void) {
  bool used;
  hv_proto_override none = {0}, o = override_for(HV_PROTO_ERR_SELF_NOT_ALLOWED);
  HT_CHECK_EQ_INT(without_own_build(&none, &used), HV_PROTO_ERR_SELF_NOT_ALLOWED);
  HT_CHECK_EQ_INT(without_own_build(&o, &used), HV_PROTO_OK);
  HT_CHECK(used);
  o.identity_pub[31] ^= 0x80;
  HT_CHECK_EQ_INT(without_own_build(&o, &used), HV_PROTO_ERR_SELF_NOT_ALLOWED);
  o = override_for(HV_PROTO_ERR_SELF_NOT_ALLOWED);
  o.to = W.third_m;
  HT_CHECK_EQ_INT(without_own_build(&o, &used), HV_PROTO_ERR_SELF_NOT_ALLOWED);
  o = override_for(HV_PROTO_ERR_SELF_NOT_ALLOWED);
  o.expires_ms = FX_T0 + 1000;
  HT_CHECK_EQ_INT(without_own_build(&o, &used), HV_PROTO_ERR_SELF_NOT_ALLOWED);
  o = override_for(HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK_EQ_INT(without_own_build(&o, &used), HV_PROTO_ERR_SELF_NOT_ALLOWED);
}

/* With an override in force for exactly this pair, every other check
 * still holds: the receiver allowlist, attestation (MAC: a receiver on
 * another machine), dev mode, the response window, the head from the
 * future, the policy's expiry. */
static void test_override_keeps_other_checks(void) {
  for (int waive = 0; waive < 2; waive++) {
    hv_proto_override o = override_for(waive ? HV_PROTO_ERR_SELF_NOT_ALLOWED
                                             : HV_PROTO_ERR_CHAIN_STALE);
    fx_run run;
    /* receiver not in policy */
    hv_proto_runtime only_old[] = {W.runtimes[0], W.runtimes[2]};
    W.sender_params.runtimes = only_old;
    W.sender_params.n_runtimes = 2;
    W.sender_params.override = o;
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000),
                    HV_PROTO_ERR_RECEIVER_NOT_ALLOWED);
    fx_run_close(&run);
    restore();
    /* report MAC: the receiver is on another platform */
    W.sender_params.override = o;
    W.receiver_wrap.tee = W.new_on_b;
    HT_CHECK(start(&run));
    W.receiver_wrap.tee = W.new_tee;
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_REPORT_MAC);
    fx_run_close(&run);
    /* dev mode: a production sender, a debug receiver */
    W.sender_wrap.dev_mode = 0;
    W.receiver_wrap.dev_mode = 0;
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_DEV_MODE);
    W.sender_wrap.dev_mode = W.receiver_wrap.dev_mode = -1;
    fx_run_close(&run);
    /* the response window */
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + FX_WINDOW + 1),
                    HV_PROTO_ERR_TIME_WINDOW);
    fx_run_close(&run);
    /* a head from the future */
    HT_CHECK(start(&run));
    hv_proto_chain_head fresh = W.head;
    W.head.time_ms = FX_T0 + 1000 + HV_PROTO_CHAIN_HEAD_AHEAD_MS + 1;
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_CHAIN_FUTURE);
    W.head = fresh;
    fx_run_close(&run);
    /* the policy's expiry */
    W.sender_params.policy_expires_ms = FX_T0 + 500;
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_ERR_POLICY_EXPIRED);
    fx_run_close(&run);
    restore();
    /* the control: the same override, nothing flipped */
    W.sender_params.override = o;
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_OK);
    fx_run_close(&run);
    restore();
  }
}

/* Only a decoded RESPONSE presenting a live challenge is worth a fresh
 * trusted-time query (the caller asks before it spends one). */
static void test_response_live(void) {
  fx_run run, other;
  HT_CHECK(start(&run) && start(&other));
  HT_CHECK(hv_proto_sender_response_live(run.sender, run.response.b, run.response.n));
  /* a RESPONSE to another sender's challenge, a HELLO, junk with the
   * RESPONSE header, a truncated RESPONSE: none */
  HT_CHECK(!hv_proto_sender_response_live(run.sender, other.response.b, other.response.n));
  HT_CHECK(!hv_proto_sender_response_live(run.sender, run.hello.b, run.hello.n));
  const uint8_t junk[] = {0, 1, 0, HV_PROTO_MSG_RESPONSE, 0, 0, 0, 0};
  HT_CHECK(!hv_proto_sender_response_live(run.sender, junk, sizeof junk));
  HT_CHECK(!hv_proto_sender_response_live(run.sender, run.response.b, run.response.n - 1));
  fx_msg changed = run.response;
  changed.b[40] ^= 1; /* inside the echoed challenge */
  HT_CHECK(!hv_proto_sender_response_live(run.sender, changed.b, changed.n));
  /* once seen expired (a later HELLO sweeps the table), no more either */
  fx_run late;
  HT_CHECK(start(&late));
  fx_msg hello2, ch2;
  size_t n = 0;
  hv_proto_receiver *r2 = NULL;
  hv_proto_config rc;
  fx_receiver_config(&W, &rc);
  HT_CHECK(hv_proto_receiver_new(&rc, &r2) == HV_PROTO_OK);
  HT_CHECK(hv_proto_receiver_hello(r2, hello2.b, sizeof hello2.b, &hello2.n) == HV_PROTO_OK);
  HT_CHECK(hv_proto_sender_response_live(late.sender, late.response.b, late.response.n));
  HT_CHECK_EQ_INT(hv_proto_sender_handle(late.sender, FX_T0 + FX_WINDOW + 1, &W.head, hello2.b,
                                         hello2.n, ch2.b, sizeof ch2.b, &n, NULL),
                  HV_PROTO_OK);
  HT_CHECK(!hv_proto_sender_response_live(late.sender, late.response.b, late.response.n));
  hv_proto_receiver_free(r2);
  fx_run_close(&late);
  /* once answered, the challenge is used: no more */
  HT_CHECK_EQ_INT(answer(&run, &run.response, FX_T0 + 1000), HV_PROTO_OK);
  HT_CHECK(!hv_proto_sender_response_live(run.sender, run.response.b, run.response.n));
  fx_run_close(&run);
  fx_run_close(&other);
}

int main(void) {
  if (fx_open(&W) != 0) return 2;
  W.receiver_params = W.sender_params;
  HT_RUN(test_expired_at_challenge);
  HT_RUN(test_expired_at_response);
  HT_RUN(test_expired_at_key);
  HT_RUN(test_override_waives_stale_head);
  HT_RUN(test_override_stale_refusals);
  HT_RUN(test_override_waives_own_build);
  HT_RUN(test_override_keeps_other_checks);
  HT_RUN(test_response_live);
  fx_close(&W);
  return HT_DONE();
}
