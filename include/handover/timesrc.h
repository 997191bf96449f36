/* Trusted time from many NTS servers (and HTTPS Date sources) at once
 * (RFC 8915), the servers the policy names (docs/POLICY.md).
 *
 * Every configured server is queried in parallel under ONE deadline that
 * covers DNS, TCP, TLS and UDP; the run ends when the verdict is settled
 * (hv_timesrc_settled) or at the deadline, and nothing is left behind. The authenticated samples are then judged by a
 * pure function (hv_timesrc_select): each sample is an interval that must
 * contain the true time; the largest set of intervals with a common point
 * (Marzullo's intersection, as NTP's clock selection) decides, if it holds
 * at least min_responses samples and a strict majority of the servers
 * configured (or, with quorum answers, of the valid samples), its
 * midpoints lie within max_spread of each other and it spans at least
 * min_distinct_operators operators. Samples outside it are falsetickers.
 *
 * What the time means. Each sample says what the server's clock read at
 * our receive instant T4: T4 + offset. We carry every sample forward on
 * the local MONOTONIC clock to one common instant, the decision instant
 * (decision.mono_ns), so later steps of the host's realtime clock cannot
 * skew one sample against another. The result is the trusted Unix time at
 * that monotonic instant: to use it later, add the monotonic time elapsed
 * since decision.mono_ns. decision.local_ns is what the local realtime
 * clock read at the same instant, so time_ns - local_ns is the local
 * clock's error. */
#ifndef HANDOVER_TIMESRC_H
#define HANDOVER_TIMESRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/nts.h"
#include "handover/api.h"

HV_BEGIN_DECLS

/* Enough for every public NTS operator we know of; the poll set and the
 * report are fixed arrays of this size. */
#define HV_TIMESRC_MAX_SERVERS 32
#define HV_TIMESRC_LABEL_MAX 63 /* operator and region labels */

/* The reference design's defaults. */
#define HV_TIMESRC_DEFAULT_TIMEOUT_MS 5000
#define HV_TIMESRC_DEFAULT_MIN_RESPONSES 2
#define HV_TIMESRC_DEFAULT_MAX_SPREAD_MS 60000
#define HV_TIMESRC_DEFAULT_MIN_OPERATORS 1
/* A whole run never waits longer than this, whatever the configuration. */
#define HV_TIMESRC_MAX_TIMEOUT_MS 60000
#define HV_TIMESRC_STATE_KEY_LEN 32

/* Added to every interval's half-width: our clock reads between T4 and
 * the step that reports the sample, timestamp rounding (NTP's 2^-32 s
 * and our ns) and scheduling. Small next to any network delay. */
#define HV_TIMESRC_ALLOWANCE_NS HV_NTS_ALLOWANCE_NS
/* How far CLOCK_MONOTONIC may run fast or slow while a sample is carried
 * to the decision instant: the most adjtimex lets the kernel slew it. */
#define HV_TIMESRC_DRIFT_PPM 500
/* A sample whose own error bound is wider than this says too little to
 * vote (chrony's maxdistance default is 3 s). */
#define HV_TIMESRC_MAX_HALF_WIDTH_NS 3000000000LL

/* What a server is: an NTS server (RFC 8915), or an HTTPS server whose
 * Date header (RFC 9110 section 6.6.1) is read over TLS 1.3, for where
 * UDP is blocked; one-second precision. */
typedef enum {
  HV_TIMESRC_KIND_NTS = 0,
  HV_TIMESRC_KIND_HTTPS,
} hv_timesrc_kind;
#define HV_TIMESRC_DEFAULT_HTTPS_PORT 443

/* "nts", "https" */
HV_API const char *hv_timesrc_kind_name(hv_timesrc_kind k);

typedef struct {
  char host[HV_NTS_HOST_MAX + 1];         /* name, IPv4 or IPv6 literal */
  uint16_t ke_port;                       /* the TCP port: NTS-KE, or HTTPS;
                                             0: the kind's default */
  hv_timesrc_kind kind;
  char operator_name[HV_TIMESRC_LABEL_MAX + 1]; /* "" counts as the host */
  char region[HV_TIMESRC_LABEL_MAX + 1];
} hv_timesrc_server;

/* What the agreeing set must be a strict majority of. CONFIGURED (the
 * default): of every server in the list, answered or not, so a host that
 * drops the honest servers cannot let a colluding minority decide; the
 * price is availability (losing half the servers denies time). ANSWERS:
 * of the valid samples only; time survives more outages, but whoever can
 * drop packets chooses which servers form the majority. */
typedef enum {
  HV_TIMESRC_QUORUM_CONFIGURED = 0,
  HV_TIMESRC_QUORUM_ANSWERS,
} hv_timesrc_quorum;

/* "configured", "answers" */
HV_API const char *hv_timesrc_quorum_name(hv_timesrc_quorum q);

/* The agreement rules (the governance policy carries the same fields). */
typedef struct {
  unsigned min_responses;          /* agreeing samples needed, >= 1 */
  int64_t max_spread_ms;           /* midpoints of the agreeing set, >= 0 */
  unsigned min_distinct_operators; /* operators in the agreeing set */
  hv_timesrc_quorum quorum;        /* the majority's base */
} hv_timesrc_rules;

typedef struct {
  hv_timesrc_server servers[HV_TIMESRC_MAX_SERVERS];
  size_t n_servers;
  hv_timesrc_rules rules;
  int timeout_ms;           /* the one deadline for everything */
  const char *ca_file;      /* NULL: the system trust store */
  int64_t not_before_unix;  /* lower bound on true time for certificates */
  const char *state_dir;    /* NULL: no cookie persistence */
  /* NULL: the state file is plain (it holds NTS keys: anyone who can read
   * it can forge time answers). Else HV_TIMESRC_STATE_KEY_LEN bytes: the
   * file is encrypted and authenticated with them (AES-256-GCM), and a
   * file that does not open counts as empty. Read when a session starts. */
  const uint8_t *state_key;
  /* Wait for every server (or the deadline) even once the verdict is
   * settled: slower, but every falseticker is named (diagnostics). */
  bool wait_all;
} hv_timesrc_config;

/* Rules and timeout set to the defaults, no servers. */
HV_API void hv_timesrc_config_init(hv_timesrc_config *cfg);
/* hv_timesrc_config_init plus the reference design's 8 public servers. */
HV_API void hv_timesrc_config_defaults(hv_timesrc_config *cfg);
/* Appends "HOST[:PORT][,operator=X][,region=Y]" (IPv6: "[::1]:4460"),
 * an NTS server, or "https://HOST[:PORT][,...]", an HTTPS Date source.
 * On failure returns -1 and says why in detail. */
HV_API HV_MUST_CHECK int hv_timesrc_config_add(hv_timesrc_config *cfg, const char *spec,
                                               char *detail, size_t detail_len);
/* Reads a small text file, one setting a line, '#' starts a comment:
 *   server [https://]HOST[:PORT] [operator=X] [region=Y]
 *   timeout-ms N | min-responses N | max-spread-s S | min-operators N
 *   quorum configured|answers
 * (max-spread-ms N, milliseconds, is a deprecated alias of max-spread-s.)
 * Its servers are appended; its settings override. -1 and detail on error
 * (with the line number). */
HV_API HV_MUST_CHECK int hv_timesrc_config_load(hv_timesrc_config *cfg, const char *path,
                                                char *detail, size_t detail_len);
/* As hv_timesrc_config_load; on success warn (may be NULL) holds
 * "FILE:LINE: ..." about the first deprecated key used, once, or "". */
HV_API HV_MUST_CHECK int hv_timesrc_config_load_warn(hv_timesrc_config *cfg, const char *path,
                                                     char *warn, size_t warn_len, char *detail,
                                                     size_t detail_len);
/* 0 when the configuration can be run, else -1 and why. */
HV_API HV_MUST_CHECK int hv_timesrc_config_check(const hv_timesrc_config *cfg, char *detail,
                                                 size_t detail_len);

typedef enum {
  HV_TIMESRC_TRUSTED = 0,
  HV_TIMESRC_TOO_FEW_RESPONSES, /* fewer valid samples (or agreeing ones)
                                   than min_responses */
  HV_TIMESRC_NO_MAJORITY,       /* the largest agreeing set is not more
                                   than half of the configured servers
                                   (quorum answers: of the valid samples) */
  HV_TIMESRC_SPREAD_TOO_LARGE,  /* its midpoints span more than max_spread */
  HV_TIMESRC_TOO_FEW_OPERATORS, /* it spans fewer operators than required */
  HV_TIMESRC_BAD_CONFIG,
  HV_TIMESRC_INTERNAL,          /* this process: out of memory, or of descriptors */
} hv_timesrc_verdict;

/* Stable names: "trusted", "too-few-responses", "no-majority",
 * "spread-too-large", "too-few-operators", "bad-config", "internal". */
HV_API const char *hv_timesrc_verdict_name(hv_timesrc_verdict v);

/* One valid sample as the selection sees it. */
typedef struct {
  int64_t time_ns;        /* server time carried to the decision instant */
  int64_t half_width_ns;  /* the true time lies within time_ns +- this */
  const char *operator_name;
} hv_timesrc_candidate;

typedef struct {
  hv_timesrc_verdict verdict;
  size_t valid;          /* candidates judged */
  size_t majority_of;    /* the quorum's base: servers configured, or
                            (quorum answers) valid samples */
  size_t agreeing;       /* size of the largest agreeing set */
  size_t operators;      /* distinct operators in it */
  int64_t spread_ns;     /* max - min of its midpoints */
  /* The intersection of the agreeing set: meaningful when agreeing > 0. */
  int64_t low_ns, high_ns;
  int64_t time_ns, bound_ns;   /* its midpoint and half-width */
  int64_t time_ms, bound_ms;   /* the same rounded (bound rounded up) */
  int64_t mono_ns;       /* the decision instant, CLOCK_MONOTONIC */
  int64_t local_ns;      /* CLOCK_REALTIME read at that instant */
} hv_timesrc_decision;

/* The interval of one authenticated sample, carried forward by carry_ns
 * of local monotonic time (>= 0): centre T4 + offset + carry, half-width
 * delay/2 + root dispersion + root delay/2 + allowance + drift. False when
 * the sample is too vague to vote (HV_TIMESRC_MAX_HALF_WIDTH_NS). */
HV_API HV_MUST_CHECK bool hv_timesrc_candidate_from_sample(const hv_nts_sample *s, int64_t carry_ns,
                                      hv_timesrc_candidate *out);

/* The trust the rules give, in words, e.g. "any 3 colluding servers
 * (of at least 1 operator) can set the time; the host can deny time by
 * dropping 3 of 5 servers". */
HV_API void hv_timesrc_trust_statement(const hv_timesrc_config *cfg, char *buf, size_t cap);

/* The pure agreement. in_set (n entries, may be NULL when n == 0) tells
 * which candidates agree; the others are the falsetickers. When the
 * largest count is reached in several disjoint places, the set is their
 * union and the intersection their hull, so the bound stays honest. Fills
 * every field of out but mono_ns and local_ns (left as they were). */
HV_API HV_MUST_CHECK hv_timesrc_verdict hv_timesrc_select(const hv_timesrc_candidate *c, size_t n,
                                                          const hv_timesrc_rules *rules,
                                                          bool *in_set, hv_timesrc_decision *out);
/* The same with `configured` servers behind the n candidates (n <=
 * configured): with quorum configured the majority is of those.
 * hv_timesrc_select is this with configured = n. */
HV_API HV_MUST_CHECK hv_timesrc_verdict hv_timesrc_select_of(const hv_timesrc_candidate *c,
                                                             size_t n, size_t configured,
                                                             const hv_timesrc_rules *rules,
                                                             bool *in_set,
                                                             hv_timesrc_decision *out);

/* Whether the verdict is settled: no answers that `outstanding` more
 * servers could give (any intervals at all, up to the vote limit) would
 * change it from trusted to not or back, or let a falseticker (or a
 * place no candidate covers) tie or beat the agreeing set. Answers that
 * side with part of the set could still narrow the time within the
 * set's intervals: settled early, it is a little less precise. possible_operators bounds the operators the
 * agreeing set could ever span (those of the candidates and of the
 * outstanding servers). Pure; conservative (false when unsure). */
HV_API bool hv_timesrc_settled(const hv_timesrc_candidate *c, size_t n, size_t outstanding,
                        size_t configured, size_t possible_operators,
                        const hv_timesrc_rules *rules);

typedef enum {
  HV_TIMESRC_OUT_AGREES = 0, /* a sample inside the agreeing set */
  HV_TIMESRC_OUT_FALSETICKER,/* a sample outside it */
  HV_TIMESRC_OUT_TOO_VAGUE,  /* a sample wider than the vote limit */
  HV_TIMESRC_OUT_DUPLICATE,  /* the same NTP server (address and port) as
                                an earlier server in the list: one
                                server, however named, votes once */
  HV_TIMESRC_OUT_FAILED,     /* no sample: see error and detail */
  HV_TIMESRC_OUT_ABANDONED,  /* still outstanding when the verdict was
                                settled: its exchange was closed */
} hv_timesrc_outcome;

/* Evidence for one server, in configuration order. */
typedef struct {
  hv_timesrc_outcome outcome;
  hv_nts_error error;            /* HV_NTS_OK unless FAILED */
  char detail[HV_NTS_DETAIL_MAX];
  hv_nts_sample sample;          /* valid unless FAILED */
  hv_timesrc_candidate candidate;/* valid unless FAILED (operator_name is
                                    NULL: see the configuration) */
  int64_t elapsed_ms;            /* from the start to its outcome */
  bool used_ke;
  char notes[32];                /* hv_nts_query_notes: "", "ntsn",
                                    "ntsn, re-keyed" */
} hv_timesrc_evidence;

typedef struct {
  size_t n;                      /* = cfg->n_servers */
  hv_timesrc_evidence servers[HV_TIMESRC_MAX_SERVERS];
  hv_timesrc_decision decision;
  int64_t query_us;              /* from the call to the decision */
  int64_t elapsed_ms;            /* the whole run, saving cookies too */
  /* The verdict was settled before every server answered: the run
   * stopped there and closed the outstanding exchanges (the time may be
   * a little less precise than with every answer). */
  bool settled_early;
  size_t abandoned;              /* servers closed unanswered */
  char error[160];               /* BAD_CONFIG / INTERNAL: why */
} hv_timesrc_report;

/* "agrees", "falseticker", "too-vague", "duplicate", "abandoned", or the
 * hv_nts_error_name. */
HV_API const char *hv_timesrc_outcome_name(const hv_timesrc_evidence *e);

/* Queries every server, decides, fills the report; returns its verdict.
 * Returns as soon as the verdict is settled (hv_timesrc_settled), else at
 * the deadline (cfg->timeout_ms from the call) and leaves no
 * descriptor, thread or memory behind. With cfg->state_dir, the servers'
 * cookie jars are loaded before and saved (0600, atomically) after. A
 * one-shot: each call starts from the jars on disk (or none). */
HV_API HV_MUST_CHECK hv_timesrc_verdict hv_timesrc_query(const hv_timesrc_config *cfg,
                                                         hv_timesrc_report *out);

/* For long-running callers: a session keeps every server's cookie jar in
 * memory between queries, so only the first query of each server needs
 * NTS-KE (and, with cfg->state_dir, not even that one). It copies cfg;
 * the strings cfg points to (ca_file, state_dir) must outlive it. NULL
 * and detail when the configuration is refused or memory is short. One
 * query at a time per session (callers serialise). */
typedef struct hv_timesrc_session hv_timesrc_session;
HV_API hv_timesrc_session *hv_timesrc_session_new(const hv_timesrc_config *cfg, char *detail,
                                                  size_t detail_len);
/* As hv_timesrc_query, with the session's jars (saved after each query
 * when the session has a state dir). */
HV_API HV_MUST_CHECK hv_timesrc_verdict hv_timesrc_session_query(hv_timesrc_session *s,
                                                                 hv_timesrc_report *out);
/* Wipes the jars, frees everything. NULL is fine. */
HV_API void hv_timesrc_session_free(hv_timesrc_session *s);
/* Raises the session's lower bound on true time for certificates
 * (not_before_unix) to unix_s; a lower value changes nothing. A caller
 * that just got a trusted time passes it here, so the next handshake
 * judges certificates at least there, whatever the host's clock says. */
HV_API void hv_timesrc_session_raise_not_before(hv_timesrc_session *s, int64_t unix_s);
/* Cancels the session from another thread or a signal handler (async-
 * signal-safe): a query under way returns at once, as if its deadline had
 * passed, and every later query of this session fails the same way. For a
 * service that stops: no query may hold it up to timeout_ms. */
HV_API void hv_timesrc_session_cancel(hv_timesrc_session *s);

HV_END_DECLS

#endif
