/* The cookie state file: whatever the bytes (the host controls the disk),
 * parsing and looking up jars neither crashes nor leaks. */
#include <stdint.h>
#include <string.h>

#include "timesrc/timesrc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hv_timesrc_state *st = hv_timesrc_state_parse(data, size);
  if (!st) return 0;
  static const char *const hosts[] = {"a", "127.0.0.1", "time.example", "::1"};
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
    hv_timesrc_server s;
    memset(&s, 0, sizeof s);
    strcpy(s.host, hosts[i]);
    s.ke_port = (uint16_t)(i == 0 ? 0 : 4460 + i);
    hv_nts_jar *jar = hv_timesrc_state_jar(st, &s);
    if (jar) (void)hv_nts_jar_cookie_count(jar);
    hv_nts_jar_free(jar);
  }
  hv_timesrc_state_free(st);
  return 0;
}
