/* handover serve: the sender service. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/log.h"
#include "cli/notify.h"
#include "cli/opts.h"
#include "cli/serve_checks.h"
#include "cli/serve_reload.h"
#include "cli/tee_opts.h"
#include "cli/transport.h"
#include "cli/worker.h"
#include "sys/sys.h"

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
  if (cli_reload_block() != 0) return -1; /* one thread takes SIGHUP */
  sa.sa_handler = SIG_IGN;
  return sigaction(SIGPIPE, &sa, NULL);
}

typedef struct {
  cli_worker_args w;
  const char *socket_path, *listen, *chain_head, *chain_head_file, *log_format;
  hv_session_addr addr; /* from --listen, or --socket as unix:PATH */
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

static void log_listening(const hv_session_addr *bound, const cli_worker *w,
                          const hv_proto_chain_head *head, bool json, cli_serve_status *st) {
  hv_tee_measurement self;
  char m[160], mr[2 * HV_TEE_MR_LEN + 1], where[HV_SESSION_ADDR_MAX + 16], addr[HV_SESSION_ADDR_MAX + 16];
  hv_tee_self(w->tee, &self);
  hv_session_measurement_line(&self, m, sizeof m);
  hv_session_addr_format(bound, addr, sizeof addr);
  if (bound->kind == HV_SESSION_ADDR_UNIX)
    snprintf(where, sizeof where, "%s (mode 0600)", bound->path);
  else
    snprintf(where, sizeof where, "%s", addr);
  if (json) {
    hv_sys_hex(self.mr_enclave, HV_TEE_MR_LEN, mr);
    char stamp[CLI_LOG_STAMP_LEN];
    cli_log_stamp(stamp);
    cli_log_json_object(json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:i, s:I, s:{s:I, s:I}, s:I}", "time",
        stamp, "command", "serve", "event", "listening", "address", addr, "tee",
        hv_tee_kind_name(hv_tee_get_kind(w->tee)), "dev_mode", hv_tee_dev_mode(w->tee),
        "mr_enclave", mr, "isv_prod_id", self.isv_prod_id, "isv_svn", self.isv_svn,
        "policy_version", (json_int_t)w->params.policy_version, "chain_head", "number",
        (json_int_t)head->number, "time_ms", (json_int_t)head->time_ms, "nts_servers",
        (json_int_t)w->time_cfg->n_servers));
  }
  cli_serve_status_notify(st, "READY=1", w->params.policy_version);
  cli_log("serve: listening on %s, %s TEE%s, %s, policy version %llu, "
          "chain head %llu:%llu, %zu NTS servers", where,
          hv_tee_kind_name(hv_tee_get_kind(w->tee)),
          hv_tee_dev_mode(w->tee) ? " (dev mode)" : "", m,
          (unsigned long long)w->params.policy_version, (unsigned long long)head->number,
          (unsigned long long)head->time_ms, w->time_cfg->n_servers);
}

/* The key moved (after_handover retire): the last word of this sender.
 * Exit 0 only when the store says retired too. */
static int retired_line(cli_worker *w) {
  hv_store_tombstone t;
  bool retired = false;
  hv_store_error se = hv_store_get_tombstone(hv_session_worker_store(w->sw), &retired, &t);
  if (se != HV_STORE_OK || !retired) {
    cli_log("serve: the key moved but the store is not retired (%s)",
            se != HV_STORE_OK ? hv_store_error_text(se) : "no tombstone");
    return CLI_EXIT_FAIL;
  }
  char m[160];
  hv_session_measurement_line(&t.receiver, m, sizeof m);
  cli_log("serve: retired: the key moved to %s; this store will not serve again", m);
  return CLI_EXIT_OK;
}

/* At exit the socket file is removed, only if it is still the one we made. */
typedef struct {
  const char *path; /* NULL: not a Unix socket */
  struct stat made;
  bool have;
} socket_file;

static void note_socket(socket_file *f, const hv_session_addr *a) {
  f->path = a->kind == HV_SESSION_ADDR_UNIX ? a->path : NULL;
  f->have = f->path && lstat(f->path, &f->made) == 0;
}

static void remove_socket(const socket_file *f) {
  struct stat now;
  if (f->have && lstat(f->path, &now) == 0 && now.st_dev == f->made.st_dev &&
      now.st_ino == f->made.st_ino)
    unlink(f->path);
}

static void log_stopped(hv_session_sender *s, int rc, bool json) {
  hv_session_time_stats ts;
  hv_session_time_get_stats(hv_session_sender_time(s), &ts);
  cli_notify("STOPPING=1");
  if (json) {
    char stamp[CLI_LOG_STAMP_LEN];
    cli_log_stamp(stamp);
    cli_log_json_object(json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I}", "time", stamp,
                                  "command", "serve", "event", "stopped", "ok",
                                  rc == CLI_EXIT_OK, "time_queries", (json_int_t)ts.queries,
                                  "time_reused", (json_int_t)ts.reused, "nts_ke_handshakes",
                                  (json_int_t)ts.handshakes));
  }
  cli_log("serve: stopped (%lld trusted-time queries, %lld reused, %lld NTS-KE handshakes)",
          (long long)ts.queries, (long long)ts.reused, (long long)ts.handshakes);
}

static int serve(serve_args *a, const cli_tee_opts *tee_opts, const hv_proto_chain_head *head) {
  cli_worker w;
  if (cli_serve_check_ca(a->w.ca_file) != 0) return CLI_EXIT_FAIL;
  if (cli_worker_open(&a->w, tee_opts, &w) != 0) return CLI_EXIT_FAIL;
  hv_session_sender *s;
  if (hv_session_sender_new(w.sw, head, a->chain_head_file, &s) != HV_SESSION_OK) {
    cli_worker_free(&w);
    return CLI_EXIT_FAIL;
  }
  if (cli_serve_check_started(&w, s, head) != 0) {
    hv_session_sender_free(s);
    cli_worker_free(&w);
    return CLI_EXIT_FAIL;
  }
  char err[256];
  hv_session_addr bound;
  int fd = hv_session_listen(&a->addr, &bound, err, sizeof err);
  int rc = CLI_EXIT_FAIL;
  if (fd < 0) {
    fprintf(stderr, "handover serve: %s\n", err);
  } else {
    socket_file sf;
    note_socket(&sf, &bound);
    char addr[HV_SESSION_ADDR_MAX + 16];
    hv_session_addr_format(&bound, addr, sizeof addr);
    cli_serve_status *status = cli_serve_status_new(addr, w.params.policy_version);
    cli_reloader *reloader = status ? cli_reload_start(s, status, a->w.json) : NULL;
    hv_session_sender_set_outcome(s, status ? cli_serve_status_outcome : NULL, status);
    log_listening(&bound, &w, head, a->w.json, status);
    rc = reloader && hv_session_serve(s, fd, a->once, &stop_requested) == HV_SESSION_OK
             ? CLI_EXIT_OK
             : CLI_EXIT_FAIL;
    cli_reload_stop(reloader);
    hv_session_sender_set_outcome(s, NULL, NULL);
    cli_serve_status_free(status);
    close(fd);
    remove_socket(&sf);
    bool retired = hv_session_sender_retired(s);
    log_stopped(s, rc, a->w.json);
    if (retired) rc = retired_line(&w); /* the last line says where the key went */
  }
  hv_session_sender_free(s);
  cli_worker_free(&w);
  return rc;
}

int cmd_serve(int argc, char **argv) {
  serve_args a = {.w = {.command = "serve"}};
  cli_tee_opts tee;
  cli_tee_opts_init(&tee);
  const cli_opt opts[] = {
      {"store", "DIR", "the worker's key store (must hold an identity)", &a.w.store_dir, NULL},
      {"listen", "ADDR", "unix:PATH or tcp:HOST:PORT (HOST 127.x.y.z or [::1]; port 0: any)",
       &a.listen, NULL},
      {"socket", "PATH", "deprecated: --listen unix:PATH",
       &a.socket_path, NULL},
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
      {"json", NULL, "progress as one JSON object per line on stdout", NULL, &a.w.json},
      {"log-format", "text|json", "log lines on stderr as text (default) or JSON",
       &a.log_format, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  cli_cmd_spec spec = {
      .command = "serve",
      .synopsis = "serve --store DIR --listen ADDR --policy FILE --policy-sig FILE "
                  "(--chain-head N:MS | --chain-head-file FILE) [options]",
      .about = "The sender: the running (old) build hands its key to an upgraded build\n"
               "that connects to ADDR, after every check of the protocol. TCP is for\n"
               "enclave runtimes (Gramine) whose Unix sockets stay inside one instance.\n"
               "One handover per connection; SIGINT or SIGTERM stops it. SIGHUP reads\n"
               "and verifies the policy again: a newer version replaces the old one for\n"
               "new connections; an invalid one is logged and the old one kept.",
      .tables = {opts, tee.table, NULL},
  };
  int st = cli_opts_exit_status(cli_opts_parse(&spec, argc, argv));
  if (st >= 0) return st;
  cli_transport_args ta = {.command = "serve", .role = "listen", .addr_opt = "listen",
                          .addr = a.listen, .alias_opt = "socket", .alias_path = a.socket_path};
  if (!cli_opts_require(&spec, a.w.store_dir, "store") || !cli_transport_addr(&ta, &a.addr) ||
      !cli_opts_require(&spec, a.w.policy_file, "policy") ||
      !cli_opts_require(&spec, a.w.policy_sig_file, "policy-sig") ||
      !cli_tee_opts_check(&tee, "serve"))
    return CLI_EXIT_USAGE;
  hv_proto_chain_head head;
  cli_log_format lf;
  if (!chain_head_arg(&spec, &a, &head) || !cli_log_parse_format("serve", a.log_format, &lf))
    return CLI_EXIT_USAGE;
  cli_log_configure("serve", lf);
  if (install_signals() != 0) return CLI_EXIT_FAIL;
  return serve(&a, &tee, &head);
}
