/* Test client that speaks the framed protocol (through proto.h) but does
 * what a well-behaved receiver never does: holds a challenge past the
 * window, replays a RESPONSE, floods HELLOs, sends broken frames.
 *
 * usage: raw_client MODE ARG --from SOCK --store DIR --policy F --policy-sig F
 *                   --council F --ca F --tee sim --platform-secret F --build-name N
 *   hold MS        answer the challenge MS ms late; print the sender's ERROR
 *   replay -       to KEY, then the same RESPONSE again (same, new connection)
 *   hold-key FILE  to KEY, then hold the connection (no DONE) until FILE exists
 *   flood SECONDS  64 connections at a time sending HELLO, until SECONDS pass
 *   frame KIND     oversized | truncated | garbage | empty | unasked-response
 *                  (a frame typed RESPONSE, on a connection never challenged)
 *                  | lone-done (a well-formed DONE, no HELLO or KEY before it)
 *                  | challenged-junk (a HELLO, its CHALLENGE, then that junk
 *                  RESPONSE: it answers no live challenge either);
 *                  print what came back
 * Exit 0 when the exchange happened as described (the caller checks the
 * printed error name), 1 otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/worker.h"
#include "demo/replay.h"
#include "handover/crypto.h"
#include "sys/sys.h"

#define FLOOD_BATCH 64
#define IO_DEADLINE_MS 20000

static const char *sock_path;
static uint8_t in[HV_SESSION_FRAME_MAX], out[HV_SESSION_FRAME_MAX];

static int connect_sender(void) {
  char err[256];
  int fd = hv_session_unix_connect(sock_path, err, sizeof err);
  if (fd < 0 || hv_session_frame_prepare(fd) != 0) {
    fprintf(stderr, "raw_client: %s\n", err);
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

static int64_t deadline(void) { return hv_sys_monotonic_ms() + IO_DEADLINE_MS; }

/* Prints the ERROR in msg (decoded by a receiver waiting for CHALLENGE). */
static int print_error(cli_worker *w, const uint8_t *msg, size_t len) {
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  hv_proto_receiver *r;
  hv_proto_event ev;
  size_t n;
  memset(&ev, 0, sizeof ev);
  if (hv_proto_receiver_new(&cfg, &r) != HV_PROTO_OK) return 1;
  hv_proto_error pe = hv_proto_receiver_hello(r, out, sizeof out, &n);
  if (pe == HV_PROTO_OK)
    pe = hv_proto_receiver_handle(r, (uint64_t)hv_sys_realtime_ms(), msg, len, out, sizeof out,
                                  &n, &ev);
  hv_proto_receiver_free(r);
  if (pe != HV_PROTO_ERR_PEER_ERROR) {
    printf("answer: not an ERROR (%s)\n", hv_proto_error_name(pe));
    return 1;
  }
  printf("answer: ERROR %u %s\n", ev.peer_code, ev.peer_text);
  return 0;
}

static int mode_hold(cli_worker *w, long hold_ms) {
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  hv_proto_receiver *r;
  size_t n, len;
  int fd = connect_sender(), rc = 1;
  if (fd < 0 || hv_proto_receiver_new(&cfg, &r) != HV_PROTO_OK) return 1;
  if (hv_proto_receiver_hello(r, out, sizeof out, &n) == HV_PROTO_OK &&
      hv_session_frame_write(fd, out, n, deadline()) == HV_SESSION_FRAME_OK &&
      hv_session_frame_read(fd, in, sizeof in, &len, deadline()) == HV_SESSION_FRAME_OK &&
      hv_proto_receiver_handle(r, 0, in, len, out, sizeof out, &n, NULL) == HV_PROTO_OK) {
    printf("holding the challenge for %ld ms\n", hold_ms);
    fflush(stdout);
    usleep((useconds_t)hold_ms * 1000);
    if (hv_session_frame_write(fd, out, n, deadline()) == HV_SESSION_FRAME_OK &&
        hv_session_frame_read(fd, in, sizeof in, &len, deadline()) == HV_SESSION_FRAME_OK)
      rc = print_error(w, in, len);
  }
  hv_proto_receiver_free(r);
  close(fd);
  return rc;
}

static int mode_replay(cli_worker *w) {
  cli_replay_result r;
  if (cli_replay_probe(w, sock_path, &r) != 0) return 1;
  printf("same connection: %s\nnew connection: %s\n", r.same_conn, r.new_conn);
  return 0;
}

static int mode_flood(cli_worker *w, long seconds) {
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  hv_proto_receiver *r;
  size_t hello_len, len;
  uint8_t hello[256];
  if (hv_proto_receiver_new(&cfg, &r) != HV_PROTO_OK) return 1;
  hv_proto_error pe = hv_proto_receiver_hello(r, hello, sizeof hello, &hello_len);
  hv_proto_receiver_free(r);
  if (pe != HV_PROTO_OK) return 1;
  long challenges = 0, refused = 0, connections = 0;
  int64_t end = hv_sys_monotonic_ms() + seconds * 1000;
  while (hv_sys_monotonic_ms() < end) {
    int fds[FLOOD_BATCH];
    for (int i = 0; i < FLOOD_BATCH; i++) {
      fds[i] = connect_sender();
      if (fds[i] >= 0 &&
          hv_session_frame_write(fds[i], hello, hello_len, deadline()) != HV_SESSION_FRAME_OK) {
        close(fds[i]);
        fds[i] = -1;
      }
      if (fds[i] >= 0) connections++;
    }
    for (int i = 0; i < FLOOD_BATCH; i++) {
      if (fds[i] < 0) {
        refused++;
        continue;
      }
      if (hv_session_frame_read(fds[i], in, sizeof in, &len, deadline()) == HV_SESSION_FRAME_OK &&
          hv_proto_peek_type(in, len) == HV_PROTO_MSG_CHALLENGE)
        challenges++;
      else
        refused++;
      close(fds[i]);
    }
  }
  printf("flood: %ld connections, %ld challenges, %ld refused or closed\n", connections,
         challenges, refused);
  return challenges > 0 ? 0 : 1;
}

/* A DONE that decodes (PROTOCOL.md section 3) but answers no KEY. */
static size_t lone_done(uint8_t *buf) {
  static const uint8_t head[10] = {0, 0, 0, 146, 0, 1, 0, HV_PROTO_MSG_DONE, 0, 140};
  static const uint8_t rec[3][2] = {{0x80, 15}, {0x80, 18}, {0x80, 19}};
  static const uint8_t lens[3] = {32, 32, 64};
  size_t n = sizeof head;
  memcpy(buf, head, n);
  for (size_t i = 0; i < 3; i++) {
    buf[n] = rec[i][0], buf[n + 1] = rec[i][1], buf[n + 2] = 0, buf[n + 3] = lens[i];
    memset(buf + n + 4, 0x5a, lens[i]);
    n += 4 + lens[i];
  }
  return n;
}

static int send_bad(int fd, const char *kind) {
  uint8_t buf[256];
  size_t n;
  if (!strcmp(kind, "oversized")) {
    uint8_t h[4] = {0, 0, 0x40, 0x01}; /* 16385 > 16 KiB */
    memcpy(buf, h, 4);
    n = 4;
  } else if (!strcmp(kind, "empty")) {
    memset(buf, 0, 4);
    n = 4;
  } else if (!strcmp(kind, "truncated")) {
    uint8_t h[6] = {0, 0, 0, 40, 0, 1}; /* says 40 bytes, sends 2 */
    memcpy(buf, h, 6);
    n = 6;
  } else if (!strcmp(kind, "garbage")) {
    buf[0] = buf[1] = buf[2] = 0;
    buf[3] = 32;
    if (hv_random(buf + 4, 32) != 0) return -1;
    buf[6] = 0x7f; /* a type that exists in no version */
    n = 36;
  } else if (!strcmp(kind, "lone-done")) {
    n = lone_done(buf);
  } else if (!strcmp(kind, "unasked-response")) {
    uint8_t h[8] = {0, 0, 0, 32, 0, 1, 0, HV_PROTO_MSG_RESPONSE};
    memcpy(buf, h, sizeof h);
    if (hv_random(buf + 8, 28) != 0) return -1;
    n = 36;
  } else {
    return -1;
  }
  if (send(fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n) return -1;
  if (!strcmp(kind, "truncated")) shutdown(fd, SHUT_WR);
  return 0;
}

/* A real HELLO on fd, and the sender's CHALLENGE read back. */
static int challenge_me(cli_worker *w, int fd) {
  hv_proto_receiver *r;
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  uint8_t hello[256];
  size_t hello_len = 0, len = 0;
  if (hv_proto_receiver_new(&cfg, &r) != HV_PROTO_OK) return -1;
  hv_proto_error pe = hv_proto_receiver_hello(r, hello, sizeof hello, &hello_len);
  hv_proto_receiver_free(r);
  if (pe != HV_PROTO_OK ||
      hv_session_frame_write(fd, hello, hello_len, deadline()) != HV_SESSION_FRAME_OK ||
      hv_session_frame_read(fd, in, sizeof in, &len, deadline()) != HV_SESSION_FRAME_OK ||
      len < 4 || in[3] != HV_PROTO_MSG_CHALLENGE)
    return -1;
  return 0;
}

static int mode_frame(cli_worker *w, const char *kind) {
  int fd = connect_sender();
  if (fd >= 0 && !strcmp(kind, "challenged-junk")) {
    if (challenge_me(w, fd) != 0) return 1;
    kind = "unasked-response";
  }
  if (fd < 0 || send_bad(fd, kind) != 0) return 1;
  size_t len;
  int rc = 1;
  hv_session_frame_error fe = hv_session_frame_read(fd, in, sizeof in, &len, deadline());
  if (fe == HV_SESSION_FRAME_OK) {
    rc = print_error(w, in, len);
    fe = hv_session_frame_read(fd, in, sizeof in, &len, deadline());
  } else {
    rc = 0;
    printf("answer: none\n");
  }
  /* Whatever came first, the sender must then close. */
  if (fe != HV_SESSION_FRAME_ERR_CLOSED && !(fe == HV_SESSION_FRAME_ERR_IO && errno == ECONNRESET)) {
    printf("connection not closed: %s\n", hv_session_frame_error_name(fe));
    rc = 1;
  } else {
    printf("connection closed\n");
  }
  close(fd);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const char *mode = argv[1], *arg = argv[2];
  cli_worker_args wa = {.command = "raw_client", .create_store = true};
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"from", "PATH", "", &sock_path, NULL},
      {"store", "DIR", "", &wa.store_dir, NULL},
      {"policy", "FILE", "", &wa.policy_file, NULL},
      {"policy-sig", "FILE", "", &wa.policy_sig_file, NULL},
      {"council", "FILE", "", &wa.council_file, NULL},
      {"ca", "FILE", "", &wa.ca_file, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {.command = "raw_client", .synopsis = "raw_client MODE ARG ...",
                       .tables = {opts, tee.table, NULL}};
  if (cli_opts_parse(&spec, argc - 2, argv + 2) != CLI_OPTS_OK || !sock_path ||
      !wa.store_dir)
    return 2;
  cli_worker w;
  if (cli_worker_open(&wa, &tee, &w) != 0) return 1;
  int rc = 2;
  if (!strcmp(mode, "hold")) rc = mode_hold(&w, atol(arg));
  else if (!strcmp(mode, "replay")) rc = mode_replay(&w);
  else if (!strcmp(mode, "hold-key")) rc = cli_hold_key_probe(&w, sock_path, arg) == 0 ? 0 : 1;
  else if (!strcmp(mode, "flood")) rc = mode_flood(&w, atol(arg));
  else if (!strcmp(mode, "frame")) rc = mode_frame(&w, arg);
  cli_worker_free(&w);
  return rc;
}
