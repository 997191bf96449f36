/* libFuzzer target: the state machines behind the decoder. The world is
 * the one of the test vectors (docs/PROTOCOL.md): same platform secret,
 * enclaves, randomness and times, so the challenge is always the same and
 * the vector RESPONSE and KEY in the seeds are valid starting points.
 *
 * First byte 0: the bytes after it go to a sender, as the answer to its
 * challenge. First byte 1: to a receiver that has answered the vector
 * challenge, as the KEY. First byte 2: to a sender that has sent the
 * vector KEY, as the DONE. Whatever is accepted must be right: a sender
 * answers with a KEY, a receiver only ever yields the true identity, and
 * a DONE is taken only when the identity key signed it over this
 * exchange's transcript. */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fx_world W;

static void close_world(void) { fx_close(&W); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (fx_open(&W) != 0) abort();
  atexit(close_world);
  return 0;
}

static fx_run RUN;

static void fuzz_sender(const uint8_t *in, size_t n) {
  fx_msg out;
  hv_proto_msg m;
  if (fx_to_challenge(&W, &RUN, FX_T0) != HV_PROTO_OK) abort();
  hv_proto_error err = hv_proto_sender_handle(RUN.sender, FX_T0 + 1000, &W.head, in, n,
                                              out.b, sizeof out.b, &out.n, NULL);
  /* Accepted: a CHALLENGE (for a HELLO), a KEY, or nothing (DONE). */
  if (err == HV_PROTO_OK && out.n > 0 &&
      (hv_proto_decode(out.b, out.n, &m) != HV_PROTO_OK ||
       (m.type != HV_PROTO_MSG_KEY && m.type != HV_PROTO_MSG_CHALLENGE)))
    abort();
  /* Refused: an ERROR naming the same check. */
  if (err != HV_PROTO_OK && err != HV_PROTO_ERR_PEER_ERROR &&
      fx_error_code(out.b, out.n) != (int)err)
    abort();
}

static void fuzz_receiver(const uint8_t *in, size_t n) {
  fx_msg out;
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  if (fx_to_challenge(&W, &RUN, FX_T0) != HV_PROTO_OK ||
      fx_to_response(&RUN, FX_T0 + 20) != HV_PROTO_OK)
    abort();
  hv_proto_error err = hv_proto_receiver_handle(RUN.receiver, FX_T0 + 1200, in, n, out.b,
                                                sizeof out.b, &out.n, NULL);
  hv_proto_error taken = hv_proto_receiver_take_secret(RUN.receiver, secret, pub);
  if ((err == HV_PROTO_OK) != (taken == HV_PROTO_OK)) abort();
  if (taken == HV_PROTO_OK && (memcmp(secret, W.identity_secret, sizeof secret) != 0 ||
                               memcmp(pub, W.identity_pub, sizeof pub) != 0))
    abort();
}

static void fuzz_done(const uint8_t *in, size_t n) {
  fx_msg out;
  hv_proto_event ev;
  hv_proto_msg m, key;
  uint8_t th[HV_PROTO_HASH_LEN], signed_bytes[HV_PX_DONE_SIGNED_LEN];
  if (fx_to_challenge(&W, &RUN, FX_T0) != HV_PROTO_OK ||
      fx_to_response(&RUN, FX_T0 + 20) != HV_PROTO_OK ||
      fx_to_key(&W, &RUN, FX_T0 + 1000) != HV_PROTO_OK ||
      hv_proto_decode(RUN.key.b, RUN.key.n, &key) != HV_PROTO_OK ||
      fx_transcript(&RUN, &key.u.key, th) != 0)
    abort();
  hv_proto_error err = hv_proto_sender_handle(RUN.sender, FX_T0 + 1300, &W.head, in, n,
                                              out.b, sizeof out.b, &out.n, &ev);
  if (err != HV_PROTO_OK || ev.received != HV_PROTO_MSG_DONE) return; /* a HELLO: fine */
  if (hv_proto_decode(in, n, &m) != HV_PROTO_OK || m.type != HV_PROTO_MSG_DONE ||
      memcmp(m.u.done.transcript_hash, th, sizeof th) != 0 ||
      memcmp(ev.transcript_hash, th, sizeof th) != 0)
    abort();
  hv_proto_px_done_signed(th, m.u.done.stored_hash, signed_bytes);
  if (hv_ed25519_verify(W.identity_pub, signed_bytes, sizeof signed_bytes,
                        m.u.done.signature) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  W.sender_rng.counter = W.receiver_rng.counter = 0;
  if (fx_run_open(&W, &RUN) != 0) abort();
  if (data[0] == 0)
    fuzz_sender(data + 1, size - 1);
  else if (data[0] == 1)
    fuzz_receiver(data + 1, size - 1);
  else if (data[0] == 2)
    fuzz_done(data + 1, size - 1);
  fx_run_close(&RUN);
  return 0;
}
