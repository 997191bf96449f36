/* The sender service: the old build, which holds the key and hands it to
 * an upgraded build, one handover per connection.
 *
 * Each connection gets its own protocol sender, so a challenge can only
 * be answered on the connection that asked for it and dies with it: open
 * challenges are bounded by HV_SESSION_MAX_CONNECTIONS, and a flood of
 * HELLOs from connections that go away holds nothing. A RESPONSE sent
 * twice on one connection is refused as a replay; on another connection
 * its challenge is unknown there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"
#include "session/evidence.h"
#include "session/log.h"
#include "session/sender_int.h"
#include "sys/sys.h"

#define SAY(s, level, ...) hv_session_logf(&(s)->worker->log, level, __VA_ARGS__)

/* A store whose key has moved serves no more: said by name, with where
 * it went. 0 when the store is not retired. */
static int refuse_retired_store(hv_session_sender *s) {
  hv_store_tombstone t;
  bool retired = false;
  hv_store_error se = hv_store_get_tombstone(s->worker->store, &retired, &t);
  if (se == HV_STORE_OK && !retired) return 0;
  if (se != HV_STORE_OK) {
    SAY(s, HV_SESSION_LOG_ERROR, "reading the tombstone: %s", hv_store_error_text(se));
    return -1;
  }
  char m[160], th[2 * HV_PROTO_HASH_LEN + 1];
  hv_session_measurement_line(&t.receiver, m, sizeof m);
  hv_sys_hex(t.transcript_hash, HV_PROTO_HASH_LEN, th);
  SAY(s, HV_SESSION_LOG_ERROR,
      "store retired: its key moved to %s at %llu ms (transcript %.16s...); not serving",
      m, (unsigned long long)t.time_ms, th);
  return -1;
}

hv_session_error hv_session_sender_new(hv_session_worker *w, const hv_proto_chain_head *head,
                                       const char *chain_head_file,
                                       hv_session_sender **out) {
  *out = NULL;
  if (!w || !head) return HV_SESSION_ERR_ARGS;
  hv_session_sender *s = calloc(1, sizeof *s);
  if (!s) return HV_SESSION_ERR_SYSTEM;
  s->worker = w;
  s->chain_head_file = chain_head_file;
  s->retires = hv_policy_get_after_handover(w->policy) == HV_POLICY_AFTER_HANDOVER_RETIRE;
  if (refuse_retired_store(s) != 0) {
    free(s);
    return HV_SESSION_ERR_STORE;
  }
  uint8_t pub[HV_ED25519_PUB_LEN];
  hv_store_error se = hv_store_get_identity(w->store, s->secret, pub);
  if (se != HV_STORE_OK) {
    SAY(s, HV_SESSION_LOG_ERROR, "unsealing the identity: %s", hv_store_error_text(se));
    free(s);
    return HV_SESSION_ERR_STORE;
  }
  hv_session_error rc = HV_SESSION_ERR_REFUSED;
  if (hv_session_fresh_override(w, pub) != 0) goto fail;
  /* A trial sender checks the configuration once, before any connection. */
  hv_proto_sender *trial;
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  hv_proto_error pe = hv_proto_sender_new(&cfg, s->secret, &trial);
  if (pe != HV_PROTO_OK) {
    SAY(s, HV_SESSION_LOG_ERROR, "starting the protocol: %s", hv_proto_error_name(pe));
    goto fail;
  }
  hv_proto_sender_free(trial);
  char why[160];
  pe = hv_session_admit_head(s, head, true, why, sizeof why);
  if (pe != HV_PROTO_OK) {
    SAY(s, HV_SESSION_LOG_ERROR, "%s (%s)", why, hv_proto_error_name(pe));
    goto fail;
  }
  if ((int64_t)(head->time_ms / 1000) > w->time_cfg.not_before_unix)
    w->time_cfg.not_before_unix = (int64_t)(head->time_ms / 1000);
  char err[256];
  s->time = hv_session_time_new(&w->time_cfg, &w->log, err, sizeof err);
  if (!s->time) {
    SAY(s, HV_SESSION_LOG_ERROR, "trusted time: %s", err);
    goto fail;
  }
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    hv_session_time_free(s->time);
    rc = HV_SESSION_ERR_SYSTEM;
    goto fail;
  }
  *out = s;
  return HV_SESSION_OK;
fail:
  hv_wipe(s->secret, sizeof s->secret);
  free(s);
  return rc;
}

void hv_session_sender_free(hv_session_sender *s) {
  if (!s) return;
  hv_session_time_free(s->time);
  hv_session_policy_gens_free(s->gens);
  pthread_mutex_destroy(&s->lock);
  hv_wipe(s, sizeof *s);
  free(s);
}

hv_session_time *hv_session_sender_time(hv_session_sender *s) { return s->time; }

void hv_session_sender_cancel(hv_session_sender *s) {
  if (s) hv_session_time_cancel(s->time);
}

bool hv_session_sender_retired(hv_session_sender *s) {
  pthread_mutex_lock(&s->lock);
  bool retired = s->retired;
  pthread_mutex_unlock(&s->lock);
  return retired;
}

typedef struct {
  int fd;
  int64_t deadline_ms;
  hv_proto_sender *sender; /* this connection's */
  bool holds_key_claim;    /* retiring: this connection may send the KEY */
  int64_t start_ms, time_ms; /* when it began; spent on trusted time */
  char tag[112];
  uint8_t in[HV_SESSION_FRAME_MAX];
  uint8_t out[HV_SESSION_FRAME_MAX];
  /* for the receipt: the RESPONSE taken, the KEY sent, the readings */
  uint8_t response[HV_SESSION_FRAME_MAX], key[HV_SESSION_FRAME_MAX];
  size_t response_len, key_len;
  hv_receipt_time t_challenge, t_response;
} conn_io;

static void release_key_claim(hv_session_sender *s, conn_io *io);

/* Best effort: tells the peer why we close (frames it cannot see fail). */
static void send_error(hv_session_sender *s, conn_io *io, hv_proto_error code,
                       const char *text) {
  release_key_claim(s, io); /* before the peer can hear of it and retry */
  size_t len = 0;
  if (hv_proto_encode_error((uint16_t)code, text, io->out, sizeof io->out, &len) ==
          HV_PROTO_OK && len > 0)
    if (hv_session_frame_write(io->fd, io->out, len, io->deadline_ms) != HV_SESSION_FRAME_OK)
      return; /* best effort: the connection closes either way */
}

/* The chain head for this message, recorded in the store when it changed
 * (the store refuses a lower block number than it has seen). HV_PROTO_OK,
 * or the code to tell the peer. Called with the lock held. */
static hv_proto_error current_head(hv_session_sender *s, conn_io *io,
                                   hv_proto_chain_head *head) {
  hv_proto_chain_head h = s->head;
  if (s->chain_head_file && hv_session_read_chain_head_file(s->chain_head_file, &h) != 0) {
    SAY(s, HV_SESSION_LOG_WARN, "%s refused: chain head file %s: %s", io->tag, s->chain_head_file,
        errno == EINVAL ? "not NUMBER:TIME_MS" : hv_sys_file_error(errno));
    return HV_PROTO_ERR_CHAIN_STALE;
  }
  char why[160];
  hv_proto_error err = hv_session_admit_head(s, &h, false, why, sizeof why);
  if (err != HV_PROTO_OK) {
    SAY(s, HV_SESSION_LOG_WARN, "%s refused: %s", io->tag, why);
    return err;
  }
  *head = h;
  return HV_PROTO_OK;
}

/* After an authenticated DONE under `after_handover retire`: the
 * tombstone first (the store's order: tombstone, then the sealed secret
 * wiped), then our copies. Even if the store fails, this process serves
 * no more: the key has moved. */
static void retire(hv_session_sender *s, conn_io *io, const hv_proto_event *ev,
                   uint64_t now) {
  hv_store_tombstone t = {.receiver = ev->peer, .time_ms = now};
  memcpy(t.transcript_hash, ev->transcript_hash, HV_PROTO_HASH_LEN);
  pthread_mutex_lock(&s->lock);
  hv_store_error se = hv_store_retire(s->worker->store, &t);
  hv_wipe(s->secret, sizeof s->secret);
  s->retired = true;
  pthread_mutex_unlock(&s->lock);
  hv_proto_sender_retire(io->sender);
  char m[160];
  hv_session_measurement_line(&ev->peer, m, sizeof m);
  if (se == HV_STORE_OK)
    SAY(s, HV_SESSION_LOG_INFO,
        "%s retired: the key moved to %s; tombstone recorded, sealed secret wiped; "
        "not serving any more", io->tag, m);
  else
    SAY(s, HV_SESSION_LOG_ERROR,
        "%s the key moved to %s but the store could not retire (%s): stopping; a "
        "restart would serve a key that lives on elsewhere", io->tag, m,
        hv_store_error_text(se));
}

/* The receiver's DONE was taken by the state machine (after our KEY
 * only, and authenticated): the handover is complete. */
static void done_taken(hv_session_sender *s, conn_io *io, const hv_proto_event *ev,
                       uint64_t now) {
  char h[2 * HV_PROTO_HASH_LEN + 1];
  hv_sys_hex(ev->stored_hash, HV_PROTO_HASH_LEN, h);
  SAY(s, HV_SESSION_LOG_INFO,
      "%s DONE received (stored %.16s..., signed by the identity): handover complete in "
      "%lld ms (%lld ms of it on trusted time)", io->tag, h,
      (long long)(hv_session_monotonic_ms() - io->start_ms), (long long)io->time_ms);
  if (s->retires) retire(s, io, ev, now);
  else
    SAY(s, HV_SESSION_LOG_WARN,
        "%s after_handover keep: still serving; the identity now lives in two builds",
        io->tag);
}

/* What the receipt of this exchange needs, kept as the messages pass; at
 * the DONE, or at a refusal after the receiver's report verified, the
 * receipt goes to the store's log (PROTOCOL.md "Receipts"). */
static void note_for_receipt(hv_session_sender *s, conn_io *io, const hv_proto_event *ev,
                             hv_proto_error pe, uint64_t now, size_t in_len, size_t out_len) {
  hv_receipt_time *t = ev->received == HV_PROTO_MSG_HELLO ? &io->t_challenge : &io->t_response;
  if (ev->received == HV_PROTO_MSG_HELLO || ev->received == HV_PROTO_MSG_RESPONSE) {
    hv_session_time_agreed(s->time, t);
    t->kind = ev->received == HV_PROTO_MSG_HELLO ? HV_RECEIPT_TIME_CHALLENGE
                                                 : HV_RECEIPT_TIME_RESPONSE;
    t->time_ms = now;
  }
  if (ev->received == HV_PROTO_MSG_RESPONSE && pe == HV_PROTO_OK) {
    memcpy(io->response, io->in, in_len);
    memcpy(io->key, io->out, out_len);
    io->response_len = in_len;
    io->key_len = out_len;
    return;
  }
  bool refused = ev->received == HV_PROTO_MSG_RESPONSE && hv_session_refusal_after_report(pe);
  if (!refused && !(ev->received == HV_PROTO_MSG_DONE && pe == HV_PROTO_OK)) return;
  static _Thread_local hv_receipt r;
  memset(&r, 0, sizeof r);
  r.role = HV_RECEIPT_ROLE_SENDER;
  r.outcome = refused ? HV_RECEIPT_REFUSED : HV_RECEIPT_COMPLETED;
  r.error_code = refused ? (uint16_t)pe : 0;
  hv_receipt_error re = refused ? hv_receipt_from_exchange(&r, io->in, in_len, NULL, 0)
                                : hv_receipt_from_exchange(&r, io->response, io->response_len,
                                                           io->key, io->key_len);
  if (re != HV_RECEIPT_OK) {
    SAY(s, HV_SESSION_LOG_WARN, "%s no receipt: %s", io->tag, hv_receipt_error_name(re));
    return;
  }
  if (io->t_challenge.time_ms == r.times[0].time_ms) r.times[0] = io->t_challenge;
  r.times[r.n_times++] = io->t_response;
  if (!refused) {
    hv_session_time_agreed(s->time, &r.times[r.n_times]);
    r.times[r.n_times].kind = HV_RECEIPT_TIME_DONE;
    r.times[r.n_times++].time_ms = now;
  }
  /* under the lock: the secret, and the store's log, are shared by every
   * connection; signed before a retirement wipes the secret */
  pthread_mutex_lock(&s->lock);
  /* the sender knows its identity even when no KEY was made */
  if (!refused || hv_ed25519_public(s->secret, r.identity) == 0)
    hv_session_record_receipt(s->worker, &r, refused ? NULL : s->secret, now, io->tag);
  pthread_mutex_unlock(&s->lock);
}

static void log_step(hv_session_sender *s, conn_io *io, const hv_proto_event *ev,
                     size_t out_len, uint64_t now) {
  const char *got = hv_proto_msg_name((hv_proto_msg_type)ev->received);
  if (ev->received == HV_PROTO_MSG_HELLO) {
    SAY(s, HV_SESSION_LOG_INFO, "%s HELLO received; CHALLENGE sent", io->tag);
  } else if (ev->received == HV_PROTO_MSG_RESPONSE && ev->has_peer) {
    char m[160];
    hv_session_measurement_line(&ev->peer, m, sizeof m);
    SAY(s, HV_SESSION_LOG_INFO, "%s RESPONSE verified; KEY sent (%zu bytes) to %s", io->tag,
        out_len, m);
    if (ev->override_used)
      SAY(s, HV_SESSION_LOG_WARN, "%s override used: the council override waived %s",
          io->tag, hv_proto_error_name(s->worker->params.override.waives));
  } else if (ev->received == HV_PROTO_MSG_DONE) {
    done_taken(s, io, ev, now);
  } else {
    SAY(s, HV_SESSION_LOG_INFO, "%s %s handled", io->tag, got);
  }
}

typedef enum {
  TIME_NONE,   /* refused before any time is looked at */
  TIME_RECENT, /* may reuse one under HV_SESSION_TIME_REUSE_MS old */
  TIME_FRESH,  /* a new query */
} time_need;

/* Trusted time costs the NTS operators a query, under one lock for the
 * whole sender: a peer must not buy one with junk. Only a RESPONSE that
 * decodes and presents a live challenge of this connection is judged
 * against the time it arrives (the window, the chain lag), so only that
 * forces a fresh query; a HELLO (T0) or a DONE may reuse a recent one.
 * Anything else is refused by the state machine before it reads the time
 * (it decodes first), so it gets none. HELLO and DONE are told by the
 * header (hv_proto_peek_type: version u16, type u16; PROTOCOL.md): they cost at most a reused
 * time, and the state machine decodes the same bytes. */
static time_need time_needed(const conn_io *io, const uint8_t *msg, size_t len) {
  switch (hv_proto_peek_type(msg, len)) {
    case HV_PROTO_MSG_HELLO:
    case HV_PROTO_MSG_DONE: return TIME_RECENT;
    case HV_PROTO_MSG_RESPONSE:
      return hv_proto_sender_response_live(io->sender, msg, len) ? TIME_FRESH : TIME_NONE;
    default: return TIME_NONE;
  }
}

/* Before the state machine: a retired sender serves no one, and a
 * retiring one lets one KEY out at a time (a RESPONSE claims the right to
 * it, PROTOCOL.md section 6). HV_PROTO_OK, or the code to tell the peer. */
static hv_proto_error admit_message(hv_session_sender *s, conn_io *io, const uint8_t *msg,
                                    size_t len) {
  bool response = len >= 4 && msg[2] == 0 && msg[3] == HV_PROTO_MSG_RESPONSE;
  hv_proto_error err = HV_PROTO_OK;
  pthread_mutex_lock(&s->lock);
  if (s->retired) err = HV_PROTO_ERR_SENDER_RETIRED;
  else if (response && s->retires && !io->holds_key_claim && s->key_out)
    err = HV_PROTO_ERR_HANDOVER_IN_PROGRESS;
  else if (response && s->retires) s->key_out = io->holds_key_claim = true;
  pthread_mutex_unlock(&s->lock);
  if (err != HV_PROTO_OK) SAY(s, HV_SESSION_LOG_WARN, "%s refused: %s", io->tag,
                              hv_proto_error_name(err));
  return err;
}

/* The claim ends with a connection that sent no KEY, or whose KEY was
 * never acknowledged; a retired sender keeps it for good. */
static void release_key_claim(hv_session_sender *s, conn_io *io) {
  if (!io->holds_key_claim) return;
  pthread_mutex_lock(&s->lock);
  if (!s->retired) s->key_out = false;
  pthread_mutex_unlock(&s->lock);
  io->holds_key_claim = false;
}

/* One message through the state machine; 1 done, 0 go on, -1 refused. */
static int handle_message(hv_session_sender *s, conn_io *io, size_t in_len) {
  uint64_t now = 0;
  hv_proto_error admit = admit_message(s, io, io->in, in_len);
  if (admit != HV_PROTO_OK) {
    send_error(s, io, admit, hv_proto_error_name(admit));
    return -1;
  }
  int64_t asked = hv_session_monotonic_ms();
  time_need need = time_needed(io, io->in, in_len);
  if (need != TIME_NONE && s->stop && *s->stop) {
    SAY(s, HV_SESSION_LOG_INFO, "%s closed: the sender is stopping", io->tag);
    send_error(s, io, HV_PROTO_ERR_INTERNAL, "sender is stopping");
    return -1;
  }
  pthread_mutex_lock(&s->lock); /* a reload may replace it */
  hv_session_time *t = s->time;
  pthread_mutex_unlock(&s->lock);
  hv_session_error got_time =
      need == TIME_NONE ? HV_SESSION_OK
                        : hv_session_time_now(t, need == TIME_RECENT, io->tag, &now);
  io->time_ms += hv_session_monotonic_ms() - asked;
  if (got_time != HV_SESSION_OK) {
    SAY(s, HV_SESSION_LOG_WARN, "%s refused: no trusted time", io->tag);
    send_error(s, io, HV_PROTO_ERR_INTERNAL, "sender has no trusted time");
    return -1;
  }
  hv_proto_event ev;
  memset(&ev, 0, sizeof ev);
  size_t out_len = 0;
  hv_proto_chain_head head;
  pthread_mutex_lock(&s->lock);
  hv_proto_error head_err =
      need == TIME_NONE ? HV_PROTO_OK : hv_session_fresh_time(s->worker, now, io->tag);
  if (head_err == HV_PROTO_OK) head_err = current_head(s, io, &head);
  pthread_mutex_unlock(&s->lock);
  if (head_err != HV_PROTO_OK) {
    send_error(s, io, head_err, hv_proto_error_name(head_err));
    return -1;
  }
  hv_proto_error pe = hv_proto_sender_handle(io->sender, now, &head, io->in, in_len,
                                             io->out, sizeof io->out, &out_len, &ev);
  /* A refusal ends this connection's exchange, and its claim on the KEY,
   * before the peer reads the ERROR. */
  if (pe != HV_PROTO_OK) release_key_claim(s, io);
  note_for_receipt(s, io, &ev, pe, now, in_len, out_len);
  /* Logged before the peer can read the ERROR: whoever reads the log once
   * the peer has its answer (an operator, a test) finds the line. */
  if (pe != HV_PROTO_OK && pe != HV_PROTO_ERR_PEER_ERROR)
    SAY(s, HV_SESSION_LOG_WARN, "%s refused %s: %s", io->tag,
        ev.received ? hv_proto_msg_name((hv_proto_msg_type)ev.received) : "message",
        hv_proto_error_name(pe));
  if (out_len > 0) {
    hv_session_frame_error fe = hv_session_frame_write(io->fd, io->out, out_len,
                                                       io->deadline_ms);
    if (fe != HV_SESSION_FRAME_OK) {
      SAY(s, HV_SESSION_LOG_WARN, "%s sending the answer failed: %s", io->tag,
          hv_session_frame_error_name(fe));
      return -1;
    }
  }
  if (pe == HV_PROTO_ERR_PEER_ERROR) {
    SAY(s, HV_SESSION_LOG_WARN, "%s the receiver gave up: error %u: %s", io->tag,
        ev.peer_code, ev.peer_text);
    return -1;
  }
  if (pe != HV_PROTO_OK) return -1;
  log_step(s, io, &ev, out_len, now);
  return ev.received == HV_PROTO_MSG_DONE ? 1 : 0;
}

static void refuse_frame(hv_session_sender *s, conn_io *io, hv_session_frame_error fe) {
  if (fe == HV_SESSION_FRAME_ERR_CLOSED) {
    SAY(s, HV_SESSION_LOG_INFO, "%s peer closed the connection", io->tag);
    return;
  }
  SAY(s, HV_SESSION_LOG_WARN, "%s refused frame: %s", io->tag,
      hv_session_frame_error_name(fe));
  hv_proto_error code = fe == HV_SESSION_FRAME_ERR_OVERSIZED ? HV_PROTO_ERR_OVERSIZED
                                                             : HV_PROTO_ERR_TRUNCATED;
  if (fe != HV_SESSION_FRAME_ERR_TRUNCATED && fe != HV_SESSION_FRAME_ERR_IO)
    send_error(s, io, code, hv_session_frame_error_name(fe));
}

/* The log tag of a connection: what the transport says of the peer. A
 * Unix peer without credentials (Gramine has no SO_PEERCRED) is served
 * all the same: credentials name a process, the report names the build. */
static void make_tag(const hv_session_peer *peer, char *tag, size_t cap) {
  if (!peer)
    snprintf(tag, cap, "[conn]");
  else if (peer->has_cred)
    snprintf(tag, cap, "[conn %u pid %d uid %u]", peer->id, (int)peer->pid,
             (unsigned)peer->uid);
  else if (peer->addr[0])
    snprintf(tag, cap, "[conn %u tcp %s]", peer->id, peer->addr);
  else
    snprintf(tag, cap, "[conn %u no peer credentials]", peer->id);
}

void hv_session_sender_set_outcome(hv_session_sender *s, hv_session_outcome_fn fn, void *ctx) {
  s->outcome = fn;
  s->outcome_ctx = ctx;
}

static hv_session_error handle_connection(hv_session_sender *s, int fd,
                                          const hv_session_peer *peer);

hv_session_error hv_session_sender_handle(hv_session_sender *s, int fd,
                                          const hv_session_peer *peer) {
  hv_session_error rc = handle_connection(s, fd, peer);
  if (s->outcome) s->outcome(s->outcome_ctx, rc);
  return rc;
}

static hv_session_error handle_connection(hv_session_sender *s, int fd,
                                          const hv_session_peer *peer) {
  int64_t start = hv_session_monotonic_ms();
  if (hv_session_frame_prepare(fd) != 0) return HV_SESSION_ERR_SYSTEM;
  conn_io *io = malloc(sizeof *io);
  if (!io) return HV_SESSION_ERR_SYSTEM;
  io->fd = fd;
  io->start_ms = start;
  io->deadline_ms = start + HV_SESSION_DEADLINE_MS;
  io->time_ms = 0;
  io->holds_key_claim = false;
  io->response_len = io->key_len = 0;
  memset(&io->t_challenge, 0, sizeof io->t_challenge);
  memset(&io->t_response, 0, sizeof io->t_response);
  make_tag(peer, io->tag, sizeof io->tag);
  pthread_mutex_lock(&s->lock); /* a reload may replace them */
  hv_session_fresh_refresh(s->worker); /* a renewed online timestamp, if any */
  hv_proto_config cfg = {.tee = s->worker->tee, .params = s->worker->params};
  /* Copied under the lock: a retirement on another connection wipes it
   * (and admit_message then refuses every message here). */
  uint8_t secret[HV_PROTO_SECRET_LEN];
  memcpy(secret, s->secret, sizeof secret);
  pthread_mutex_unlock(&s->lock);
  hv_proto_error pe = hv_proto_sender_new(&cfg, secret, &io->sender);
  hv_wipe(secret, sizeof secret);
  if (pe != HV_PROTO_OK) {
    SAY(s, HV_SESSION_LOG_WARN, "%s refused: starting the protocol: %s", io->tag,
        hv_proto_error_name(pe));
    free(io);
    return HV_SESSION_ERR_REFUSED;
  }
  SAY(s, HV_SESSION_LOG_INFO, "%s connected", io->tag);
  int state = 0;
  hv_session_error rc = HV_SESSION_ERR_REFUSED;
  while (state == 0) {
    size_t len;
    hv_session_frame_error fe =
        hv_session_frame_read(fd, io->in, sizeof io->in, &len, io->deadline_ms);
    if (fe != HV_SESSION_FRAME_OK) {
      release_key_claim(s, io); /* before the log says the connection ended */
      refuse_frame(s, io, fe);
      rc = HV_SESSION_ERR_TRANSPORT;
      break;
    }
    state = handle_message(s, io, len);
  }
  if (state == 1) rc = HV_SESSION_OK;
  release_key_claim(s, io);
  hv_proto_sender_free(io->sender);
  free(io);
  return rc;
}
