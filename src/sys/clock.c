#include "sys/sys.h"

#include <time.h>

static int64_t clock_ns(clockid_t id) {
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t hv_sys_monotonic_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
int64_t hv_sys_realtime_ns(void) { return clock_ns(CLOCK_REALTIME); }
int64_t hv_sys_monotonic_ms(void) { return clock_ns(CLOCK_MONOTONIC) / 1000000; }
int64_t hv_sys_realtime_ms(void) { return clock_ns(CLOCK_REALTIME) / 1000000; }
