/* The server list and the agreement rules: defaults, "HOST[:PORT],k=v"
 * specs, a small text file, and the checks before a run. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/timesrc.h"
#include "timesrc/timesrc_int.h"

/* A config line longer than this is an error, not a truncation. */
#define CONFIG_LINE_MAX 1024
#define CONFIG_TOKENS_MAX 8

typedef struct {
  const char *host, *operator_name, *region;
} builtin_server;

/* The reference design's public NTS servers. */
static const builtin_server builtin[] = {
    {"time.cloudflare.com", "cloudflare", "anycast"},
    {"gps.ntp.br", "nic.br", "br"},
    {"a.st1.ntp.br", "nic.br", "br"},
    {"paris.time.system76.com", "system76", "fr"},
    {"ntp3.fau.de", "fau", "de"},
    {"ptbtime1.ptb.de", "ptb", "de"},
    {"ntppool1.time.nl", "sidn", "nl"},
    {"nts.netnod.se", "netnod", "se"},
};

static int fail(char *detail, size_t detail_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *detail, size_t detail_len, const char *fmt, ...) {
  if (detail && detail_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, detail_len, fmt, ap);
    va_end(ap);
  }
  return -1;
}

void hv_timesrc_config_init(hv_timesrc_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->rules.min_responses = HV_TIMESRC_DEFAULT_MIN_RESPONSES;
  cfg->rules.max_spread_ms = HV_TIMESRC_DEFAULT_MAX_SPREAD_MS;
  cfg->rules.min_distinct_operators = HV_TIMESRC_DEFAULT_MIN_OPERATORS;
  cfg->timeout_ms = HV_TIMESRC_DEFAULT_TIMEOUT_MS;
}

void hv_timesrc_config_defaults(hv_timesrc_config *cfg) {
  hv_timesrc_config_init(cfg);
  for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
    hv_timesrc_server *s = &cfg->servers[cfg->n_servers++];
    snprintf(s->host, sizeof s->host, "%s", builtin[i].host);
    snprintf(s->operator_name, sizeof s->operator_name, "%s", builtin[i].operator_name);
    snprintf(s->region, sizeof s->region, "%s", builtin[i].region);
  }
}

static bool host_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '-' || c == '_' || c == ':';
}

static bool label_char_ok(char c) {
  return c > ' ' && c < 0x7f && c != ',' && c != '=' && c != '"' && c != '\\';
}

static int copy_checked(char *dst, size_t cap, const char *src, size_t len, bool (*ok)(char),
                        const char *what, char *detail, size_t detail_len) {
  if (len == 0) return fail(detail, detail_len, "empty %s", what);
  if (len >= cap) return fail(detail, detail_len, "%s longer than %zu bytes", what, cap - 1);
  for (size_t i = 0; i < len; i++)
    if (!ok(src[i]))
      return fail(detail, detail_len, "bad character in %s '%.*s'", what, (int)len, src);
  memcpy(dst, src, len);
  dst[len] = 0;
  return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out) {
  unsigned long v = 0;
  if (len == 0 || len > 5) return -1;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (unsigned long)(s[i] - '0');
  }
  if (v == 0 || v > 65535) return -1;
  *out = (uint16_t)v;
  return 0;
}

/* "name", "name:port", "[v6]", "[v6]:port", or a bare v6 literal. */
static int parse_address(hv_timesrc_server *s, const char *a, size_t len, char *detail,
                         size_t detail_len) {
  const char *host = a, *port = NULL;
  size_t host_len = len, port_len = 0;
  const char *colon = memchr(a, ':', len);
  if (len > 0 && a[0] == '[') {
    const char *close = memchr(a, ']', len);
    if (!close) return fail(detail, detail_len, "missing ']' in '%.*s'", (int)len, a);
    host = a + 1;
    host_len = (size_t)(close - host);
    if (close + 1 < a + len) {
      if (close[1] != ':') return fail(detail, detail_len, "junk after ']' in '%.*s'", (int)len, a);
      port = close + 2;
      port_len = (size_t)(a + len - port);
    }
  } else if (colon && !memchr(colon + 1, ':', (size_t)(a + len - colon - 1))) {
    host_len = (size_t)(colon - a);
    port = colon + 1;
    port_len = (size_t)(a + len - port);
  }
  if (copy_checked(s->host, sizeof s->host, host, host_len, host_char_ok, "host", detail,
                   detail_len))
    return -1;
  struct in6_addr v6;
  if ((a[0] == '[' || strchr(s->host, ':')) && inet_pton(AF_INET6, s->host, &v6) != 1)
    return fail(detail, detail_len,
                "'%s' is not an IPv6 address (a port goes after [v6]: or one ':')", s->host);
  if (port && parse_port(port, port_len, &s->ke_port))
    return fail(detail, detail_len, "bad port '%.*s' (1-65535)", (int)port_len, port);
  return 0;
}

static int parse_label(hv_timesrc_server *s, const char *kv, size_t len, char *detail,
                       size_t detail_len) {
  const char *eq = memchr(kv, '=', len);
  if (!eq) return fail(detail, detail_len, "expected key=value, got '%.*s'", (int)len, kv);
  size_t key_len = (size_t)(eq - kv), val_len = len - key_len - 1;
  if (key_len == 8 && !memcmp(kv, "operator", 8))
    return copy_checked(s->operator_name, sizeof s->operator_name, eq + 1, val_len, label_char_ok,
                        "operator", detail, detail_len);
  if (key_len == 6 && !memcmp(kv, "region", 6))
    return copy_checked(s->region, sizeof s->region, eq + 1, val_len, label_char_ok, "region",
                        detail, detail_len);
  return fail(detail, detail_len, "unknown server label '%.*s' (operator, region)", (int)key_len,
              kv);
}

const char *hv_timesrc_kind_name(hv_timesrc_kind k) {
  return k == HV_TIMESRC_KIND_HTTPS ? "https" : "nts";
}

const char *hv_timesrc_operator_of(const hv_timesrc_server *s) {
  return s->operator_name[0] ? s->operator_name : s->host;
}

static uint16_t effective_port(const hv_timesrc_server *s) {
  if (s->ke_port) return s->ke_port;
  return s->kind == HV_TIMESRC_KIND_HTTPS ? HV_TIMESRC_DEFAULT_HTTPS_PORT
                                          : HV_NTS_DEFAULT_KE_PORT;
}

static bool same_server(const hv_timesrc_server *a, const hv_timesrc_server *b) {
  return strcasecmp(a->host, b->host) == 0 && effective_port(a) == effective_port(b);
}

int hv_timesrc_config_add(hv_timesrc_config *cfg, const char *spec, char *detail,
                          size_t detail_len) {
  if (cfg->n_servers >= HV_TIMESRC_MAX_SERVERS)
    return fail(detail, detail_len, "more than %d servers", HV_TIMESRC_MAX_SERVERS);
  hv_timesrc_server s;
  memset(&s, 0, sizeof s);
  static const char https_scheme[] = "https://";
  if (!strncasecmp(spec, https_scheme, sizeof https_scheme - 1)) {
    s.kind = HV_TIMESRC_KIND_HTTPS;
    spec += sizeof https_scheme - 1;
  } else if (strstr(spec, "://")) {
    return fail(detail, detail_len, "unknown scheme in '%s' (https:// or none for NTS)", spec);
  }
  const char *end = spec + strlen(spec);
  const char *comma = memchr(spec, ',', (size_t)(end - spec));
  const char *part_end = comma ? comma : end;
  if (parse_address(&s, spec, (size_t)(part_end - spec), detail, detail_len)) return -1;
  while (part_end < end) {
    const char *kv = part_end + 1;
    comma = memchr(kv, ',', (size_t)(end - kv));
    part_end = comma ? comma : end;
    if (parse_label(&s, kv, (size_t)(part_end - kv), detail, detail_len)) return -1;
  }
  for (size_t i = 0; i < cfg->n_servers; i++)
    if (same_server(&cfg->servers[i], &s))
      return fail(detail, detail_len, "server %s port %u listed twice (it would vote twice)",
                  s.host, effective_port(&s));
  cfg->servers[cfg->n_servers++] = s;
  return 0;
}

static int parse_number(const char *s, long long lo, long long hi, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* Where a deprecated key's warning goes: the first one only. */
typedef struct {
  char *buf;
  size_t cap;
} warn_sink;

static int apply_setting(hv_timesrc_config *cfg, char **tok, int n, warn_sink *warn, char *detail,
                         size_t detail_len) {
  long long v;
  if (!strcmp(tok[0], "server")) {
    if (n < 2) return fail(detail, detail_len, "server needs an address");
    char spec[CONFIG_LINE_MAX];
    size_t len = (size_t)snprintf(spec, sizeof spec, "%s", tok[1]);
    for (int i = 2; i < n && len < sizeof spec; i++)
      len += (size_t)snprintf(spec + len, sizeof spec - len, ",%s", tok[i]);
    return hv_timesrc_config_add(cfg, spec, detail, detail_len);
  }
  if (n != 2) return fail(detail, detail_len, "'%s' takes one value", tok[0]);
  if (!strcmp(tok[0], "timeout-ms")) {
    if (parse_number(tok[1], 1, HV_TIMESRC_MAX_TIMEOUT_MS, &v))
      return fail(detail, detail_len, "timeout-ms must be 1-%d", HV_TIMESRC_MAX_TIMEOUT_MS);
    cfg->timeout_ms = (int)v;
  } else if (!strcmp(tok[0], "min-responses")) {
    if (parse_number(tok[1], 1, HV_TIMESRC_MAX_SERVERS, &v))
      return fail(detail, detail_len, "min-responses must be 1-%d", HV_TIMESRC_MAX_SERVERS);
    cfg->rules.min_responses = (unsigned)v;
  } else if (!strcmp(tok[0], "max-spread-s")) {
    if (parse_number(tok[1], 0, 86400LL, &v))
      return fail(detail, detail_len, "max-spread-s must be 0-86400");
    cfg->rules.max_spread_ms = v * 1000;
  } else if (!strcmp(tok[0], "max-spread-ms")) {
    /* Deprecated for one release: seconds, as the CLI and the policy. */
    if (parse_number(tok[1], 0, 86400000LL, &v))
      return fail(detail, detail_len, "max-spread-ms must be 0-86400000");
    cfg->rules.max_spread_ms = v;
    if (warn && warn->buf && warn->cap && !warn->buf[0])
      snprintf(warn->buf, warn->cap, "max-spread-ms is deprecated; use max-spread-s (seconds)");
  } else if (!strcmp(tok[0], "quorum")) {
    if (strcmp(tok[1], "configured") && strcmp(tok[1], "answers"))
      return fail(detail, detail_len, "quorum must be 'configured' or 'answers'");
    cfg->rules.quorum = strcmp(tok[1], "answers") ? HV_TIMESRC_QUORUM_CONFIGURED
                                                  : HV_TIMESRC_QUORUM_ANSWERS;
  } else if (!strcmp(tok[0], "min-operators")) {
    if (parse_number(tok[1], 1, HV_TIMESRC_MAX_SERVERS, &v))
      return fail(detail, detail_len, "min-operators must be 1-%d", HV_TIMESRC_MAX_SERVERS);
    cfg->rules.min_distinct_operators = (unsigned)v;
  } else {
    return fail(detail, detail_len, "unknown setting '%s'", tok[0]);
  }
  return 0;
}

static int apply_line(hv_timesrc_config *cfg, char *line, warn_sink *warn, char *detail,
                      size_t detail_len) {
  char *hash = strchr(line, '#');
  if (hash) *hash = 0;
  char *tok[CONFIG_TOKENS_MAX];
  int n = 0;
  for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
       t = strtok_r(NULL, " \t\r\n", &save)) {
    if (n == CONFIG_TOKENS_MAX) return fail(detail, detail_len, "too many words");
    tok[n++] = t;
  }
  return n == 0 ? 0 : apply_setting(cfg, tok, n, warn, detail, detail_len);
}

int hv_timesrc_config_load(hv_timesrc_config *cfg, const char *path, char *detail,
                           size_t detail_len) {
  return hv_timesrc_config_load_warn(cfg, path, NULL, 0, detail, detail_len);
}

int hv_timesrc_config_load_warn(hv_timesrc_config *cfg, const char *path, char *warn,
                                size_t warn_len, char *detail, size_t detail_len) {
  if (warn && warn_len) warn[0] = 0;
  char first[160] = "";
  warn_sink sink = {first, sizeof first};
  unsigned warn_line = 0;
  FILE *f = fopen(path, "r");
  if (!f) return fail(detail, detail_len, "%s: %s", path, strerror(errno));
  /* Work on a copy so a bad file changes nothing. */
  hv_timesrc_config *tmp = malloc(sizeof *tmp);
  if (!tmp) {
    fclose(f);
    return fail(detail, detail_len, "out of memory");
  }
  *tmp = *cfg;
  char line[CONFIG_LINE_MAX], why[200];
  int rc = 0;
  for (unsigned no = 1; rc == 0 && fgets(line, sizeof line, f); no++) {
    if (!strchr(line, '\n') && !feof(f))
      rc = fail(detail, detail_len, "%s:%u: line too long", path, no);
    else if (apply_line(tmp, line, &sink, why, sizeof why))
      rc = fail(detail, detail_len, "%s:%u: %s", path, no, why);
    else if (first[0] && !warn_line)
      warn_line = no;
  }
  if (rc == 0 && ferror(f)) rc = fail(detail, detail_len, "%s: read error", path);
  fclose(f);
  if (rc == 0) *cfg = *tmp;
  if (rc == 0 && warn_line && warn && warn_len)
    snprintf(warn, warn_len, "%s:%u: %s", path, warn_line, first);
  free(tmp);
  return rc;
}

static size_t configured_operators(const hv_timesrc_config *cfg) {
  size_t k = 0;
  for (size_t i = 0; i < cfg->n_servers; i++) {
    const hv_timesrc_server *s = &cfg->servers[i];
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = !strcmp(hv_timesrc_operator_of(s), hv_timesrc_operator_of(&cfg->servers[j]));
    k += !seen;
  }
  return k;
}

int hv_timesrc_config_check(const hv_timesrc_config *cfg, char *detail, size_t detail_len) {
  if (cfg->n_servers == 0) return fail(detail, detail_len, "no servers configured");
  if (cfg->n_servers > HV_TIMESRC_MAX_SERVERS)
    return fail(detail, detail_len, "more than %d servers", HV_TIMESRC_MAX_SERVERS);
  for (size_t i = 0; i < cfg->n_servers; i++) {
    if (!cfg->servers[i].host[0] || !memchr(cfg->servers[i].host, 0, sizeof cfg->servers[i].host))
      return fail(detail, detail_len, "server %zu has no host", i + 1);
    for (size_t j = 0; j < i; j++)
      if (same_server(&cfg->servers[i], &cfg->servers[j]))
        return fail(detail, detail_len, "server %s listed twice", cfg->servers[i].host);
  }
  if (cfg->timeout_ms < 1 || cfg->timeout_ms > HV_TIMESRC_MAX_TIMEOUT_MS)
    return fail(detail, detail_len, "timeout must be 1-%d ms", HV_TIMESRC_MAX_TIMEOUT_MS);
  if (cfg->rules.min_responses < 1)
    return fail(detail, detail_len, "min-responses must be at least 1");
  if (cfg->rules.min_responses > cfg->n_servers)
    return fail(detail, detail_len, "min-responses %u exceeds the %zu servers configured",
                cfg->rules.min_responses, cfg->n_servers);
  if (cfg->rules.max_spread_ms < 0) return fail(detail, detail_len, "max-spread is negative");
  if (cfg->rules.min_distinct_operators > configured_operators(cfg))
    return fail(detail, detail_len, "min-operators %u exceeds the %zu operators configured",
                cfg->rules.min_distinct_operators, configured_operators(cfg));
  return 0;
}

/* Servers that must be dropped to leave fewer than `need` operators:
 * drop whole operators, the smallest first. */
static size_t drops_to_starve_operators(const hv_timesrc_config *cfg, size_t need) {
  size_t count[HV_TIMESRC_MAX_SERVERS], ops = 0;
  const char *names[HV_TIMESRC_MAX_SERVERS];
  for (size_t i = 0; i < cfg->n_servers; i++) {
    const char *op = hv_timesrc_operator_of(&cfg->servers[i]);
    size_t j = 0;
    while (j < ops && strcmp(names[j], op)) j++;
    if (j == ops) {
      names[ops] = op;
      count[ops++] = 0;
    }
    count[j]++;
  }
  if (need == 0 || ops < need) return 0;
  size_t dropped = 0;
  for (size_t k = 0; k + need <= ops; k++) { /* ops - need + 1 operators */
    size_t min = 0;
    for (size_t j = 1; j < ops; j++)
      if (count[j] < count[min]) min = j;
    dropped += count[min];
    count[min] = SIZE_MAX;
  }
  return dropped;
}

void hv_timesrc_trust_statement(const hv_timesrc_config *cfg, char *buf, size_t cap) {
  const hv_timesrc_rules *r = &cfg->rules;
  size_t n = cfg->n_servers, majority = n / 2 + 1;
  size_t need = r->min_responses > majority ? r->min_responses : majority;
  unsigned ops = r->min_distinct_operators ? r->min_distinct_operators : 1;
  if (r->quorum == HV_TIMESRC_QUORUM_ANSWERS) {
    size_t deny = n >= r->min_responses ? n - r->min_responses + 1 : 0;
    size_t starve = drops_to_starve_operators(cfg, ops);
    if (starve && starve < deny) deny = starve;
    snprintf(buf, cap,
             "any %u colluding servers (of at least %u operator%s) can set the time if the "
             "host drops the other %zu, else any majority of those that answer; the host "
             "can deny time by dropping %zu of %zu servers (quorum answers)",
             r->min_responses, ops, ops == 1 ? "" : "s",
             n > r->min_responses ? n - r->min_responses : 0, deny, n);
    return;
  }
  size_t deny = n - need + 1;
  size_t starve = drops_to_starve_operators(cfg, ops);
  if (starve && starve < deny) deny = starve;
  snprintf(buf, cap,
           "any %zu colluding servers (of at least %u operator%s) can set the time; the "
           "host can deny time by dropping %zu of %zu servers (quorum configured)",
           need, ops, ops == 1 ? "" : "s", deny, n);
}
