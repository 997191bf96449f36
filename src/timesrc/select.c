/* The agreement between samples: pure arithmetic, no I/O, no clock. */
#include <stdlib.h>
#include <string.h>

#include "handover/timesrc.h"

#define NS_PER_MS 1000000LL
#define PPM_DIVISOR 1000000LL

const char *hv_timesrc_verdict_name(hv_timesrc_verdict v) {
  switch (v) {
  case HV_TIMESRC_TRUSTED: return "trusted";
  case HV_TIMESRC_TOO_FEW_RESPONSES: return "too-few-responses";
  case HV_TIMESRC_NO_MAJORITY: return "no-majority";
  case HV_TIMESRC_SPREAD_TOO_LARGE: return "spread-too-large";
  case HV_TIMESRC_TOO_FEW_OPERATORS: return "too-few-operators";
  case HV_TIMESRC_BAD_CONFIG: return "bad-config";
  case HV_TIMESRC_INTERNAL: return "internal";
  }
  return "unknown";
}

const char *hv_timesrc_quorum_name(hv_timesrc_quorum q) {
  return q == HV_TIMESRC_QUORUM_ANSWERS ? "answers" : "configured";
}

static int64_t non_negative(int64_t v) { return v < 0 ? 0 : v; }

bool hv_timesrc_candidate_from_sample(const hv_nts_sample *s, int64_t carry_ns,
                                      hv_timesrc_candidate *out) {
  /* Negative delays or dispersions say nothing good; count them as 0
   * rather than let them shrink the interval. */
  int64_t carry = non_negative(carry_ns);
  int64_t half = non_negative(s->delay_ns) / 2 + non_negative(s->root_dispersion_ns) +
                 non_negative(s->root_delay_ns) / 2 + HV_TIMESRC_ALLOWANCE_NS +
                 carry / PPM_DIVISOR * HV_TIMESRC_DRIFT_PPM +
                 (carry % PPM_DIVISOR * HV_TIMESRC_DRIFT_PPM + PPM_DIVISOR - 1) / PPM_DIVISOR;
  out->time_ns = s->t4_ns + s->offset_ns + carry;
  out->half_width_ns = half;
  return half <= HV_TIMESRC_MAX_HALF_WIDTH_NS;
}

/* One end of an interval. At equal positions starts sort before ends, so
 * intervals that merely touch still share a point (they are closed). */
typedef struct {
  int64_t pos;
  int is_end;
} endpoint;

static int endpoint_cmp(const void *a, const void *b) {
  const endpoint *x = a, *y = b;
  if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
  return x->is_end - y->is_end;
}

static int64_t low_of(const hv_timesrc_candidate *c) { return c->time_ns - c->half_width_ns; }
static int64_t high_of(const hv_timesrc_candidate *c) { return c->time_ns + c->half_width_ns; }

/* The largest number of intervals that share one point. */
static size_t max_overlap(const hv_timesrc_candidate *c, size_t n) {
  endpoint ev[2 * HV_TIMESRC_MAX_SERVERS];
  for (size_t i = 0; i < n; i++) {
    ev[2 * i] = (endpoint){low_of(&c[i]), 0};
    ev[2 * i + 1] = (endpoint){high_of(&c[i]), 1};
  }
  qsort(ev, 2 * n, sizeof ev[0], endpoint_cmp);
  size_t count = 0, best = 0;
  for (size_t i = 0; i < 2 * n; i++) {
    if (ev[i].is_end) {
      count--;
    } else if (++count > best) {
      best = count;
    }
  }
  return best;
}

static size_t covering(const hv_timesrc_candidate *c, size_t n, int64_t point) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += low_of(&c[i]) <= point && point <= high_of(&c[i]);
  return k;
}

/* Marks every interval that holds a point covered by `best` intervals and
 * returns the hull of all such points. Only interval lows can start such
 * a region, so they are the points to try. */
static void mark_best(const hv_timesrc_candidate *c, size_t n, size_t best,
                      bool *in_set, int64_t *low, int64_t *high) {
  bool any = false;
  for (size_t i = 0; i < n; i++) in_set[i] = false;
  for (size_t p = 0; p < n; p++) {
    int64_t point = low_of(&c[p]);
    if (covering(c, n, point) != best) continue;
    int64_t region_high = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
      if (low_of(&c[i]) <= point && point <= high_of(&c[i])) {
        in_set[i] = true;
        if (high_of(&c[i]) < region_high) region_high = high_of(&c[i]);
      }
    }
    if (!any || point < *low) *low = point;
    if (!any || region_high > *high) *high = region_high;
    any = true;
  }
}

static bool same_operator(const char *a, const char *b) {
  return a && b && strcmp(a, b) == 0;
}

/* Distinct operator labels among the set; an unlabeled one counts alone. */
static size_t distinct_operators(const hv_timesrc_candidate *c, size_t n,
                                 const bool *in_set) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!in_set[i]) continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = in_set[j] && same_operator(c[i].operator_name, c[j].operator_name);
    k += !seen;
  }
  return k;
}

static int64_t midpoint_spread(const hv_timesrc_candidate *c, size_t n, const bool *in_set) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    if (!in_set[i]) continue;
    if (c[i].time_ns < lo) lo = c[i].time_ns;
    if (c[i].time_ns > hi) hi = c[i].time_ns;
  }
  return hi - lo;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Milliseconds for people and protocols: the time rounded to the nearest
 * ms, the bound rounded up and widened by that rounding. */
static void to_ms(hv_timesrc_decision *d) {
  d->time_ms = floor_div(d->time_ns + NS_PER_MS / 2, NS_PER_MS);
  int64_t rounding = d->time_ns - d->time_ms * NS_PER_MS;
  if (rounding < 0) rounding = -rounding;
  d->bound_ms = floor_div(d->bound_ns + rounding + NS_PER_MS - 1, NS_PER_MS);
}

static bool rules_valid(const hv_timesrc_rules *r) {
  return r->min_responses >= 1 && r->max_spread_ms >= 0 &&
         r->max_spread_ms <= INT64_MAX / NS_PER_MS &&
         (r->quorum == HV_TIMESRC_QUORUM_CONFIGURED || r->quorum == HV_TIMESRC_QUORUM_ANSWERS);
}

static hv_timesrc_verdict judge(const hv_timesrc_decision *d, const hv_timesrc_rules *r) {
  if (d->valid < r->min_responses) return HV_TIMESRC_TOO_FEW_RESPONSES;
  if (2 * d->agreeing <= d->majority_of) return HV_TIMESRC_NO_MAJORITY;
  if (d->agreeing < r->min_responses) return HV_TIMESRC_TOO_FEW_RESPONSES;
  if (d->spread_ns > r->max_spread_ms * NS_PER_MS) return HV_TIMESRC_SPREAD_TOO_LARGE;
  if (d->operators < r->min_distinct_operators) return HV_TIMESRC_TOO_FEW_OPERATORS;
  return HV_TIMESRC_TRUSTED;
}

hv_timesrc_verdict hv_timesrc_select(const hv_timesrc_candidate *c, size_t n,
                                     const hv_timesrc_rules *rules,
                                     bool *in_set, hv_timesrc_decision *out) {
  return hv_timesrc_select_of(c, n, n, rules, in_set, out);
}

hv_timesrc_verdict hv_timesrc_select_of(const hv_timesrc_candidate *c, size_t n,
                                        size_t configured, const hv_timesrc_rules *rules,
                                        bool *in_set, hv_timesrc_decision *out) {
  int64_t mono = out->mono_ns, local = out->local_ns;
  memset(out, 0, sizeof *out);
  out->mono_ns = mono;
  out->local_ns = local;
  out->valid = n;
  if (n > HV_TIMESRC_MAX_SERVERS || configured > HV_TIMESRC_MAX_SERVERS || n > configured ||
      !rules_valid(rules) || (n > 0 && !in_set))
    return out->verdict = HV_TIMESRC_BAD_CONFIG;
  out->majority_of = rules->quorum == HV_TIMESRC_QUORUM_ANSWERS ? n : configured;
  if (n > 0) {
    out->agreeing = max_overlap(c, n);
    mark_best(c, n, out->agreeing, in_set, &out->low_ns, &out->high_ns);
    out->operators = distinct_operators(c, n, in_set);
    out->spread_ns = midpoint_spread(c, n, in_set);
    int64_t width = out->high_ns - out->low_ns;
    out->time_ns = out->low_ns + width / 2;
    out->bound_ns = width - width / 2; /* the farther end from time_ns */
    to_ms(out);
  }
  return out->verdict = judge(out, rules);
}

/* Whether k more intervals could hand the win, or a share of it, to
 * anything but the agreeing set: a place that no sample covers, or one
 * a falseticker covers, reaching a tie (ties are joined) or more. New
 * answers that side with part of the agreeing set only narrow the time
 * within that set's intervals: the verdict and the majority stand, the
 * time is at worst a little less precise than with every answer.
 * Coverage only rises at an interval's low, so the lows outside [low,
 * high] and the points just outside its ends are the points to try. */
static bool could_change_set(const hv_timesrc_candidate *c, size_t n, const bool *in_set,
                             size_t k, size_t agreeing, int64_t low, int64_t high) {
  int64_t probe[HV_TIMESRC_MAX_SERVERS + 2];
  size_t m = 0;
  if (low > INT64_MIN) probe[m++] = low - 1;
  if (high < INT64_MAX) probe[m++] = high + 1;
  for (size_t i = 0; i < n; i++)
    if (low_of(&c[i]) < low || low_of(&c[i]) > high) probe[m++] = low_of(&c[i]);
  for (size_t j = 0; j < m; j++) {
    size_t cover = 0;
    bool falseticker = false;
    for (size_t i = 0; i < n; i++) {
      if (low_of(&c[i]) > probe[j] || probe[j] > high_of(&c[i])) continue;
      cover++;
      falseticker |= !in_set[i];
    }
    if (falseticker && cover + k >= agreeing) return true;
  }
  return k >= agreeing; /* somewhere nobody covers */
}

/* A trusted verdict stays trusted, with no falseticker agreeing,
 * whatever k more answers say: no rival can tie or overtake the set
 * (could_change_set); with quorum answers the set stays
 * a majority even if all k disagree; and answers that join it (midpoints
 * within the vote limit of the intersection) keep the spread allowed.
 * The time may come out a little less precise than with every answer. */
static bool trusted_settled(const hv_timesrc_candidate *c, size_t n, size_t k,
                            const hv_timesrc_decision *d, const bool *in_set,
                            const hv_timesrc_rules *rules) {
  size_t members = 0;
  for (size_t i = 0; i < n; i++) members += in_set[i];
  if (members != d->agreeing) return false; /* a tie: one more answer breaks it */
  if (could_change_set(c, n, in_set, k, d->agreeing, d->low_ns, d->high_ns)) return false;
  if (rules->quorum == HV_TIMESRC_QUORUM_ANSWERS && 2 * d->agreeing <= d->valid + k)
    return false;
  int64_t lo = d->low_ns - HV_TIMESRC_MAX_HALF_WIDTH_NS;
  int64_t hi = d->high_ns + HV_TIMESRC_MAX_HALF_WIDTH_NS;
  for (size_t i = 0; i < n; i++) {
    if (!in_set[i]) continue;
    if (c[i].time_ns < lo) lo = c[i].time_ns;
    if (c[i].time_ns > hi) hi = c[i].time_ns;
  }
  return hi - lo <= rules->max_spread_ms * NS_PER_MS;
}

/* An untrusted verdict stays untrusted when even k answers all joining
 * the largest set could not give it the numbers or the operators. */
static bool untrusted_settled(size_t k, size_t configured, size_t possible_operators,
                              const hv_timesrc_decision *d, const hv_timesrc_rules *rules) {
  size_t best = d->agreeing + k;
  if (best < rules->min_responses) return true;
  if (rules->quorum == HV_TIMESRC_QUORUM_CONFIGURED && 2 * best <= configured) return true;
  /* 2(a + j) > v + j is easiest at j = k */
  if (rules->quorum == HV_TIMESRC_QUORUM_ANSWERS && 2 * d->agreeing + k <= d->valid)
    return true;
  return possible_operators < rules->min_distinct_operators;
}

bool hv_timesrc_settled(const hv_timesrc_candidate *c, size_t n, size_t outstanding,
                        size_t configured, size_t possible_operators,
                        const hv_timesrc_rules *rules) {
  bool in_set[HV_TIMESRC_MAX_SERVERS];
  hv_timesrc_decision d;
  memset(&d, 0, sizeof d);
  hv_timesrc_verdict v = hv_timesrc_select_of(c, n, configured, rules, in_set, &d);
  if (outstanding == 0) return true;
  if (v == HV_TIMESRC_BAD_CONFIG) return false;
  if (v == HV_TIMESRC_TRUSTED) return trusted_settled(c, n, outstanding, &d, in_set, rules);
  return untrusted_settled(outstanding, configured, possible_operators, &d, rules);
}
