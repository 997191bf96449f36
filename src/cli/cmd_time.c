/* `handover time`: trusted time from a quorum of NTS servers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_time.h"
#include "cli/commands.h"

#define EXIT_TRUSTED 0
#define EXIT_UNTRUSTED 1
#define EXIT_USAGE 2
/* A day: anything wider is not agreement but a misconfiguration. */
#define MAX_SPREAD_S_LIMIT 86400

static void usage(FILE *out) {
  fprintf(out,
          "usage: handover time [OPTIONS]\n"
          "Asks every NTS server at once, under one deadline, and prints the\n"
          "time a majority of them agree on (exit 0) or why there is none (exit 1).\n"
          "\n"
          "  --server HOST[:KEPORT][,operator=X][,region=Y]\n"
          "                     an NTS server (repeatable; IPv6 as [::1]:4460)\n"
          "  --server https://HOST[:PORT][,operator=X][,region=Y]\n"
          "                     an HTTPS Date source (TLS 1.3, one-second precision)\n"
          "                     joining the same quorum. Without\n"
          "                     --server or --config: the 8 built-in public servers\n"
          "  --config FILE      servers and thresholds from a file (lines:\n"
          "                     server SPEC [operator=X] [region=Y], timeout-ms N,\n"
          "                     min-responses N, max-spread-ms N, min-operators N,\n"
          "                     quorum configured|answers)\n"
          "  --ca FILE          trust this CA file instead of the system store\n"
          "  --timeout MS       one deadline for everything (default %d)\n"
          "  --min-responses N  agreeing samples needed (default %d)\n"
          "  --max-spread S     seconds the agreeing samples may span (default %d)\n"
          "  --min-operators N  distinct operators among them (default %d)\n"
          "  --quorum configured|answers\n"
          "                     the agreeing samples must be more than half of the\n"
          "                     servers configured (default) or of those that answered\n"
          "  --not-before UNIX  refuse certificates expired before this time\n"
          "  --state DIR        keep cookies here (0700) so later runs skip NTS-KE\n"
          "  --wait-all         wait for every server (or the deadline) even once the\n"
          "                     verdict is settled, so every falseticker is named\n"
          "  --json             print JSON instead of a table\n"
          "  --help             this text\n"
          "Exit: 0 trusted time, 1 none, 2 bad usage or configuration.\n",
          HV_TIMESRC_DEFAULT_TIMEOUT_MS, HV_TIMESRC_DEFAULT_MIN_RESPONSES,
          HV_TIMESRC_DEFAULT_MAX_SPREAD_MS / 1000, HV_TIMESRC_DEFAULT_MIN_OPERATORS);
}

typedef struct {
  const char *servers[HV_TIMESRC_MAX_SERVERS + 1];
  size_t n_servers;
  const char *config, *ca, *state, *quorum;
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

static int parse_flag(time_args *a, const char *flag, const char *v) {
  if (!strcmp(flag, "--server")) {
    if (a->n_servers == HV_TIMESRC_MAX_SERVERS) return bad(flag, "too many servers");
    a->servers[a->n_servers++] = v;
    return 0;
  }
  if (!strcmp(flag, "--config")) return a->config = v, 0;
  if (!strcmp(flag, "--ca")) return a->ca = v, 0;
  if (!strcmp(flag, "--state")) return a->state = v, 0;
  if (!strcmp(flag, "--quorum")) {
    if (strcmp(v, "configured") && strcmp(v, "answers"))
      return bad(flag, "must be 'configured' or 'answers'");
    return a->quorum = v, 0;
  }
  if (!strcmp(flag, "--timeout"))
    return number(flag, v, 1, HV_TIMESRC_MAX_TIMEOUT_MS, &a->timeout_ms);
  if (!strcmp(flag, "--min-responses"))
    return number(flag, v, 1, HV_TIMESRC_MAX_SERVERS, &a->min_responses);
  if (!strcmp(flag, "--min-operators"))
    return number(flag, v, 1, HV_TIMESRC_MAX_SERVERS, &a->min_operators);
  if (!strcmp(flag, "--not-before")) return number(flag, v, 0, INT64_MAX / 2, &a->not_before);
  if (!strcmp(flag, "--max-spread")) return seconds_ms(flag, v, &a->max_spread_ms);
  return bad(flag, "unknown option (see --help)");
}

static bool takes_value(const char *flag) {
  static const char *const with_value[] = {"--server", "--config", "--ca", "--state",
                                           "--timeout", "--min-responses", "--min-operators",
                                           "--not-before", "--max-spread", "--quorum"};
  for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
    if (!strcmp(flag, with_value[i])) return true;
  return false;
}

/* 1: --help seen; 0: parsed; -1: bad usage (already said why). */
static int parse_args(int argc, char **argv, time_args *a) {
  memset(a, 0, sizeof *a);
  a->timeout_ms = a->min_responses = a->max_spread_ms = a->min_operators = a->not_before = -1;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) return 1;
    if (!strcmp(arg, "--json") || !strcmp(arg, "--wait-all")) {
      *(arg[2] == 'j' ? &a->json : &a->wait_all) = true;
      continue;
    }
    if (!takes_value(arg)) return bad(arg, "unknown option (see --help)");
    if (i + 1 >= argc) return bad(arg, "needs a value");
    if (parse_flag(a, arg, argv[++i])) return -1;
  }
  return 0;
}

/* The file (if any) first, then the flags override it. */
static int build_config(const time_args *a, hv_timesrc_config *cfg) {
  char err[300];
  if (a->n_servers == 0 && !a->config)
    hv_timesrc_config_defaults(cfg);
  else
    hv_timesrc_config_init(cfg);
  if (a->config && hv_timesrc_config_load(cfg, a->config, err, sizeof err))
    return bad("--config", err);
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
  if (rc == 1) {
    usage(stdout);
    return EXIT_TRUSTED;
  }
  if (rc < 0) return EXIT_USAGE;
  hv_timesrc_config *cfg = malloc(sizeof *cfg);
  hv_timesrc_report *rep = malloc(sizeof *rep);
  int status = EXIT_USAGE;
  if (!cfg || !rep) {
    fprintf(stderr, "handover time: out of memory\n");
  } else if (build_config(&a, cfg) == 0) {
    hv_timesrc_verdict v = hv_timesrc_query(cfg, rep);
    if (v == HV_TIMESRC_BAD_CONFIG || v == HV_TIMESRC_INTERNAL) {
      fprintf(stderr, "handover time: %s\n", rep->error);
    } else {
      if (a.json)
        cmd_time_print_json(stdout, cfg, rep);
      else
        cmd_time_print_table(stdout, cfg, rep);
      status = v == HV_TIMESRC_TRUSTED ? EXIT_TRUSTED : EXIT_UNTRUSTED;
    }
  }
  free(cfg);
  free(rep);
  if (fflush(stdout) != 0) return EXIT_USAGE;
  return status;
}
