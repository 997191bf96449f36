/* handover receive: the new build fetches the key from the sender. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/log.h"
#include "cli/opts.h"
#include "cli/tee_opts.h"
#include "cli/transport.h"
#include "cli/worker.h"
#include "handover/log.h"
#include "sys/sys.h"

/* An hour: a receiver that waits longer is not waiting for a handover. */
#define CLI_RECEIVE_MAX_TIMEOUT_MS 3600000

typedef struct {
  const char *socket_path, *connect;
  hv_session_addr addr; /* from --connect, or --from as unix:PATH */
  bool timing; /* end with how long it took, and how much was trusted time */
  const uint8_t *expected_identity; /* NULL: any */
} receive_args;

/* A refused receive leaves no store behind that it made itself (a typo
 * in --store must not leave a directory), unless its log holds the
 * receipt of the refusal, which is evidence. The directory did not exist
 * before this run, so every file in it (lock, state, temporaries; never
 * an identity, which is only stored on success) is this run's. */
static void remove_new_store(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool evidence = fd >= 0 && faccessat(fd, HV_LOG_FILE, F_OK, 0) == 0;
  if (fd >= 0) close(fd);
  if (evidence) { /* the exchange got far enough to leave a receipt */
    fprintf(stderr, "handover receive: keeping the new store %s: its log holds the receipt "
            "of this refusal (handover log show)\n", dir);
    return;
  }
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
        (void)unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
  }
  if (rmdir(dir) != 0 && errno != ENOENT)
    fprintf(stderr, "handover receive: could not remove the new store %s: %s\n", dir,
            strerror(errno));
}

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
  if (a->timing && w->log.json_steps) {
    char stamp[CLI_LOG_STAMP_LEN];
    cli_log_stamp(stamp);
    cli_log_json_object(json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "time", stamp, "command", "receive", "event",
        "timing", "total_ms", (json_int_t)(hv_session_monotonic_ms() - start), "time_ms",
        (json_int_t)r.time.spent_ms, "time_queries", (json_int_t)r.time.queries,
        "nts_ke_handshakes", (json_int_t)r.time.handshakes));
  } else if (a->timing) {
    printf("receive: timing: %lld ms from connect to done, %lld ms of it on trusted "
           "time (%lld queries, %lld NTS-KE handshakes)\n",
           (long long)(hv_session_monotonic_ms() - start), (long long)r.time.spent_ms,
           (long long)r.time.queries, (long long)r.time.handshakes);
  }
  return 0;
}

int cmd_receive(int argc, char **argv) {
  cli_worker_args wa = {.command = "receive", .create_store = true};
  receive_args ra = {0};
  bool quiet = false, timing = false, json = false;
  const char *log_format = NULL, *timeout = NULL;
  const char *expect_hex = NULL;
  uint8_t expected[HV_PROTO_KEY_LEN];
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"connect", "ADDR", "the sender: unix:PATH or tcp:HOST:PORT (127.x.y.z or [::1])",
       &ra.connect, NULL},
      {"from", "PATH", "deprecated: --connect unix:PATH", &ra.socket_path, NULL},
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
      {"timeout", "MS", "the deadline of the whole exchange (default 30000)", &timeout, NULL},
      {"json", NULL, "progress as one JSON object per line on stdout", NULL, &json},
      {"log-format", "text|json", "log lines on stderr as text (default) or JSON",
       &log_format, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "receive",
      .synopsis = "receive --connect ADDR --store DIR --policy FILE --policy-sig FILE [options]",
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
      !cli_opts_require(&spec, wa.policy_sig_file, "policy-sig") ||
      !cli_tee_opts_check(&tee, "receive"))
    return CLI_EXIT_USAGE;
  cli_log_format lf;
  uint64_t timeout_ms = 0;
  if (!cli_log_parse_format("receive", log_format, &lf)) return CLI_EXIT_USAGE;
  if (timeout && !hv_sys_parse_u64(timeout, CLI_RECEIVE_MAX_TIMEOUT_MS, &timeout_ms)) {
    fprintf(stderr, "handover receive: --timeout '%s' is not a number of milliseconds in "
            "1..%d\n", timeout, CLI_RECEIVE_MAX_TIMEOUT_MS);
    return CLI_EXIT_USAGE;
  }
  if (timeout && timeout_ms == 0) {
    fprintf(stderr, "handover receive: --timeout must be at least 1 ms\n");
    return CLI_EXIT_USAGE;
  }
  wa.deadline_ms = (int64_t)timeout_ms;
  cli_log_configure("receive", lf);
  if (expect_hex) {
    if (!hv_sys_unhex(expect_hex, strlen(expect_hex), expected, sizeof expected)) {
      fprintf(stderr, "handover receive: --expect-identity: not 64 hex digits (an Ed25519 "
                      "public key, as `handover init` and `status` print it)\n");
      return CLI_EXIT_USAGE;
    }
    ra.expected_identity = expected;
  }
  wa.quiet = quiet;
  wa.json = json;
  ra.timing = timing;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  if (sigaction(SIGPIPE, &sa, NULL) != 0) return CLI_EXIT_FAIL;
  struct stat before;
  bool new_store = lstat(wa.store_dir, &before) != 0 && errno == ENOENT;
  cli_worker w;
  int rc = CLI_EXIT_FAIL;
  if (cli_worker_open(&wa, &tee, &w) == 0) {
    rc = receive(&w, &ra) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    cli_worker_free(&w);
  }
  if (rc != CLI_EXIT_OK && new_store) remove_new_store(wa.store_dir);
  return rc;
}
