/* handover receive: the new build fetches the key from the sender. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/tee_opts.h"
#include "cli/transport.h"
#include "cli/util.h"
#include "cli/worker.h"

typedef struct {
  const char *socket_path, *connect;
  hv_session_addr addr; /* from --connect, or --from as unix:PATH */
  bool timing; /* end with how long it took, and how much was trusted time */
  const uint8_t *expected_identity; /* NULL: any */
} receive_args;

/* Connects and runs the exchange; 0 only when the key is stored and the
 * sender took our DONE, else -1 with the failed check on stderr. */
static int receive(cli_worker *w, const receive_args *a) {
  int64_t start = hv_session_monotonic_ms();
  char line[512], where[HV_SESSION_ADDR_MAX];
  int fd = hv_session_connect(&a->addr, line, sizeof line);
  if (fd < 0) {
    fprintf(stderr, "handover receive: %s\n", line);
    return -1;
  }
  if (a->addr.kind == HV_SESSION_ADDR_UNIX)
    snprintf(where, sizeof where, "%s", a->addr.path);
  else
    hv_session_addr_format(&a->addr, where, sizeof where);
  hv_session_peer peer;
  hv_session_peer_of(fd, 0, &peer);
  if (peer.has_cred)
    snprintf(line, sizeof line, "connected to %s (sender pid %d uid %u)", where,
             (int)peer.pid, (unsigned)peer.uid);
  else
    snprintf(line, sizeof line, "connected to %s (the transport names no peer process)",
             where);
  cli_session_log(&w->log, HV_SESSION_LOG_STEP, line);
  hv_session_receive_result r;
  hv_session_error se = hv_session_receive_expect(w->sw, fd, a->expected_identity, &r);
  close(fd);
  if (se != HV_SESSION_OK) return -1;
  if (a->timing)
    printf("receive: timing: %lld ms from connect to done, %lld ms of it on trusted "
           "time (%lld queries, %lld NTS-KE handshakes)\n",
           (long long)(hv_session_monotonic_ms() - start), (long long)r.time.spent_ms,
           (long long)r.time.queries, (long long)r.time.handshakes);
  return 0;
}

int cmd_receive(int argc, char **argv) {
  cli_worker_args wa = {.command = "receive", .create_store = true};
  receive_args ra = {0};
  bool quiet = false, timing = false;
  const char *expect_hex = NULL;
  uint8_t expected[HV_PROTO_KEY_LEN];
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"connect", "ADDR", "the sender: unix:PATH or tcp:HOST:PORT (127.x.y.z or [::1])",
       &ra.connect, NULL},
      {"from", "PATH", "the sender's Unix socket: --connect unix:PATH", &ra.socket_path, NULL},
      {"store", "DIR", "this worker's key store (made 0700 if absent)", &wa.store_dir, NULL},
      {"policy", "FILE", "the governance policy", &wa.policy_file, NULL},
      {"policy-sig", "FILE", "its council signatures", &wa.policy_sig_file, NULL},
      {"council", "FILE", "dev mode only: the council (else the built-in one)",
       &wa.council_file, NULL},
      {"policy-timestamp", "FILE", "the policy's signed timestamp (default POLICY.ts)",
       &wa.policy_timestamp_file, NULL},
      {"ca", "FILE", "CA certificates for the NTS servers (default: system store)",
       &wa.ca_file, NULL},
      {"nts-state", "DIR", "keep NTS cookies here between queries", &wa.nts_state_dir, NULL},
      {"expect-identity", "HEX", "the worker identity (Ed25519 public key) to take; "
       "a sender holding another is refused (identity-mismatch)", &expect_hex, NULL},
      {"quiet", NULL, "print nothing but errors", NULL, &quiet},
      {"timing", NULL, "end with the time taken, and how much was trusted time", NULL,
       &timing},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "receive",
      .synopsis = "receive (--connect ADDR | --from PATH) --store DIR --policy FILE --policy-sig FILE [options]",
      .about = "The receiver: this (new) build asks the running sender for the worker's\n"
               "key, checks the sender's report and build, seals the key to itself and\n"
               "stores it. Exit 0 only when the key is stored and the sender took DONE.",
      .tables = {opts, tee.table, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  cli_transport_args ta = {.command = "receive", .role = "connect", .addr_opt = "connect",
                          .addr = ra.connect, .alias_opt = "from", .alias_path = ra.socket_path};
  if (!cli_transport_addr(&ta, &ra.addr) ||
      !cli_opts_require(&spec, wa.store_dir, "store") ||
      !cli_opts_require(&spec, wa.policy_file, "policy") ||
      !cli_opts_require(&spec, wa.policy_sig_file, "policy-sig"))
    return CLI_EXIT_USAGE;
  if (expect_hex) {
    if (!cli_unhex(expect_hex, expected, sizeof expected)) {
      fprintf(stderr, "handover receive: --expect-identity: not 64 hex digits (an Ed25519 "
                      "public key, as `handover init` and `status` print it)\n");
      return CLI_EXIT_USAGE;
    }
    ra.expected_identity = expected;
  }
  wa.quiet = quiet;
  ra.timing = timing;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  if (sigaction(SIGPIPE, &sa, NULL) != 0) return CLI_EXIT_FAIL;
  cli_worker w;
  if (cli_worker_open(&wa, &tee, &w) != 0) return CLI_EXIT_FAIL;
  int rc = receive(&w, &ra) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  cli_worker_free(&w);
  return rc;
}
