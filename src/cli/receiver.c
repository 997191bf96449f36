#include "cli/receiver.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/frame.h"
#include "cli/sock.h"
#include "cli/trusted_time.h"
#include "cli/util.h"
#include "handover/crypto.h"

typedef struct {
  cli_worker *w;
  const cli_receive_args *a;
  cli_trusted_time time;
  hv_proto_receiver *r;
  int fd;
  int64_t deadline_ms;
  uint8_t in[CLI_FRAME_MAX], out[CLI_FRAME_MAX];
  size_t in_len, out_len;
} session;

static void step(const session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void step(const session *s, const char *fmt, ...) {
  if (s->a->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  printf("receive: ");
  vprintf(fmt, ap);
  printf("\n");
  fflush(stdout);
  va_end(ap);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "handover receive: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
}

static int send_out(session *s, const char *what) {
  cli_frame_error fe = cli_frame_write(s->fd, s->out, s->out_len, s->deadline_ms);
  if (fe != CLI_FRAME_OK) {
    fail("sending %s: %s", what, cli_frame_error_name(fe));
    return -1;
  }
  return 0;
}

static int read_in(session *s, const char *what) {
  cli_frame_error fe = cli_frame_read(s->fd, s->in, sizeof s->in, &s->in_len,
                                      s->deadline_ms);
  if (fe != CLI_FRAME_OK) {
    fail("waiting for %s: %s", what, cli_frame_error_name(fe));
    return -1;
  }
  return 0;
}

/* Feeds the last frame to the state machine. Only KEY is judged against
 * the time (PROTOCOL.md section 7: |now - T0| <= window), so only KEY
 * costs a trusted-time query; CHALLENGE gets 0, which any future time
 * check would refuse loudly rather than pass. */
static int handle(session *s, const char *what, bool needs_time, hv_proto_event *ev) {
  uint64_t now = 0;
  if (needs_time && cli_trusted_time_now(&s->time, false, "receive:", &now) != 0) {
    fail("no trusted time (see the evidence above)");
    return -1;
  }
  memset(ev, 0, sizeof *ev);
  s->out_len = 0;
  hv_proto_error pe = hv_proto_receiver_handle(s->r, now, s->in, s->in_len, s->out,
                                               sizeof s->out, &s->out_len, ev);
  if (pe == HV_PROTO_ERR_PEER_ERROR) {
    fail("the sender refused: %s (code %u)", ev->peer_text, ev->peer_code);
    return -1;
  }
  if (pe != HV_PROTO_OK) {
    fail("refused %s: %s", what, hv_proto_error_name(pe));
    if (s->out_len > 0) (void)send_out(s, "ERROR");
    return -1;
  }
  return 0;
}

static int challenge_and_key(session *s) {
  hv_proto_event ev;
  if (hv_proto_receiver_hello(s->r, s->out, sizeof s->out, &s->out_len) != HV_PROTO_OK ||
      send_out(s, "HELLO") != 0)
    return -1;
  step(s, "HELLO sent");
  if (read_in(s, "CHALLENGE") != 0 || handle(s, "CHALLENGE", false, &ev) != 0) return -1;
  if (send_out(s, "RESPONSE") != 0) return -1;
  step(s, "CHALLENGE received; RESPONSE sent (report for the sender, ephemeral X25519 key)");
  if (read_in(s, "KEY") != 0 || handle(s, "KEY", true, &ev) != 0) return -1;
  char m[160];
  cli_measurement_line(&ev.peer, m, sizeof m);
  step(s, "KEY received: sender report verified, sender build allowed (%s), "
       "key decrypted and matches the announced identity", m);
  return 0;
}

/* Seals and stores the secret, then tells the sender (DONE). */
static int store_and_done(session *s) {
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  if (hv_proto_receiver_take_secret(s->r, secret, pub) != HV_PROTO_OK) {
    fail("taking the secret failed");
    return -1;
  }
  hv_store_error se = hv_store_put_identity(s->w->store, secret);
  hv_wipe(secret, sizeof secret);
  if (se != HV_STORE_OK) {
    fail("storing the key: %s", hv_store_error_name(se));
    size_t len = 0;
    if (hv_proto_encode_error(HV_PROTO_ERR_INTERNAL, "receiver could not store the key",
                              s->out, sizeof s->out, &len) == HV_PROTO_OK) {
      s->out_len = len;
      (void)send_out(s, "ERROR");
    }
    return -1;
  }
  char hex[2 * HV_PROTO_KEY_LEN + 1];
  cli_hex(pub, sizeof pub, hex);
  step(s, "key sealed to this build and stored: identity %s", hex);
  /* What the store keeps in the clear is the public identity; the sealed
   * part never leaves the enclave, so DONE hashes the identity. */
  if (hv_proto_receiver_done(s->r, pub, sizeof pub, s->out, sizeof s->out,
                             &s->out_len) != HV_PROTO_OK ||
      send_out(s, "DONE") != 0)
    return -1;
  /* The sender closes after it has read DONE; an ERROR instead means it
   * did not take it. */
  cli_frame_error fe = cli_frame_read(s->fd, s->in, sizeof s->in, &s->in_len,
                                      s->deadline_ms);
  if (fe == CLI_FRAME_OK) {
    hv_proto_event ev;
    (void)handle(s, "the answer to DONE", false, &ev);
    return -1;
  }
  if (fe != CLI_FRAME_ERR_CLOSED) {
    fail("waiting for the sender to take DONE: %s", cli_frame_error_name(fe));
    return -1;
  }
  step(s, "DONE sent; the sender closed: handover complete");
  return 0;
}

int cli_receive_run(cli_worker *w, const cli_receive_args *a) {
  session *s = calloc(1, sizeof *s);
  if (!s) return -1;
  s->w = w;
  s->a = a;
  s->fd = -1;
  s->deadline_ms = cli_monotonic_ms() + CLI_RECEIVE_DEADLINE_MS;
  int rc = -1;
  char err[256];
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  if (cli_trusted_time_init(&s->time, &w->time_cfg, err, sizeof err) != 0) {
    fail("trusted time: %s", err);
    goto out_free;
  }
  hv_proto_error pe = hv_proto_receiver_new(&cfg, &s->r);
  if (pe != HV_PROTO_OK) {
    fail("starting the protocol: %s", hv_proto_error_name(pe));
    goto out;
  }
  s->fd = cli_sock_connect(a->socket_path, err, sizeof err);
  if (s->fd < 0 || cli_frame_prepare(s->fd) != 0) {
    fail("%s", s->fd < 0 ? err : "socket setup failed");
    goto out;
  }
  pid_t pid;
  uid_t uid;
  if (cli_sock_peer(s->fd, &pid, &uid) == 0)
    step(s, "connected to %s (sender pid %d uid %u)", a->socket_path, (int)pid,
         (unsigned)uid);
  if (challenge_and_key(s) == 0 && store_and_done(s) == 0) rc = 0;
  if (rc == 0 && a->timing)
    printf("receive: timing: %lld ms from connect to done, %lld ms of it on trusted "
           "time (%lld queries, %lld NTS-KE handshakes)\n",
           (long long)(cli_monotonic_ms() - (s->deadline_ms - CLI_RECEIVE_DEADLINE_MS)),
           (long long)s->time.spent_ms, (long long)s->time.queries,
           (long long)s->time.handshakes);
out:
  if (s->fd >= 0) close(s->fd);
  if (s->r) hv_proto_receiver_free(s->r);
  cli_trusted_time_destroy(&s->time);
out_free:
  hv_wipe(s, sizeof *s);
  free(s);
  return rc;
}
