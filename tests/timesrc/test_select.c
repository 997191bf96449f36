/* The agreement on synthetic samples: no network, no clock. */
#include <stdint.h>

#include "handover/timesrc.h"
#include "harness.h"

#define MS 1000000LL
#define S (1000 * MS)
#define BASE (1790000000LL * S) /* some instant in 2026 */

static const hv_timesrc_rules defaults = {
    HV_TIMESRC_DEFAULT_MIN_RESPONSES, HV_TIMESRC_DEFAULT_MAX_SPREAD_MS,
    HV_TIMESRC_DEFAULT_MIN_OPERATORS, HV_TIMESRC_QUORUM_CONFIGURED};

static hv_timesrc_candidate cand(int64_t t, int64_t hw, const char *op) {
  return (hv_timesrc_candidate){t, hw, op};
}

static hv_timesrc_verdict run(const hv_timesrc_candidate *c, size_t n,
                              const hv_timesrc_rules *r, bool *in_set,
                              hv_timesrc_decision *d) {
  d->mono_ns = 0;
  d->local_ns = 0;
  return hv_timesrc_select(c, n, r, in_set, d);
}

static void all_equal(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, 10 * MS, "a"), cand(BASE, 10 * MS, "b"),
                               cand(BASE, 10 * MS, "c")};
  bool in[3];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 3, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.agreeing, 3);
  HT_CHECK_EQ_INT(d.valid, 3);
  HT_CHECK_EQ_INT(d.time_ns, BASE);
  HT_CHECK_EQ_INT(d.bound_ns, 10 * MS);
  HT_CHECK_EQ_INT(d.time_ms, BASE / MS);
  HT_CHECK_EQ_INT(d.bound_ms, 10);
  HT_CHECK_EQ_INT(d.spread_ns, 0);
  HT_CHECK_EQ_INT(d.operators, 3);
  HT_CHECK(in[0] && in[1] && in[2]);
}

/* The result is the midpoint of the intersection, not a mean. */
static void intersection_midpoint(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, 10 * MS, "a"), cand(BASE + 4 * MS, 10 * MS, "b"),
                               cand(BASE + 8 * MS, 20 * MS, "c")};
  bool in[3];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 3, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.low_ns, BASE - 6 * MS);  /* max of lows: b */
  HT_CHECK_EQ_INT(d.high_ns, BASE + 10 * MS); /* min of highs: a */
  HT_CHECK_EQ_INT(d.time_ns, BASE + 2 * MS);
  HT_CHECK_EQ_INT(d.bound_ns, 8 * MS);
  HT_CHECK_EQ_INT(d.spread_ns, 8 * MS);
}

/* Closed intervals: sharing just one end point is agreement. */
static void touching_edges(void) {
  hv_timesrc_candidate c[2] = {cand(BASE, 5 * MS, "a"), cand(BASE + 10 * MS, 5 * MS, "b")};
  bool in[2];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 2, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.time_ns, BASE + 5 * MS);
  HT_CHECK_EQ_INT(d.bound_ns, 0);
  HT_CHECK(in[0] && in[1]);
  /* One nanosecond apart: no common point, so no majority of two. */
  c[1].time_ns += 1;
  HT_CHECK_EQ_INT(run(c, 2, &defaults, in, &d), HV_TIMESRC_NO_MAJORITY);
  HT_CHECK_EQ_INT(d.agreeing, 1);
}

/* Two disjoint pairs among four: 2 is not more than half of 4. */
static void no_majority_split(void) {
  hv_timesrc_candidate c[4] = {cand(BASE, MS, "a"), cand(BASE, MS, "b"),
                               cand(BASE + 3600 * S, MS, "c"), cand(BASE + 3600 * S, MS, "d")};
  bool in[4];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 4, &defaults, in, &d), HV_TIMESRC_NO_MAJORITY);
  HT_CHECK_EQ_INT(d.agreeing, 2);
  /* Flip exactly one condition: a fifth honest sample makes a majority. */
  hv_timesrc_candidate c5[5] = {c[0], c[1], c[2], c[3], cand(BASE, MS, "e")};
  bool in5[5];
  HT_CHECK_EQ_INT(run(c5, 5, &defaults, in5, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.time_ns, BASE);
}

/* Three samples, all disagreeing: the best set is one. */
static void no_majority_all_apart(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, MS, "a"), cand(BASE + 3 * 3600 * S, MS, "b"),
                               cand(BASE + 5 * 3600 * S, MS, "c")};
  bool in[3];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 3, &defaults, in, &d), HV_TIMESRC_NO_MAJORITY);
  HT_CHECK_EQ_INT(d.agreeing, 1);
}

static void falseticker_named(void) {
  hv_timesrc_candidate c[5] = {cand(BASE, 2 * MS, "a"), cand(BASE + MS, 2 * MS, "b"),
                               cand(BASE + 3 * 3600 * S, 2 * MS, "c"),
                               cand(BASE - MS, 2 * MS, "d"), cand(BASE, 3 * MS, "e")};
  bool in[5];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 5, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK(in[0] && in[1] && !in[2] && in[3] && in[4]);
  HT_CHECK_EQ_INT(d.agreeing, 4);
  HT_CHECK(d.time_ns >= BASE - MS && d.time_ns <= BASE + MS);
  HT_CHECK(d.bound_ns <= MS);
}

/* A wide sample agrees with two narrow ones that disagree with each
 * other: the count 2 is reached in two places, so the set is all three
 * and the result spans both places (an honest, wider bound). */
static void ties_take_the_hull(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, 10 * MS, "wide"), cand(BASE - 9 * MS, MS, "low"),
                               cand(BASE + 9 * MS, MS, "high")};
  bool in[3];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 3, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.agreeing, 2);
  HT_CHECK(in[0] && in[1] && in[2]);
  HT_CHECK_EQ_INT(d.low_ns, BASE - 10 * MS);
  HT_CHECK_EQ_INT(d.high_ns, BASE + 10 * MS);
  HT_CHECK_EQ_INT(d.time_ns, BASE);
  HT_CHECK_EQ_INT(d.bound_ns, 10 * MS);
  HT_CHECK_EQ_INT(d.spread_ns, 18 * MS);
}

/* The spread is max - min of the midpoints; exactly max_spread passes. */
static void spread_exactly_60s(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, 30 * S, "a"), cand(BASE + 30 * S, 30 * S, "b"),
                               cand(BASE + 60 * S, 30 * S, "c")};
  bool in[3];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 3, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.spread_ns, 60 * S);
  HT_CHECK_EQ_INT(d.time_ns, BASE + 30 * S);
}

static void spread_just_over_60s(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, 30 * S + 1, "a"), cand(BASE + 30 * S, 30 * S + 1, "b"),
                               cand(BASE + 60 * S + 1, 30 * S + 1, "c")};
  bool in[3];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 3, &defaults, in, &d), HV_TIMESRC_SPREAD_TOO_LARGE);
  HT_CHECK_EQ_INT(d.agreeing, 3);
  HT_CHECK_EQ_INT(d.spread_ns, 60 * S + 1);
}

static void zero_answers(void) {
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(NULL, 0, &defaults, NULL, &d), HV_TIMESRC_TOO_FEW_RESPONSES);
  HT_CHECK_EQ_INT(d.valid, 0);
  HT_CHECK_EQ_INT(d.agreeing, 0);
}

static void one_answer(void) {
  hv_timesrc_candidate c[1] = {cand(BASE, MS, "a")};
  bool in[1];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 1, &defaults, in, &d), HV_TIMESRC_TOO_FEW_RESPONSES);
  hv_timesrc_rules one = defaults;
  one.min_responses = 1;
  HT_CHECK_EQ_INT(run(c, 1, &one, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.time_ns, BASE);
}

/* A majority that is still smaller than min_responses. */
static void agreeing_below_min_responses(void) {
  hv_timesrc_candidate c[4] = {cand(BASE, MS, "a"), cand(BASE, MS, "b"), cand(BASE, MS, "c"),
                               cand(BASE + 3600 * S, MS, "d")};
  bool in[4];
  hv_timesrc_decision d;
  hv_timesrc_rules r = defaults;
  r.min_responses = 3;
  HT_CHECK_EQ_INT(run(c, 4, &r, in, &d), HV_TIMESRC_TRUSTED);
  r.min_responses = 4;
  HT_CHECK_EQ_INT(run(c, 4, &r, in, &d), HV_TIMESRC_TOO_FEW_RESPONSES);
  HT_CHECK_EQ_INT(d.agreeing, 3);
}

static void operators_rule(void) {
  hv_timesrc_candidate c[3] = {cand(BASE, MS, "nic.br"), cand(BASE, MS, "nic.br"),
                               cand(BASE + 3600 * S, MS, "ptb")};
  bool in[3];
  hv_timesrc_decision d;
  hv_timesrc_rules r = defaults;
  r.min_distinct_operators = 2;
  /* The two agreeing samples come from one operator. */
  HT_CHECK_EQ_INT(run(c, 3, &r, in, &d), HV_TIMESRC_TOO_FEW_OPERATORS);
  HT_CHECK_EQ_INT(d.operators, 1);
  r.min_distinct_operators = 1;
  HT_CHECK_EQ_INT(run(c, 3, &r, in, &d), HV_TIMESRC_TRUSTED);
  c[1].operator_name = "netnod";
  r.min_distinct_operators = 2;
  HT_CHECK_EQ_INT(run(c, 3, &r, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.operators, 2);
}

static void bad_rules(void) {
  hv_timesrc_candidate c[1] = {cand(BASE, MS, "a")};
  bool in[1];
  hv_timesrc_decision d;
  hv_timesrc_rules r = defaults;
  r.min_responses = 0;
  HT_CHECK_EQ_INT(run(c, 1, &r, in, &d), HV_TIMESRC_BAD_CONFIG);
  r = defaults;
  r.max_spread_ms = -1;
  HT_CHECK_EQ_INT(run(c, 1, &r, in, &d), HV_TIMESRC_BAD_CONFIG);
  HT_CHECK_EQ_INT(run(c, HV_TIMESRC_MAX_SERVERS + 1, &defaults, in, &d), HV_TIMESRC_BAD_CONFIG);
}

/* Rounding to ms never makes the bound claim more than the ns result. */
static void millisecond_rounding(void) {
  hv_timesrc_candidate c[2] = {cand(BASE + 1600000, 100, "a"), cand(BASE + 1600000, 100, "b")};
  bool in[2];
  hv_timesrc_decision d;
  HT_CHECK_EQ_INT(run(c, 2, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.time_ms, BASE / MS + 2); /* 1.6 ms rounds to 2 */
  HT_CHECK_EQ_INT(d.bound_ms, 1);            /* 0.4 ms + 100 ns, rounded up */
  HT_CHECK_EQ_INT(run(c, 2, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.mono_ns, 0);
}

static void decision_instant_kept(void) {
  hv_timesrc_candidate c[2] = {cand(BASE, MS, "a"), cand(BASE, MS, "b")};
  bool in[2];
  hv_timesrc_decision d;
  d.mono_ns = 1234;
  d.local_ns = 5678;
  HT_CHECK_EQ_INT(hv_timesrc_select(c, 2, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.mono_ns, 1234);
  HT_CHECK_EQ_INT(d.local_ns, 5678);
}

static void interval_of_sample(void) {
  hv_nts_sample s = {0};
  s.t4_ns = BASE;
  s.offset_ns = 250 * MS;
  s.delay_ns = 4 * MS;
  s.root_delay_ns = 6 * MS;
  s.root_dispersion_ns = 5 * MS;
  hv_timesrc_candidate c;
  HT_CHECK(hv_timesrc_candidate_from_sample(&s, 0, &c));
  HT_CHECK_EQ_INT(c.time_ns, BASE + 250 * MS);
  HT_CHECK_EQ_INT(c.half_width_ns, 2 * MS + 5 * MS + 3 * MS + HV_TIMESRC_ALLOWANCE_NS);
  /* Carried 2 s forward: the centre moves, the bound grows by the drift. */
  HT_CHECK(hv_timesrc_candidate_from_sample(&s, 2 * S, &c));
  HT_CHECK_EQ_INT(c.time_ns, BASE + 250 * MS + 2 * S);
  HT_CHECK_EQ_INT(c.half_width_ns, 10 * MS + HV_TIMESRC_ALLOWANCE_NS +
                                       2 * S / 1000000 * HV_TIMESRC_DRIFT_PPM);
  /* Negative delay does not shrink the interval. */
  s.delay_ns = -4 * MS;
  HT_CHECK(hv_timesrc_candidate_from_sample(&s, 0, &c));
  HT_CHECK_EQ_INT(c.half_width_ns, 8 * MS + HV_TIMESRC_ALLOWANCE_NS);
  /* Too vague to vote. */
  s.root_dispersion_ns = HV_TIMESRC_MAX_HALF_WIDTH_NS;
  HT_CHECK(!hv_timesrc_candidate_from_sample(&s, 0, &c));
}

/* The majority is of the servers configured unless the rules say
 * answers: two of five agreeing are no majority, however few answered. */
static void quorum_of_configured(void) {
  hv_timesrc_candidate c[2] = {cand(BASE, 10 * MS, "a"), cand(BASE, 10 * MS, "b")};
  bool in[2];
  hv_timesrc_decision d = {0};
  HT_CHECK_EQ_INT(hv_timesrc_select_of(c, 2, 5, &defaults, in, &d), HV_TIMESRC_NO_MAJORITY);
  HT_CHECK_EQ_INT(d.majority_of, 5);
  HT_CHECK_EQ_INT(hv_timesrc_select_of(c, 2, 3, &defaults, in, &d), HV_TIMESRC_TRUSTED);
  hv_timesrc_rules answers = defaults;
  answers.quorum = HV_TIMESRC_QUORUM_ANSWERS;
  HT_CHECK_EQ_INT(hv_timesrc_select_of(c, 2, 5, &answers, in, &d), HV_TIMESRC_TRUSTED);
  HT_CHECK_EQ_INT(d.majority_of, 2);
  /* More candidates than servers, or an unknown quorum, is a bad call. */
  HT_CHECK_EQ_INT(hv_timesrc_select_of(c, 2, 1, &defaults, in, &d), HV_TIMESRC_BAD_CONFIG);
  answers.quorum = (hv_timesrc_quorum)7;
  HT_CHECK_EQ_INT(hv_timesrc_select_of(c, 2, 5, &answers, in, &d), HV_TIMESRC_BAD_CONFIG);
  HT_CHECK(!strcmp(hv_timesrc_quorum_name(HV_TIMESRC_QUORUM_ANSWERS), "answers"));
  HT_CHECK(!strcmp(hv_timesrc_quorum_name(HV_TIMESRC_QUORUM_CONFIGURED), "configured"));
}

/* Five close samples and one outstanding server: whatever it says, the
 * five stay the agreeing set, so the verdict is settled. */
static void settled_five_of_six(void) {
  hv_timesrc_candidate c[5];
  for (int i = 0; i < 5; i++) c[i] = cand(BASE + i * MS, 10 * MS, "op");
  HT_CHECK(hv_timesrc_settled(c, 5, 1, 6, 1, &defaults));
  HT_CHECK(hv_timesrc_settled(c, 5, 0, 5, 1, &defaults));
  /* Two outstanding could join four of them where the fifth is not:
   * that narrows the time within the set, no rival wins. */
  HT_CHECK(hv_timesrc_settled(c, 5, 2, 7, 1, &defaults));
  /* Identical intervals: nowhere outside them does any cover. */
  for (int i = 0; i < 5; i++) c[i] = cand(BASE, 10 * MS, "op");
  HT_CHECK(hv_timesrc_settled(c, 5, 2, 7, 1, &defaults));
  HT_CHECK(!hv_timesrc_settled(c, 5, 5, 10, 1, &defaults)); /* 5 could tie */
}

/* Three agree, two outstanding, a falseticker: two answers near the
 * falseticker would make a rival of three, a tie that takes it in. */
static void not_settled_when_rival_possible(void) {
  hv_timesrc_candidate c[4] = {cand(BASE, MS, "a"), cand(BASE, MS, "b"), cand(BASE, MS, "c"),
                               cand(BASE + 10 * S, MS, "d")};
  HT_CHECK(!hv_timesrc_settled(c, 4, 2, 6, 1, &defaults));
  HT_CHECK(hv_timesrc_settled(c, 4, 1, 5, 1, &defaults));
}

/* Untrusted is settled when even every outstanding answer joining the
 * largest set could not make a majority, the numbers or the operators. */
static void settled_untrusted(void) {
  hv_timesrc_candidate c[2] = {cand(BASE, MS, "a"), cand(BASE + 10 * S, MS, "b")};
  /* 6 configured: 1 + 2 outstanding = 3, not more than half of 6. */
  HT_CHECK(hv_timesrc_settled(c, 2, 2, 6, 4, &defaults));
  /* 1 + 3 = 4 of 7 could be: not settled. */
  HT_CHECK(!hv_timesrc_settled(c, 2, 3, 7, 5, &defaults));
  /* ... unless the operators can never be enough. */
  hv_timesrc_rules ops = defaults;
  ops.min_distinct_operators = 4;
  HT_CHECK(hv_timesrc_settled(c, 2, 3, 7, 3, &ops));
  /* With quorum answers, 2*1 + 1 <= 2 is impossible to reach: settled
   * for k = 0 only; k = 1 could make it 2 of 3. */
  hv_timesrc_rules answers = defaults;
  answers.quorum = HV_TIMESRC_QUORUM_ANSWERS;
  HT_CHECK(!hv_timesrc_settled(c, 2, 1, 3, 3, &answers));
  /* A spread that joining answers could break is not settled trusted. */
  hv_timesrc_candidate t[3] = {cand(BASE, MS, "a"), cand(BASE, MS, "b"), cand(BASE, MS, "c")};
  hv_timesrc_rules tight = defaults;
  tight.max_spread_ms = 1000;
  HT_CHECK(!hv_timesrc_settled(t, 3, 1, 4, 3, &tight));
  HT_CHECK(hv_timesrc_settled(t, 3, 1, 4, 3, &defaults));
}

static void verdict_names(void) {
  HT_CHECK(!strcmp(hv_timesrc_verdict_name(HV_TIMESRC_TRUSTED), "trusted"));
  HT_CHECK(!strcmp(hv_timesrc_verdict_name(HV_TIMESRC_TOO_FEW_RESPONSES), "too-few-responses"));
  HT_CHECK(!strcmp(hv_timesrc_verdict_name(HV_TIMESRC_NO_MAJORITY), "no-majority"));
  HT_CHECK(!strcmp(hv_timesrc_verdict_name(HV_TIMESRC_SPREAD_TOO_LARGE), "spread-too-large"));
  HT_CHECK(!strcmp(hv_timesrc_verdict_name(HV_TIMESRC_TOO_FEW_OPERATORS), "too-few-operators"));
}

int main(void) {
  HT_RUN(all_equal);
  HT_RUN(intersection_midpoint);
  HT_RUN(touching_edges);
  HT_RUN(no_majority_split);
  HT_RUN(no_majority_all_apart);
  HT_RUN(falseticker_named);
  HT_RUN(ties_take_the_hull);
  HT_RUN(spread_exactly_60s);
  HT_RUN(spread_just_over_60s);
  HT_RUN(zero_answers);
  HT_RUN(one_answer);
  HT_RUN(agreeing_below_min_responses);
  HT_RUN(operators_rule);
  HT_RUN(bad_rules);
  HT_RUN(millisecond_rounding);
  HT_RUN(decision_instant_kept);
  HT_RUN(interval_of_sample);
  HT_RUN(verdict_names);
  HT_RUN(quorum_of_configured);
  HT_RUN(settled_five_of_six);
  HT_RUN(not_settled_when_rival_possible);
  HT_RUN(settled_untrusted);
  return HT_DONE();
}
