/* `handover time`: trusted time from a quorum of NTS servers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_time.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/time_policy.h"

#define EXIT_TRUSTED 0
#define EXIT_UNTRUSTED 1
#define EXIT_USAGE 2
/* A day: anything wider is not agreement but a misconfiguration. */
#define MAX_SPREAD_S_LIMIT 86400

typedef struct {
  const char *servers[HV_TIMESRC_MAX_SERVERS + 1];
  size_t n_servers;
  const char *config, *ca, *state, *quorum;
  const char *policy, *policy_sig, *council; /* a policy's own servers and quorum */
  long long timeout_ms, min_responses, max_spread_ms, min_operators, not_before;
  bool json, wait_all;
} time_args;

static int bad(const char *flag, const char *why) {
  fprintf(stderr, "handover time: %s: %s\n", flag, why);
  return -1;
}

static int number(const char *flag, const char *v, long long lo, long long hi,
                  long long *out) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || end == v || *end || n < lo || n > hi) {
    fprintf(stderr, "handover time: %s: '%s' is not a number from %lld to %lld\n", flag, v,
            lo, hi);
    return -1;
  }
  *out = n;
  return 0;
}

/* Seconds, with up to three decimals, as milliseconds. */
static int seconds_ms(const char *flag, const char *v, long long *out) {
  char *end;
  errno = 0;
  double s = strtod(v, &end);
  if (errno || end == v || *end || !(s >= 0) || s > MAX_SPREAD_S_LIMIT) {
    fprintf(stderr, "handover time: %s: '%s' is not a number of seconds from 0 to %d\n",
            flag, v, MAX_SPREAD_S_LIMIT);
    return -1;
  }
  *out = (long long)(s * 1000 + 0.5);
  return 0;
}

/* The numbers, checked once parsing is done (a usage error names the option). */
typedef struct {
  const char *timeout, *min_responses, *min_operators, *not_before, *max_spread;
} time_numbers;

static int check_numbers(const time_numbers *n, time_args *a) {
  if (a->quorum && strcmp(a->quorum, "configured") && strcmp(a->quorum, "answers"))
    return bad("--quorum", "must be 'configured' or 'answers'");
  if (n->timeout && number("--timeout", n->timeout, 1, HV_TIMESRC_MAX_TIMEOUT_MS, &a->timeout_ms))
    return -1;
  if (n->min_responses && number("--min-responses", n->min_responses, 1,
                                 HV_TIMESRC_MAX_SERVERS, &a->min_responses))
    return -1;
  if (n->min_operators && number("--min-operators", n->min_operators, 1,
                                 HV_TIMESRC_MAX_SERVERS, &a->min_operators))
    return -1;
  if (n->not_before && number("--not-before", n->not_before, 0, INT64_MAX / 2, &a->not_before))
    return -1;
  if (n->max_spread && seconds_ms("--max-spread-s", n->max_spread, &a->max_spread_ms))
    return -1;
  return 0;
}

/* Help lines that name their defaults. */
typedef struct {
  char timeout[64], responses[64], spread[64], operators[64];
} time_help;

/* 1: --help seen; 0: parsed; -1: bad usage (already said why). */
static int parse_args(int argc, char **argv, time_args *a) {
  memset(a, 0, sizeof *a);
  a->timeout_ms = a->min_responses = a->max_spread_ms = a->min_operators = a->not_before = -1;
  time_numbers n = {0};
  time_help h;
  snprintf(h.timeout, sizeof h.timeout, "one deadline for everything (default %d)",
           HV_TIMESRC_DEFAULT_TIMEOUT_MS);
  snprintf(h.responses, sizeof h.responses, "agreeing samples needed (default %d)",
           HV_TIMESRC_DEFAULT_MIN_RESPONSES);
  snprintf(h.spread, sizeof h.spread, "seconds the agreeing samples may span (default %d)",
           HV_TIMESRC_DEFAULT_MAX_SPREAD_MS / 1000);
  snprintf(h.operators, sizeof h.operators, "distinct operators among them (default %d)",
           HV_TIMESRC_DEFAULT_MIN_OPERATORS);
  const cli_list_opt lists[] = {
      {"server", "SPEC",
       "HOST[:KEPORT] (NTS; IPv6 as [::1]:4460) or https://HOST[:PORT] (HTTPS Date),\n"
       "                             with ,operator=X ,region=Y; without --server, --config\n"
       "                             or --policy: the built-in public servers",
       a->servers, &a->n_servers, HV_TIMESRC_MAX_SERVERS},
      {NULL, NULL, NULL, NULL, NULL, 0},
  };
  const cli_opt opts[] = {
      {"config", "FILE", "servers and thresholds from a file (handover(1))", &a->config, NULL},
      {"policy", "FILE", "a policy's servers and quorum rules, verified first", &a->policy,
       NULL},
      {"policy-sig", "FILE", "its signatures (with --policy)", &a->policy_sig, NULL},
      {"council", "FILE", "dev mode: the council that signed it (with --policy)",
       &a->council, NULL},
      {"ca", "FILE", "trust this CA file instead of the system store", &a->ca, NULL},
      {"timeout", "MS", h.timeout, &n.timeout, NULL},
      {"min-responses", "N", h.responses, &n.min_responses, NULL},
      {"max-spread-s", "S", h.spread, &n.max_spread, NULL},
      {"min-operators", "N", h.operators, &n.min_operators, NULL},
      {"quorum", "configured|answers",
       "the majority is of the servers configured (default) or that answered", &a->quorum,
       NULL},
      {"not-before", "UNIX", "refuse certificates expired before this time", &n.not_before,
       NULL},
      {"nts-state", "DIR", "keep cookies here (0700) so later runs skip NTS-KE", &a->state,
       NULL},
      {"wait-all", NULL, "wait for every server even once the verdict is settled", NULL,
       &a->wait_all},
      {"json", NULL, "print JSON instead of a table (docs/JSON.md)", NULL, &a->json},
      {NULL, NULL, NULL, NULL, NULL},
  };
  static const cli_alias aliases[] = {
      {"state", "nts-state"}, {"max-spread", "max-spread-s"}, {NULL, NULL}};
  const cli_cmd_spec spec = {
      .command = "time",
      .synopsis = "time [--server SPEC]... [--config FILE | --policy FILE --policy-sig FILE] "
                  "[options]",
      .about = "Asks every server at once, under one deadline, and prints the time a\n"
               "majority of them agree on (exit 0) or why there is none (exit 1).\n"
               "Exit 2: bad usage or configuration.",
      .tables = {opts, NULL},
      .aliases = aliases,
      .lists = lists,
  };
  switch (cli_opts_parse(&spec, argc, argv)) {
    case CLI_OPTS_HELP: return 1;
    case CLI_OPTS_ERROR: return -1;
    case CLI_OPTS_OK: break;
  }
  return check_numbers(&n, a);
}

/* The file (if any) first, then the flags override it. */
static int build_config(const time_args *a, hv_timesrc_config *cfg) {
  char err[300];
  if (a->policy) {
    if (a->config || a->n_servers) return bad("--policy", "not with --config or --server");
    int pc = cli_time_policy_config(a->policy, a->policy_sig, a->council, cfg);
    if (pc != 0) return pc;
  } else if (a->policy_sig || a->council) {
    return bad(a->policy_sig ? "--policy-sig" : "--council", "only with --policy FILE");
  } else if (a->n_servers == 0 && !a->config) {
    hv_timesrc_config_defaults(cfg);
  } else {
    hv_timesrc_config_init(cfg);
  }
  char warn[512];
  if (a->config &&
      hv_timesrc_config_load_warn(cfg, a->config, warn, sizeof warn, err, sizeof err))
    return bad("--config", err);
  if (a->config && warn[0]) fprintf(stderr, "handover time: warning: %s\n", warn);
  for (size_t i = 0; i < a->n_servers; i++) {
    if (hv_timesrc_config_add(cfg, a->servers[i], err, sizeof err)) {
      fprintf(stderr, "handover time: --server %s: %s\n", a->servers[i], err);
      return -1;
    }
  }
  if (a->timeout_ms >= 0) cfg->timeout_ms = (int)a->timeout_ms;
  if (a->min_responses >= 0) cfg->rules.min_responses = (unsigned)a->min_responses;
  if (a->max_spread_ms >= 0) cfg->rules.max_spread_ms = a->max_spread_ms;
  if (a->min_operators >= 0) cfg->rules.min_distinct_operators = (unsigned)a->min_operators;
  if (a->not_before >= 0) cfg->not_before_unix = a->not_before;
  if (a->quorum)
    cfg->rules.quorum = strcmp(a->quorum, "answers") ? HV_TIMESRC_QUORUM_CONFIGURED
                                                     : HV_TIMESRC_QUORUM_ANSWERS;
  cfg->ca_file = a->ca;
  cfg->state_dir = a->state;
  cfg->wait_all = a->wait_all;
  if (hv_timesrc_config_check(cfg, err, sizeof err)) {
    fprintf(stderr, "handover time: %s\n", err);
    return -1;
  }
  return 0;
}

int cmd_time(int argc, char **argv) {
  time_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc == 1) return EXIT_TRUSTED; /* the usage went to stdout */
  if (rc < 0) return EXIT_USAGE;
  hv_timesrc_config *cfg = malloc(sizeof *cfg);
  hv_timesrc_report *rep = malloc(sizeof *rep);
  int status = EXIT_USAGE;
  if (!cfg || !rep) {
    fprintf(stderr, "handover time: out of memory\n");
  } else if ((rc = build_config(&a, cfg)) == CLI_TIME_POLICY_REFUSED) {
    status = EXIT_UNTRUSTED;
  } else if (rc == 0) {
    hv_timesrc_verdict v = hv_timesrc_query(cfg, rep);
    if (v == HV_TIMESRC_BAD_CONFIG || v == HV_TIMESRC_INTERNAL) {
      fprintf(stderr, "handover time: %s\n", rep->error);
    } else {
      status = v == HV_TIMESRC_TRUSTED ? EXIT_TRUSTED : EXIT_UNTRUSTED;
      if (!a.json)
        cmd_time_print_table(stdout, cfg, rep);
      else if (cmd_time_print_json(stdout, cfg, rep) != 0)
        status = EXIT_USAGE; /* as below: the verdict was not delivered */
    }
  }
  free(cfg);
  free(rep);
  if (fflush(stdout) != 0 || ferror(stdout)) return EXIT_USAGE; /* the verdict was lost */
  return status;
}
