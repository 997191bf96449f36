/* Test helper: writes a dev council and a policy signed by it.
 * usage: make_gov DIR VERSION WINDOW_S PORTS BUILDS [EXPIRES_UNIX [TIMESTAMP_KEY]]
 *   PORTS: NTS-KE ports on 127.0.0.1, comma-separated
 *   BUILDS: sim build names, oldest first, comma-separated
 *   EXPIRES_UNIX: the policy's `expires` (0 or absent: a year from now)
 *   TIMESTAMP_KEY: 64 hex, the policy's timestamp_key
 * The members' secret keys are kept too, as DIR/member-N.key, so a test
 * can sign more (an override) with `handover policy sign`.
 * HV_AFTER_HANDOVER=keep|retire in the environment adds that policy line
 * (tests that run several handovers from one sender keep it serving). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo/demo_gov.h"
#include "sys/sys.h"

#define MAX_ITEMS 16

static size_t split(char *s, char **out) {
  size_t n = 0;
  for (char *tok = strtok(s, ","); tok && n < MAX_ITEMS; tok = strtok(NULL, ",")) out[n++] = tok;
  return n;
}

int main(int argc, char **argv) {
  if (argc < 6 || argc > 8) {
    fprintf(stderr,
            "usage: make_gov DIR VERSION WINDOW_S PORTS BUILDS [EXPIRES_UNIX [TIMESTAMP_KEY]]\n");
    return 2;
  }
  uint64_t version, window, expires = 0;
  char *ports_s[MAX_ITEMS], *builds[MAX_ITEMS];
  uint16_t ports[MAX_ITEMS];
  if (!hv_sys_parse_u64(argv[2], UINT64_MAX, &version) ||
      !hv_sys_parse_u64(argv[3], UINT32_MAX, &window) ||
      (argc >= 7 && !hv_sys_parse_u64(argv[6], UINT64_MAX, &expires)))
    return 2;
  size_t n_ports = split(argv[4], ports_s), n_builds = split(argv[5], builds);
  for (size_t i = 0; i < n_ports; i++) {
    uint64_t p;
    if (!hv_sys_parse_u64(ports_s[i], 65535, &p)) return 2;
    ports[i] = (uint16_t)p;
  }
  demo_policy_spec spec = {.version = version, .response_window_s = (uint32_t)window,
                           .ke_ports = ports, .n_servers = n_ports,
                           .builds = (const char *const *)builds, .n_builds = n_builds,
                           .expires_unix = expires,
                           .timestamp_key = argc == 8 ? argv[7] : NULL,
                           .keep_member_keys = true,
                           .after_handover = getenv("HV_AFTER_HANDOVER")};
  demo_gov_files f;
  return demo_gov_make(argv[1], &spec, &f) == 0 ? 0 : 1;
}
