/* A minimal sender and receiver built on the installed libhandover and
 * nothing else (only <handover/...> headers): sim TEE, a council-signed
 * policy, trusted time from the policy's NTS servers, the sealed store,
 * and the protocol state machines over a Unix socket, one frame per
 * message (u32 big-endian length). No retries, no concurrency: one
 * handover, then exit. The `handover` command does the same with bounds,
 * deadlines and logs.
 *
 *   handover_example serve   SOCKET STORE POLICY SIG COUNCIL CA SECRET BUILD
 *   handover_example receive SOCKET STORE POLICY SIG COUNCIL CA SECRET BUILD
 *
 * BUILD names a sim build: mr_enclave = SHA-256("handover-sim-build:" BUILD),
 * as the `handover` command's --build-name. The chain head of `serve` is
 * "block 1, one minute ago"; a real worker passes its own. */
#include <handover/crypto.h>
#include <handover/policy.h>
#include <handover/proto.h>
#include <handover/store.h>
#include <handover/tee.h>
#include <handover/timesrc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILE 65536

static int read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  *out = malloc(MAX_FILE);
  *len = *out ? fread(*out, 1, MAX_FILE, f) : 0;
  int rc = (*out && !ferror(f) && feof(f)) ? 0 : -1;
  fclose(f);
  return rc;
}

/* One frame: u32 big-endian length, then the message. */
static int send_msg(int fd, const uint8_t *m, size_t n) {
  uint8_t h[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  return (write(fd, h, 4) == 4 && write(fd, m, n) == (ssize_t)n) ? 0 : -1;
}

static int read_all(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int recv_msg(int fd, uint8_t *m, size_t cap, size_t *n) {
  uint8_t h[4];
  if (read_all(fd, h, 4) != 0) return -1;
  *n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
  return (*n > 0 && *n <= cap) ? read_all(fd, m, *n) : -1;
}

typedef struct {
  hv_tee *tee;
  hv_store *store;
  hv_policy *policy;
  hv_proto_runtime runtimes[HV_POLICY_MAX_RUNTIMES];
  hv_proto_config cfg;
  hv_timesrc_config time;
} worker;

static int open_worker(char **a, worker *w) {
  /* a: STORE POLICY SIG COUNCIL CA SECRET BUILD */
  hv_tee_measurement m;
  memset(&m, 0, sizeof m);
  char label[128];
  snprintf(label, sizeof label, "handover-sim-build:%s", a[6]);
  if (hv_sha256((const uint8_t *)label, strlen(label), m.mr_enclave) != 0 ||
      hv_tee_open_sim(a[5], &m, &w->tee) != HV_TEE_OK ||
      hv_store_open(a[0], w->tee, true, &w->store) != HV_STORE_OK)
    return -1;
  uint8_t *text, *sig, *council_text;
  size_t text_len, sig_len, council_len;
  hv_policy_council *council;
  uint64_t newest = 0;
  if (read_file(a[1], &text, &text_len) || read_file(a[2], &sig, &sig_len) ||
      read_file(a[3], &council_text, &council_len) ||
      hv_policy_council_parse(council_text, council_len, &council, NULL) != HV_POLICY_OK ||
      hv_store_get_policy_version(w->store, &newest) != HV_STORE_OK)
    return -1;
  hv_policy_error pe = hv_policy_verify(text, text_len, sig, sig_len, council, newest,
                                        &w->policy, NULL);
  hv_policy_council_free(council);
  free(text);
  free(sig);
  free(council_text);
  if (pe != HV_POLICY_OK) {
    fprintf(stderr, "policy refused: %s\n", hv_policy_error_name(pe));
    return -1;
  }
  size_t n = hv_policy_runtime_count(w->policy);
  for (size_t i = 0; i < n && i < HV_POLICY_MAX_RUNTIMES; i++) {
    hv_policy_runtime r;
    if (hv_policy_runtime_at(w->policy, i, &r) != HV_POLICY_OK) return -1;
    w->runtimes[i] = (hv_proto_runtime){.measurement = r.m, .added = r.seq};
  }
  w->cfg = (hv_proto_config){.tee = w->tee};
  w->cfg.params = (hv_proto_params){
      .runtimes = w->runtimes, .n_runtimes = n,
      .response_window_ms = hv_policy_response_window_s(w->policy) * 1000ull,
      .max_chain_lag_ms = hv_policy_max_chain_lag_s(w->policy) * 1000,
      .policy_version = hv_policy_version(w->policy)};
  hv_policy_time t;
  hv_policy_get_time(w->policy, &t);
  hv_timesrc_config_init(&w->time);
  w->time.rules = (hv_timesrc_rules){t.min_responses, (int64_t)t.max_spread_s * 1000,
                                     t.min_distinct_operators, t.quorum};
  w->time.timeout_ms = (int)t.timeout_ms;
  w->time.ca_file = a[4];
  for (size_t i = 0; i < hv_policy_server_count(w->policy) && i < HV_TIMESRC_MAX_SERVERS; i++) {
    hv_policy_server s;
    if (hv_policy_server_at(w->policy, i, &s) != HV_POLICY_OK) return -1;
    hv_timesrc_server *d = &w->time.servers[w->time.n_servers++];
    snprintf(d->host, sizeof d->host, "%.*s", (int)sizeof d->host - 1, s.host);
    d->ke_port = s.ke_port;
    d->kind = s.kind;
    snprintf(d->operator_name, sizeof d->operator_name, "%.63s", s.operator_name);
  }
  return 0;
}

static int trusted_now(const worker *w, uint64_t *now) {
  hv_timesrc_report *r = calloc(1, sizeof *r);
  if (!r) return -1;
  hv_timesrc_verdict v = hv_timesrc_query(&w->time, r);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  int64_t mono_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  *now = (uint64_t)(r->decision.time_ms + (mono_ms - r->decision.mono_ns / 1000000));
  free(r);
  if (v != HV_TIMESRC_TRUSTED) fprintf(stderr, "no trusted time: %s\n", hv_timesrc_verdict_name(v));
  return v == HV_TIMESRC_TRUSTED ? 0 : -1;
}

static int unix_socket(const char *path, int listening) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (listening) {
    unlink(path);
    mode_t old = umask(0177);
    int ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 1) == 0;
    umask(old);
    int c = ok ? accept(fd, NULL, NULL) : -1;
    close(fd);
    unlink(path);
    return c;
  }
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
  close(fd);
  return -1;
}

static uint8_t in[HV_PROTO_MAX_MSG_LEN], out[HV_PROTO_MAX_MSG_LEN];

static int serve(worker *w, const char *sock) {
  uint8_t secret[HV_ED25519_PRIV_LEN], pub[HV_ED25519_PUB_LEN];
  hv_proto_sender *s;
  if (hv_store_get_identity(w->store, secret, pub) != HV_STORE_OK) return -1;
  hv_proto_error pe = hv_proto_sender_new(&w->cfg, secret, &s);
  hv_wipe(secret, sizeof secret);
  if (pe != HV_PROTO_OK) return -1;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  hv_proto_chain_head head = {1, (uint64_t)ts.tv_sec * 1000 - 60000};
  printf("serve: waiting on %s\n", sock);
  fflush(stdout);
  int fd = unix_socket(sock, 1), rc = -1;
  for (size_t len, n; fd >= 0 && recv_msg(fd, in, sizeof in, &len) == 0;) {
    uint64_t now;
    hv_proto_event ev;
    if (trusted_now(w, &now) != 0) break;
    pe = hv_proto_sender_handle(s, now, &head, in, len, out, sizeof out, &n, &ev);
    if (n > 0 && send_msg(fd, out, n) != 0) break;
    printf("serve: %s -> %s\n", hv_proto_msg_name(ev.received), hv_proto_error_name(pe));
    if (pe != HV_PROTO_OK) break;
    if (ev.received == HV_PROTO_MSG_DONE) {
      rc = 0;
      break;
    }
  }
  if (fd >= 0) close(fd);
  hv_proto_sender_free(s);
  return rc;
}

static int receive(worker *w, const char *sock) {
  hv_proto_receiver *r;
  if (hv_proto_receiver_new(&w->cfg, &r) != HV_PROTO_OK) return -1;
  int fd = unix_socket(sock, 0), rc = -1;
  size_t n, len;
  uint64_t now;
  uint8_t secret[HV_PROTO_SECRET_LEN], pub[HV_PROTO_KEY_LEN];
  hv_proto_error pe = HV_PROTO_ERR_INTERNAL;
  if (fd >= 0 && hv_proto_receiver_hello(r, out, sizeof out, &n) == HV_PROTO_OK &&
      send_msg(fd, out, n) == 0 && recv_msg(fd, in, sizeof in, &len) == 0 &&
      trusted_now(w, &now) == 0 &&
      (pe = hv_proto_receiver_handle(r, now, in, len, out, sizeof out, &n, NULL)) ==
          HV_PROTO_OK &&
      send_msg(fd, out, n) == 0 && recv_msg(fd, in, sizeof in, &len) == 0 &&
      trusted_now(w, &now) == 0 &&
      (pe = hv_proto_receiver_handle(r, now, in, len, out, sizeof out, &n, NULL)) ==
          HV_PROTO_OK &&
      hv_proto_receiver_take_secret(r, secret, pub) == HV_PROTO_OK) {
    hv_store_error se = hv_store_put_identity(w->store, secret);
    hv_wipe(secret, sizeof secret);
    if (se == HV_STORE_OK && hv_proto_receiver_done(r, pub, sizeof pub, out, sizeof out,
                                                    &n) == HV_PROTO_OK &&
        send_msg(fd, out, n) == 0) {
      for (size_t i = 0; i < sizeof pub; i++) printf("%02x", pub[i]);
      printf("\n");
      rc = 0;
    }
  } else {
    fprintf(stderr, "receive: %s\n", hv_proto_error_name(pe));
  }
  if (fd >= 0) close(fd);
  hv_proto_receiver_free(r);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 10 || (strcmp(argv[1], "serve") && strcmp(argv[1], "receive"))) {
    fprintf(stderr, "usage: handover_example serve|receive SOCKET STORE POLICY SIG "
                    "COUNCIL CA SECRET BUILD\n");
    return 2;
  }
  static worker w;
  int rc = open_worker(argv + 3, &w);
  if (rc == 0) rc = !strcmp(argv[1], "serve") ? serve(&w, argv[2]) : receive(&w, argv[2]);
  if (w.policy) hv_policy_free(w.policy);
  if (w.store) hv_store_close(w.store);
  if (w.tee) hv_tee_close(w.tee);
  if (rc != 0) fprintf(stderr, "handover_example %s: failed\n", argv[1]);
  return rc == 0 ? 0 : 1;
}
