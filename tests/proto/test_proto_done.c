/* The move (issue 11): DONE is accepted only after this sender's KEY and
 * only with the identity key's signature over that exchange's transcript
 * and the stored hash; a refused DONE changes nothing; a retired sender
 * serves no one; a receiver told which identity to expect refuses another.
 * Each refusal flips exactly one condition of an exchange that succeeds. */
#include <string.h>

#include "fixture.h"
#include "harness.h"

static fx_world W;

/* A whole exchange up to the DONE the receiver wrote (not yet sent). */
static bool start(fx_run *run) {
  return fx_run_open(&W, run) == 0 && fx_to_challenge(&W, run, FX_T0) == HV_PROTO_OK &&
         fx_to_response(run, FX_T0 + 10) == HV_PROTO_OK &&
         fx_to_key(&W, run, FX_T0 + 1000) == HV_PROTO_OK &&
         fx_to_done(run, FX_T0 + 1200) == HV_PROTO_OK;
}

/* The sender's verdict on msg; a refusal answers with an ERROR of the
 * same code, an acceptance with nothing. */
static hv_proto_error deliver(hv_proto_sender *s, const fx_msg *msg, hv_proto_event *ev) {
  fx_msg out;
  hv_proto_error err = hv_proto_sender_handle(s, FX_T0 + 1300, &W.head, msg->b, msg->n,
                                              out.b, sizeof out.b, &out.n, ev);
  if (err) HT_CHECK_EQ_INT(fx_error_code(out.b, out.n), err);
  else HT_CHECK_EQ_INT(out.n, 0);
  return err;
}

/* run's DONE with fields replaced, signed by signer (NULL: kept as sent). */
static void altered_done(const fx_run *run, const uint8_t *stored_hash, const uint8_t *th,
                         const uint8_t *signer, fx_msg *out) {
  hv_proto_msg m;
  HT_CHECK_EQ_INT(hv_proto_decode(run->done.b, run->done.n, &m), HV_PROTO_OK);
  if (stored_hash) memcpy(m.u.done.stored_hash, stored_hash, HV_PROTO_HASH_LEN);
  if (th) memcpy(m.u.done.transcript_hash, th, HV_PROTO_HASH_LEN);
  if (signer) {
    uint8_t signed_bytes[HV_PX_DONE_SIGNED_LEN];
    hv_proto_px_done_signed(m.u.done.transcript_hash, m.u.done.stored_hash, signed_bytes);
    HT_CHECK(hv_ed25519_sign(signer, signed_bytes, sizeof signed_bytes,
                             m.u.done.signature) == 0);
  }
  HT_CHECK_EQ_INT(hv_proto_encode(&m, out->b, sizeof out->b, &out->n), HV_PROTO_OK);
}

static void test_done_accepted_after_key(void) {
  fx_run run;
  hv_proto_event ev;
  hv_proto_msg key;
  uint8_t th[HV_PROTO_HASH_LEN], want[HV_PROTO_HASH_LEN];
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(run.done.n, 146); /* the size PROTOCOL.md states */
  HT_CHECK_EQ_INT(deliver(run.sender, &run.done, &ev), HV_PROTO_OK);
  HT_CHECK_EQ_INT(ev.received, HV_PROTO_MSG_DONE);
  HT_CHECK_EQ_INT(hv_proto_decode(run.key.b, run.key.n, &key), HV_PROTO_OK);
  HT_CHECK(fx_transcript(&run, &key.u.key, th) == 0);
  HT_CHECK_MEM(ev.transcript_hash, th, sizeof th);
  HT_CHECK(hv_sha256((const uint8_t *)FX_STORED, sizeof FX_STORED - 1, want) == 0);
  HT_CHECK_MEM(ev.stored_hash, want, sizeof want);
  HT_CHECK(ev.has_peer);
  HT_CHECK_MEM(ev.peer.mr_enclave, W.new_m.mr_enclave, HV_TEE_MR_LEN);
  /* Taken once: the same DONE again has no KEY left to answer. */
  HT_CHECK_EQ_INT(deliver(run.sender, &run.done, &ev), HV_PROTO_ERR_UNEXPECTED);
  fx_run_close(&run);
}

/* The attack of the issue: a lone DONE (no HELLO, no KEY before it). */
static void test_lone_done_unexpected(void) {
  fx_run run, fresh;
  HT_CHECK(start(&run));
  HT_CHECK(fx_run_open(&W, &fresh) == 0);
  HT_CHECK_EQ_INT(deliver(fresh.sender, &run.done, NULL), HV_PROTO_ERR_UNEXPECTED);
  /* After a CHALLENGE but before any KEY: still unexpected. */
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &fresh, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(deliver(fresh.sender, &run.done, NULL), HV_PROTO_ERR_UNEXPECTED);
  /* A refused KEY request leaves no KEY to answer either. */
  HT_CHECK_EQ_INT(fx_to_response(&fresh, FX_T0 + 10), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_key(&W, &fresh, FX_T0 + FX_WINDOW + 1), HV_PROTO_ERR_TIME_WINDOW);
  HT_CHECK_EQ_INT(deliver(fresh.sender, &run.done, NULL), HV_PROTO_ERR_UNEXPECTED);
  fx_run_close(&run);
  fx_run_close(&fresh);
}

static void test_done_signature_altered(void) {
  fx_run run;
  fx_msg bad;
  HT_CHECK(start(&run));
  bad = run.done;
  bad.b[bad.n - 1] ^= 1; /* the last byte of the signature */
  HT_CHECK_EQ_INT(deliver(run.sender, &bad, NULL), HV_PROTO_ERR_DONE_UNAUTHENTICATED);
  /* Nothing changed: the true DONE is still taken. */
  HT_CHECK_EQ_INT(deliver(run.sender, &run.done, NULL), HV_PROTO_OK);
  fx_run_close(&run);
}

static void test_done_stored_hash_altered(void) {
  fx_run run;
  fx_msg bad;
  uint8_t other[HV_PROTO_HASH_LEN];
  memset(other, 0xee, sizeof other);
  HT_CHECK(start(&run));
  altered_done(&run, other, NULL, NULL, &bad);
  HT_CHECK_EQ_INT(deliver(run.sender, &bad, NULL), HV_PROTO_ERR_DONE_UNAUTHENTICATED);
  HT_CHECK_EQ_INT(deliver(run.sender, &run.done, NULL), HV_PROTO_OK);
  fx_run_close(&run);
}

/* Signed properly, over the right transcript, by a key that is not the
 * identity: the host cannot make up a DONE. */
static void test_done_signed_by_another_key(void) {
  fx_run run;
  fx_msg bad, control;
  uint8_t other[HV_PROTO_SECRET_LEN];
  memset(other, 0x42, sizeof other);
  HT_CHECK(start(&run));
  altered_done(&run, NULL, NULL, other, &bad);
  HT_CHECK_EQ_INT(deliver(run.sender, &bad, NULL), HV_PROTO_ERR_DONE_UNAUTHENTICATED);
  altered_done(&run, NULL, NULL, W.identity_secret, &control); /* re-signed, same key */
  HT_CHECK_EQ_INT(deliver(run.sender, &control, NULL), HV_PROTO_OK);
  fx_run_close(&run);
}

/* A valid DONE of another exchange (another sender's KEY). */
static void test_done_of_other_exchange(void) {
  fx_run a, b;
  HT_CHECK(start(&a) && start(&b));
  fx_msg relabelled;
  hv_proto_msg bm;
  HT_CHECK_EQ_INT(deliver(b.sender, &a.done, NULL), HV_PROTO_ERR_DONE_OTHER_EXCHANGE);
  /* a's DONE naming b's transcript: its signature is over a's. */
  HT_CHECK_EQ_INT(hv_proto_decode(b.done.b, b.done.n, &bm), HV_PROTO_OK);
  altered_done(&a, NULL, bm.u.done.transcript_hash, NULL, &relabelled);
  HT_CHECK_EQ_INT(deliver(b.sender, &relabelled, NULL), HV_PROTO_ERR_DONE_UNAUTHENTICATED);
  HT_CHECK_EQ_INT(deliver(b.sender, &b.done, NULL), HV_PROTO_OK);
  HT_CHECK_EQ_INT(deliver(a.sender, &a.done, NULL), HV_PROTO_OK);
  fx_run_close(&a);
  fx_run_close(&b);
}

static void test_retired_sender_serves_no_one(void) {
  fx_run run, next;
  HT_CHECK(start(&run));
  HT_CHECK_EQ_INT(deliver(run.sender, &run.done, NULL), HV_PROTO_OK);
  HT_CHECK(!hv_proto_sender_retired(run.sender));
  hv_proto_sender_retire(run.sender);
  HT_CHECK(hv_proto_sender_retired(run.sender));
  /* A second receiver: its HELLO is refused by name. */
  HT_CHECK(fx_run_open(&W, &next) == 0);
  HT_CHECK_EQ_INT(hv_proto_receiver_hello(next.receiver, next.hello.b, sizeof next.hello.b,
                                          &next.hello.n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(deliver(run.sender, &next.hello, NULL), HV_PROTO_ERR_SENDER_RETIRED);
  /* A RESPONSE to a challenge issued before retiring: refused too. */
  fx_run early;
  HT_CHECK(fx_run_open(&W, &early) == 0);
  HT_CHECK_EQ_INT(fx_to_challenge(&W, &early, FX_T0), HV_PROTO_OK);
  HT_CHECK_EQ_INT(fx_to_response(&early, FX_T0 + 10), HV_PROTO_OK);
  hv_proto_sender_retire(early.sender);
  HT_CHECK_EQ_INT(deliver(early.sender, &early.response, NULL), HV_PROTO_ERR_SENDER_RETIRED);
  fx_run_close(&run);
  fx_run_close(&next);
  fx_run_close(&early);
}

/* A receiver told which identity it came for. */
static hv_proto_error with_expected(const uint8_t *expected) {
  fx_run run;
  hv_proto_config rc;
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  HT_CHECK(fx_run_open(&W, &run) == 0);
  hv_proto_receiver_free(run.receiver);
  fx_receiver_config(&W, &rc);
  rc.expected_identity = expected;
  HT_CHECK_EQ_INT(hv_proto_receiver_new(&rc, &run.receiver), HV_PROTO_OK);
  hv_proto_error err = fx_to_challenge(&W, &run, FX_T0);
  if (!err) err = fx_to_response(&run, FX_T0 + 10);
  if (!err) err = fx_to_key(&W, &run, FX_T0 + 1000);
  if (!err) err = fx_accept_key(&run, FX_T0 + 1200);
  if (err) {
    HT_CHECK_EQ_INT(fx_error_code(run.done.b, run.done.n), err);
    HT_CHECK_EQ_INT(hv_proto_receiver_take_secret(run.receiver, secret, pub),
                    HV_PROTO_ERR_UNEXPECTED); /* nothing to store */
  }
  fx_run_close(&run);
  return err;
}

static void test_expected_identity(void) {
  uint8_t other[HV_PROTO_KEY_LEN];
  memcpy(other, W.identity_pub, sizeof other);
  other[31] ^= 1;
  HT_CHECK_EQ_INT(with_expected(W.identity_pub), HV_PROTO_OK);
  HT_CHECK_EQ_INT(with_expected(NULL), HV_PROTO_OK);
  HT_CHECK_EQ_INT(with_expected(other), HV_PROTO_ERR_IDENTITY_NOT_EXPECTED);
}

/* DONE before the secret was taken (stored): the receiver refuses to say it. */
static void test_receiver_done_only_after_take(void) {
  fx_run run;
  fx_msg out;
  HT_CHECK(fx_run_open(&W, &run) == 0 && fx_to_challenge(&W, &run, FX_T0) == HV_PROTO_OK &&
           fx_to_response(&run, FX_T0 + 10) == HV_PROTO_OK &&
           fx_to_key(&W, &run, FX_T0 + 1000) == HV_PROTO_OK &&
           fx_accept_key(&run, FX_T0 + 1200) == HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_receiver_done(run.receiver, (const uint8_t *)"x", 1, out.b,
                                         sizeof out.b, &out.n), HV_PROTO_ERR_UNEXPECTED);
  fx_run_close(&run);
}

/* A KEY awaiting its DONE keeps its slot only while its challenge lives:
 * a full table evicts it once expired, and its DONE is then unexpected. */
static void test_awaiting_slot_evicted_once_expired(void) {
  fx_run run;
  fx_msg ch;
  HT_CHECK(start(&run));
  for (int i = 1; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++)
    HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, FX_T0 + 1000, &W.head, run.hello.b,
                                           run.hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                    HV_PROTO_OK);
  uint64_t later = FX_T0 + 1000 + FX_WINDOW + 1;
  HT_CHECK_EQ_INT(hv_proto_sender_handle(run.sender, later, &W.head, run.hello.b,
                                         run.hello.n, ch.b, sizeof ch.b, &ch.n, NULL),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(deliver(run.sender, &run.done, NULL), HV_PROTO_ERR_UNEXPECTED);
  fx_run_close(&run);
}

int main(void) {
  if (fx_open(&W) != 0) return 2;
  HT_RUN(test_done_accepted_after_key);
  HT_RUN(test_lone_done_unexpected);
  HT_RUN(test_done_signature_altered);
  HT_RUN(test_done_stored_hash_altered);
  HT_RUN(test_done_signed_by_another_key);
  HT_RUN(test_done_of_other_exchange);
  HT_RUN(test_retired_sender_serves_no_one);
  HT_RUN(test_expected_identity);
  HT_RUN(test_receiver_done_only_after_take);
  HT_RUN(test_awaiting_slot_evicted_once_expired);
  fx_close(&W);
  return HT_DONE();
}
