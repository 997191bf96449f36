/* A minimal sender and receiver built on the installed libhandover and
 * nothing else (only <handover/...> headers), over the session API: the
 * library does the framing, the deadlines, trusted time, the store writes
 * and every check; this program opens the TEE, names the files and the
 * socket, and prints the log lines. One handover, then exit.
 * examples/worker/ is the worker an operator copies (both roles, TCP).
 *
 *   handover_example serve   SOCKET STORE POLICY SIG COUNCIL CA SECRET BUILD
 *   handover_example receive SOCKET STORE POLICY SIG COUNCIL CA SECRET BUILD
 *
 * BUILD names a sim build: mr_enclave = SHA-256("handover-sim-build:" BUILD),
 * as the `handover` command's --build-name. The chain head of `serve` is
 * "block 1, one minute ago"; a real worker passes its own. receive prints
 * the identity it stored. */
#include <handover/crypto.h>
#include <handover/session.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void log_line(void *ctx, hv_session_level level, const char *line) {
  (void)level;
  fprintf(stderr, "%s: %s\n", (const char *)ctx, line);
}

static int serve(hv_session_worker *w, const char *sock) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
  hv_proto_chain_head head = {1, (uint64_t)ts.tv_sec * 1000 - 60000};
  hv_session_sender *s;
  if (hv_session_sender_new(w, &head, NULL, &s) != HV_SESSION_OK) return -1;
  char err[256];
  int fd = hv_session_unix_listen(sock, err, sizeof err);
  static volatile sig_atomic_t never;
  hv_session_error se = HV_SESSION_ERR_SYSTEM;
  if (fd < 0) {
    fprintf(stderr, "serve: %s\n", err);
  } else {
    printf("serve: waiting on %s\n", sock);
    fflush(stdout);
    se = hv_session_serve(s, fd, true, &never); /* once: after one handover */
    close(fd);
    unlink(sock);
  }
  hv_session_sender_free(s);
  return se == HV_SESSION_OK ? 0 : -1;
}

static int receive(hv_session_worker *w, const char *sock) {
  char err[256];
  int fd = hv_session_unix_connect(sock, err, sizeof err);
  if (fd < 0) {
    fprintf(stderr, "receive: %s\n", err);
    return -1;
  }
  hv_session_receive_result r;
  hv_session_error se = hv_session_receive(w, fd, &r);
  close(fd);
  if (se != HV_SESSION_OK) return -1;
  for (size_t i = 0; i < sizeof r.identity; i++) printf("%02x", r.identity[i]);
  printf("\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 10 || (strcmp(argv[1], "serve") && strcmp(argv[1], "receive"))) {
    fprintf(stderr, "usage: handover_example serve|receive SOCKET STORE POLICY SIG "
                    "COUNCIL CA SECRET BUILD\n");
    return 2;
  }
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || hv_crypto_init() != 0) return 1;
  hv_tee_measurement m;
  memset(&m, 0, sizeof m);
  hv_tee *tee;
  if (hv_session_sim_build_measurement(argv[9], m.mr_enclave) != 0 ||
      hv_tee_open_sim(argv[8], &m, &tee) != HV_TEE_OK) {
    fprintf(stderr, "handover_example: cannot open the sim TEE\n");
    return 1;
  }
  hv_session_worker_config cfg = {
      .store_dir = argv[3], .create_store = true,
      .policy_file = argv[4], .policy_sig_file = argv[5], .council_file = argv[6],
      .ca_file = argv[7], .log = {.fn = log_line, .ctx = argv[1]}};
  hv_session_worker *w;
  int rc = -1;
  if (hv_session_worker_open(&cfg, tee, &w) == HV_SESSION_OK) {
    rc = !strcmp(argv[1], "serve") ? serve(w, argv[2]) : receive(w, argv[2]);
    hv_session_worker_free(w);
  }
  hv_tee_free(tee);
  if (rc != 0) fprintf(stderr, "handover_example %s: failed\n", argv[1]);
  return rc == 0 ? 0 : 1;
}
