/* The demo's story: every step runs the real `handover` binary (given by
 * handover-demo) against real chrony NTS servers on 127.0.0.1, except the
 * replay, which needs a client that sends one RESPONSE twice. */
#include "demo/demo.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/worker.h"
#include "demo/demo_env.h"
#include "demo/demo_gov.h"
#include "demo/demo_proc.h"
#include "demo/replay.h"
#include "sys/sys.h"

#define DEMO_SERVERS 3
#define DEMO_STEPS 9
/* Bounds on each child: init and status are instant; a handover needs
 * two trusted-time queries a side (5 s deadline each) at most. */
#define DEMO_QUICK_TIMEOUT_MS 15000
#define DEMO_HANDOVER_TIMEOUT_MS 45000
#define DEMO_SERVE_START_TIMEOUT_MS 10000
/* The demo's chain: a block verified a minute ago. */
/* Tests of Ctrl-C: with HANDOVER_DEMO_HOLD_STEP=N in the environment the
 * demo waits at the start of step N (at most this long) until a signal
 * comes, so the interruption lands inside the run, never after it. */
#define DEMO_HOLD_ENV "HANDOVER_DEMO_HOLD_STEP"
#define DEMO_HOLD_MAX_MS 30000
#define DEMO_CHAIN_NUMBER 1000
#define DEMO_CHAIN_AGE_MS 60000
#define P 300 /* path buffers */

typedef struct {
  demo_env env;
  demo_gov_files gov;
  char secret[P], sock[P], sock_addr[P + 8], nts_state[P], serve_log[P], chain_head[64];
  char old_store[P], new_store[P], rogue_store[P], replay_store[P], second_store[P];
  char identity[80]; /* as status showed it */
  const char *chronyd;
  pid_t serve_pid;
  long serve_off;
  int step;
} demo;

static void hold_if_asked(int step) {
  const char *hold = getenv(DEMO_HOLD_ENV);
  if (!hold || atoi(hold) != step) return;
  int64_t until = hv_sys_monotonic_ms() + DEMO_HOLD_MAX_MS;
  while (!demo_interrupted && hv_sys_monotonic_ms() < until) usleep(10000);
}

static void heading(demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void heading(demo *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("\n[%d/%d] ", ++d->step, DEMO_STEPS);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
  hold_if_asked(d->step);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("      ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  fflush(stdout);
}

static void show_sender(demo *d) { demo_show_log(d->serve_log, &d->serve_off, "      sender   | "); }

static int path(const demo *d, const char *name, char *out) {
  int n = snprintf(out, P, "%s/%s", d->env.dir, name);
  return n > 0 && n < P ? 0 : -1;
}

/* Runs `handover ARGS...` to completion, showing its output; its status. */
static int run(demo *d, const char *label, const char *log, int timeout_ms, char *const argv[]) {
  char logpath[P];
  if (path(d, log, logpath) != 0) return -1;
  pid_t pid = demo_spawn_handover(argv, logpath);
  if (pid < 0) return -1;
  int st = demo_wait(pid, timeout_ms);
  long off = 0;
  char prefix[32];
  snprintf(prefix, sizeof prefix, "      %-8s | ", label);
  demo_show_log(logpath, &off, prefix);
  return st;
}

#define TEE_ARGS(d, build) \
  "--tee", "sim", "--platform-secret", (d)->secret, "--create-platform-secret", \
      "--build-name", (build)
#define GOV_ARGS(d)                                                                    \
  "--policy", (d)->gov.policy, "--policy-sig", (d)->gov.sig, "--council", (d)->gov.council, \
      "--ca", (d)->env.ca_file

static int step_environment(demo *d) {
  heading(d, "Trusted time: a test CA and %d chrony NTS servers on 127.0.0.1", DEMO_SERVERS);
  if (demo_env_start(&d->env, DEMO_SERVERS, d->chronyd, false) != 0) return -1;
  for (size_t i = 0; i < d->env.n; i++)
    say("nts%zu: chronyd pid %d, NTS-KE 127.0.0.1:%u, NTP port %u", i + 1,
        (int)d->env.servers[i].pid, d->env.servers[i].ke_port, d->env.servers[i].ntp_port);
  say("CA certificate: %s", d->env.ca_file);
  if (path(d, "platform-secret", d->secret) || path(d, "sender.sock", d->sock) ||
      path(d, "serve.log", d->serve_log) || path(d, "old-store", d->old_store) ||
      path(d, "new-store", d->new_store) || path(d, "rogue-store", d->rogue_store) ||
      path(d, "replay-store", d->replay_store) || path(d, "second-store", d->second_store) ||
      demo_env_subdir(&d->env, "nts-state", d->nts_state, P) != 0)
    return -1;
  snprintf(d->sock_addr, sizeof d->sock_addr, "unix:%s", d->sock);
  return 0;
}

static int step_governance(demo *d) {
  heading(d, "Governance: a council (%d of %d Ed25519 keys) signs policy version 1",
          DEMO_GOV_THRESHOLD, DEMO_GOV_MEMBERS);
  static const char *const builds[] = {"old", "new"};
  uint16_t ports[DEMO_SERVERS];
  for (size_t i = 0; i < d->env.n; i++) ports[i] = d->env.servers[i].ke_port;
  demo_policy_spec spec = {.version = 1, .ke_ports = ports, .n_servers = d->env.n,
                           .builds = builds, .n_builds = 2};
  if (demo_gov_make(d->env.dir, &spec, &d->gov) != 0) return -1;
  for (size_t i = 0; i < 2; i++) {
    uint8_t mr[HV_TEE_MR_LEN];
    char hex[2 * HV_TEE_MR_LEN + 1];
    if (cli_sim_build_measurement(builds[i], mr) != 0) return -1;
    hv_sys_hex(mr, sizeof mr, hex);
    say("allowed build %zu \"%s\": mr_enclave %.24s... = SHA-256(\"%s%s\")", i + 1,
        builds[i], hex, CLI_SIM_BUILD_PREFIX, builds[i]);
  }
  say("policy: %s (signed: %s; council: %s)", d->gov.policy, d->gov.sig, d->gov.council);
  return 0;
}

static int step_init(demo *d) {
  heading(d, "The old build (sim) creates the worker identity: handover init");
  char *argv[] = {"handover", "init", "--store", d->old_store, TEE_ARGS(d, "old"), NULL};
  return run(d, "init", "init.log", DEMO_QUICK_TIMEOUT_MS, argv) == 0 ? 0 : -1;
}

/* Waits (bounded) until the sender logs that it listens: it does so only
 * after listen(), so no probe connection is needed. */
static int wait_serving(demo *d) {
  int64_t deadline = hv_sys_monotonic_ms() + DEMO_SERVE_START_TIMEOUT_MS;
  while (!demo_log_contains(d->serve_log, "serve: listening on")) {
    if (demo_interrupted || hv_sys_monotonic_ms() > deadline || kill(d->serve_pid, 0) != 0) {
      show_sender(d);
      fprintf(stderr, "demo: the sender did not start listening\n");
      return -1;
    }
    usleep(20000);
  }
  return 0;
}

static int step_serve(demo *d) {
  heading(d, "The old build serves its key on a Unix socket: handover serve");
  snprintf(d->chain_head, sizeof d->chain_head, "%d:%lld", DEMO_CHAIN_NUMBER,
           (long long)(hv_sys_realtime_ms() - DEMO_CHAIN_AGE_MS));
  char *argv[] = {"handover", "serve", "--store", d->old_store, "--listen", d->sock_addr,
                  GOV_ARGS(d), "--chain-head", d->chain_head, "--nts-state", d->nts_state,
                  TEE_ARGS(d, "old"), NULL};
  d->serve_pid = demo_spawn_handover(argv, d->serve_log);
  if (d->serve_pid < 0 || wait_serving(d) != 0) return -1;
  say("sender pid %d listening on %s", (int)d->serve_pid, d->sock);
  show_sender(d);
  return 0;
}

/* The old build's identity, as init printed it. */
static int init_identity(demo *d, char *out, size_t cap) {
  char p[P], *text;
  size_t len;
  if (cap <= 64 || path(d, "init.log", p) != 0 ||
      hv_sys_read_file_alloc(p, HV_SYS_READ_ANY, 1 << 16, (uint8_t **)&text, &len) != 0)
    return -1;
  int rc = sscanf(text, "%64s", out) == 1 && strlen(out) == 64 ? 0 : -1;
  free(text);
  return rc;
}

static int step_receive(demo *d) {
  heading(d, "The key moves to the new build: handover receive; the old one retires");
  char identity[80];
  if (init_identity(d, identity, sizeof identity) != 0) return -1;
  say("the receiver names the identity it came for (--expect-identity %.16s...)", identity);
  char *argv[] = {"handover", "receive", "--connect", d->sock_addr, "--store", d->new_store,
                  "--expect-identity", identity, GOV_ARGS(d), TEE_ARGS(d, "new"), NULL};
  int st = run(d, "receiver", "receive.log", DEMO_HANDOVER_TIMEOUT_MS, argv);
  if (st != 0) {
    show_sender(d);
    fprintf(stderr, "demo: the handover failed (exit %d)\n", st);
    return -1;
  }
  /* after_handover retire (the default): the sender stops by itself. */
  int serve_st = demo_wait(d->serve_pid, DEMO_QUICK_TIMEOUT_MS);
  d->serve_pid = 0;
  show_sender(d);
  if (serve_st != 0 || !demo_log_contains(d->serve_log, "serve: retired:")) {
    fprintf(stderr, "demo: the old build did not retire (exit %d)\n", serve_st);
    return -1;
  }
  say("the sender exited 0 after the authenticated DONE: the key moved, it was not copied");
  return 0;
}

/* The identity line of a status log. */
static int identity_of(demo *d, const char *log, char *out, size_t cap) {
  char p[P], *text;
  size_t len;
  if (path(d, log, p) != 0 ||
      hv_sys_read_file_alloc(p, HV_SYS_READ_ANY, 1 << 16, (uint8_t **)&text, &len) != 0)
    return -1;
  char *line = strstr(text, "identity        ");
  int rc = -1;
  if (line && sscanf(line + 16, "%64s", out) == 1 && cap > 64) rc = 0;
  free(text);
  return rc;
}

/* After the move nobody gets the key from the old build again: its store
 * refuses to serve, so a second receiver finds no sender. */
static int after_the_move(demo *d) {
  say("the old build tries to serve again:");
  char *serve_argv[] = {"handover", "serve", "--store", d->old_store, "--listen", d->sock_addr,
                        GOV_ARGS(d), "--chain-head", d->chain_head, TEE_ARGS(d, "old"), NULL};
  int st = run(d, "old", "serve-again.log", DEMO_QUICK_TIMEOUT_MS, serve_argv);
  char p[P];
  if (st != 1 || path(d, "serve-again.log", p) != 0 || !demo_log_contains(p, "store retired")) {
    fprintf(stderr, "demo: the retired store did not refuse to serve (exit %d)\n", st);
    return -1;
  }
  say("a second new build asks for the key:");
  char *recv_argv[] = {"handover", "receive", "--connect", d->sock_addr, "--store", d->second_store,
                       GOV_ARGS(d), TEE_ARGS(d, "new"), NULL};
  st = run(d, "second", "second.log", DEMO_HANDOVER_TIMEOUT_MS, recv_argv);
  if (st != 1) {
    fprintf(stderr, "demo: a second receiver was not refused (exit %d)\n", st);
    return -1;
  }
  say("refused as it must be: one live copy of the identity, in the new build");
  return 0;
}

static int step_status(demo *d) {
  heading(d, "After the move: the old store is retired, the new one holds the identity");
  char *old_argv[] = {"handover", "status", "--store", d->old_store, TEE_ARGS(d, "old"), NULL};
  char *new_argv[] = {"handover", "status", "--store", d->new_store, TEE_ARGS(d, "new"), NULL};
  say("old build:");
  if (run(d, "old", "status-old.log", DEMO_QUICK_TIMEOUT_MS, old_argv) != 0) return -1;
  say("new build:");
  if (run(d, "new", "status-new.log", DEMO_QUICK_TIMEOUT_MS, new_argv) != 0) return -1;
  char a[80], b[80];
  if (identity_of(d, "status-old.log", a, sizeof a) != 0 ||
      identity_of(d, "status-new.log", b, sizeof b) != 0 || strcmp(a, b) != 0) {
    fprintf(stderr, "demo: the two stores do not show the same identity\n");
    return -1;
  }
  char p[P];
  if (path(d, "status-old.log", p) != 0 || !demo_log_contains(p, "retired")) {
    fprintf(stderr, "demo: the old store does not show retired\n");
    return -1;
  }
  say("same identity %s: the new build holds it, the old one keeps only its tombstone", a);
  snprintf(d->identity, sizeof d->identity, "%s", a);
  return after_the_move(d);
}

static int step_rogue(demo *d) {
  heading(d, "Refusal: a build that is not in the policy asks for the key");
  char *argv[] = {"handover", "receive", "--connect", d->sock_addr, "--store", d->rogue_store,
                  GOV_ARGS(d), TEE_ARGS(d, "rogue"), NULL};
  int st = run(d, "rogue", "rogue.log", DEMO_HANDOVER_TIMEOUT_MS, argv);
  show_sender(d);
  char p[P];
  if (st != 1 || path(d, "rogue.log", p) != 0 ||
      !demo_log_contains(p, "receiver-not-in-policy")) {
    fprintf(stderr, "demo: the unlisted build was not refused as receiver-not-in-policy\n");
    return -1;
  }
  say("refused as it must be: receiver-not-in-policy; nothing was stored");
  return 0;
}

static int step_replay(demo *d) {
  heading(d, "Refusal: a replayed RESPONSE");
  cli_worker_args wa = {.command = "demo", .store_dir = d->replay_store,
                        .policy_file = d->gov.policy, .policy_sig_file = d->gov.sig,
                        .council_file = d->gov.council, .ca_file = d->env.ca_file,
                        .create_store = true};
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  tee.tee = "sim";
  tee.platform_secret = d->secret;
  tee.build_name = "new";
  cli_worker w;
  if (cli_worker_open(&wa, &tee, &w) != 0) return -1;
  say("the new build answers a challenge and gets KEY (dropped unstored), then sends");
  say("the very same RESPONSE again:");
  cli_replay_result r;
  int rc = cli_replay_probe(&w, d->sock, &r);
  cli_worker_free(&w);
  show_sender(d);
  if (rc != 0) return -1;
  say("same connection: ERROR \"%s\"", r.same_conn);
  say("new connection:  ERROR \"%s\" (a challenge belongs to its connection)", r.new_conn);
  if (!strstr(r.same_conn, "challenge-replayed") || !strstr(r.new_conn, "challenge-unknown")) {
    fprintf(stderr, "demo: the replayed RESPONSE was not refused as a replay\n");
    return -1;
  }
  say("refused as it must be: each challenge is answered once");
  return 0;
}

/* The evidence the handover left: each store's hash-chained log, and the
 * receipt, signed by the identity, that anyone verifies offline. */
static int step_evidence(demo *d) {
  heading(d, "Evidence: each store's log, and the handover's signed receipt");
  char receipt[P];
  if (path(d, "handover.receipt", receipt) != 0) return -1;
  char *old_argv[] = {"handover", "log", "verify", "--store", d->old_store,
                      TEE_ARGS(d, "old"), NULL};
  char *new_argv[] = {"handover", "log", "verify", "--store", d->new_store,
                      TEE_ARGS(d, "new"), NULL};
  char *export_argv[] = {"handover", "log", "export", "--store", d->new_store, "--entry", "1",
                         "--out", receipt, TEE_ARGS(d, "new"), NULL};
  char *verify_argv[] = {"handover", "receipt", "verify", receipt, "--identity", d->identity,
                         NULL};
  say("the sender's log (the refusal of the unlisted build, then the handover):");
  if (run(d, "old", "log-old.log", DEMO_QUICK_TIMEOUT_MS, old_argv) != 0) return -1;
  say("the receiver's log:");
  if (run(d, "new", "log-new.log", DEMO_QUICK_TIMEOUT_MS, new_argv) != 0 ||
      run(d, "new", "export.log", DEMO_QUICK_TIMEOUT_MS, export_argv) != 0)
    return -1;
  say("anyone with the public identity verifies the receipt offline:");
  if (run(d, "auditor", "receipt.log", DEMO_QUICK_TIMEOUT_MS, verify_argv) != 0) {
    fprintf(stderr, "demo: the handover's receipt does not verify\n");
    return -1;
  }
  return 0;
}

static void cleanup(demo *d) {
  if (d->serve_pid > 0) {
    demo_stop(d->serve_pid);
    show_sender(d);
    d->serve_pid = 0;
  }
  demo_env_stop(&d->env);
}

static void on_signal(int sig) {
  (void)sig;
  demo_interrupted = 1;
}

static int install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
      sigaction(SIGHUP, &sa, NULL) != 0)
    return -1;
  sa.sa_handler = SIG_IGN;
  return sigaction(SIGPIPE, &sa, NULL);
}

int demo_run(const char *handover, const char *chronyd, bool keep) {
  static demo d; /* large; zeroed */
  memset(&d, 0, sizeof d);
  demo_proc_set_handover(handover);
  if (install_signals() != 0) return -1;
  if (geteuid() != 0) {
    fprintf(stderr, "handover-demo: run as root (chronyd -u root needs it)\n");
    return -1;
  }
  printf("handover-demo: hand a worker's key from an old to a new enclave build\n"
         "(sim TEE, dev mode) on this machine; nothing leaves 127.0.0.1.\n");
  /* The refusals run while the old build still serves: after the move
   * it serves no more. */
  int (*const steps[])(demo *) = {step_environment, step_governance, step_init, step_serve,
                                  step_rogue, step_replay, step_receive, step_status,
                                  step_evidence};
  d.chronyd = chronyd;
  int rc = 0;
  for (size_t i = 0; i < sizeof steps / sizeof steps[0] && rc == 0; i++) {
    rc = steps[i](&d);
    if (demo_interrupted) { /* what a step said after Ctrl-C is moot */
      fprintf(stderr, "\ndemo: interrupted\n");
      rc = -1;
    }
  }
  d.env.keep = keep;
  char dir[sizeof d.env.dir];
  memcpy(dir, d.env.dir, sizeof dir);
  printf("\n[stop] stopping the sender and the NTS servers\n");
  cleanup(&d);
  if (demo_interrupted) rc = -1; /* also when Ctrl-C came during the cleanup */
  if (keep) printf("the demo's files are in %s\n", dir);
  printf(rc == 0 ? "\ndemo: every step did what it should.\n" : "\ndemo: FAILED (see above)\n");
  return rc;
}
