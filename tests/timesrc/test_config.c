/* Server specs, the config file and the checks before a run. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "handover/policy.h"
#include "handover/session.h"
#include "handover/timesrc.h"
#include "harness.h"

static char err[256];

static void defaults_are_the_reference_servers(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_defaults(&cfg);
  HT_CHECK_EQ_INT(cfg.n_servers, 8);
  HT_CHECK(!strcmp(cfg.servers[0].host, "time.cloudflare.com"));
  HT_CHECK(!strcmp(cfg.servers[7].host, "nts.netnod.se"));
  for (size_t i = 0; i < cfg.n_servers; i++) HT_CHECK(cfg.servers[i].operator_name[0]);
  HT_CHECK_EQ_INT(cfg.timeout_ms, 5000);
  HT_CHECK_EQ_INT(cfg.rules.min_responses, 2);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 60000);
  HT_CHECK_EQ_INT(cfg.rules.min_distinct_operators, 1);
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), 0);
}

static void specs_parse(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "localhost", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "127.0.0.1:4461,operator=a,region=eu", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "[::1]:4462,region=x", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "::1", err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.n_servers, 4);
  HT_CHECK(!strcmp(cfg.servers[0].host, "localhost"));
  HT_CHECK_EQ_INT(cfg.servers[0].ke_port, 0);
  HT_CHECK(!strcmp(cfg.servers[1].host, "127.0.0.1"));
  HT_CHECK_EQ_INT(cfg.servers[1].ke_port, 4461);
  HT_CHECK(!strcmp(cfg.servers[1].operator_name, "a"));
  HT_CHECK(!strcmp(cfg.servers[1].region, "eu"));
  HT_CHECK(!strcmp(cfg.servers[2].host, "::1"));
  HT_CHECK_EQ_INT(cfg.servers[2].ke_port, 4462);
  HT_CHECK(!strcmp(cfg.servers[2].region, "x"));
  HT_CHECK(!strcmp(cfg.servers[3].host, "::1"));
  HT_CHECK_EQ_INT(cfg.servers[3].ke_port, 0);
}

/* Each bad spec is refused with a reason naming the bad part, and the
 * list is left as it was. */
static void bad_specs(void) {
  static const struct {
    const char *spec, *why;
  } bad[] = {
      {"", "empty host"},
      {"host:0", "bad port '0'"},
      {"host:65536", "bad port '65536'"},
      {"host:12x", "bad port '12x'"},
      {"host:", "bad port ''"},
      {"ho st", "bad character in host"},
      {"[::1", "missing ']'"},
      {"[::1]x", "junk after ']'"},
      {"127.0.0.1:4460:1", "not an IPv6 address"},
      {"[host]:4460", "not an IPv6 address"},
      {"host,colour=red", "unknown server label 'colour'"},
      {"host,operator", "expected key=value"},
      {"host,operator=", "empty operator"},
      {"host,region=a b", "bad character in region"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    hv_timesrc_config cfg;
    hv_timesrc_config_init(&cfg);
    err[0] = 0;
    HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, bad[i].spec, err, sizeof err), -1);
    HT_CHECK_EQ_INT(cfg.n_servers, 0);
    if (!strstr(err, bad[i].why)) fprintf(stderr, "spec '%s': got '%s'\n", bad[i].spec, err);
    HT_CHECK(strstr(err, bad[i].why) != NULL);
  }
}

static void duplicates_refused(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "a.example:4460", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "A.example", err, sizeof err), -1);
  HT_CHECK(strstr(err, "listed twice") != NULL);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "a.example:4461", err, sizeof err), 0);
}

static void too_many_servers(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  char spec[64];
  for (int i = 0; i < HV_TIMESRC_MAX_SERVERS; i++) {
    snprintf(spec, sizeof spec, "127.0.0.1:%d", 1000 + i);
    HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, spec, err, sizeof err), 0);
  }
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "127.0.0.1:999", err, sizeof err), -1);
  HT_CHECK(strstr(err, "more than") != NULL);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  HT_CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static void config_file(void) {
  char path[] = "/tmp/hv-timesrc-cfg.XXXXXX";
  int fd = mkstemp(path);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  close(fd);
  write_file(path,
             "# test servers\n"
             "server 127.0.0.1:4461 operator=a region=eu\n"
             "server [::1]:4462 operator=b   # trailing comment\n"
             "\n"
             "timeout-ms 1500\nmin-responses 2\nmax-spread-s 3\nmin-operators 2\n");
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.n_servers, 2);
  HT_CHECK(!strcmp(cfg.servers[1].operator_name, "b"));
  HT_CHECK_EQ_INT(cfg.timeout_ms, 1500);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 3000);
  HT_CHECK_EQ_INT(cfg.rules.min_distinct_operators, 2);
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), 0);

  /* A bad line names itself and changes nothing. */
  write_file(path, "server 127.0.0.1:4463\nmin-responses zero\n");
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), -1);
  HT_CHECK(strstr(err, ":2: min-responses must be") != NULL);
  HT_CHECK_EQ_INT(cfg.n_servers, 2);
  write_file(path, "colour red\n");
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), -1);
  HT_CHECK(strstr(err, ":1: unknown setting 'colour'") != NULL);
  unlink(path);
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), -1);
  HT_CHECK(strstr(err, "No such file") != NULL);
}

/* max-spread-ms, the old key, still works for one release and warns once,
 * naming its first line; the new key does not warn. */
static void deprecated_spread_key(void) {
  char path[] = "/tmp/hv-timesrc-cfg-XXXXXX", warn[300];
  int fd = mkstemp(path);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  close(fd);
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  write_file(path, "min-responses 1\nmax-spread-ms 1500\nmax-spread-ms 2500\n");
  HT_CHECK_EQ_INT(hv_timesrc_config_load_warn(&cfg, path, warn, sizeof warn, err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 2500);
  HT_CHECK(strstr(warn, ":2: max-spread-ms is deprecated; use max-spread-s") != NULL);
  HT_CHECK(strstr(warn, ":3:") == NULL);
  write_file(path, "max-spread-s 7\n");
  HT_CHECK_EQ_INT(hv_timesrc_config_load_warn(&cfg, path, warn, sizeof warn, err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 7000);
  HT_CHECK_EQ_INT(warn[0], 0);
  write_file(path, "max-spread-s 86401\n");
  HT_CHECK_EQ_INT(hv_timesrc_config_load_warn(&cfg, path, warn, sizeof warn, err, sizeof err), -1);
  HT_CHECK(strstr(err, ":1: max-spread-s must be 0-86400") != NULL);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 7000);
  /* The old entry point takes the alias too, silently. */
  write_file(path, "max-spread-ms 900\n");
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 900);
  unlink(path);
}

static void checks(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), -1);
  HT_CHECK(strstr(err, "no servers") != NULL);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "127.0.0.1:1,operator=x", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "127.0.0.1:2,operator=x", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), 0);
  cfg.rules.min_responses = 3;
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), -1);
  HT_CHECK(strstr(err, "min-responses 3 exceeds") != NULL);
  cfg.rules.min_responses = 2;
  cfg.rules.min_distinct_operators = 2;
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), -1);
  HT_CHECK(strstr(err, "min-operators 2 exceeds the 1 operators") != NULL);
  cfg.rules.min_distinct_operators = 1;
  cfg.timeout_ms = 0;
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), -1);
  HT_CHECK(strstr(err, "timeout") != NULL);
  cfg.timeout_ms = 1000;
  cfg.servers[1] = cfg.servers[0];
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), -1);
  HT_CHECK(strstr(err, "listed twice") != NULL);
}

/* https://HOST[:PORT] is an HTTPS Date source, default port 443; any
 * other scheme is refused by name. */
static void https_specs(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "https://example.org,operator=w", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "https://[::1]:8443", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "example.org", err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.servers[0].kind, HV_TIMESRC_KIND_HTTPS);
  HT_CHECK(!strcmp(cfg.servers[0].host, "example.org"));
  HT_CHECK(!strcmp(cfg.servers[0].operator_name, "w"));
  HT_CHECK_EQ_INT(cfg.servers[1].kind, HV_TIMESRC_KIND_HTTPS);
  HT_CHECK_EQ_INT(cfg.servers[1].ke_port, 8443);
  HT_CHECK_EQ_INT(cfg.servers[2].kind, HV_TIMESRC_KIND_NTS);
  /* The same host on its default HTTPS port twice is one server. */
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "https://example.org:443", err, sizeof err), -1);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "http://example.org", err, sizeof err), -1);
  HT_CHECK(strstr(err, "unknown scheme") != NULL);
  HT_CHECK(!strcmp(hv_timesrc_kind_name(HV_TIMESRC_KIND_HTTPS), "https"));
}

static void quorum_setting(void) {
  char path[] = "/tmp/hv-timesrc-quorum-XXXXXX";
  int fd = mkstemp(path);
  HT_CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("quorum answers\nserver https://127.0.0.1:8443 operator=w\n", f);
  fclose(f);
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(cfg.rules.quorum, HV_TIMESRC_QUORUM_CONFIGURED);
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), 0);
  HT_CHECK_EQ_INT(cfg.rules.quorum, HV_TIMESRC_QUORUM_ANSWERS);
  HT_CHECK_EQ_INT(cfg.servers[0].kind, HV_TIMESRC_KIND_HTTPS);
  f = fopen(path, "w");
  fputs("quorum most\n", f);
  fclose(f);
  HT_CHECK_EQ_INT(hv_timesrc_config_load(&cfg, path, err, sizeof err), -1);
  HT_CHECK(strstr(err, "quorum must be") != NULL);
  unlink(path);
}

static const char policy_head[] =
    "version 1\n"
    "runtime seq=1 mr_enclave=0000000000000000000000000000000000000000000000000000000000000000"
    " mr_signer=0000000000000000000000000000000000000000000000000000000000000000"
    " isv_prod_id=1 isv_svn=1\n";

/* Policies need an `expires` line where the parser knows the key (issue
 * 12); before that it is an unknown key. Either way the rest is ours. */
static hv_policy *policy_of(const char *servers, hv_policy_error *e) {
  static char text[4096];
  hv_policy *p = NULL;
  snprintf(text, sizeof text, "%sexpires 4000000000\n%s", policy_head, servers);
  *e = hv_policy_parse((const uint8_t *)text, strlen(text), &p, NULL);
  if (*e != HV_POLICY_ERR_UNKNOWN_KEY) return p;
  snprintf(text, sizeof text, "%s%s", policy_head, servers);
  *e = hv_policy_parse((const uint8_t *)text, strlen(text), &p, NULL);
  return p;
}

/* The policy's `quorum` and `server kind=` reach the timesrc config, and
 * the trust statement says who can set and who can deny the time. */
static void policy_quorum_and_kind(void) {
  hv_policy_error e;
  hv_policy *p = policy_of("server host=a operator=a region=x\n"
                           "server host=b operator=b region=x\n"
                           "server kind=https host=c operator=c region=x\n"
                           "server kind=nts host=d operator=d region=x\n"
                           "server host=e operator=e region=x\n", &e);
  HT_CHECK_EQ_INT(e, HV_POLICY_OK);
  if (!p) return;
  hv_timesrc_config cfg;
  hv_session_timesrc_config(p, &cfg);
  HT_CHECK_EQ_INT(cfg.rules.quorum, HV_TIMESRC_QUORUM_CONFIGURED);
  HT_CHECK_EQ_INT(cfg.servers[2].kind, HV_TIMESRC_KIND_HTTPS);
  HT_CHECK_EQ_INT(cfg.servers[2].ke_port, 443);
  HT_CHECK_EQ_INT(cfg.servers[3].kind, HV_TIMESRC_KIND_NTS);
  HT_CHECK_EQ_INT(cfg.servers[3].ke_port, 4460);
  char words[400];
  hv_timesrc_trust_statement(&cfg, words, sizeof words);
  HT_CHECK(strstr(words, "any 3 colluding servers") != NULL);
  HT_CHECK(strstr(words, "deny time by dropping 3 of 5") != NULL);
  char canon[8192];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_policy_format(p, canon, sizeof canon, &len), HV_POLICY_OK);
  canon[len] = 0;
  HT_CHECK(strstr(canon, "quorum configured\n") != NULL);
  HT_CHECK(strstr(canon, "server kind=https host=c port=443") != NULL);
  hv_policy_free(p);

  p = policy_of("quorum answers\nserver host=a operator=a region=x\n"
                "server host=b operator=a region=x\nserver host=c operator=b region=x\n", &e);
  HT_CHECK_EQ_INT(e, HV_POLICY_OK);
  if (!p) return;
  hv_session_timesrc_config(p, &cfg);
  HT_CHECK_EQ_INT(cfg.rules.quorum, HV_TIMESRC_QUORUM_ANSWERS);
  hv_timesrc_trust_statement(&cfg, words, sizeof words);
  HT_CHECK(strstr(words, "quorum answers") != NULL);
  HT_CHECK(strstr(words, "deny time by dropping 2 of 3") != NULL);
  hv_policy_free(p);

  HT_CHECK(!policy_of("quorum most\nserver host=a operator=a region=x\n", &e));
  HT_CHECK_EQ_INT(e, HV_POLICY_ERR_OUT_OF_RANGE);
  HT_CHECK(!policy_of("quorum answers\nquorum answers\nserver host=a operator=a region=x\n", &e));
  HT_CHECK_EQ_INT(e, HV_POLICY_ERR_DUPLICATE_KEY);
  HT_CHECK(!policy_of("server kind=ntp host=a operator=a region=x\n", &e));
  HT_CHECK_EQ_INT(e, HV_POLICY_ERR_OUT_OF_RANGE);
}

/* Operators: dropping the one operator that is not "a" leaves one
 * operator where two are required. */
static void trust_counts_operators(void) {
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "h1,operator=a", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "h2,operator=a", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "h3,operator=a", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "h4,operator=b", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "h5,operator=c", err, sizeof err), 0);
  cfg.rules.min_distinct_operators = 2;
  char words[400];
  hv_timesrc_trust_statement(&cfg, words, sizeof words);
  HT_CHECK(strstr(words, "of at least 2 operators") != NULL);
  HT_CHECK(strstr(words, "dropping 2 of 5") != NULL);
}

/* A query refused before it starts says whose fault it is: the
 * configuration's (BAD_CONFIG) or this process's (INTERNAL). */
static void refusal_says_whose(void) {
  hv_timesrc_report *rep = malloc(sizeof *rep);
  HT_CHECK(rep != NULL);
  if (!rep) return;
  hv_timesrc_config cfg;
  hv_timesrc_config_init(&cfg); /* no servers */
  HT_CHECK_EQ_INT(hv_timesrc_query(&cfg, rep), HV_TIMESRC_BAD_CONFIG);
  HT_CHECK(rep->error[0] != '\0');
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "127.0.0.1:1,operator=a", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_add(&cfg, "127.0.0.2:1,operator=b", err, sizeof err), 0);
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), 0);
  cfg.state_dir = "/dev/null/state"; /* cannot be a directory */
  HT_CHECK_EQ_INT(hv_timesrc_query(&cfg, rep), HV_TIMESRC_BAD_CONFIG);
  cfg.state_dir = NULL;
  /* No descriptor left: the session's wake-up pipe cannot be made. */
  struct rlimit was;
  HT_CHECK_EQ_INT(getrlimit(RLIMIT_NOFILE, &was), 0);
  struct rlimit none = {.rlim_cur = 0, .rlim_max = was.rlim_max};
  HT_CHECK_EQ_INT(setrlimit(RLIMIT_NOFILE, &none), 0);
  hv_timesrc_verdict v = hv_timesrc_query(&cfg, rep);
  HT_CHECK_EQ_INT(setrlimit(RLIMIT_NOFILE, &was), 0);
  HT_CHECK_EQ_INT(v, HV_TIMESRC_INTERNAL);
  HT_CHECK(strstr(rep->error, "pipe") != NULL);
  free(rep);
}

int main(void) {
  HT_RUN(defaults_are_the_reference_servers);
  HT_RUN(specs_parse);
  HT_RUN(bad_specs);
  HT_RUN(duplicates_refused);
  HT_RUN(too_many_servers);
  HT_RUN(config_file);
  HT_RUN(deprecated_spread_key);
  HT_RUN(checks);
  HT_RUN(https_specs);
  HT_RUN(quorum_setting);
  HT_RUN(policy_quorum_and_kind);
  HT_RUN(trust_counts_operators);
  HT_RUN(refusal_says_whose);
  return HT_DONE();
}
