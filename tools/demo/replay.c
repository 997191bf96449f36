#include "demo/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/sys.h"

typedef struct {
  cli_worker *w;
  hv_session_time *time;
  hv_proto_receiver *r;
  int64_t deadline_ms;
  uint8_t in[HV_SESSION_FRAME_MAX], out[HV_SESSION_FRAME_MAX], response[HV_SESSION_FRAME_MAX];
  size_t in_len, out_len, response_len;
} probe;

static int connect_to(const char *path) {
  char err[256];
  int fd = hv_session_unix_connect(path, err, sizeof err);
  if (fd >= 0 && hv_session_frame_prepare(fd) == 0) return fd;
  if (fd >= 0) close(fd);
  fprintf(stderr, "replay: %s\n", err);
  return -1;
}

/* Decodes an ERROR with a fresh receiver waiting for a CHALLENGE. */
static void describe(probe *p, const uint8_t *msg, size_t len, char *out) {
  hv_proto_config cfg = {.tee = p->w->tee, .params = p->w->params};
  hv_proto_receiver *r;
  hv_proto_event ev;
  size_t n;
  memset(&ev, 0, sizeof ev);
  if (hv_proto_receiver_new(&cfg, &r) != HV_PROTO_OK) {
    snprintf(out, CLI_REPLAY_TEXT_MAX, "(cannot decode)");
    return;
  }
  hv_proto_error pe = hv_proto_receiver_hello(r, p->out, sizeof p->out, &n);
  if (pe == HV_PROTO_OK)
    pe = hv_proto_receiver_handle(r, (uint64_t)hv_sys_realtime_ms(), msg, len, p->out,
                                  sizeof p->out, &n, &ev);
  hv_proto_receiver_free(r);
  if (pe == HV_PROTO_ERR_PEER_ERROR)
    snprintf(out, CLI_REPLAY_TEXT_MAX, "%s", ev.peer_text);
  else
    snprintf(out, CLI_REPLAY_TEXT_MAX, "(not an ERROR: %s)", hv_proto_error_name(pe));
}

/* Sends the saved RESPONSE on fd and describes the answer. */
static void resend(probe *p, int fd, char *out) {
  hv_session_frame_error fe = hv_session_frame_write(fd, p->response, p->response_len, p->deadline_ms);
  if (fe == HV_SESSION_FRAME_OK)
    fe = hv_session_frame_read(fd, p->in, sizeof p->in, &p->in_len, p->deadline_ms);
  if (fe != HV_SESSION_FRAME_OK)
    snprintf(out, CLI_REPLAY_TEXT_MAX, "(no answer: %s)", hv_session_frame_error_name(fe));
  else
    describe(p, p->in, p->in_len, out);
}

/* The honest part: HELLO, CHALLENGE, RESPONSE (kept), KEY. */
static int honest_until_key(probe *p, int fd) {
  uint64_t now;
  if (hv_proto_receiver_hello(p->r, p->out, sizeof p->out, &p->out_len) != HV_PROTO_OK ||
      hv_session_frame_write(fd, p->out, p->out_len, p->deadline_ms) != HV_SESSION_FRAME_OK ||
      hv_session_frame_read(fd, p->in, sizeof p->in, &p->in_len, p->deadline_ms) != HV_SESSION_FRAME_OK ||
      hv_proto_receiver_handle(p->r, 0, p->in, p->in_len, p->response,
                               sizeof p->response, &p->response_len, NULL) != HV_PROTO_OK ||
      hv_session_frame_write(fd, p->response, p->response_len, p->deadline_ms) != HV_SESSION_FRAME_OK ||
      hv_session_frame_read(fd, p->in, sizeof p->in, &p->in_len, p->deadline_ms) != HV_SESSION_FRAME_OK ||
      hv_session_time_now(p->time, false, "replay:", &now) != HV_SESSION_OK)
    return -1;
  hv_proto_error pe = hv_proto_receiver_handle(p->r, now, p->in, p->in_len, p->out,
                                               sizeof p->out, &p->out_len, NULL);
  return pe == HV_PROTO_OK ? 0 : -1;
}

static void probe_free(probe *p) {
  if (!p) return;
  if (p->r) hv_proto_receiver_free(p->r);
  hv_session_time_free(p->time);
  hv_wipe(p, sizeof *p);
  free(p);
}

/* A probe connected to the sender and past its KEY (*fd), or NULL. */
static probe *probe_to_key(cli_worker *w, const char *socket_path, int *fd) {
  probe *p = calloc(1, sizeof *p);
  *fd = -1;
  if (!p) return NULL;
  p->w = w;
  p->deadline_ms = hv_sys_monotonic_ms() + HV_SESSION_DEADLINE_MS;
  hv_proto_config cfg = {.tee = w->tee, .params = w->params};
  char err[256];
  hv_session_log log = {.fn = cli_session_log, .ctx = &w->log};
  p->time = hv_session_time_new(w->time_cfg, &log, err, sizeof err);
  if (!p->time) fprintf(stderr, "replay: trusted time: %s\n", err);
  if (p->time && hv_proto_receiver_new(&cfg, &p->r) == HV_PROTO_OK)
    *fd = connect_to(socket_path);
  if (*fd >= 0 && honest_until_key(p, *fd) == 0) return p;
  if (p->time) fprintf(stderr, "replay: the honest exchange did not reach KEY\n");
  if (*fd >= 0) close(*fd);
  *fd = -1;
  probe_free(p);
  return NULL;
}

int cli_replay_probe(cli_worker *w, const char *socket_path, cli_replay_result *out) {
  int fd;
  probe *p = probe_to_key(w, socket_path, &fd);
  if (!p) return -1;
  /* The key is not taken: freeing the receiver wipes it. */
  resend(p, fd, out->same_conn);
  close(fd);
  fd = connect_to(socket_path);
  int rc = fd >= 0 ? 0 : -1;
  if (fd >= 0) resend(p, fd, out->new_conn);
  if (fd >= 0) close(fd);
  probe_free(p);
  return rc;
}

int cli_hold_key_probe(cli_worker *w, const char *socket_path, const char *until_path) {
  int fd;
  probe *p = probe_to_key(w, socket_path, &fd);
  if (!p) return -1;
  printf("KEY held\n");
  fflush(stdout);
  while (access(until_path, F_OK) != 0 && hv_sys_monotonic_ms() < p->deadline_ms)
    usleep(20000);
  close(fd);
  probe_free(p);
  return 0;
}
