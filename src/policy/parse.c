/* The policy text parser (grammar in docs/POLICY.md). */
#include <stdlib.h>
#include <string.h>

#include "policy/lex.h"
#include "policy/policy_int.h"

enum {
  K_VERSION,
  K_MIN_RESPONSES,
  K_MAX_SPREAD,
  K_TIMEOUT,
  K_MIN_OPERATORS,
  K_RESPONSE_WINDOW,
  K_CHAIN_LAG,
  K_BLOCK_INTERVAL,
  K_TIMESTAMP_AGE,
  K_N_SCALARS,
  /* not numbers: parsed by their own functions, tracked in seen[] too */
  K_EXPIRES = K_N_SCALARS,
  K_TIMESTAMP_KEY,
  K_N_KEYS
};

static const struct {
  const char *name;
  uint64_t min, max;
} scalars[K_N_SCALARS] = {
    [K_VERSION] = {"version", 1, UINT64_MAX},
    [K_MIN_RESPONSES] = {"min_responses", 1, HV_POLICY_MAX_SERVERS},
    [K_MAX_SPREAD] = {"max_spread_s", 1, HV_POLICY_MAX_SPREAD_LIMIT_S},
    [K_TIMEOUT] = {"timeout_ms", 1, HV_POLICY_TIMEOUT_LIMIT_MS},
    [K_MIN_OPERATORS] = {"min_distinct_operators", 1, HV_POLICY_MAX_SERVERS},
    [K_RESPONSE_WINDOW] = {"response_window_s", 1, HV_POLICY_RESPONSE_WINDOW_LIMIT_S},
    [K_CHAIN_LAG] = {"max_chain_lag_s", 1, HV_POLICY_CHAIN_LAG_LIMIT_S},
    [K_BLOCK_INTERVAL] = {"min_block_interval_ms", 1, HV_POLICY_BLOCK_INTERVAL_LIMIT_MS},
    [K_TIMESTAMP_AGE] = {"max_timestamp_age_s", 1, HV_POLICY_TIMESTAMP_AGE_LIMIT_S},
};

static void set_scalar(hv_policy *p, int k, uint64_t v) {
  /* Every narrowing below is safe: the ranges above fit in 32 bits. */
  switch (k) {
    case K_VERSION: p->version = v; break;
    case K_MIN_RESPONSES: p->time.min_responses = (uint32_t)v; break;
    case K_MAX_SPREAD: p->time.max_spread_s = (uint32_t)v; break;
    case K_TIMEOUT: p->time.timeout_ms = (uint32_t)v; break;
    case K_MIN_OPERATORS: p->time.min_distinct_operators = (uint32_t)v; break;
    case K_RESPONSE_WINDOW: p->response_window_s = (uint32_t)v; break;
    case K_CHAIN_LAG: p->max_chain_lag_s = v; break;
    case K_BLOCK_INTERVAL: p->min_block_interval_ms = (uint32_t)v; break;
    case K_TIMESTAMP_AGE: p->max_timestamp_age_s = (uint32_t)v; break;
    default: break;
  }
}

static void set_defaults(hv_policy *p) {
  p->time.min_responses = HV_POLICY_DEFAULT_MIN_RESPONSES;
  p->time.max_spread_s = HV_POLICY_DEFAULT_MAX_SPREAD_S;
  p->time.timeout_ms = HV_POLICY_DEFAULT_TIMEOUT_MS;
  p->time.min_distinct_operators = HV_POLICY_DEFAULT_MIN_OPERATORS;
  p->response_window_s = HV_POLICY_DEFAULT_RESPONSE_WINDOW_S;
  p->max_chain_lag_s = HV_POLICY_DEFAULT_MAX_CHAIN_LAG_S;
  p->min_block_interval_ms = HV_POLICY_DEFAULT_MIN_BLOCK_INTERVAL_MS;
  p->max_timestamp_age_s = HV_POLICY_DEFAULT_MAX_TIMESTAMP_AGE_S;
}

/* A line of `key name=value ...`: each attribute at most once, the
 * required ones present, no others. */
#define HV_MAX_ATTRS (HV_POLICY_LEX_MAX_FIELDS - 1)
typedef struct {
  const char *name;
  bool required;
} attr_rule;

static hv_policy_error take_attrs(const hv_policy_lex *lx, const attr_rule *rules,
                                  size_t n_rules, hv_policy_lex_tok *values,
                                  bool *present, hv_policy_diag *diag) {
  memset(present, 0, n_rules * sizeof *present);
  for (size_t f = 1; f < lx->n_fields; f++) {
    hv_policy_lex_tok name, value;
    if (!hv_policy_lex_attr(&lx->field[f], &name, &value))
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX,
                     "field %zu is not name=value", f + 1);
    size_t i = 0;
    while (i < n_rules && !hv_policy_lex_is(&name, rules[i].name)) i++;
    if (i == n_rules)
      return hv_policy_lex_unknown(lx, &name, "attribute", diag);
    if (present[i])
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY,
                     "attribute '%s' given twice", rules[i].name);
    present[i] = true;
    values[i] = value;
  }
  for (size_t i = 0; i < n_rules; i++)
    if (rules[i].required && !present[i])
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_MISSING_FIELD,
                     "missing attribute '%s'", rules[i].name);
  return HV_POLICY_OK;
}

enum { S_HOST, S_PORT, S_OPERATOR, S_REGION, S_KIND, S_N };
static const attr_rule server_rules[S_N] = {
    {"host", true}, {"port", false}, {"operator", true}, {"region", true}, {"kind", false}};

static hv_policy_error parse_server(const hv_policy_lex *lx, hv_policy *p,
                                    hv_policy_diag *diag) {
  hv_policy_lex_tok v[S_N];
  bool have[S_N];
  hv_policy_error err = take_attrs(lx, server_rules, S_N, v, have, diag);
  if (err) return err;
  if (p->n_servers == HV_POLICY_MAX_SERVERS)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_TOO_MANY,
                   "more than %d servers", HV_POLICY_MAX_SERVERS);
  hv_policy_server s = {.ke_port = HV_POLICY_DEFAULT_KE_PORT};
  if (have[S_KIND] && (err = hv_policy_parse_kind(lx, &v[S_KIND], &s.kind, diag))) return err;
  uint64_t port = s.kind == HV_POLICY_SERVER_KIND_HTTPS ? HV_POLICY_DEFAULT_HTTPS_PORT
                                                       : HV_POLICY_DEFAULT_KE_PORT;
  if ((err = hv_policy_lex_name(lx, &v[S_HOST], "host", s.host, HV_POLICY_MAX_HOST, diag)) ||
      (have[S_PORT] && (err = hv_policy_lex_number(lx, &v[S_PORT], "port", 1, 65535, &port, diag))) ||
      (err = hv_policy_lex_name(lx, &v[S_OPERATOR], "operator", s.operator_name,
                         HV_POLICY_MAX_LABEL, diag)) ||
      (err = hv_policy_lex_name(lx, &v[S_REGION], "region", s.region, HV_POLICY_MAX_LABEL, diag)))
    return err;
  s.ke_port = (uint16_t)port;
  for (size_t i = 0; i < p->n_servers; i++)
    if (!strcmp(p->servers[i].host, s.host) && p->servers[i].ke_port == s.ke_port)
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_ENTRY,
                     "server %s port %u listed twice", s.host, s.ke_port);
  p->servers[p->n_servers++] = s;
  return HV_POLICY_OK;
}

enum { R_SEQ, R_ENCLAVE, R_SIGNER, R_PROD, R_SVN, R_N };
static const attr_rule runtime_rules[R_N] = {
    {"seq", true}, {"mr_enclave", true}, {"mr_signer", true},
    {"isv_prod_id", true}, {"isv_svn", true}};

bool hv_policy_same_measurement(const hv_tee_measurement *a, const hv_tee_measurement *b) {
  return !memcmp(a->mr_enclave, b->mr_enclave, HV_TEE_MR_LEN) &&
         !memcmp(a->mr_signer, b->mr_signer, HV_TEE_MR_LEN) &&
         a->isv_prod_id == b->isv_prod_id && a->isv_svn == b->isv_svn;
}

hv_policy_error hv_policy_measurement_attrs(const hv_policy_lex *lx, bool with_seq,
                                            uint64_t *seq, hv_tee_measurement *m,
                                            hv_policy_diag *diag) {
  hv_policy_lex_tok v[R_N];
  bool have[R_N];
  /* without seq: the same rules, minus the first */
  const attr_rule *rules = with_seq ? runtime_rules : runtime_rules + 1;
  size_t n = with_seq ? R_N : R_N - 1;
  hv_policy_lex_tok *vals = with_seq ? v : v + 1;
  hv_policy_error err = take_attrs(lx, rules, n, vals, with_seq ? have : have + 1, diag);
  if (err) return err;
  memset(m, 0, sizeof *m);
  uint64_t prod = 0, svn = 0;
  if ((with_seq && (err = hv_policy_lex_number(lx, &v[R_SEQ], "seq", 1, UINT64_MAX, seq, diag))) ||
      (err = hv_policy_lex_hex(lx, &v[R_ENCLAVE], "mr_enclave", m->mr_enclave, HV_TEE_MR_LEN, diag)) ||
      (err = hv_policy_lex_hex(lx, &v[R_SIGNER], "mr_signer", m->mr_signer, HV_TEE_MR_LEN, diag)) ||
      (err = hv_policy_lex_number(lx, &v[R_PROD], "isv_prod_id", 0, UINT16_MAX, &prod, diag)) ||
      (err = hv_policy_lex_number(lx, &v[R_SVN], "isv_svn", 0, UINT16_MAX, &svn, diag)))
    return err;
  m->isv_prod_id = (uint16_t)prod;
  m->isv_svn = (uint16_t)svn;
  return HV_POLICY_OK;
}

static hv_policy_error parse_runtime(const hv_policy_lex *lx, hv_policy *p,
                                     hv_policy_diag *diag) {
  hv_policy_runtime r = {0};
  hv_policy_error err = hv_policy_measurement_attrs(lx, true, &r.seq, &r.m, diag);
  if (err) return err;
  if (p->n_runtimes == HV_POLICY_MAX_RUNTIMES)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_TOO_MANY,
                   "more than %d runtimes", HV_POLICY_MAX_RUNTIMES);
  /* File order and seq must agree, so a reader never has to sort. */
  if (p->n_runtimes > 0 && r.seq <= p->runtimes[p->n_runtimes - 1].seq)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_ORDER,
                   "seq %llu is not above the previous runtime's %llu",
                   (unsigned long long)r.seq,
                   (unsigned long long)p->runtimes[p->n_runtimes - 1].seq);
  for (size_t i = 0; i < p->n_runtimes; i++)
    if (hv_policy_same_measurement(&p->runtimes[i].m, &r.m))
      return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_ENTRY,
                     "runtime listed twice (also seq %llu)",
                     (unsigned long long)p->runtimes[i].seq);
  p->runtimes[p->n_runtimes++] = r;
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_time_field(const hv_policy_lex *lx, const char *what,
                                     uint64_t *unix_s, hv_policy_diag *diag) {
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'%s' takes exactly one value",
                   what);
  if (hv_policy_time_parse((const char *)lx->field[1].p, lx->field[1].len, unix_s))
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_BAD_TIME,
                   "%s: want RFC 3339 UTC (2027-01-31T00:00:00Z) or UNIX seconds", what);
  return HV_POLICY_OK;
}

/* `expires` and `timestamp_key`: once each, one value. */
static hv_policy_error parse_special(const hv_policy_lex *lx, int k, hv_policy *p, bool *seen,
                                     hv_policy_diag *diag) {
  const char *name = k == K_EXPIRES ? "expires" : "timestamp_key";
  if (seen[k])
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY, "'%s' given twice", name);
  hv_policy_error err;
  if (k == K_EXPIRES) {
    err = hv_policy_time_field(lx, name, &p->expires_unix, diag);
  } else if (lx->n_fields != 2) {
    err = hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX, "'%s' takes one public key", name);
  } else {
    err = hv_policy_lex_hex(lx, &lx->field[1], name, p->timestamp_key, HV_ED25519_PUB_LEN, diag);
    p->has_timestamp_key = err == HV_POLICY_OK;
  }
  if (!err) seen[k] = true;
  return err;
}

static hv_policy_error parse_scalar(const hv_policy_lex *lx, int k, hv_policy *p,
                                    bool *seen, hv_policy_diag *diag) {
  if (seen[k])
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY,
                   "'%s' given twice", scalars[k].name);
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX,
                   "'%s' takes exactly one value", scalars[k].name);
  uint64_t v;
  hv_policy_error err = hv_policy_lex_number(lx, &lx->field[1], scalars[k].name,
                                      scalars[k].min, scalars[k].max, &v, diag);
  if (err) return err;
  seen[k] = true;
  set_scalar(p, k, v);
  return HV_POLICY_OK;
}

/* `after_handover retire|keep` (default retire: the key moves). */
static hv_policy_error parse_after_handover(const hv_policy_lex *lx, hv_policy *p,
                                            hv_policy_diag *diag) {
  if (p->after_handover_given)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_DUPLICATE_KEY,
                   "'after_handover' given twice");
  if (lx->n_fields != 2)
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_SYNTAX,
                   "'after_handover' takes exactly one value");
  const hv_policy_lex_tok *v = &lx->field[1];
  if (hv_policy_lex_is(v, "retire")) p->after_handover = HV_POLICY_AFTER_HANDOVER_RETIRE;
  else if (hv_policy_lex_is(v, "keep")) p->after_handover = HV_POLICY_AFTER_HANDOVER_KEEP;
  else
    return hv_policy_diag_fail(diag, lx->line, HV_POLICY_ERR_OUT_OF_RANGE,
                   "'after_handover' is 'retire' or 'keep'");
  p->after_handover_given = true;
  return HV_POLICY_OK;
}

static hv_policy_error parse_line(const hv_policy_lex *lx, hv_policy *p, bool *seen,
                                  hv_policy_diag *diag) {
  const hv_policy_lex_tok *key = &lx->field[0];
  if (hv_policy_lex_is(key, "after_handover")) return parse_after_handover(lx, p, diag);
  for (int k = 0; k < K_N_SCALARS; k++)
    if (hv_policy_lex_is(key, scalars[k].name)) return parse_scalar(lx, k, p, seen, diag);
  if (hv_policy_lex_is(key, "expires")) return parse_special(lx, K_EXPIRES, p, seen, diag);
  if (hv_policy_lex_is(key, "timestamp_key")) return parse_special(lx, K_TIMESTAMP_KEY, p, seen, diag);
  if (hv_policy_lex_is(key, "server")) return parse_server(lx, p, diag);
  if (hv_policy_lex_is(key, "quorum")) return hv_policy_parse_quorum(lx, p, diag);
  if (hv_policy_lex_is(key, "runtime")) return parse_runtime(lx, p, diag);
  return hv_policy_lex_unknown(lx, key, "key", diag);
}

static size_t distinct_operators(const hv_policy *p) {
  size_t n = 0;
  for (size_t i = 0; i < p->n_servers; i++) {
    size_t j = 0;
    while (j < i && strcmp(p->servers[j].operator_name, p->servers[i].operator_name)) j++;
    if (j == i) n++;
  }
  return n;
}

/* What only the whole file can tell. */
static hv_policy_error check_whole(const hv_policy *p, const bool *seen,
                                   hv_policy_diag *diag) {
  if (!seen[K_VERSION])
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no 'version'");
  /* A signed policy must not live for ever: a restored old store could
   * otherwise run under a policy the council has long replaced. */
  if (!seen[K_EXPIRES])
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no 'expires'");
  if (seen[K_TIMESTAMP_AGE] && !seen[K_TIMESTAMP_KEY])
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD,
                   "'max_timestamp_age_s' without a 'timestamp_key'");
  if (p->n_servers == 0)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no 'server'");
  if (p->n_runtimes == 0)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_MISSING_FIELD, "no 'runtime'");
  if (p->time.min_responses > p->n_servers)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OUT_OF_RANGE,
                   "min_responses %u but only %zu servers",
                   (unsigned)p->time.min_responses, p->n_servers);
  if (p->time.min_distinct_operators > distinct_operators(p))
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_OUT_OF_RANGE,
                   "min_distinct_operators %u but only %zu operators",
                   (unsigned)p->time.min_distinct_operators, distinct_operators(p));
  return HV_POLICY_OK;
}

hv_policy_error hv_policy_parse(const uint8_t *text, size_t len,
                                hv_policy **out, hv_policy_diag *diag) {
  hv_policy_diag_file(diag, "policy");
  if (!out || (!text && len)) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_ARGS, "bad arguments");
  *out = NULL;
  if (len > HV_POLICY_MAX_FILE)
    return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_TOO_LARGE, "policy larger than %d bytes",
                   HV_POLICY_MAX_FILE);
  hv_policy *p = calloc(1, sizeof *p);
  if (!p) return hv_policy_diag_fail(diag, 0, HV_POLICY_ERR_NOMEM, "out of memory");
  set_defaults(p);
  bool seen[K_N_KEYS] = {false};
  hv_policy_lex lx;
  hv_policy_lex_init(&lx, text, len);
  hv_policy_error err;
  while (!(err = hv_policy_lex_next(&lx, diag)) && lx.n_fields > 0)
    if ((err = parse_line(&lx, p, seen, diag))) break;
  if (!err) err = check_whole(p, seen, diag);
  if (err) {
    free(p);
    return err;
  }
  *out = p;
  return HV_POLICY_OK;
}

void hv_policy_free(hv_policy *p) { free(p); }
