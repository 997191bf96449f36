#include "cli/serve_checks.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "cli/log.h"
#include "sys/sys.h"

int cli_serve_check_ca(const char *ca_file) {
  if (!ca_file) return 0;
  FILE *f = fopen(ca_file, "r");
  if (!f) {
    fprintf(stderr, "handover serve: --ca %s: %s (the NTS servers' certificates could "
            "not be checked)\n", ca_file, strerror(errno));
    return -1;
  }
  int n = 0;
  X509 *x;
  while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
    X509_free(x);
    n++;
  }
  unsigned long last = ERR_peek_last_error();
  ERR_clear_error();
  fclose(f);
  /* The loop ends at the end of the file (no start line) or at junk. */
  bool at_end = ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (n > 0 && at_end) return 0;
  fprintf(stderr, "handover serve: --ca %s: %s\n", ca_file,
          n == 0 ? "holds no PEM certificate" : "a certificate in it does not parse");
  return -1;
}

int cli_serve_check_started(const cli_worker *w, hv_session_sender *s,
                            const hv_proto_chain_head *head) {
  uint64_t now_ms = 0;
  bool trusted = hv_session_time_now(hv_session_sender_time(s), false, "start-up:",
                                     &now_ms) == HV_SESSION_OK;
  if (!trusted) {
    cli_log_at(CLI_LOG_WARN, "serve: start-up: no trusted time yet (see the servers above); "
               "serving anyway, each HELLO asks again");
    now_ms = (uint64_t)hv_sys_realtime_ms();
  }
  uint64_t lag = now_ms > head->time_ms ? now_ms - head->time_ms : 0;
  const hv_proto_params *params = hv_session_worker_params(w->sw);
  uint64_t max = params->max_chain_lag_ms;
  if (lag <= max) return 0;
  /* A council override may waive exactly this, for one handover. */
  if (params->override.waives == HV_PROTO_ERR_CHAIN_STALE &&
      (!trusted || now_ms < params->override.expires_ms)) {
    cli_log_at(CLI_LOG_WARN, "serve: start-up: the chain head is %llu s old, more than "
               "max_chain_lag; serving under the council override that waives it",
               (unsigned long long)(lag / 1000));
    return 0;
  }
  if (!trusted) {
    cli_log_at(CLI_LOG_WARN, "serve: start-up: by the local clock the chain head %llu:%llu "
               "is %llu s old, more than the policy's max_chain_lag %llu s",
               (unsigned long long)head->number, (unsigned long long)head->time_ms,
               (unsigned long long)(lag / 1000), (unsigned long long)(max / 1000));
    return 0;
  }
  char line[320];
  snprintf(line, sizeof line, "start-up: the chain head %llu:%llu is %llu s old by trusted "
           "time, more than the policy's max_chain_lag %llu s: every HELLO would be refused "
           "as chain-head-stale (give a newer --chain-head / --chain-head-file)",
           (unsigned long long)head->number, (unsigned long long)head->time_ms,
           (unsigned long long)(lag / 1000), (unsigned long long)(max / 1000));
  cli_session_log((void *)&w->log, HV_SESSION_LOG_ERROR, line);
  return -1;
}
