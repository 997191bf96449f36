/* `handover time` output: a table for people, JSON for programs. Both
 * carry the same evidence: every server's outcome and the decision. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli/cmd_time.h"
#include "cli/json_out.h"

#define NS_PER_MS 1000000LL
#define NS_PER_S 1000000000LL
#define UTC_LEN 32

/* "2026-11-27T17:40:00.123Z" */
static const char *utc(int64_t ns, char buf[UTC_LEN]) {
  int64_t s = ns / NS_PER_S, rem = ns % NS_PER_S;
  if (rem < 0) {
    s -= 1;
    rem += NS_PER_S;
  }
  time_t t = (time_t)s;
  struct tm tm;
  char whole[UTC_LEN];
  if (!gmtime_r(&t, &tm) || !strftime(whole, sizeof whole, "%Y-%m-%dT%H:%M:%S", &tm))
    return "?";
  snprintf(buf, UTC_LEN, "%.20s.%03dZ", whole, (int)(rem / NS_PER_MS));
  return buf;
}

static unsigned port_of(const hv_timesrc_server *s) {
  if (s->ke_port) return s->ke_port;
  return s->kind == HV_TIMESRC_KIND_HTTPS ? HV_TIMESRC_DEFAULT_HTTPS_PORT
                                          : HV_NTS_DEFAULT_KE_PORT;
}

static const char *address(const hv_timesrc_server *s, char *buf, size_t cap) {
  const char *scheme = s->kind == HV_TIMESRC_KIND_HTTPS ? "https://" : "";
  if (strchr(s->host, ':'))
    snprintf(buf, cap, "%s[%s]:%u", scheme, s->host, port_of(s));
  else
    snprintf(buf, cap, "%s%s:%u", scheme, s->host, port_of(s));
  return buf;
}

void cmd_time_explain(const hv_timesrc_config *cfg, const hv_timesrc_report *rep,
                      char *buf, size_t cap) {
  const hv_timesrc_decision *d = &rep->decision;
  const hv_timesrc_rules *r = &cfg->rules;
  switch (d->verdict) {
  case HV_TIMESRC_TRUSTED:
    if (r->quorum == HV_TIMESRC_QUORUM_ANSWERS)
      snprintf(buf, cap, "%zu of %zu samples agree", d->agreeing, d->valid);
    else
      snprintf(buf, cap, "%zu of %zu samples agree, of %zu servers configured", d->agreeing,
               d->valid, d->majority_of);
    break;
  case HV_TIMESRC_TOO_FEW_RESPONSES:
    if (d->valid < r->min_responses)
      snprintf(buf, cap, "%zu valid samples of %zu servers; %u needed", d->valid, rep->n,
               r->min_responses);
    else
      snprintf(buf, cap, "only %zu samples agree; %u needed", d->agreeing, r->min_responses);
    break;
  case HV_TIMESRC_NO_MAJORITY:
    if (r->quorum == HV_TIMESRC_QUORUM_ANSWERS)
      snprintf(buf, cap, "at most %zu of %zu valid samples agree; more than half needed",
               d->agreeing, d->valid);
    else
      snprintf(buf, cap,
               "at most %zu of %zu configured servers agree (%zu answered); more than "
               "half of those configured needed",
               d->agreeing, d->majority_of, d->valid);
    break;
  case HV_TIMESRC_SPREAD_TOO_LARGE:
    snprintf(buf, cap, "the agreeing samples span %.3f s; at most %.3f s allowed",
             (double)d->spread_ns / NS_PER_S, (double)r->max_spread_ms / 1000);
    break;
  case HV_TIMESRC_TOO_FEW_OPERATORS:
    snprintf(buf, cap, "the agreeing samples come from %zu operators; %u needed",
             d->operators, r->min_distinct_operators);
    break;
  default:
    snprintf(buf, cap, "%s", rep->error);
  }
}

/* Failed and duplicate servers have a reason, not a vote. */
static bool votes(const hv_timesrc_evidence *e) {
  return e->outcome != HV_TIMESRC_OUT_FAILED && e->outcome != HV_TIMESRC_OUT_DUPLICATE &&
         e->outcome != HV_TIMESRC_OUT_ABANDONED;
}

static void table_line(FILE *out, const hv_timesrc_server *s, const hv_timesrc_evidence *e) {
  char addr[HV_NTS_HOST_MAX + 24], when[UTC_LEN];
  fprintf(out, "%-26s %-12s %-8s %-14s", address(s, addr, sizeof addr),
          s->operator_name[0] ? s->operator_name : "-", s->region[0] ? s->region : "-",
          hv_timesrc_outcome_name(e));
  if (!votes(e)) {
    fprintf(out, " %s%s%s%s\n", e->detail[0] ? e->detail : "-", e->notes[0] ? " (" : "",
            e->notes, e->notes[0] ? ")" : "");
    return;
  }
  fprintf(out, " %+13.3f %9.3f  %s%s%s%s%s\n", (double)e->sample.offset_ns / NS_PER_MS,
          (double)e->sample.delay_ns / NS_PER_MS, utc(e->candidate.time_ns, when),
          e->used_ke ? "" : "  (cookie)", e->notes[0] ? "  (" : "", e->notes,
          e->notes[0] ? ")" : "");
}

void cmd_time_print_table(FILE *out, const hv_timesrc_config *cfg,
                          const hv_timesrc_report *rep) {
  const hv_timesrc_decision *d = &rep->decision;
  char when[UTC_LEN], why[200];
  fprintf(out, "%-26s %-12s %-8s %-14s %13s %9s  %s\n", "server", "operator", "region",
          "result", "offset ms", "delay ms", "authenticated time (UTC)");
  for (size_t i = 0; i < rep->n; i++) table_line(out, &cfg->servers[i], &rep->servers[i]);
  cmd_time_explain(cfg, rep, why, sizeof why);
  if (d->verdict == HV_TIMESRC_TRUSTED) {
    fprintf(out, "trusted time: %s +- %" PRId64 " ms (unix ms %" PRId64 "); %s;"
                 " local clock off by %+.3f ms\n",
            utc(d->time_ms * NS_PER_MS, when), d->bound_ms, d->time_ms, why,
            (double)(d->time_ns - d->local_ns) / NS_PER_MS);
  } else {
    fprintf(out, "no trusted time: %s (%s)\n", hv_timesrc_verdict_name(d->verdict), why);
  }
  if (rep->settled_early)
    fprintf(out, "settled early: %zu server%s abandoned (no answer could change the verdict)\n",
            rep->abandoned, rep->abandoned == 1 ? "" : "s");
  char trust[400];
  hv_timesrc_trust_statement(cfg, trust, sizeof trust);
  fprintf(out, "trust: %s\n", trust);
}

/* Nanosecond values are strings (they pass 2^53); docs/JSON.md. */
static json_t *json_server(const hv_timesrc_server *s, const hv_timesrc_evidence *e) {
  json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:I, s:b, s:s}", "host", s->host,
                        "port", (int)port_of(s), "kind", hv_timesrc_kind_name(s->kind),
                        "operator", s->operator_name, "region", s->region, "result",
                        hv_timesrc_outcome_name(e), "elapsed_ms", (json_int_t)e->elapsed_ms,
                        "used_ke", e->used_ke, "notes", e->notes);
  if (!o) return NULL;
  if (e->outcome != HV_TIMESRC_OUT_FAILED && e->outcome != HV_TIMESRC_OUT_ABANDONED)
    json_object_set_new(o, "ntp_address", json_string(e->sample.ntp_address));
  if (!votes(e)) {
    json_object_set_new(o, "detail", json_string(e->detail));
    return o;
  }
  json_object_set_new(o, "time_ns", cli_json_i64_string(e->candidate.time_ns));
  json_object_set_new(o, "bound_ns", cli_json_i64_string(e->candidate.half_width_ns));
  json_object_set_new(o, "offset_ns", cli_json_i64_string(e->sample.offset_ns));
  json_object_set_new(o, "delay_ns", cli_json_i64_string(e->sample.delay_ns));
  json_object_set_new(o, "root_delay_ns", cli_json_i64_string(e->sample.root_delay_ns));
  json_object_set_new(o, "root_dispersion_ns",
                      cli_json_i64_string(e->sample.root_dispersion_ns));
  json_object_set_new(o, "stratum", json_integer(e->sample.stratum));
  return o;
}

int cmd_time_print_json(FILE *out, const hv_timesrc_config *cfg, const hv_timesrc_report *rep) {
  const hv_timesrc_decision *d = &rep->decision;
  char why[200], trust[400];
  cmd_time_explain(cfg, rep, why, sizeof why);
  hv_timesrc_trust_statement(cfg, trust, sizeof trust);
  json_t *o = json_pack("{s:b, s:s, s:s, s:s}", "trusted", d->verdict == HV_TIMESRC_TRUSTED,
                        "verdict", hv_timesrc_verdict_name(d->verdict), "reason", why,
                        "trust", trust);
  json_t *servers = json_array();
  if (!o || !servers) {
    json_decref(o);
    json_decref(servers);
    return cli_json_write(out, NULL);
  }
  if (d->agreeing > 0) {
    json_object_set_new(o, "time_ms", json_integer(d->time_ms));
    json_object_set_new(o, "bound_ms", json_integer(d->bound_ms));
    json_object_set_new(o, "time_ns", cli_json_i64_string(d->time_ns));
    json_object_set_new(o, "bound_ns", cli_json_i64_string(d->bound_ns));
    json_object_set_new(o, "spread_ns", cli_json_i64_string(d->spread_ns));
  }
  json_object_set_new(o, "local_ns", cli_json_i64_string(d->local_ns));
  json_object_set_new(o, "mono_ns", cli_json_i64_string(d->mono_ns));
  json_object_set_new(o, "valid", json_integer((json_int_t)d->valid));
  json_object_set_new(o, "agreeing", json_integer((json_int_t)d->agreeing));
  json_object_set_new(o, "operators", json_integer((json_int_t)d->operators));
  json_object_set_new(o, "quorum", json_string(hv_timesrc_quorum_name(cfg->rules.quorum)));
  json_object_set_new(o, "majority_of", json_integer((json_int_t)d->majority_of));
  json_object_set_new(o, "settled_early", json_boolean(rep->settled_early));
  json_object_set_new(o, "abandoned", json_integer((json_int_t)rep->abandoned));
  json_object_set_new(o, "query_us", json_integer(rep->query_us));
  json_object_set_new(o, "elapsed_ms", json_integer(rep->elapsed_ms));
  for (size_t i = 0; i < rep->n; i++)
    json_array_append_new(servers, json_server(&cfg->servers[i], &rep->servers[i]));
  json_object_set_new(o, "servers", servers);
  return cli_json_write(out, o);
}
