/* The sender (the old build, which holds the key): HELLO -> CHALLENGE,
 * RESPONSE -> KEY, then an authenticated DONE, with the checks of DESIGN
 * section 8 in the order of docs/PROTOCOL.md. One sender serves every
 * connection; what it remembers between messages is only its table of
 * open challenges (and, for a KEY sent, the DONE it waits for). */
#include <stdlib.h>
#include <string.h>

#include "proto/exchange.h"

typedef struct {
  bool live;    /* the slot holds a challenge */
  bool used;    /* a RESPONSE presented it: never again */
  bool expired; /* seen past its window once: stays expired even if a
                   later trusted time reads earlier (quorum jitter) */
  uint64_t t0_ms;
  uint8_t nonce[HV_PROTO_NONCE_LEN];
  uint8_t digest[HV_PROTO_HASH_LEN]; /* SHA-256 of the exact bytes */
  /* A KEY went out for it: the DONE that may answer it names th. */
  bool key_sent;
  bool done;  /* its DONE was accepted: never again */
  uint8_t th[HV_PROTO_HASH_LEN];
  hv_tee_measurement receiver;
} open_challenge;

struct hv_proto_sender {
  hv_proto_px px;
  uint8_t secret[HV_PROTO_SECRET_LEN];
  uint8_t identity_pub[HV_PROTO_KEY_LEN];
  open_challenge table[HV_PROTO_MAX_OPEN_CHALLENGES];
  bool retired; /* the key moved: the secret is wiped */
};

hv_proto_error hv_proto_sender_new(const hv_proto_config *cfg,
                                   const uint8_t identity_secret[HV_PROTO_SECRET_LEN],
                                   hv_proto_sender **out) {
  if (!cfg || !identity_secret || !out) return HV_PROTO_ERR_ARGS;
  *out = NULL;
  hv_proto_sender *s = calloc(1, sizeof *s);
  if (!s) return HV_PROTO_ERR_INTERNAL;
  hv_proto_error err = hv_proto_px_init(&s->px, cfg);
  if (!err && hv_ed25519_public(identity_secret, s->identity_pub) != 0)
    err = HV_PROTO_ERR_ARGS;
  if (err) {
    hv_proto_sender_free(s);
    return err;
  }
  memcpy(s->secret, identity_secret, HV_PROTO_SECRET_LEN);
  *out = s;
  return HV_PROTO_OK;
}

void hv_proto_sender_retire(hv_proto_sender *s) {
  if (!s) return;
  hv_wipe(s->secret, sizeof s->secret);
  s->retired = true;
}

bool hv_proto_sender_retired(const hv_proto_sender *s) { return s && s->retired; }

void hv_proto_sender_free(hv_proto_sender *s) {
  if (!s) return;
  hv_proto_px_free(&s->px);
  hv_wipe(s, sizeof *s);
  free(s);
}

static bool past_window(const hv_proto_px *px, uint64_t t0, uint64_t now) {
  return now > t0 && now - t0 > px->params.response_window_ms;
}

static bool policy_expired(const hv_proto_px *px, uint64_t now) {
  return px->params.policy_expires_ms && now >= px->params.policy_expires_ms;
}

static bool same_build(const hv_tee_measurement *a, const hv_tee_measurement *b) {
  return !memcmp(a->mr_enclave, b->mr_enclave, HV_TEE_MR_LEN) &&
         !memcmp(a->mr_signer, b->mr_signer, HV_TEE_MR_LEN) &&
         a->isv_prod_id == b->isv_prod_id && a->isv_svn == b->isv_svn;
}

/* Does the council override waive `check` here: this identity, our build
 * as `from`, the receiver (NULL at HELLO: not known yet; the RESPONSE
 * checks it again) as `to`, before its expiry? */
static bool waived(const hv_proto_sender *s, hv_proto_error check,
                   const hv_tee_measurement *receiver, uint64_t now) {
  const hv_proto_override *o = &s->px.params.override;
  if (!o->waives || o->waives != check || now >= o->expires_ms) return false;
  hv_tee_measurement self;
  hv_proto_px_self(&s->px, &self);
  return hv_ct_equal(o->identity_pub, s->identity_pub, HV_PROTO_KEY_LEN) &&
         same_build(&o->from, &self) && (!receiver || same_build(&o->to, receiver));
}

/* The chain head may be a little ahead of trusted time (clock skew); an
 * old one, or one far ahead, is refused. A stale one only if the council
 * override does not waive chain-head-stale for this pair (then *used). */
static hv_proto_error check_head(const hv_proto_sender *s, const hv_proto_chain_head *head,
                                 uint64_t now, const hv_tee_measurement *receiver,
                                 bool *used) {
  const hv_proto_px *px = &s->px;
  if (now > head->time_ms && now - head->time_ms > px->params.max_chain_lag_ms) {
    if (!waived(s, HV_PROTO_ERR_CHAIN_STALE, receiver, now)) return HV_PROTO_ERR_CHAIN_STALE;
    *used = true;
  }
  if (head->time_ms > now && head->time_ms - now > HV_PROTO_CHAIN_HEAD_AHEAD_MS)
    return HV_PROTO_ERR_CHAIN_FUTURE;
  return HV_PROTO_OK;
}

static void sweep(hv_proto_sender *s, uint64_t now) {
  for (size_t i = 0; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++) {
    open_challenge *c = &s->table[i];
    if (c->live && past_window(&s->px, c->t0_ms, now)) c->expired = true;
  }
}

size_t hv_proto_sender_open_challenges(const hv_proto_sender *s, uint64_t now_ms) {
  size_t n = 0;
  for (size_t i = 0; s && i < HV_PROTO_MAX_OPEN_CHALLENGES; i++) {
    const open_challenge *c = &s->table[i];
    n += c->live && !c->used && !c->expired && !past_window(&s->px, c->t0_ms, now_ms);
  }
  return n;
}

static bool awaits_done(const open_challenge *c) { return c->key_sent && !c->done; }

/* A free slot, else the oldest one that can no longer be answered (used or
 * expired; one whose KEY awaits its DONE only once expired), else NULL:
 * live challenges are never evicted, so a flood of HELLOs can delay
 * handovers by one window but never cancel one. */
static open_challenge *free_slot(hv_proto_sender *s) {
  open_challenge *oldest = NULL;
  for (size_t i = 0; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++) {
    open_challenge *c = &s->table[i];
    if (!c->live) return c;
    bool done_with = c->expired || (c->used && !awaits_done(c));
    if (done_with && (!oldest || c->t0_ms < oldest->t0_ms)) oldest = c;
  }
  return oldest;
}

static hv_proto_error on_hello(hv_proto_sender *s, uint64_t now,
                               const hv_proto_chain_head *head, uint8_t *out,
                               size_t out_cap, size_t *out_len) {
  sweep(s, now);
  if (policy_expired(&s->px, now)) return HV_PROTO_ERR_POLICY_EXPIRED;
  bool used = false;
  hv_proto_error head_err = check_head(s, head, now, NULL, &used);
  if (head_err) return head_err;
  open_challenge *slot = free_slot(s);
  if (!slot) return HV_PROTO_ERR_TABLE_FULL;
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_CHALLENGE;
  hv_proto_challenge *c = &m.u.challenge;
  c->protocol_version = HV_PROTO_VERSION;
  c->kind = (uint16_t)hv_proto_px_kind(&s->px);
  c->dev_mode = hv_proto_px_dev_mode(&s->px);
  c->head = *head;
  c->t0_ms = now;
  c->policy_version = s->px.params.policy_version;
  uint8_t digest[HV_PROTO_HASH_LEN];
  hv_proto_error err = hv_proto_px_target_info(&s->px, c->target_info);
  if (!err) err = hv_proto_px_random(&s->px, c->nonce, sizeof c->nonce);
  if (!err) err = hv_proto_encode(&m, out, out_cap, out_len);
  if (!err && hv_sha256(out, *out_len, digest) != 0) err = HV_PROTO_ERR_INTERNAL;
  if (err) {
    *out_len = 0;
    return err;
  }
  memset(slot, 0, sizeof *slot);
  slot->live = true;
  slot->t0_ms = now;
  memcpy(slot->digest, digest, sizeof digest);
  memcpy(slot->nonce, c->nonce, sizeof slot->nonce);
  return HV_PROTO_OK;
}

/* The open challenge whose exact bytes the RESPONSE echoes. */
static open_challenge *lookup(hv_proto_sender *s, const hv_proto_response *r) {
  hv_proto_msg ch;
  uint8_t digest[HV_PROTO_HASH_LEN];
  if (hv_proto_decode(r->challenge, r->challenge_len, &ch) != HV_PROTO_OK ||
      ch.type != HV_PROTO_MSG_CHALLENGE ||
      hv_sha256(r->challenge, r->challenge_len, digest) != 0)
    return NULL;
  for (size_t i = 0; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++) {
    open_challenge *c = &s->table[i];
    if (c->live && hv_ct_equal(c->nonce, ch.u.challenge.nonce, HV_PROTO_NONCE_LEN) &&
        hv_ct_equal(c->digest, digest, sizeof digest))
      return c;
  }
  return NULL;
}

bool hv_proto_sender_response_live(hv_proto_sender *s, const uint8_t *in, size_t in_len) {
  hv_proto_msg m;
  if (!s || !in || hv_proto_decode(in, in_len, &m) != HV_PROTO_OK ||
      m.type != HV_PROTO_MSG_RESPONSE)
    return false;
  const open_challenge *c = lookup(s, &m.u.response);
  return c && !c->used && !c->expired;
}

static hv_proto_error check_challenge(hv_proto_sender *s, const hv_proto_response *r,
                                      uint64_t now, open_challenge **slot) {
  open_challenge *c = lookup(s, r);
  if (!c) return HV_PROTO_ERR_CHALLENGE_UNKNOWN;
  if (c->used) return HV_PROTO_ERR_CHALLENGE_REPLAYED;
  if (c->expired) return HV_PROTO_ERR_CHALLENGE_EXPIRED;
  c->used = true; /* usable once, whatever the outcome */
  *slot = c;
  if (now + HV_PROTO_T0_TOLERANCE_MS < c->t0_ms) return HV_PROTO_ERR_TIME_BEFORE_T0;
  if (past_window(&s->px, c->t0_ms, now)) return HV_PROTO_ERR_TIME_WINDOW;
  return HV_PROTO_OK;
}

static hv_proto_error check_report(const hv_proto_sender *s, const hv_proto_response *r) {
  uint8_t want[HV_TEE_REPORT_DATA_LEN], got[HV_TEE_REPORT_DATA_LEN];
  hv_proto_error err = hv_proto_px_verify(&s->px, r->report);
  if (err) return err;
  err = hv_proto_px_response_binding(r->challenge, r->challenge_len, r->receiver_pub, r->kind,
                               r->dev_mode, want);
  if (err) return err;
  hv_tee_report_data(r->report, got);
  return hv_ct_equal(want, got, sizeof want) ? HV_PROTO_OK : HV_PROTO_ERR_REPORT_BINDING;
}

static hv_proto_error check_receiver(const hv_proto_sender *s, const hv_proto_response *r,
                                     uint64_t now, hv_tee_measurement *receiver,
                                     bool *used) {
  bool dev = hv_proto_px_dev_mode(&s->px);
  if (r->kind != (uint16_t)hv_proto_px_kind(&s->px)) return HV_PROTO_ERR_ATTESTATION_KIND;
  /* The decision rests on the attested DEBUG bit: a debug launch of an
   * allowed build has the same MRENCLAVE and a valid MAC, and can claim
   * anything. The claim must agree too (it is what the report binds). */
  if (hv_tee_report_debug(r->report) != dev || r->dev_mode != dev)
    return HV_PROTO_ERR_DEV_MODE;
  hv_tee_measurement self;
  hv_proto_px_self(&s->px, &self);
  hv_tee_report_measurement(r->report, receiver);
  const hv_proto_runtime *theirs = hv_proto_px_find_runtime(&s->px, receiver);
  if (!theirs) return HV_PROTO_ERR_RECEIVER_NOT_ALLOWED;
  const hv_proto_runtime *ours = hv_proto_px_find_runtime(&s->px, &self);
  if (!ours) {
    /* The council named this receiver for our withdrawn build: its
     * allowlist entry (checked above) is still required, "newer" is
     * the council's word. */
    if (!waived(s, HV_PROTO_ERR_SELF_NOT_ALLOWED, receiver, now))
      return HV_PROTO_ERR_SELF_NOT_ALLOWED;
    *used = true;
    return HV_PROTO_OK;
  }
  if (theirs->added <= ours->added) return HV_PROTO_ERR_RECEIVER_NOT_NEWER;
  return HV_PROTO_OK;
}

static hv_proto_error send_key(hv_proto_sender *s, const hv_proto_response *r,
                               const uint8_t *in, size_t in_len, uint8_t *out,
                               size_t out_cap, size_t *out_len,
                               uint8_t th[HV_PROTO_HASH_LEN]) {
  uint8_t eph[HV_X25519_LEN], ti[HV_TEE_TARGET_INFO_LEN];
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_KEY;
  hv_tee_target_info_from_report(r->report, ti);
  hv_proto_px_key_input ki = {r->challenge, r->challenge_len, in, in_len, r->receiver_pub, ti};
  hv_proto_error err = hv_proto_px_random(&s->px, eph, sizeof eph);
  if (!err)
    err = hv_proto_px_build_key(&s->px, &ki, s->identity_pub, s->secret, eph, &m.u.key, th);
  hv_wipe(eph, sizeof eph);
  if (!err) err = hv_proto_encode(&m, out, out_cap, out_len);
  return err;
}

static hv_proto_error on_response(hv_proto_sender *s, uint64_t now,
                                  const hv_proto_chain_head *head, const hv_proto_msg *m,
                                  const uint8_t *in, size_t in_len, uint8_t *out,
                                  size_t out_cap, size_t *out_len, hv_proto_event *ev) {
  const hv_proto_response *r = &m->u.response;
  open_challenge *slot = NULL;
  uint8_t th[HV_PROTO_HASH_LEN];
  bool used = false;
  hv_proto_error err = check_challenge(s, r, now, &slot);
  if (!err && policy_expired(&s->px, now)) err = HV_PROTO_ERR_POLICY_EXPIRED;
  if (!err) err = check_report(s, r);
  if (!err) err = check_receiver(s, r, now, &ev->peer, &used);
  if (!err) err = check_head(s, head, now, &ev->peer, &used);
  ev->override_used = !err && used;
  if (!err) err = send_key(s, r, in, in_len, out, out_cap, out_len, th);
  ev->has_peer = err == HV_PROTO_OK;
  if (!err) {
    slot->key_sent = true;
    memcpy(slot->th, th, sizeof th);
    slot->receiver = ev->peer;
  }
  return err;
}

/* DONE: only for a KEY this sender sent and whose DONE it has not taken
 * yet, and only with the identity key's signature over that exchange's
 * transcript and the stored hash. A refusal changes nothing. */
static hv_proto_error on_done(hv_proto_sender *s, const hv_proto_done *d,
                              hv_proto_event *ev) {
  open_challenge *match = NULL;
  bool any = false;
  for (size_t i = 0; i < HV_PROTO_MAX_OPEN_CHALLENGES; i++) {
    open_challenge *c = &s->table[i];
    if (!c->live || !awaits_done(c)) continue;
    any = true;
    if (hv_ct_equal(c->th, d->transcript_hash, HV_PROTO_HASH_LEN)) match = c;
  }
  if (!any) return HV_PROTO_ERR_UNEXPECTED;
  if (!match) return HV_PROTO_ERR_DONE_OTHER_EXCHANGE;
  uint8_t msg[HV_PX_DONE_SIGNED_LEN];
  hv_proto_px_done_signed(match->th, d->stored_hash, msg);
  if (hv_ed25519_verify(s->identity_pub, msg, sizeof msg, d->signature) != 0)
    return HV_PROTO_ERR_DONE_UNAUTHENTICATED;
  match->done = true;
  memcpy(ev->stored_hash, d->stored_hash, HV_PROTO_HASH_LEN);
  memcpy(ev->transcript_hash, match->th, HV_PROTO_HASH_LEN);
  ev->peer = match->receiver;
  ev->has_peer = true;
  return HV_PROTO_OK;
}

static hv_proto_error dispatch(hv_proto_sender *s, uint64_t now,
                               const hv_proto_chain_head *head, const uint8_t *in,
                               size_t in_len, uint8_t *out, size_t out_cap,
                               size_t *out_len, hv_proto_event *ev) {
  hv_proto_msg m;
  hv_proto_error err = hv_proto_decode(in, in_len, &m);
  if (err) return err;
  ev->received = m.type;
  bool serving = m.type == HV_PROTO_MSG_HELLO || m.type == HV_PROTO_MSG_RESPONSE;
  if (serving && s->retired) return HV_PROTO_ERR_SENDER_RETIRED;
  switch (m.type) {
    case HV_PROTO_MSG_HELLO: return on_hello(s, now, head, out, out_cap, out_len);
    case HV_PROTO_MSG_RESPONSE:
      return on_response(s, now, head, &m, in, in_len, out, out_cap, out_len, ev);
    case HV_PROTO_MSG_DONE: return on_done(s, &m.u.done, ev);
    case HV_PROTO_MSG_ERROR:
      ev->peer_code = m.u.error.code;
      memcpy(ev->peer_text, m.u.error.text, sizeof ev->peer_text);
      return HV_PROTO_ERR_PEER_ERROR;
    default: return HV_PROTO_ERR_UNEXPECTED;
  }
}

hv_proto_error hv_proto_sender_handle(hv_proto_sender *s, uint64_t now_ms,
                                      const hv_proto_chain_head *head,
                                      const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t out_cap,
                                      size_t *out_len, hv_proto_event *ev) {
  hv_proto_event scratch;
  if (!ev) ev = &scratch;
  memset(ev, 0, sizeof *ev);
  if (!out_len) return HV_PROTO_ERR_ARGS;
  *out_len = 0;
  if (!s || !head || !out || (!in && in_len)) return HV_PROTO_ERR_ARGS;
  hv_proto_error err = dispatch(s, now_ms, head, in, in_len, out, out_cap, out_len, ev);
  /* An ERROR is never answered with an ERROR (no loops). */
  if (err && err != HV_PROTO_ERR_PEER_ERROR) hv_proto_px_reply_error(err, out, out_cap, out_len);
  return err;
}
