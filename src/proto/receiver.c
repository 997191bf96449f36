/* The receiver (the new build): HELLO, CHALLENGE -> RESPONSE, KEY ->
 * the identity secret for its caller, then DONE. One receiver is one
 * exchange; any refusal is final. */
#include <stdlib.h>
#include <string.h>

#include "proto/exchange.h"

/* The RESPONSE we send: header + records around the echoed challenge. */
#define MAX_RESPONSE_LEN (HV_PROTO_MAX_CHALLENGE_LEN + 512)

typedef enum {
  R_START,
  R_HELLO_SENT,
  R_RESPONSE_SENT,
  R_HAVE_SECRET,
  R_SECRET_TAKEN,
  R_DONE,
  R_FAILED,
} receiver_state;

struct hv_proto_receiver {
  hv_proto_px px;
  receiver_state state;
  uint8_t challenge[HV_PROTO_MAX_CHALLENGE_LEN];
  size_t challenge_len;
  uint64_t t0_ms;
  uint64_t sender_policy_version; /* from the CHALLENGE; trusted once TH is */
  uint8_t challenger[HV_TEE_MR_LEN]; /* mr_enclave the CHALLENGE's target
                                        info addresses */
  uint8_t response[MAX_RESPONSE_LEN];
  size_t response_len;
  uint8_t eph_priv[HV_X25519_LEN];
  uint8_t eph_pub[HV_X25519_LEN];
  uint8_t secret[HV_PROTO_SECRET_LEN]; /* kept until DONE is signed */
  uint8_t identity_pub[HV_PROTO_KEY_LEN];
  uint8_t th[HV_PROTO_HASH_LEN];       /* of the accepted KEY */
  bool has_expected;
  uint8_t expected_identity[HV_PROTO_KEY_LEN];
};

hv_proto_error hv_proto_receiver_new(const hv_proto_config *cfg, hv_proto_receiver **out) {
  if (!cfg || !out) return HV_PROTO_ERR_ARGS;
  *out = NULL;
  hv_proto_receiver *r = calloc(1, sizeof *r);
  if (!r) return HV_PROTO_ERR_INTERNAL;
  hv_proto_error err = hv_proto_px_init(&r->px, cfg);
  if (err) {
    hv_proto_receiver_free(r);
    return err;
  }
  if (cfg->expected_identity) {
    r->has_expected = true;
    memcpy(r->expected_identity, cfg->expected_identity, HV_PROTO_KEY_LEN);
  }
  *out = r;
  return HV_PROTO_OK;
}

void hv_proto_receiver_free(hv_proto_receiver *r) {
  if (!r) return;
  hv_proto_px_free(&r->px);
  hv_wipe(r, sizeof *r);
  free(r);
}

static void wipe_secrets(hv_proto_receiver *r) {
  hv_wipe(r->eph_priv, sizeof r->eph_priv);
  hv_wipe(r->secret, sizeof r->secret);
}

hv_proto_error hv_proto_receiver_hello(hv_proto_receiver *r, uint8_t *out,
                                       size_t out_cap, size_t *out_len) {
  if (!r || !out || !out_len) return HV_PROTO_ERR_ARGS;
  *out_len = 0;
  if (r->state != R_START) return HV_PROTO_ERR_UNEXPECTED;
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_HELLO;
  hv_proto_error err = hv_proto_encode(&m, out, out_cap, out_len);
  if (!err) r->state = R_HELLO_SENT;
  return err;
}

/* Early refusals the sender would make anyway, plus the receiver's own
 * side of "kinds and dev mode match": a production build never takes a
 * key that lived in a dev enclave. The challenge is authenticated later,
 * through the transcript the KEY report binds. */
static hv_proto_error check_challenge(const hv_proto_receiver *r, const hv_proto_challenge *c) {
  if (c->protocol_version != HV_PROTO_VERSION) return HV_PROTO_ERR_VERSION;
  if (c->kind != (uint16_t)hv_proto_px_kind(&r->px)) return HV_PROTO_ERR_ATTESTATION_KIND;
  if (c->dev_mode != hv_proto_px_dev_mode(&r->px)) return HV_PROTO_ERR_DEV_MODE;
  return HV_PROTO_OK;
}

static hv_proto_error on_challenge(hv_proto_receiver *r, const hv_proto_challenge *c,
                                   const uint8_t *in, size_t in_len, uint8_t *out,
                                   size_t out_cap, size_t *out_len) {
  hv_proto_error err = check_challenge(r, c);
  if (err) return err;
  if (in_len > sizeof r->challenge) return HV_PROTO_ERR_FIELD_LENGTH;
  memcpy(r->challenge, in, in_len);
  r->challenge_len = in_len;
  r->t0_ms = c->t0_ms;
  r->sender_policy_version = c->policy_version;
  hv_tee_target_info_mr_enclave(c->target_info, r->challenger);
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_RESPONSE;
  hv_proto_response *resp = &m.u.response;
  resp->challenge = r->challenge;
  resp->challenge_len = r->challenge_len;
  resp->kind = (uint16_t)hv_proto_px_kind(&r->px);
  resp->dev_mode = hv_proto_px_dev_mode(&r->px);
  uint8_t rd[HV_TEE_REPORT_DATA_LEN];
  err = hv_proto_px_random(&r->px, r->eph_priv, sizeof r->eph_priv);
  if (!err && hv_x25519_public(r->eph_priv, r->eph_pub) != 0) err = HV_PROTO_ERR_INTERNAL;
  if (err) return err;
  memcpy(resp->receiver_pub, r->eph_pub, HV_PROTO_KEY_LEN);
  err = hv_proto_px_response_binding(r->challenge, r->challenge_len, r->eph_pub, resp->kind,
                               resp->dev_mode, rd);
  if (!err) err = hv_proto_px_report(&r->px, c->target_info, rd, resp->report);
  if (!err) err = hv_proto_encode(&m, r->response, sizeof r->response, &r->response_len);
  if (err) return err;
  if (r->response_len > out_cap) return HV_PROTO_ERR_OUT_SPACE;
  memcpy(out, r->response, r->response_len);
  *out_len = r->response_len;
  r->state = R_RESPONSE_SENT;
  return HV_PROTO_OK;
}

static bool outside_window(const hv_proto_receiver *r, uint64_t now) {
  uint64_t d = now > r->t0_ms ? now - r->t0_ms : r->t0_ms - now;
  return d > r->px.params.response_window_ms;
}

static hv_proto_error check_key(const hv_proto_receiver *r, const hv_proto_key *k,
                                uint64_t now, uint8_t th[HV_PROTO_HASH_LEN],
                                hv_tee_measurement *sender) {
  uint8_t want[HV_TEE_REPORT_DATA_LEN], got[HV_TEE_REPORT_DATA_LEN];
  hv_proto_error err = hv_proto_px_verify(&r->px, k->report);
  if (!err)
    err = hv_proto_px_transcript(r->challenge, r->challenge_len, r->response, r->response_len,
                           k->identity_pub, k->sender_pub, th);
  if (!err) err = hv_proto_px_key_binding(th, k, want);
  if (err) return err;
  hv_tee_report_data(k->report, got);
  if (!hv_ct_equal(want, got, sizeof want)) return HV_PROTO_ERR_REPORT_BINDING;
  /* From here on the challenge and response are authenticated (TH). On a
   * machine with several workers the host picks the sender: the caller
   * may name the identity it came for. */
  if (r->has_expected &&
      !hv_ct_equal(k->identity_pub, r->expected_identity, HV_PROTO_KEY_LEN))
    return HV_PROTO_ERR_IDENTITY_NOT_EXPECTED;
  hv_tee_report_measurement(k->report, sender);
  if (memcmp(sender->mr_enclave, r->challenger, HV_TEE_MR_LEN) != 0)
    return HV_PROTO_ERR_SENDER_NOT_CHALLENGER;
  /* The attested DEBUG bit, not the CHALLENGE's claim (checked early). */
  if (hv_tee_report_debug(k->report) != hv_proto_px_dev_mode(&r->px)) return HV_PROTO_ERR_DEV_MODE;
  if (!hv_proto_px_find_runtime(&r->px, sender)) return HV_PROTO_ERR_SENDER_NOT_ALLOWED;
  /* A fresh receiver has no "newest policy seen": without this the host
   * could hand it a policy older than the one the sender runs under. */
  if (r->sender_policy_version > r->px.params.policy_version)
    return HV_PROTO_ERR_POLICY_BEHIND_SENDER;
  if (outside_window(r, now)) return HV_PROTO_ERR_EXCHANGE_WINDOW;
  if (r->px.params.policy_expires_ms && now >= r->px.params.policy_expires_ms)
    return HV_PROTO_ERR_POLICY_EXPIRED;
  return HV_PROTO_OK;
}

static hv_proto_error open_key(hv_proto_receiver *r, const hv_proto_key *k,
                               const uint8_t th[HV_PROTO_HASH_LEN]) {
  uint8_t okm[HV_PX_OKM_LEN], pub[HV_PROTO_KEY_LEN];
  hv_proto_error err = hv_proto_px_derive(r->eph_priv, k->sender_pub, th, okm);
  if (!err && hv_gcm_open(okm, HV_GCM_KEY_LEN, okm + HV_GCM_KEY_LEN, th,
                          HV_PROTO_HASH_LEN, k->ciphertext, HV_PROTO_CIPHERTEXT_LEN,
                          r->secret) != 0)
    err = HV_PROTO_ERR_DECRYPT;
  hv_wipe(okm, sizeof okm);
  if (!err && hv_ed25519_public(r->secret, pub) != 0) err = HV_PROTO_ERR_INTERNAL;
  if (!err && !hv_ct_equal(pub, k->identity_pub, sizeof pub))
    err = HV_PROTO_ERR_IDENTITY_MISMATCH;
  if (!err) memcpy(r->identity_pub, pub, sizeof pub);
  return err;
}

static hv_proto_error on_key(hv_proto_receiver *r, const hv_proto_key *k, uint64_t now,
                             hv_proto_event *ev) {
  uint8_t th[HV_PROTO_HASH_LEN];
  hv_proto_error err = check_key(r, k, now, th, &ev->peer);
  if (!err) err = open_key(r, k, th);
  hv_wipe(r->eph_priv, sizeof r->eph_priv);
  if (err) return err;
  memcpy(r->th, th, sizeof th);
  ev->has_peer = true;
  r->state = R_HAVE_SECRET;
  return HV_PROTO_OK;
}

static hv_proto_error dispatch(hv_proto_receiver *r, uint64_t now, const uint8_t *in,
                               size_t in_len, uint8_t *out, size_t out_cap,
                               size_t *out_len, hv_proto_event *ev) {
  hv_proto_msg m;
  hv_proto_error err = hv_proto_decode(in, in_len, &m);
  if (err) return err;
  ev->received = m.type;
  if (m.type == HV_PROTO_MSG_ERROR) {
    ev->peer_code = m.u.error.code;
    memcpy(ev->peer_text, m.u.error.text, sizeof ev->peer_text);
    return HV_PROTO_ERR_PEER_ERROR;
  }
  if (r->state == R_HELLO_SENT && m.type == HV_PROTO_MSG_CHALLENGE)
    return on_challenge(r, &m.u.challenge, in, in_len, out, out_cap, out_len);
  if (r->state == R_RESPONSE_SENT && m.type == HV_PROTO_MSG_KEY)
    return on_key(r, &m.u.key, now, ev);
  return HV_PROTO_ERR_UNEXPECTED;
}

hv_proto_error hv_proto_receiver_handle(hv_proto_receiver *r, uint64_t now_ms,
                                        const uint8_t *in, size_t in_len,
                                        uint8_t *out, size_t out_cap,
                                        size_t *out_len, hv_proto_event *ev) {
  hv_proto_event scratch;
  if (!ev) ev = &scratch;
  memset(ev, 0, sizeof *ev);
  if (!out_len) return HV_PROTO_ERR_ARGS;
  *out_len = 0;
  if (!r || !out || (!in && in_len)) return HV_PROTO_ERR_ARGS;
  hv_proto_error err = r->state == R_FAILED
                           ? HV_PROTO_ERR_FAILED_BEFORE
                           : dispatch(r, now_ms, in, in_len, out, out_cap, out_len, ev);
  if (err) {
    r->state = R_FAILED;
    wipe_secrets(r);
    if (err != HV_PROTO_ERR_PEER_ERROR) hv_proto_px_reply_error(err, out, out_cap, out_len);
  }
  return err;
}

hv_proto_error hv_proto_receiver_take_secret(hv_proto_receiver *r,
                                             uint8_t secret[HV_PROTO_SECRET_LEN],
                                             uint8_t identity_pub[HV_PROTO_KEY_LEN]) {
  if (!r || !secret || !identity_pub) return HV_PROTO_ERR_ARGS;
  if (r->state != R_HAVE_SECRET) return HV_PROTO_ERR_UNEXPECTED;
  memcpy(secret, r->secret, HV_PROTO_SECRET_LEN);
  memcpy(identity_pub, r->identity_pub, HV_PROTO_KEY_LEN);
  r->state = R_SECRET_TAKEN;
  return HV_PROTO_OK;
}

hv_proto_error hv_proto_receiver_done(hv_proto_receiver *r, const uint8_t *stored,
                                      size_t stored_len, uint8_t *out, size_t out_cap,
                                      size_t *out_len) {
  if (!r || (!stored && stored_len) || !out || !out_len) return HV_PROTO_ERR_ARGS;
  *out_len = 0;
  if (r->state != R_SECRET_TAKEN) return HV_PROTO_ERR_UNEXPECTED;
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_DONE;
  hv_proto_done *d = &m.u.done;
  uint8_t msg[HV_PX_DONE_SIGNED_LEN];
  hv_proto_error err = HV_PROTO_OK;
  if (hv_sha256(stored, stored_len, d->stored_hash) != 0) err = HV_PROTO_ERR_INTERNAL;
  memcpy(d->transcript_hash, r->th, HV_PROTO_HASH_LEN);
  hv_proto_px_done_signed(r->th, d->stored_hash, msg);
  /* The proof that this receiver decrypted the key: only the identity
   * secret signs; the stored hash says what it kept. */
  if (!err && hv_ed25519_sign(r->secret, msg, sizeof msg, d->signature) != 0)
    err = HV_PROTO_ERR_INTERNAL;
  if (!err) err = hv_proto_encode(&m, out, out_cap, out_len);
  if (!err) {
    hv_wipe(r->secret, sizeof r->secret);
    r->state = R_DONE;
  }
  return err;
}
