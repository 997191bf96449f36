/* Runs NTS queries against one server and prints each outcome, one line
 * each, for the shell interop tests:
 *   result=NAME used_ke=0|1 cookies=N ntp=HOST,PORT stratum=S offset_ns=O
 *   delay_ns=D notes=[NOTES] detail=TEXT
 * usage: nts_probe HOST KEPORT [-c CAFILE] [-t TIMEOUT_MS] [-n COUNT]
 *                  [-b NOT_BEFORE_UNIX] [-j JARFILE] [-s]
 * With -j the jar is loaded from JARFILE if it exists and saved back at
 * the end. With -s each query is given a shared TLS context made from
 * CAFILE, and no CA file of its own; the context is freed as soon as the
 * query has started, so the query must hold its own reference. Exits 0
 * when every query succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover/nts.h"

static int load_jar(hv_nts_jar *jar, const char *path) {
  static uint8_t buf[HV_NTS_JAR_SAVE_MAX + 1];
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOENT ? 0 : -1;
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return hv_nts_jar_load(jar, buf, n);
}

static int save_jar(const hv_nts_jar *jar, const char *path) {
  static uint8_t buf[HV_NTS_JAR_SAVE_MAX];
  size_t n;
  if (hv_nts_jar_save(jar, buf, sizeof buf, &n) != 0) return -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  int ok = write(fd, buf, n) == (ssize_t)n;
  return close(fd) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: nts_probe HOST KEPORT [-c CA] [-t MS] [-n COUNT] "
                    "[-b NOT_BEFORE] [-j JAR]\n");
    return 2;
  }
  hv_nts_server server = {.ke_port = (uint16_t)atoi(argv[2])};
  snprintf(server.host, sizeof server.host, "%s", argv[1]);
  hv_nts_options opts = {0};
  int timeout_ms = 3000, count = 1;
  const char *jar_path = NULL;
  bool shared = false;
  int opt;
  optind = 3;
  while ((opt = getopt(argc, argv, "c:t:n:b:j:s")) != -1) {
    switch (opt) {
      case 'c': opts.ca_file = optarg; break;
      case 't': timeout_ms = atoi(optarg); break;
      case 'n': count = atoi(optarg); break;
      case 'b': opts.not_before_unix = strtoll(optarg, NULL, 10); break;
      case 'j': jar_path = optarg; break;
      case 's': shared = true; break;
      default: return 2;
    }
  }
  hv_nts_jar *jar = hv_nts_jar_new();
  if (!jar || (jar_path && load_jar(jar, jar_path) != 0)) {
    fprintf(stderr, "nts_probe: cannot load the jar\n");
    hv_nts_jar_free(jar);
    return 2;
  }
  int failures = 0;
  for (int i = 0; i < count; i++) {
    hv_nts_sample s = {0};
    hv_nts_options given = opts;
    if (shared) {
      char detail[HV_NTS_DETAIL_MAX];
      given.tls = hv_nts_tls_ctx_new(opts.ca_file, detail, sizeof detail);
      given.ca_file = NULL;
      if (!given.tls) {
        fprintf(stderr, "nts_probe: shared TLS context: %s\n", detail);
        return 2;
      }
    }
    hv_nts_query *q = hv_nts_query_start(&server, &given, jar,
                                         hv_nts_monotonic_ms() + timeout_ms);
    hv_nts_tls_ctx_free(given.tls);
    if (!q) return 2;
    /* The same loop timesrc runs, for one query: poll what it asks for,
     * step it, bounded by a short poll so the deadline is checked. */
    while (!hv_nts_query_done(q)) {
      struct pollfd p = {.fd = -1};
      p.fd = hv_nts_query_fd(q, &p.events);
      int rc = poll(&p, 1, 100);
      hv_nts_query_step(q, rc > 0 ? p.revents : 0);
    }
    hv_nts_error err = hv_nts_query_result(q, &s);
    char ntp_host[HV_NTS_HOST_MAX + 1] = "-";
    uint16_t ntp_port = 0;
    (void)hv_nts_jar_ntp_server(jar, ntp_host, &ntp_port);
    printf("result=%s used_ke=%d cookies=%zu ntp=%s,%u stratum=%u offset_ns=%lld "
           "delay_ns=%lld notes=[%s] detail=%s\n",
           hv_nts_error_name(err), hv_nts_query_used_ke(q) ? 1 : 0,
           hv_nts_jar_cookie_count(jar), ntp_host, ntp_port, s.stratum,
           (long long)s.offset_ns, (long long)s.delay_ns, hv_nts_query_notes(q),
           hv_nts_query_detail(q));
    fflush(stdout);
    hv_nts_query_free(q);
    if (err != HV_NTS_OK) failures++;
  }
  if (jar_path && save_jar(jar, jar_path) != 0) failures++;
  hv_nts_jar_free(jar);
  return failures ? 1 : 0;
}
