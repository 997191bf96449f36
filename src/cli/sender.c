#include "cli/sender.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/frame.h"
#include "cli/log.h"
#include "cli/util.h"
#include "handover/crypto.h"

/* The longest chain head file: two 20-digit numbers, a colon, a newline. */
#define CHAIN_HEAD_FILE_MAX 64

bool cli_parse_chain_head(const char *s, hv_proto_chain_head *out) {
  const char *colon = strchr(s, ':');
  char number[24];
  if (!colon || (size_t)(colon - s) >= sizeof number) return false;
  memcpy(number, s, (size_t)(colon - s));
  number[colon - s] = '\0';
  return cli_parse_u64(number, UINT64_MAX, &out->number) &&
         cli_parse_u64(colon + 1, UINT64_MAX, &out->time_ms);
}

int cli_read_chain_head_file(const char *path, hv_proto_chain_head *out) {
  char buf[CHAIN_HEAD_FILE_MAX + 1];
  size_t len;
  if (cli_read_file(path, (uint8_t *)buf, CHAIN_HEAD_FILE_MAX, &len) != 0) return -1;
  buf[len] = '\0';
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
  if (!cli_parse_chain_head(buf, out)) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* A head from the future (a typo in the time, or a host's invention) must
 * neither be recorded (the store would then refuse the true time of that
 * block) nor raise the certificates' lower time bound. Judged against the
 * local clock, the only one we have before trusted time: a host that lies
 * about both only denies service. The protocol re-checks it against
 * trusted time (chain-head-in-future). */
static bool head_from_future(const hv_proto_chain_head *h) {
  int64_t wall = cli_wall_ms();
  return wall > 0 && h->time_ms > (uint64_t)wall + HV_PROTO_CHAIN_HEAD_AHEAD_MS;
}

/* Takes h as the sender's head: refused if from the future, recorded in
 * the store when it differs from the last one recorded (always, with
 * force: the store then checks it against what it saw before this run).
 * HV_PROTO_OK, or the code to tell a peer, with the reason in why. */
static hv_proto_error admit_head(cli_sender *s, const hv_proto_chain_head *h, bool force,
                                 char *why, size_t why_len) {
  if (head_from_future(h)) {
    snprintf(why, why_len, "chain head %llu: its time is in the future",
             (unsigned long long)h->number);
    return HV_PROTO_ERR_CHAIN_FUTURE;
  }
  if (force || h->number != s->recorded.number || h->time_ms != s->recorded.time_ms) {
    hv_store_chain_head sh = {.number = h->number, .time_ms = h->time_ms};
    hv_store_error se = hv_store_set_chain_head(s->worker->store, &sh);
    if (se != HV_STORE_OK) {
      snprintf(why, why_len, "recording chain head %llu: %s", (unsigned long long)h->number,
               hv_store_error_name(se));
      return HV_PROTO_ERR_CHAIN_STALE;
    }
    s->recorded = *h;
  }
  s->head = *h;
  return HV_PROTO_OK;
}

int cli_sender_init(cli_sender *s, cli_worker *w, const hv_proto_chain_head *head,
                    const char *chain_head_file) {
  memset(s, 0, sizeof *s);
  s->worker = w;
  s->chain_head_file = chain_head_file;
  uint8_t pub[HV_ED25519_PUB_LEN];
  hv_store_error se = hv_store_get_identity(w->store, s->secret, pub);
  if (se != HV_STORE_OK) {
    fprintf(stderr, "handover serve: unsealing the identity: %s\n",
            hv_store_error_name(se));
    return -1;
  }
  /* A trial sender checks the configuration once, before any connection. */
  hv_proto_sender *trial;
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  hv_proto_error pe = hv_proto_sender_new(&cfg, s->secret, &trial);
  if (pe != HV_PROTO_OK) {
    hv_wipe(s->secret, sizeof s->secret);
    fprintf(stderr, "handover serve: starting the protocol: %s\n", hv_proto_error_name(pe));
    return -1;
  }
  hv_proto_sender_free(trial);
  char why[160];
  pe = admit_head(s, head, true, why, sizeof why);
  if (pe != HV_PROTO_OK) {
    hv_wipe(s->secret, sizeof s->secret);
    fprintf(stderr, "handover serve: %s (%s)\n", why, hv_proto_error_name(pe));
    return -1;
  }
  if ((int64_t)(head->time_ms / 1000) > w->time_cfg.not_before_unix)
    w->time_cfg.not_before_unix = (int64_t)(head->time_ms / 1000);
  char err[256];
  if (cli_trusted_time_init(&s->time, &w->time_cfg, err, sizeof err) != 0) {
    fprintf(stderr, "handover serve: trusted time: %s\n", err);
    hv_wipe(s->secret, sizeof s->secret);
    return -1;
  }
  if (pthread_mutex_init(&s->lock, NULL) != 0) {
    cli_trusted_time_destroy(&s->time);
    hv_wipe(s->secret, sizeof s->secret);
    return -1;
  }
  return 0;
}

void cli_sender_destroy(cli_sender *s) {
  hv_wipe(s->secret, sizeof s->secret);
  cli_trusted_time_destroy(&s->time);
  pthread_mutex_destroy(&s->lock);
}

typedef struct {
  const cli_conn *conn;
  hv_proto_sender *sender; /* this connection's */
  int64_t start_ms, time_ms; /* when it began; spent on trusted time */
  char tag[64];
  uint8_t in[CLI_FRAME_MAX];
  uint8_t out[CLI_FRAME_MAX];
} conn_io;

/* Best effort: tells the peer why we close (frames it cannot see fail). */
static void send_error(conn_io *io, hv_proto_error code, const char *text) {
  size_t len = 0;
  if (hv_proto_encode_error((uint16_t)code, text, io->out, sizeof io->out, &len) ==
          HV_PROTO_OK && len > 0)
    (void)cli_frame_write(io->conn->fd, io->out, len, io->conn->deadline_ms);
}

/* The chain head for this message, recorded in the store when it changed
 * (the store refuses a lower block number than it has seen). HV_PROTO_OK,
 * or the code to tell the peer. */
static hv_proto_error current_head(cli_sender *s, conn_io *io, hv_proto_chain_head *head) {
  hv_proto_chain_head h = s->head;
  if (s->chain_head_file && cli_read_chain_head_file(s->chain_head_file, &h) != 0) {
    cli_log("%s refused: chain head file %s: %s", io->tag, s->chain_head_file,
            errno == EINVAL ? "not NUMBER:TIME_MS" : strerror(errno));
    return HV_PROTO_ERR_CHAIN_STALE;
  }
  char why[160];
  hv_proto_error err = admit_head(s, &h, false, why, sizeof why);
  if (err != HV_PROTO_OK) {
    cli_log("%s refused: %s", io->tag, why);
    return err;
  }
  *head = h;
  return HV_PROTO_OK;
}

static void log_step(conn_io *io, const hv_proto_event *ev, size_t out_len) {
  const char *got = hv_proto_msg_name((hv_proto_msg_type)ev->received);
  if (ev->received == HV_PROTO_MSG_HELLO)
    cli_log("%s HELLO received; CHALLENGE sent", io->tag);
  else if (ev->received == HV_PROTO_MSG_RESPONSE && ev->has_peer) {
    char m[160];
    cli_measurement_line(&ev->peer, m, sizeof m);
    cli_log("%s RESPONSE verified; KEY sent (%zu bytes) to %s", io->tag, out_len, m);
  } else if (ev->received == HV_PROTO_MSG_DONE) {
    char h[2 * HV_PROTO_HASH_LEN + 1];
    cli_hex(ev->stored_hash, HV_PROTO_HASH_LEN, h);
    cli_log("%s DONE received (stored %.16s...): handover complete in %lld ms "
            "(%lld ms of it on trusted time)", io->tag, h,
            (long long)(cli_monotonic_ms() - io->start_ms), (long long)io->time_ms);
  } else {
    cli_log("%s %s handled", io->tag, got);
  }
}

typedef enum {
  TIME_NONE,   /* refused before any time is looked at */
  TIME_RECENT, /* may reuse one under CLI_TIME_REUSE_MS old */
  TIME_FRESH,  /* a new query */
} time_need;

/* Trusted time costs the NTS operators a query, under one lock for the
 * whole sender: a peer must not buy one with junk. Only a RESPONSE that
 * answers a challenge of this connection is judged against the time it
 * arrives (the window, the chain lag), so only that forces a fresh query;
 * a HELLO (T0) or a DONE may reuse a recent one. Anything else is refused
 * by the state machine before it reads the time (it decodes first), so it
 * gets none. The type is read from the header (version u16, type u16;
 * PROTOCOL.md) only for this choice: the state machine decodes the same
 * bytes, so a RESPONSE it judges always met a fresh time. */
static time_need time_needed(const conn_io *io, const uint8_t *msg, size_t len) {
  if (len < 4 || msg[2] != 0) return TIME_NONE;
  switch (msg[3]) {
    case HV_PROTO_MSG_HELLO:
    case HV_PROTO_MSG_DONE: return TIME_RECENT;
    case HV_PROTO_MSG_RESPONSE:
      /* now 0: nothing expires, so any challenge of ours still counts */
      return hv_proto_sender_open_challenges(io->sender, 0) > 0 ? TIME_FRESH : TIME_NONE;
    default: return TIME_NONE;
  }
}

/* One message through the state machine; 1 done, 0 go on, -1 refused. */
static int handle_message(cli_sender *s, conn_io *io, size_t in_len) {
  uint64_t now = 0;
  int64_t asked = cli_monotonic_ms();
  time_need need = time_needed(io, io->in, in_len);
  int got_time = need == TIME_NONE ? 0
                                   : cli_trusted_time_now(&s->time, need == TIME_RECENT,
                                                          io->tag, &now);
  io->time_ms += cli_monotonic_ms() - asked;
  if (got_time != 0) {
    cli_log("%s refused: no trusted time", io->tag);
    send_error(io, HV_PROTO_ERR_INTERNAL, "sender has no trusted time");
    return -1;
  }
  hv_proto_event ev;
  memset(&ev, 0, sizeof ev);
  size_t out_len = 0;
  hv_proto_chain_head head;
  pthread_mutex_lock(&s->lock);
  hv_proto_error head_err = current_head(s, io, &head);
  pthread_mutex_unlock(&s->lock);
  if (head_err != HV_PROTO_OK) {
    send_error(io, head_err, hv_proto_error_name(head_err));
    return -1;
  }
  hv_proto_error pe = hv_proto_sender_handle(io->sender, now, &head, io->in, in_len,
                                             io->out, sizeof io->out, &out_len, &ev);
  if (out_len > 0) {
    cli_frame_error fe = cli_frame_write(io->conn->fd, io->out, out_len,
                                         io->conn->deadline_ms);
    if (fe != CLI_FRAME_OK) {
      cli_log("%s sending the answer failed: %s", io->tag, cli_frame_error_name(fe));
      return -1;
    }
  }
  if (pe == HV_PROTO_ERR_PEER_ERROR) {
    cli_log("%s the receiver gave up: error %u: %s", io->tag, ev.peer_code, ev.peer_text);
    return -1;
  }
  if (pe != HV_PROTO_OK) {
    cli_log("%s refused %s: %s", io->tag,
            ev.received ? hv_proto_msg_name((hv_proto_msg_type)ev.received) : "message",
            hv_proto_error_name(pe));
    return -1;
  }
  log_step(io, &ev, out_len);
  return ev.received == HV_PROTO_MSG_DONE ? 1 : 0;
}

static void refuse_frame(conn_io *io, cli_frame_error fe) {
  if (fe == CLI_FRAME_ERR_CLOSED) {
    cli_log("%s peer closed the connection", io->tag);
    return;
  }
  cli_log("%s refused frame: %s", io->tag, cli_frame_error_name(fe));
  hv_proto_error code = fe == CLI_FRAME_ERR_OVERSIZED ? HV_PROTO_ERR_OVERSIZED
                                                      : HV_PROTO_ERR_TRUNCATED;
  if (fe != CLI_FRAME_ERR_TRUNCATED && fe != CLI_FRAME_ERR_IO)
    send_error(io, code, cli_frame_error_name(fe));
}

bool cli_sender_handle_conn(const cli_conn *conn, void *ctx) {
  cli_sender *s = ctx;
  conn_io *io = malloc(sizeof *io);
  if (!io) return false;
  io->conn = conn;
  io->start_ms = cli_monotonic_ms();
  io->time_ms = 0;
  snprintf(io->tag, sizeof io->tag, "[conn %u pid %d uid %u]", conn->id, (int)conn->pid,
           (unsigned)conn->uid);
  hv_proto_config cfg = {.tee = s->worker->tee, .params = s->worker->params};
  hv_proto_error pe = hv_proto_sender_new(&cfg, s->secret, &io->sender);
  if (pe != HV_PROTO_OK) {
    cli_log("%s refused: starting the protocol: %s", io->tag, hv_proto_error_name(pe));
    free(io);
    return false;
  }
  cli_log("%s connected", io->tag);
  int state = 0;
  while (state == 0) {
    size_t len;
    cli_frame_error fe = cli_frame_read(conn->fd, io->in, sizeof io->in, &len,
                                        conn->deadline_ms);
    if (fe != CLI_FRAME_OK) {
      refuse_frame(io, fe);
      break;
    }
    state = handle_message(s, io, len);
  }
  hv_proto_sender_free(io->sender);
  free(io);
  return state == 1;
}
