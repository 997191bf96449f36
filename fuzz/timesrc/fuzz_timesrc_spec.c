/* Server specs ("HOST[:PORT],k=v") and config-file lines: any bytes give
 * either a well-formed server (bounded, NUL-terminated, valid port) or a
 * clear error, and a refusal changes nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover/timesrc.h"

#define SPEC_MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hv_timesrc_config cfg;
  char spec[SPEC_MAX + 1], err[256];
  size_t n = size < SPEC_MAX ? size : SPEC_MAX;
  memcpy(spec, data, n);
  spec[n] = 0;
  hv_timesrc_config_init(&cfg);
  if (hv_timesrc_config_add(&cfg, spec, err, sizeof err) == 0) {
    const hv_timesrc_server *s = &cfg.servers[0];
    if (cfg.n_servers != 1 || !s->host[0] || !memchr(s->host, 0, sizeof s->host) ||
        !memchr(s->operator_name, 0, sizeof s->operator_name) ||
        !memchr(s->region, 0, sizeof s->region))
      abort();
  } else if (cfg.n_servers != 0 || !err[0]) {
    abort();
  }
  /* The same bytes as a config file. */
  char path[] = "/tmp/fuzz-timesrc-spec.XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  if (write(fd, data, size) == (ssize_t)size) {
    hv_timesrc_config before;
    hv_timesrc_config_init(&cfg);
    before = cfg;
    if (hv_timesrc_config_load(&cfg, path, err, sizeof err) != 0 &&
        memcmp(&before, &cfg, sizeof cfg) != 0)
      abort();
    (void)hv_timesrc_config_check(&cfg, err, sizeof err);
  }
  close(fd);
  unlink(path);
  return 0;
}
