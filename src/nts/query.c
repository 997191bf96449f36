/* Placeholder query machine until the real one lands: every query fails
 * at once with HV_NTS_ERR_INTERNAL. */
#include <stdlib.h>
#include <time.h>

#include "handover/nts.h"

struct hv_nts_query {
  int unused;
};

int64_t hv_nts_monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

hv_nts_query *hv_nts_query_start(const hv_nts_server *server,
                                 const hv_nts_options *opts, hv_nts_jar *jar,
                                 int64_t deadline_ms) {
  (void)server, (void)opts, (void)jar, (void)deadline_ms;
  return calloc(1, sizeof(hv_nts_query));
}

int hv_nts_query_fd(const hv_nts_query *q, short *events) {
  (void)q;
  if (events) *events = 0;
  return -1;
}

void hv_nts_query_step(hv_nts_query *q, short revents) { (void)q, (void)revents; }
bool hv_nts_query_done(const hv_nts_query *q) { (void)q; return true; }
hv_nts_error hv_nts_query_result(const hv_nts_query *q, hv_nts_sample *out) {
  (void)q, (void)out;
  return HV_NTS_ERR_INTERNAL;
}
const char *hv_nts_query_detail(const hv_nts_query *q) {
  (void)q;
  return "not implemented yet";
}
bool hv_nts_query_used_ke(const hv_nts_query *q) { (void)q; return false; }
void hv_nts_query_free(hv_nts_query *q) { free(q); }

hv_nts_error hv_nts_query_run(const hv_nts_server *server,
                              const hv_nts_options *opts, hv_nts_jar *jar,
                              int timeout_ms, hv_nts_sample *out,
                              char detail[HV_NTS_DETAIL_MAX]) {
  (void)server, (void)opts, (void)jar, (void)timeout_ms, (void)out;
  if (detail) detail[0] = '\0';
  return HV_NTS_ERR_INTERNAL;
}
