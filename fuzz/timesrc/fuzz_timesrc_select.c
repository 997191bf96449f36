/* The agreement on arbitrary samples, checked against what it promises:
 * no point is covered by more intervals than the best count; the result
 * lies in the hull it reports, with the bound reaching both ends; every
 * member of the set meets the hull; the rules are applied as written. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handover/timesrc.h"

#define RECORD 10 /* time offset (4), half-width (4), operator (1), spare */

static int64_t get32(const uint8_t *p) {
  return (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static size_t covering(const hv_timesrc_candidate *c, size_t n, int64_t point) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += c[i].time_ns - c[i].half_width_ns <= point && point <= c[i].time_ns + c[i].half_width_ns;
  return k;
}

static void check(const hv_timesrc_candidate *c, size_t n, const hv_timesrc_rules *r,
                  const bool *in, const hv_timesrc_decision *d) {
  if (d->valid != n || d->agreeing > n) abort();
  if (n == 0) {
    if (d->verdict != HV_TIMESRC_TOO_FEW_RESPONSES) abort();
    return;
  }
  size_t members = 0;
  for (size_t i = 0; i < n; i++) {
    if (covering(c, n, c[i].time_ns - c[i].half_width_ns) > d->agreeing) abort();
    if (!in[i]) continue;
    members++;
    if (c[i].time_ns + c[i].half_width_ns < d->low_ns ||
        c[i].time_ns - c[i].half_width_ns > d->high_ns)
      abort();
  }
  if (d->agreeing < 1 || members < d->agreeing) abort();
  if (covering(c, n, d->low_ns) != d->agreeing) abort();
  if (d->low_ns > d->high_ns || d->time_ns < d->low_ns || d->time_ns > d->high_ns) abort();
  if (d->time_ns - d->bound_ns > d->low_ns || d->time_ns + d->bound_ns < d->high_ns) abort();
  size_t base = r->quorum == HV_TIMESRC_QUORUM_ANSWERS ? d->valid : d->majority_of;
  bool trusted = d->valid >= r->min_responses && 2 * d->agreeing > base &&
                 d->agreeing >= r->min_responses &&
                 d->spread_ns <= r->max_spread_ms * 1000000 &&
                 d->operators >= r->min_distinct_operators;
  if (trusted != (d->verdict == HV_TIMESRC_TRUSTED)) abort();
}

/* A verdict called settled with k servers outstanding holds whatever
 * they answer: here the worst case, all k siding with a falseticker (or
 * far from everyone when there is none). Trusted stays trusted and no
 * falseticker joins; untrusted stays untrusted even when all k agree
 * with the largest set. */
static void check_settled(const hv_timesrc_candidate *c, size_t n, size_t k,
                          const hv_timesrc_rules *r, const hv_timesrc_decision *d,
                          const bool *in) {
  if (!hv_timesrc_settled(c, n, k, n + k, 4, r)) return;
  hv_timesrc_candidate more[HV_TIMESRC_MAX_SERVERS];
  bool in2[HV_TIMESRC_MAX_SERVERS];
  memcpy(more, c, n * sizeof *c);
  size_t liar = n;
  for (size_t i = 0; i < n && liar == n; i++)
    if (!in[i]) liar = i;
  size_t ref = n;
  for (size_t i = 0; i < n && ref == n; i++)
    if (in[i]) ref = i;
  for (size_t j = 0; j < k; j++) {
    if (liar < n) more[n + j] = c[liar];
    else more[n + j] = (hv_timesrc_candidate){INT64_MAX / 4, 1, "z"};
    if (d->verdict != HV_TIMESRC_TRUSTED && ref < n) more[n + j] = c[ref];
  }
  hv_timesrc_decision d2;
  memset(&d2, 0, sizeof d2);
  if (hv_timesrc_select_of(more, n + k, n + k, r, in2, &d2) != d2.verdict) abort();
  bool was = d->verdict == HV_TIMESRC_TRUSTED, is = d2.verdict == HV_TIMESRC_TRUSTED;
  if (was && d->spread_ns <= r->max_spread_ms * 1000000 && !is) abort();
  if (!was && is && ref < n) abort();
  if (was)
    for (size_t i = 0; i < n; i++)
      if (!in[i] && in2[i]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const ops[] = {"a", "b", "c", "d"};
  if (size < 3) return 0;
  hv_timesrc_rules r = {1 + data[0] % 4, (int64_t)data[1] * 1000, 1 + data[2] % 3,
                        (data[0] >> 7) ? HV_TIMESRC_QUORUM_ANSWERS : HV_TIMESRC_QUORUM_CONFIGURED};
  size_t extra = (size_t)(data[2] >> 4) % 4; /* servers that did not answer */
  data += 3;
  size -= 3;
  hv_timesrc_candidate c[HV_TIMESRC_MAX_SERVERS];
  bool in[HV_TIMESRC_MAX_SERVERS];
  size_t n = 0;
  for (; n + 4 < HV_TIMESRC_MAX_SERVERS && size >= RECORD; n++, data += RECORD, size -= RECORD) {
    /* Around 2026, microsecond-ish steps, widths up to ~4 s. */
    c[n].time_ns = 1790000000LL * 1000000000 + get32(data) * 1000;
    c[n].half_width_ns = get32(data + 4);
    c[n].operator_name = ops[data[8] % 4];
  }
  hv_timesrc_decision d;
  memset(&d, 0, sizeof d);
  /* The verdict returned is the one the decision records. */
  if (hv_timesrc_select_of(c, n, n + extra, &r, in, &d) != d.verdict) abort();
  check(c, n, &r, in, &d);
  check_settled(c, n, extra, &r, &d, in);
  return 0;
}
