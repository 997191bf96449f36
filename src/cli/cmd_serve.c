/* handover serve: the sender service. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/log.h"
#include "cli/opts.h"
#include "cli/tee_opts.h"
#include "cli/worker.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) return -1;
  sa.sa_handler = SIG_IGN;
  return sigaction(SIGPIPE, &sa, NULL);
}

typedef struct {
  cli_worker_args w;
  const char *socket_path, *chain_head, *chain_head_file;
  bool once;
} serve_args;

static bool chain_head_arg(const cli_cmd_spec *spec, const serve_args *a,
                           hv_proto_chain_head *head) {
  if (!!a->chain_head == !!a->chain_head_file) {
    fprintf(stderr, "handover serve: give exactly one of --chain-head and "
            "--chain-head-file (see --help)\n");
    return false;
  }
  if (a->chain_head && !hv_session_parse_chain_head(a->chain_head, head)) {
    fprintf(stderr, "handover serve: --chain-head '%s' is not NUMBER:TIME_MS\n",
            a->chain_head);
    return false;
  }
  if (a->chain_head_file && hv_session_read_chain_head_file(a->chain_head_file, head) != 0) {
    fprintf(stderr, "handover serve: --chain-head-file %s: %s\n", a->chain_head_file,
            errno == EINVAL   ? "not NUMBER:TIME_MS"
            : errno == ESPIPE ? "not a regular file"
                              : strerror(errno));
    return false;
  }
  (void)spec;
  return true;
}

static void log_listening(const serve_args *a, const cli_worker *w,
                          const hv_proto_chain_head *head) {
  hv_tee_measurement self;
  char m[160];
  hv_tee_self(w->tee, &self);
  hv_session_measurement_line(&self, m, sizeof m);
  cli_log("serve: listening on %s (mode 0600), %s TEE%s, %s, policy version %llu, "
          "chain head %llu:%llu, %zu NTS servers", a->socket_path,
          hv_tee_kind_name(hv_tee_get_kind(w->tee)),
          hv_tee_dev_mode(w->tee) ? " (dev mode)" : "", m,
          (unsigned long long)w->params.policy_version, (unsigned long long)head->number,
          (unsigned long long)head->time_ms, w->time_cfg->n_servers);
}

static int serve(serve_args *a, const cli_tee_opts *tee_opts, const hv_proto_chain_head *head) {
  cli_worker w;
  if (cli_worker_open(&a->w, tee_opts, &w) != 0) return CLI_EXIT_FAIL;
  hv_session_sender *s;
  if (hv_session_sender_new(w.sw, head, a->chain_head_file, &s) != HV_SESSION_OK) {
    cli_worker_close(&w);
    return CLI_EXIT_FAIL;
  }
  char err[256];
  int fd = hv_session_unix_listen(a->socket_path, err, sizeof err);
  int rc = CLI_EXIT_FAIL;
  struct stat ours; /* at exit, remove the socket only if it is still ours */
  bool have_ours = fd >= 0 && lstat(a->socket_path, &ours) == 0;
  if (fd < 0) {
    fprintf(stderr, "handover serve: %s\n", err);
  } else {
    log_listening(a, &w, head);
    rc = hv_session_serve(s, fd, a->once, &stop_requested) == HV_SESSION_OK ? CLI_EXIT_OK
                                                                            : CLI_EXIT_FAIL;
    close(fd);
    struct stat now;
    if (have_ours && lstat(a->socket_path, &now) == 0 && now.st_dev == ours.st_dev &&
        now.st_ino == ours.st_ino)
      unlink(a->socket_path);
    hv_session_time_stats ts;
    hv_session_time_get_stats(hv_session_sender_time(s), &ts);
    cli_log("serve: stopped (%lld trusted-time queries, %lld reused, %lld NTS-KE handshakes)",
            (long long)ts.queries, (long long)ts.reused, (long long)ts.handshakes);
  }
  hv_session_sender_free(s);
  cli_worker_close(&w);
  return rc;
}

int cmd_serve(int argc, char **argv) {
  serve_args a = {.w = {.command = "serve"}};
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"store", "DIR", "the worker's key store (must hold an identity)", &a.w.store_dir, NULL},
      {"socket", "PATH", "the Unix socket to listen on (made 0600)", &a.socket_path, NULL},
      {"policy", "FILE", "the governance policy", &a.w.policy_file, NULL},
      {"policy-sig", "FILE", "its council signatures", &a.w.policy_sig_file, NULL},
      {"council", "FILE", "dev mode only: the council (else the built-in one)",
       &a.w.council_file, NULL},
      {"policy-timestamp", "FILE", "the policy's signed timestamp (default POLICY.ts)",
       &a.w.policy_timestamp_file, NULL},
      {"override", "FILE", "a council override for this worker (docs/POLICY.md)",
       &a.w.override_file, NULL},
      {"override-sig", "FILE", "its council signatures (default FILE.sig)",
       &a.w.override_sig_file, NULL},
      {"chain-head", "NUMBER:TIME_MS", "the newest verified block", &a.chain_head, NULL},
      {"chain-head-file", "FILE", "a file holding NUMBER:TIME_MS, re-read per connection",
       &a.chain_head_file, NULL},
      {"ca", "FILE", "CA certificates for the NTS servers (default: system store)",
       &a.w.ca_file, NULL},
      {"nts-state", "DIR", "keep NTS cookies here between queries", &a.w.nts_state_dir, NULL},
      {"once", NULL, "exit after the first completed handover", NULL, &a.once},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "serve",
      .synopsis = "serve --store DIR --socket PATH --policy FILE --policy-sig FILE "
                  "(--chain-head N:MS | --chain-head-file FILE) [options]",
      .about = "The sender: the running (old) build hands its key to an upgraded build\n"
               "that connects to the socket, after every check of the protocol.\n"
               "One handover per connection; SIGINT or SIGTERM stops it.",
      .tables = {opts, tee.table, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  if (!cli_opts_require(&spec, a.w.store_dir, "store") ||
      !cli_opts_require(&spec, a.socket_path, "socket") ||
      !cli_opts_require(&spec, a.w.policy_file, "policy") ||
      !cli_opts_require(&spec, a.w.policy_sig_file, "policy-sig"))
    return CLI_EXIT_USAGE;
  hv_proto_chain_head head;
  if (!chain_head_arg(&spec, &a, &head)) return CLI_EXIT_USAGE;
  if (install_signals() != 0) return CLI_EXIT_FAIL;
  return serve(&a, &tee, &head);
}
