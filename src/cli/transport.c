#include "cli/transport.h"

#include <stdio.h>

bool cli_transport_addr(const cli_transport_args *a, hv_session_addr *out) {
  if (!!a->addr == !!a->alias_path) {
    fprintf(stderr, "handover %s: give exactly one of --%s ADDR and --%s PATH (see --help)\n",
            a->command, a->addr_opt, a->alias_opt);
    return false;
  }
  char text[HV_SESSION_ADDR_MAX + 8], err[256];
  const char *opt = a->addr ? a->addr_opt : a->alias_opt;
  if (a->alias_path) /* kept for one release (README: deprecated names) */
    fprintf(stderr, "handover %s: warning: --%s PATH is deprecated; use --%s unix:PATH\n",
            a->command, a->alias_opt, a->addr_opt);
  if (a->addr)
    snprintf(text, sizeof text, "%s", a->addr);
  else if (snprintf(text, sizeof text, "unix:%s", a->alias_path) >= (int)sizeof text) {
    fprintf(stderr, "handover %s: --%s: path too long\n", a->command, opt);
    return false;
  }
  if (hv_session_addr_parse(text, a->role, out, err, sizeof err) != HV_SESSION_OK) {
    fprintf(stderr, "handover %s: --%s: %s\n", a->command, opt, err);
    return false;
  }
  return true;
}
