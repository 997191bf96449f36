#include "cli/serve_reload.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/log.h"
#include "cli/notify.h"
#include "cli/serve_status.h"

struct cli_reloader {
  hv_session_sender *s;
  cli_serve_status *status;
  bool json;
  volatile sig_atomic_t stopping;
  pthread_t thread;
};

int cli_reload_block(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

static void report(const cli_reloader *r, bool ok, uint64_t was, uint64_t now) {
  char line[200];
  if (!ok)
    snprintf(line, sizeof line, "serve: reload refused (see above); policy version %llu "
             "stays in force", (unsigned long long)was);
  else if (was == now)
    snprintf(line, sizeof line, "serve: reload: policy version %llu unchanged",
             (unsigned long long)now);
  else
    snprintf(line, sizeof line, "serve: reload: policy version %llu replaces %llu for new "
             "connections", (unsigned long long)now, (unsigned long long)was);
  cli_log_at(ok ? CLI_LOG_INFO : CLI_LOG_WARN, "%s", line);
  if (!r->json) return;
  char stamp[CLI_LOG_STAMP_LEN];
  cli_log_stamp(stamp);
  cli_log_json_object(json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:s}", "time", stamp,
                                "command", "serve", "event", "reload", "ok", ok,
                                "old_version", (json_int_t)was, "policy_version",
                                (json_int_t)now, "message", line));
}

static void *run(void *arg) {
  cli_reloader *r = arg;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig;
    if (sigwait(&set, &sig) != 0 || r->stopping) break;
    cli_notify("RELOADING=1\nSTATUS=reloading the policy");
    uint64_t was = 0, now = 0;
    bool ok = hv_session_sender_reload_policy(r->s, &was, &now) == HV_SESSION_OK;
    report(r, ok, was, now);
    cli_serve_status_notify(r->status, "READY=1", now);
  }
  return NULL;
}

cli_reloader *cli_reload_start(hv_session_sender *s, cli_serve_status *status, bool json) {
  cli_reloader *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->s = s;
  r->status = status;
  r->json = json;
  if (pthread_create(&r->thread, NULL, run, r) != 0) {
    cli_log_at(CLI_LOG_ERROR, "serve: cannot start the SIGHUP thread");
    free(r);
    return NULL;
  }
  return r;
}

void cli_reload_stop(cli_reloader *r) {
  if (!r) return;
  r->stopping = 1;
  pthread_kill(r->thread, SIGHUP); /* sigwait returns; it sees stopping */
  pthread_join(r->thread, NULL);
  free(r);
}
