/* The receiver: the new build fetches the key from the running sender,
 * checks it, seals it to itself and stores it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"
#include "session/evidence.h"
#include "session/log.h"
#include "session/worker_int.h"
#include "sys/sys.h"

typedef struct {
  hv_session_worker *w;
  hv_session_time *time;
  hv_proto_receiver *r;
  int fd;
  int64_t deadline_ms;
  uint8_t in[HV_SESSION_FRAME_MAX], out[HV_SESSION_FRAME_MAX];
  size_t in_len, out_len;
  /* for the receipt: the RESPONSE sent, the KEY taken, its reading and
   * verdict, and the secret until the receipt is signed */
  uint8_t response[HV_SESSION_FRAME_MAX], key[HV_SESSION_FRAME_MAX];
  size_t response_len, key_len;
  hv_receipt_time t_key;
  hv_proto_error key_verdict;
  uint8_t secret[HV_PROTO_SECRET_LEN];
  hv_receipt receipt;
} session;

#define STEP(s, ...) hv_session_logf(&(s)->w->log, HV_SESSION_LOG_STEP, __VA_ARGS__)
#define FAIL(s, ...) hv_session_logf(&(s)->w->log, HV_SESSION_LOG_ERROR, __VA_ARGS__)

static hv_session_error send_out(session *s, const char *what) {
  hv_session_frame_error fe = hv_session_frame_write(s->fd, s->out, s->out_len, s->deadline_ms);
  if (fe != HV_SESSION_FRAME_OK) {
    FAIL(s, "sending %s: %s", what, hv_session_frame_error_name(fe));
    return HV_SESSION_ERR_TRANSPORT;
  }
  return HV_SESSION_OK;
}

static hv_session_error read_in(session *s, const char *what) {
  hv_session_frame_error fe =
      hv_session_frame_read(s->fd, s->in, sizeof s->in, &s->in_len, s->deadline_ms);
  if (fe != HV_SESSION_FRAME_OK) {
    FAIL(s, "waiting for %s: %s", what, hv_session_frame_error_name(fe));
    return HV_SESSION_ERR_TRANSPORT;
  }
  return HV_SESSION_OK;
}

/* When the two sides run under different policy versions, a refusal says
 * which each holds: the usual cause is a sender not yet given (SIGHUP)
 * the policy that lists this build. "" when equal or not yet known. */
static void policy_versions(const session *s, char *out, size_t cap) {
  uint64_t theirs = hv_proto_receiver_sender_policy_version(s->r);
  uint64_t ours = hv_session_worker_params(s->w)->policy_version;
  out[0] = '\0';
  if (theirs == 0 || theirs == ours) return;
  snprintf(out, cap, " (policy versions: the sender holds %llu, this receiver %llu%s)",
           (unsigned long long)theirs, (unsigned long long)ours,
           theirs < ours ? "; give the sender the newer policy and reload it (SIGHUP)" : "");
}

/* Feeds the last frame to the state machine. Only KEY is judged against
 * the time (PROTOCOL.md section 7: |now - T0| <= window), so only KEY
 * costs a trusted-time query; CHALLENGE gets 0, which any future time
 * check would refuse loudly rather than pass. */
static hv_session_error handle(session *s, const char *what, bool needs_time,
                               hv_proto_event *ev) {
  uint64_t now = 0;
  if (needs_time && hv_session_time_now(s->time, false, "receive:", &now) != HV_SESSION_OK) {
    FAIL(s, "no trusted time (see the evidence above)");
    return HV_SESSION_ERR_TIME;
  }
  hv_proto_error fe = needs_time ? hv_session_fresh_time(s->w, now, "receive:") : HV_PROTO_OK;
  if (fe != HV_PROTO_OK) {
    size_t n = 0;
    FAIL(s, "refused %s: %s", what, hv_proto_error_name(fe));
    if (hv_proto_encode_error((uint16_t)fe, hv_proto_error_name(fe), s->out, sizeof s->out,
                              &n) == HV_PROTO_OK) {
      s->out_len = n;
      (void)send_out(s, "ERROR");
    }
    return HV_SESSION_ERR_REFUSED;
  }
  memset(ev, 0, sizeof *ev);
  s->out_len = 0;
  hv_proto_error pe = hv_proto_receiver_handle(s->r, now, s->in, s->in_len, s->out,
                                               sizeof s->out, &s->out_len, ev);
  if (needs_time) {
    hv_session_time_agreed(s->time, &s->t_key);
    s->t_key.kind = HV_RECEIPT_TIME_KEY;
    s->t_key.time_ms = now;
    s->key_verdict = pe;
  }
  char versions[160];
  policy_versions(s, versions, sizeof versions);
  if (pe == HV_PROTO_ERR_PEER_ERROR) {
    FAIL(s, "the sender refused: %s (code %u)%s", ev->peer_text, ev->peer_code, versions);
    return HV_SESSION_ERR_REFUSED;
  }
  if (pe != HV_PROTO_OK) {
    FAIL(s, "refused %s: %s%s", what, hv_proto_error_name(pe),
         pe == HV_PROTO_ERR_POLICY_BEHIND_SENDER ? versions : "");
    if (s->out_len > 0) (void)send_out(s, "ERROR");
    return HV_SESSION_ERR_REFUSED;
  }
  return HV_SESSION_OK;
}

/* The receipt of this exchange to the store's log: completed (signed with
 * the identity just stored), or refused after the sender's report
 * verified (unsigned). */
static void record_receipt(session *s, bool completed) {
  hv_receipt *r = &s->receipt;
  memset(r, 0, sizeof *r);
  r->role = HV_RECEIPT_ROLE_RECEIVER;
  r->outcome = completed ? HV_RECEIPT_COMPLETED : HV_RECEIPT_REFUSED;
  r->error_code = completed ? 0 : (uint16_t)s->key_verdict;
  hv_receipt_error re =
      hv_receipt_from_exchange(r, s->response, s->response_len, s->key, s->key_len);
  if (re != HV_RECEIPT_OK) {
    hv_session_logf(&s->w->log, HV_SESSION_LOG_WARN, "receive: no receipt: %s",
             hv_receipt_error_name(re));
    return;
  }
  r->times[r->n_times++] = s->t_key;
  hv_session_record_receipt(s->w, r, completed ? s->secret : NULL, s->t_key.time_ms, "receive:");
}

static hv_session_error challenge_and_key(session *s) {
  hv_proto_event ev;
  hv_session_error rc;
  if (hv_proto_receiver_hello(s->r, s->out, sizeof s->out, &s->out_len) != HV_PROTO_OK)
    return HV_SESSION_ERR_SYSTEM;
  if ((rc = send_out(s, "HELLO")) != HV_SESSION_OK) return rc;
  STEP(s, "HELLO sent");
  if ((rc = read_in(s, "CHALLENGE")) != HV_SESSION_OK ||
      (rc = handle(s, "CHALLENGE", false, &ev)) != HV_SESSION_OK ||
      (rc = send_out(s, "RESPONSE")) != HV_SESSION_OK)
    return rc;
  STEP(s, "CHALLENGE received; RESPONSE sent (report for the sender, ephemeral X25519 key)");
  memcpy(s->response, s->out, s->out_len);
  s->response_len = s->out_len;
  if ((rc = read_in(s, "KEY")) != HV_SESSION_OK) return rc;
  memcpy(s->key, s->in, s->in_len);
  s->key_len = s->in_len;
  if ((rc = handle(s, "KEY", true, &ev)) != HV_SESSION_OK) {
    if (hv_session_refusal_after_report(s->key_verdict)) record_receipt(s, false);
    return rc;
  }
  char m[160];
  hv_session_measurement_line(&ev.peer, m, sizeof m);
  STEP(s, "KEY received: sender report verified, sender build allowed (%s), "
       "key decrypted and matches the announced identity", m);
  return HV_SESSION_OK;
}

/* Seals and stores the secret; pub receives the public identity. */
static hv_session_error store_key(session *s, uint8_t pub[HV_PROTO_KEY_LEN]) {
  if (hv_proto_receiver_take_secret(s->r, s->secret, pub) != HV_PROTO_OK) {
    FAIL(s, "taking the secret failed");
    return HV_SESSION_ERR_REFUSED;
  }
  /* kept (in s) until the receipt is signed, then wiped */
  hv_store_error se = hv_store_put_identity(s->w->store, s->secret);
  if (se != HV_STORE_OK) {
    FAIL(s, "storing the key: %s", hv_store_error_text(se));
    size_t len = 0;
    if (hv_proto_encode_error(HV_PROTO_ERR_INTERNAL, "receiver could not store the key",
                              s->out, sizeof s->out, &len) == HV_PROTO_OK) {
      s->out_len = len;
      (void)send_out(s, "ERROR");
    }
    return HV_SESSION_ERR_STORE;
  }
  char hex[2 * HV_PROTO_KEY_LEN + 1];
  hv_sys_hex(pub, HV_PROTO_KEY_LEN, hex);
  STEP(s, "key sealed to this build and stored: identity %s", hex);
  return HV_SESSION_OK;
}

/* Tells the sender the key is stored (DONE) and waits for it to close. */
static hv_session_error send_done(session *s, const uint8_t pub[HV_PROTO_KEY_LEN]) {
  /* What the store keeps in the clear is the public identity; the sealed
   * part never leaves the enclave, so DONE hashes the identity. */
  if (hv_proto_receiver_done(s->r, pub, HV_PROTO_KEY_LEN, s->out, sizeof s->out,
                             &s->out_len) != HV_PROTO_OK)
    return HV_SESSION_ERR_SYSTEM;
  hv_session_error rc = send_out(s, "DONE");
  if (rc != HV_SESSION_OK) return rc;
  /* The sender closes after it has read DONE; an ERROR instead means it
   * did not take it. */
  hv_session_frame_error fe =
      hv_session_frame_read(s->fd, s->in, sizeof s->in, &s->in_len, s->deadline_ms);
  if (fe == HV_SESSION_FRAME_OK) {
    hv_proto_event ev;
    (void)handle(s, "the answer to DONE", false, &ev);
    return HV_SESSION_ERR_REFUSED;
  }
  if (fe != HV_SESSION_FRAME_ERR_CLOSED) {
    FAIL(s, "waiting for the sender to take DONE: %s", hv_session_frame_error_name(fe));
    return HV_SESSION_ERR_TRANSPORT;
  }
  STEP(s, "DONE sent; the sender closed: handover complete");
  return HV_SESSION_OK;
}

static hv_session_error exchange(session *s, const uint8_t *expected_identity,
                                 hv_session_receive_result *out) {
  hv_proto_config cfg = {.tee = s->w->tee, .params = s->w->params,
                         .expected_identity = expected_identity};
  hv_proto_error pe = hv_proto_receiver_new(&cfg, &s->r);
  if (pe != HV_PROTO_OK) {
    FAIL(s, "starting the protocol: %s", hv_proto_error_name(pe));
    return HV_SESSION_ERR_REFUSED;
  }
  if (hv_session_frame_prepare(s->fd) != 0) {
    FAIL(s, "socket setup failed");
    return HV_SESSION_ERR_SYSTEM;
  }
  uint8_t pub[HV_PROTO_KEY_LEN];
  hv_session_error rc = challenge_and_key(s);
  if (rc == HV_SESSION_OK) rc = store_key(s, pub);
  if (rc == HV_SESSION_OK) rc = send_done(s, pub);
  if (rc == HV_SESSION_OK) record_receipt(s, true);
  hv_wipe(s->secret, sizeof s->secret);
  if (rc == HV_SESSION_OK) memcpy(out->identity, pub, sizeof pub);
  return rc;
}

hv_session_error hv_session_receive(hv_session_worker *w, int fd,
                                    hv_session_receive_result *out) {
  return hv_session_receive_expect(w, fd, NULL, out);
}

hv_session_error hv_session_receive_expect(hv_session_worker *w, int fd,
                                           const uint8_t expected_identity[HV_PROTO_KEY_LEN],
                                           hv_session_receive_result *out) {
  hv_session_receive_result ignored;
  if (!out) out = &ignored;
  memset(out, 0, sizeof *out);
  if (!w || fd < 0) return HV_SESSION_ERR_ARGS;
  session *s = calloc(1, sizeof *s);
  if (!s) return HV_SESSION_ERR_SYSTEM;
  s->w = w;
  s->fd = fd;
  s->deadline_ms = hv_session_monotonic_ms() +
                   (w->cfg.deadline_ms > 0 ? w->cfg.deadline_ms : HV_SESSION_DEADLINE_MS);
  char err[256];
  hv_session_error rc = HV_SESSION_ERR_ARGS;
  s->time = hv_session_time_new(&w->time_cfg, &w->log, err, sizeof err);
  if (!s->time) {
    FAIL(s, "trusted time: %s", err);
  } else {
    rc = exchange(s, expected_identity, out);
    hv_session_time_get_stats(s->time, &out->time);
  }
  if (s->r) hv_proto_receiver_free(s->r);
  hv_session_time_free(s->time);
  hv_wipe(s, sizeof *s);
  free(s);
  return rc;
}
