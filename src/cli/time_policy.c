#include "cli/time_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"
#include "handover/session.h"
#include "sys/sys.h"

static int read_all(const char *opt, const char *path, uint8_t **out, size_t *len) {
  if (hv_sys_read_file_alloc(path, HV_SYS_READ_ANY, HV_POLICY_MAX_FILE, out, len) == 0) return 0;
  fprintf(stderr, "handover time: --%s %s: %s\n", opt, path, strerror(errno));
  return -1;
}

static int council(const char *path, hv_policy_council **out) {
  hv_policy_diag d = {0};
  hv_policy_error err;
  if (path) {
    uint8_t *text;
    size_t len;
    if (read_all("council", path, &text, &len) != 0) return -1;
    err = hv_policy_council_parse(text, len, out, &d);
    free(text);
  } else {
    err = hv_policy_council_builtin(out, &d);
  }
  if (err == HV_POLICY_OK) return 0;
  fprintf(stderr, "handover time: %s: %s: %s\n", path ? path : "(built-in council)",
          hv_policy_error_name(err), d.what);
  return -1;
}

int cli_time_policy_config(const char *policy_file, const char *sig_file,
                           const char *council_file, hv_timesrc_config *cfg) {
  hv_policy_council *c = NULL;
  uint8_t *text = NULL, *sig = NULL;
  size_t len = 0, sig_len = 0;
  int rc = CLI_TIME_POLICY_REFUSED;
  if (!sig_file) {
    fprintf(stderr, "handover time: --policy needs --policy-sig FILE (its signatures)\n");
    return -1;
  }
  if (council(council_file, &c) != 0 || read_all("policy", policy_file, &text, &len) != 0 ||
      read_all("policy-sig", sig_file, &sig, &sig_len) != 0)
    goto out;
  hv_policy *p = NULL;
  hv_policy_diag d = {0};
  hv_policy_error err = hv_policy_verify(text, len, sig, sig_len, c, 0, &p, &d);
  if (err != HV_POLICY_OK) {
    fprintf(stderr, "handover time: --policy %s refused: %s (line %zu: %s)\n", policy_file,
            hv_policy_error_name(err), d.line, d.what);
    goto out;
  }
  hv_session_timesrc_config(p, cfg);
  hv_policy_free(p);
  rc = 0;
out:
  hv_policy_council_free(c);
  free(text);
  free(sig);
  return rc;
}
