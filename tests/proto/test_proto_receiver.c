/* The whole exchange with two real sim enclaves on one platform secret,
 * the receiver's checks (DESIGN section 8, "Receiver, on KEY"), and the
 * "everywhere" rules: malformed, truncated, oversized and out-of-order
 * messages are refused, nothing is handed out, and the sender keeps its
 * key. Each refusal flips exactly one condition. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

static fx_world W;

/* Sender and receiver up to a KEY made at FX_T0 + 1000. */
static bool start(fx_run *run) {
  return fx_run_open(&W, run) == 0 && fx_to_challenge(&W, run, FX_T0) == HV_PROTO_OK &&
         fx_to_response(run, FX_T0 + 10) == HV_PROTO_OK &&
         fx_to_key(&W, run, FX_T0 + 1000) == HV_PROTO_OK;
}

/* The receiver's verdict on key at now; a refusal leaves no secret and
 * an ERROR with the same code for the sender. */
static hv_proto_error accept(fx_run *run, const fx_msg *key, uint64_t now) {
  fx_msg out;
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  hv_proto_error err = hv_proto_receiver_handle(run->receiver, now, key->b, key->n, out.b,
                                                sizeof out.b, &out.n, NULL);
  if (err) {
    HT_CHECK_EQ_INT(fx_error_code(out.b, out.n), err);
    HT_CHECK_EQ_INT(hv_proto_receiver_take_secret(run->receiver, secret, pub),
                    HV_PROTO_ERR_UNEXPECTED);
  } else {
    HT_CHECK_EQ_INT(out.n, 0);
  }
  return err;
}

static void test_happy_path(void) {
  fx_run run;
  hv_proto_event ev;
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN], want[HV_PROTO_HASH_LEN];
  const uint8_t stored[] = "sealed blob as written to disk";
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_proto_receiver_handle(run.receiver, FX_T0 + 1200, run.key.b, run.key.n,
                                           run.done.b, sizeof run.done.b, &run.done.n, &ev),
                  HV_PROTO_OK);
  HT_CHECK(ev.has_peer && ev.received == HV_PROTO_MSG_KEY);
  HT_CHECK_MEM(ev.peer.mr_enclave, W.old_m.mr_enclave, HV_TEE_MR_LEN);
  HT_CHECK_EQ_INT(hv_proto_receiver_take_secret(run.receiver, secret, pub), HV_PROTO_OK);
  HT_CHECK_MEM(secret, W.identity_secret, sizeof secret);
  HT_CHECK_MEM(pub, W.identity_pub, sizeof pub);
  HT_CHECK_EQ_INT(hv_proto_receiver_take_secret(run.receiver, secret, pub),
                  HV_PROTO_ERR_UNEXPECTED); /* handed out once */
  HT_CHECK_EQ_INT(hv_proto_receiver_done(run.receiver, stored, sizeof stored, run.done.b,
                                         sizeof run.done.b, &run.done.n), HV_PROTO_OK);
  fx_msg none;
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1500, &W.head, run.done.b,
                                         run.done.n, none.b, sizeof none.b, &none.n, &ev),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(none.n, 0);
  HT_CHECK_EQ_INT(ev.received, HV_PROTO_MSG_DONE);
  HT_CHECK(hv_sha256(stored, sizeof stored, want) == 0);
  HT_CHECK_MEM(ev.stored_hash, want, sizeof want);
  fx_run_close(&run);
}

static void test_happy_path_with_plain_tee(void) {
  /* As the CLI calls it: no TEE wrapper, OS randomness. */
  hv_proto_config sc = {.tee = W.old_tee, .params = W.sender_params};
  hv_proto_config rc = {.tee = W.new_tee, .params = W.receiver_params};
  fx_run run;
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  memset(&run, 0, sizeof run);
  HT_CHECK_EQ_INT(hv_proto_sender_new(&sc, W.identity_secret, &run.sender), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_receiver_new(&rc, &run.receiver), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_key(&W, &run, FX_T0 + 5), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_accept_key(&run, FX_T0 + 6), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_receiver_take_secret(run.receiver, secret, pub), HV_PROTO_OK);
  HT_CHECK_MEM(secret, W.identity_secret, sizeof secret);
  hv_wipe(secret, sizeof secret);
  fx_run_close(&run);
}

static void test_sender_report_targeted_at_another_enclave(void) {
  fx_run run;
  hv_proto_key key;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_tee_target_info(W.third_tee, ti), HV_TEE_OK);
  HT_CHECK(fx_forge_key(W.old_tee, &run, ti, W.identity_pub, W.identity_secret, &key) == 0);
  HT_CHECK(fx_encode_key(&key, &forged) == 0);
  HT_CHECK_EQ_INT(accept(&run, &forged, FX_T0 + 1200), HV_PROTO_ERR_REPORT_MAC);
  fx_run_close(&run);
}

static void test_forged_key_control_accepted(void) {
  fx_run run;
  hv_proto_key key;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_tee_target_info(W.new_tee, ti), HV_TEE_OK);
  HT_CHECK(fx_forge_key(W.old_tee, &run, ti, W.identity_pub, W.identity_secret, &key) == 0);
  HT_CHECK(fx_encode_key(&key, &forged) == 0);
  HT_CHECK_EQ_INT(accept(&run, &forged, FX_T0 + 1200), HV_PROTO_OK);
  fx_run_close(&run);
}

static void test_sender_report_from_another_platform(void) {
  fx_run run;
  hv_proto_key key;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_tee_target_info(W.new_tee, ti), HV_TEE_OK);
  HT_CHECK(fx_forge_key(W.old_on_b, &run, ti, W.identity_pub, W.identity_secret, &key) == 0);
  HT_CHECK(fx_encode_key(&key, &forged) == 0);
  HT_CHECK_EQ_INT(accept(&run, &forged, FX_T0 + 1200), HV_PROTO_ERR_REPORT_MAC);
  fx_run_close(&run);
}

static void test_sender_report_does_not_bind(void) {
  fx_run run;
  hv_proto_msg m;
  fx_msg altered;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_proto_decode(run.key.b, run.key.n, &m), HV_PROTO_OK);
  m.u.key.ciphertext[0] ^= 1; /* the report still covers the old bytes */
  HT_CHECK(fx_encode_key(&m.u.key, &altered) == 0);
  HT_CHECK_EQ_INT(accept(&run, &altered, FX_T0 + 1200), HV_PROTO_ERR_REPORT_BINDING);
  fx_run_close(&run);
}

static void test_sender_not_in_policy(void) {
  fx_run run;
  hv_proto_runtime no_old[] = {W.runtimes[1], W.runtimes[2]};
  W.receiver_params.runtimes = no_old;
  W.receiver_params.n_runtimes = 2;
  HT_CHECK(start(&run));
  W.receiver_params = W.sender_params;
  HT_CHECK_EQ_INT(accept(&run, &run.key, FX_T0 + 1200), HV_PROTO_ERR_SENDER_NOT_ALLOWED);
  fx_run_close(&run);
}

static void test_tampered_ciphertext(void) {
  fx_run run;
  hv_proto_msg m;
  fx_msg altered;
  uint8_t th[HV_PROTO_HASH_LEN], ti[HV_TEE_TARGET_INFO_LEN];
  hv_proto_px px;
  hv_proto_config cfg = {.tee = W.old_tee, .params = W.sender_params};
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_proto_decode(run.key.b, run.key.n, &m), HV_PROTO_OK);
  m.u.key.ciphertext[5] ^= 0x80;
  /* The sender's enclave reports over the altered bytes: only the AEAD
   * can notice. */
  HT_CHECK(fx_transcript(&run, &m.u.key, th) == 0);
  HT_CHECK_EQ_INT(hv_tee_target_info(W.new_tee, ti), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_proto_px_init(&px, &cfg), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_px_report_key(&px, th, ti, &m.u.key), HV_PROTO_OK);
  hv_proto_px_free(&px);
  HT_CHECK(fx_encode_key(&m.u.key, &altered) == 0);
  HT_CHECK_EQ_INT(accept(&run, &altered, FX_T0 + 1200), HV_PROTO_ERR_DECRYPT);
  fx_run_close(&run);
}

static void test_identity_key_mismatch(void) {
  fx_run run;
  hv_proto_key key;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN], other_secret[32], other_pub[32];
  memset(other_secret, 0x77, sizeof other_secret);
  HT_CHECK(hv_ed25519_public(other_secret, other_pub) == 0);
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_tee_target_info(W.new_tee, ti), HV_TEE_OK);
  /* Announces one identity, carries the secret of the other. */
  HT_CHECK(fx_forge_key(W.old_tee, &run, ti, other_pub, W.identity_secret, &key) == 0);
  HT_CHECK(fx_encode_key(&key, &forged) == 0);
  HT_CHECK_EQ_INT(accept(&run, &forged, FX_T0 + 1200), HV_PROTO_ERR_IDENTITY_MISMATCH);
  fx_run_close(&run);
}

static void test_exchange_outside_window(void) {
  fx_run late, early, edge;
  HT_CHECK(start(&late) && start(&early) && start(&edge));
  HT_CHECK_EQ_INT(accept(&edge, &edge.key, FX_T0 + FX_WINDOW), HV_PROTO_OK);
  HT_CHECK_EQ_INT(accept(&late, &late.key, FX_T0 + FX_WINDOW + 1),
                  HV_PROTO_ERR_EXCHANGE_WINDOW);
  HT_CHECK_EQ_INT(accept(&early, &early.key, FX_T0 - FX_WINDOW - 1),
                  HV_PROTO_ERR_EXCHANGE_WINDOW);
  fx_run_close(&late);
  fx_run_close(&early);
  fx_run_close(&edge);
}

static void test_receiver_refuses_other_kind_early(void) {
  fx_run run;
  W.sender_wrap.kind = HV_TEE_KIND_SGX_DCAP;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_ERR_ATTESTATION_KIND);
  W.sender_wrap.kind = 0;
  fx_run_close(&run);
}

static void test_production_receiver_refuses_dev_sender(void) {
  fx_run run;
  W.receiver_wrap.dev_mode = 0;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_ERR_DEV_MODE);
  W.receiver_wrap.dev_mode = -1;
  fx_run_close(&run);
}

/* The sender's enclave reports again over key's current fields, so only
 * the check under test can notice what changed. */
static bool rereport(fx_run *run, hv_proto_key *key) {
  uint8_t th[HV_PROTO_HASH_LEN], ti[HV_TEE_TARGET_INFO_LEN];
  hv_proto_px px;
  hv_proto_config cfg = {.tee = W.old_tee, .params = W.sender_params};
  if (fx_transcript(run, key, th) || hv_tee_target_info(W.new_tee, ti) != HV_TEE_OK ||
      hv_proto_px_init(&px, &cfg) != HV_PROTO_OK)
    return false;
  bool ok = hv_proto_px_report_key(&px, th, ti, key) == HV_PROTO_OK;
  hv_proto_px_free(&px);
  return ok;
}

/* Both sides production launches (DEBUG clear in their reports), until
 * end_production; the state machines ask the wrappers on every call. */
static bool start_production(fx_run *run) {
  W.sender_wrap = (fx_wrap){W.old_tee, 0, 0, W.new_tee};
  W.receiver_wrap = (fx_wrap){W.new_tee, 0, 0, W.old_tee};
  return start(run) && !hv_tee_report_debug(run->key.b + 10);
}

static void end_production(void) {
  W.sender_wrap = (fx_wrap){W.old_tee, 0, -1, NULL};
  W.receiver_wrap = (fx_wrap){W.new_tee, 0, -1, NULL};
}

/* Control: a production sender and receiver hand over. */
static void test_production_sender_accepted(void) {
  fx_run run;
  HT_CHECK(start_production(&run));
  HT_CHECK_EQ_INT(accept(&run, &run.key, FX_T0 + 1200), HV_PROTO_OK);
  end_production();
  fx_run_close(&run);
}

/* A production receiver and a sender that claims production (in the
 * CHALLENGE, bound by TH) from a debug launch: DEBUG set in its KEY
 * report, MAC valid. The attested bit decides. */
static void test_debug_sender_claiming_production(void) {
  fx_run run;
  fx_msg debug;
  HT_CHECK(start_production(&run));
  HT_CHECK(fx_with_debug(W.new_tee, &run.key, true, &debug) == 0);
  HT_CHECK_EQ_INT(accept(&run, &debug, FX_T0 + 1200), HV_PROTO_ERR_DEV_MODE);
  end_production();
  fx_run_close(&run);
}

/* A dev receiver, a CHALLENGE that claims dev mode, a KEY report from a
 * production enclave: the attested bit disagrees with claim and receiver. */
static void test_sender_report_not_debug_for_dev_receiver(void) {
  fx_run run;
  fx_msg prod;
  HT_CHECK(start(&run));
  HT_CHECK(fx_with_debug(W.new_tee, &run.key, false, &prod) == 0);
  HT_CHECK_EQ_INT(accept(&run, &prod, FX_T0 + 1200), HV_PROTO_ERR_DEV_MODE);
  fx_run_close(&run);
}

/* The sender runs under a newer policy than the one the receiver was
 * given: a rolled-back policy for the new build. */
static void test_policy_older_than_sender(void) {
  fx_run run;
  W.sender_params.policy_version = FX_POLICY_VERSION + 1;
  HT_CHECK(start(&run));
  W.sender_params.policy_version = FX_POLICY_VERSION;
  HT_CHECK_EQ_INT(accept(&run, &run.key, FX_T0 + 1200), HV_PROTO_ERR_POLICY_BEHIND_SENDER);
  fx_run_close(&run);
}

/* Control: a receiver whose policy is newer than the sender's is fine. */
static void test_policy_newer_than_sender_accepted(void) {
  fx_run run;
  W.receiver_params.policy_version = FX_POLICY_VERSION + 1;
  HT_CHECK(start(&run));
  W.receiver_params.policy_version = FX_POLICY_VERSION;
  HT_CHECK_EQ_INT(accept(&run, &run.key, FX_T0 + 1200), HV_PROTO_OK);
  fx_run_close(&run);
}

/* Another allowed build on this platform, given the transcript by the
 * host, makes a KEY that binds it: not the enclave we challenged. */
static void test_sender_not_challenger(void) {
  fx_run run;
  hv_proto_key key;
  fx_msg forged;
  uint8_t ti[HV_TEE_TARGET_INFO_LEN];
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_tee_target_info(W.new_tee, ti), HV_TEE_OK);
  HT_CHECK(fx_forge_key(W.third_tee, &run, ti, W.identity_pub, W.identity_secret, &key) == 0);
  HT_CHECK(fx_encode_key(&key, &forged) == 0);
  HT_CHECK_EQ_INT(accept(&run, &forged, FX_T0 + 1200), HV_PROTO_ERR_SENDER_NOT_CHALLENGER);
  fx_run_close(&run);
}

/* A KEY from another exchange, replayed to a receiver of the same build:
 * its MAC verifies here, its transcript is not ours. */
static void test_key_from_other_exchange(void) {
  fx_run run, other;
  HT_CHECK(start(&run) && start(&other));
  HT_CHECK_EQ_INT(accept(&run, &other.key, FX_T0 + 1200), HV_PROTO_ERR_REPORT_BINDING);
  fx_run_close(&other);
  fx_run_close(&run);
}

/* I or S changed in a KEY (re-encoded): the report binds the old ones. */
static void test_key_identity_or_sender_key_changed(void) {
  for (int flip = 0; flip < 2; flip++) {
    fx_run run;
    hv_proto_msg m;
    fx_msg altered;
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(hv_proto_decode(run.key.b, run.key.n, &m), HV_PROTO_OK);
    if (flip == 0) m.u.key.identity_pub[0] ^= 1;
    if (flip == 1) m.u.key.sender_pub[0] ^= 1;
    HT_CHECK(fx_encode_key(&m.u.key, &altered) == 0);
    HT_CHECK_EQ_INT(accept(&run, &altered, FX_T0 + 1200), HV_PROTO_ERR_REPORT_BINDING);
    fx_run_close(&run);
  }
}

static void test_challenge_protocol_version_not_ours(void) {
  fx_run run;
  hv_proto_msg m;
  fx_msg altered;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_decode(run.challenge.b, run.challenge.n, &m), HV_PROTO_OK);
  m.u.challenge.protocol_version = 1; /* before DONE was authenticated */
  HT_CHECK_EQ_INT(hv_proto_encode(&m, altered.b, sizeof altered.b, &altered.n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(accept(&run, &altered, FX_T0 + 10), HV_PROTO_ERR_VERSION);
  fx_run_close(&run);
}

/* A low-order sender key (all-zero shared secret), bound by an honest
 * report: refused as an out-of-range value, no secret. */
static void test_low_order_sender_key(void) {
  static const uint8_t low_order[][HV_PROTO_KEY_LEN] = {{0}, {1}};
  for (size_t i = 0; i < sizeof low_order / sizeof low_order[0]; i++) {
    fx_run run;
    hv_proto_msg m;
    fx_msg altered;
    HT_CHECK(start(&run));
    HT_CHECK_EQ_INT(hv_proto_decode(run.key.b, run.key.n, &m), HV_PROTO_OK);
    memcpy(m.u.key.sender_pub, low_order[i], HV_PROTO_KEY_LEN);
    HT_CHECK(rereport(&run, &m.u.key));
    HT_CHECK(fx_encode_key(&m.u.key, &altered) == 0);
    HT_CHECK_EQ_INT(accept(&run, &altered, FX_T0 + 1200), HV_PROTO_ERR_FIELD_VALUE);
    fx_run_close(&run);
  }
}

static void test_out_of_order(void) {
  fx_run run;
  fx_msg out;
  HT_CHECK(start(&run));
  /* The sender never takes a CHALLENGE or a KEY. */
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0, &W.head, run.key.b, run.key.n,
                                         out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_UNEXPECTED);
  HT_CHECK_EQ_INT(fx_error_code(out.b, out.n), HV_PROTO_ERR_UNEXPECTED);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0, &W.head, run.challenge.b,
                                         run.challenge.n, out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_UNEXPECTED);
  /* The receiver waits for a KEY: a second CHALLENGE is refused, for good. */
  HT_CHECK_EQ_INT(accept(&run, &run.challenge, FX_T0 + 1200), HV_PROTO_ERR_UNEXPECTED);
  HT_CHECK_EQ_INT(accept(&run, &run.key, FX_T0 + 1200), HV_PROTO_ERR_FAILED_BEFORE);
  fx_run_close(&run);
  /* A KEY before any CHALLENGE. */
  HT_CHECK(start(&run));
  fx_run other;
  HT_CHECK(fx_run_open(&W, &other) == 0);
  HT_CHECK_EQ_INT(hv_proto_receiver_hello(other.receiver, out.b, sizeof out.b, &out.n),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(accept(&other, &run.key, FX_T0 + 1200), HV_PROTO_ERR_UNEXPECTED);
  fx_run_close(&other);
  fx_run_close(&run);
}

static void test_malformed_truncated_oversized(void) {
  fx_run run;
  fx_msg bad, out;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_OK);
  bad = run.response;
  bad.n -= 1;
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1, &W.head, bad.b, bad.n,
                                         out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_TRUNCATED);
  HT_CHECK_EQ_INT(fx_error_code(out.b, out.n), HV_PROTO_ERR_TRUNCATED);
  bad = run.response;
  memset(bad.b + bad.n, 0, sizeof bad.b - bad.n);
  bad.n = HV_PROTO_MAX_MSG_LEN + 0; /* trailing zeros after the message */
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1, &W.head, bad.b, bad.n,
                                         out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_TRAILING);
  static uint8_t huge[HV_PROTO_MAX_MSG_LEN + 1];
  memcpy(huge, run.response.b, run.response.n);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1, &W.head, huge, sizeof huge,
                                         out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_OVERSIZED);
  bad = run.response;
  bad.b[6] ^= 0x80; /* the first record loses its critical bit */
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1, &W.head, bad.b, bad.n,
                                         out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_NOT_CRITICAL);
  /* None of that used the challenge: the real RESPONSE still gets the key. */
  HT_CHECK_EQ_INT(fx_to_key(&W, &run, FX_T0 + 2), HV_PROTO_OK);
  bad = run.key;
  bad.n = 100;
  HT_CHECK_EQ_INT(accept(&run, &bad, FX_T0 + 3), HV_PROTO_ERR_TRUNCATED);
  fx_run_close(&run);
}

static void test_peer_error_reported(void) {
  fx_run run;
  fx_msg err_msg, out;
  hv_proto_event ev;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(hv_proto_encode_error(HV_PROTO_ERR_EXCHANGE_WINDOW, "store failed", err_msg.b,
                                        sizeof err_msg.b, &err_msg.n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0, &W.head, err_msg.b, err_msg.n,
                                         out.b, sizeof out.b, &out.n, &ev),
                  HV_PROTO_ERR_PEER_ERROR);
  HT_CHECK_EQ_INT(out.n, 0); /* never an ERROR for an ERROR */
  HT_CHECK_EQ_INT(ev.peer_code, HV_PROTO_ERR_EXCHANGE_WINDOW);
  HT_CHECK(strcmp(ev.peer_text, "store failed") == 0);
  HT_CHECK_EQ_INT(hv_proto_receiver_handle(run.receiver, FX_T0, err_msg.b, err_msg.n, out.b,
                                           sizeof out.b, &out.n, &ev),
                  HV_PROTO_ERR_PEER_ERROR);
  HT_CHECK_EQ_INT(out.n, 0);
  fx_run_close(&run);
}

static void test_sender_keeps_its_key(void) {
  /* A sender that refused every kind of bad input still hands over. */
  fx_run run, bad;
  fx_msg out;
  HT_CHECK(fx_run_open(&W, &run) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &run, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&run, FX_T0), HV_PROTO_OK);
  const uint8_t junk[] = {0, 1, 0, 3, 0, 4, 0x80, 0x63, 0, 0};
  HT_CHECK(hv_proto_sender_handle(run.sender, FX_T0, &W.head, junk, sizeof junk, out.b,
                                  sizeof out.b, &out.n, NULL) != HV_PROTO_OK);
  HT_CHECK(fx_run_open(&W, &bad) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &bad, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&bad, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0, &W.head, bad.response.b,
                                         bad.response.n, out.b, sizeof out.b, &out.n, NULL),
                  HV_PROTO_ERR_CHALLENGE_UNKNOWN);
  HT_CHECK_EQ_INT(fx_to_key(&W, &run, FX_T0 + 1), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_accept_key(&run, FX_T0 + 2), HV_PROTO_OK);
  fx_run_close(&bad);
  fx_run_close(&run);
}

int main(void) {
  if (fx_open(&W) != 0) {
    fprintf(stderr, "cannot set up the sim enclaves\n");
    return 1;
  }
  HT_RUN(test_happy_path);
  HT_RUN(test_happy_path_with_plain_tee);
  HT_RUN(test_sender_report_targeted_at_another_enclave);
  HT_RUN(test_forged_key_control_accepted);
  HT_RUN(test_sender_report_from_another_platform);
  HT_RUN(test_sender_report_does_not_bind);
  HT_RUN(test_sender_not_in_policy);
  HT_RUN(test_tampered_ciphertext);
  HT_RUN(test_identity_key_mismatch);
  HT_RUN(test_exchange_outside_window);
  HT_RUN(test_receiver_refuses_other_kind_early);
  HT_RUN(test_production_receiver_refuses_dev_sender);
  HT_RUN(test_production_sender_accepted);
  HT_RUN(test_debug_sender_claiming_production);
  HT_RUN(test_sender_report_not_debug_for_dev_receiver);
  HT_RUN(test_policy_older_than_sender);
  HT_RUN(test_policy_newer_than_sender_accepted);
  HT_RUN(test_sender_not_challenger);
  HT_RUN(test_key_from_other_exchange);
  HT_RUN(test_key_identity_or_sender_key_changed);
  HT_RUN(test_challenge_protocol_version_not_ours);
  HT_RUN(test_low_order_sender_key);
  HT_RUN(test_out_of_order);
  HT_RUN(test_malformed_truncated_oversized);
  HT_RUN(test_peer_error_reported);
  HT_RUN(test_sender_keeps_its_key);
  fx_close(&W);
  return HT_DONE();
}
