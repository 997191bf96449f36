/* The policy text parser: round trips, defaults, queries, and one test
 * per refusal, each changing exactly one thing in a valid policy. */
#include <stdlib.h>
#include <string.h>

#include "handover/policy.h"
#include "handover/session.h"
#include "harness.h"

#define ENCLAVE_A "aa00000000000000000000000000000000000000000000000000000000000001"
#define ENCLAVE_B "bb00000000000000000000000000000000000000000000000000000000000002"
#define SIGNER "5151515151515151515151515151515151515151515151515151515151515151"

/* Comments are free text: no limit on their words (fields). */
#define FIRST_LINE "# a test policy: comments are free text, with as many words as one likes\n"

static const char base[] =
    FIRST_LINE
    "version 7\n"
    "\n"
    "min_responses 2\n"
    "server host=127.0.0.1 port=4460 operator=alpha region=eu\n"
    "server host=ntp.example.org operator=beta region=us\n"
    "runtime seq=1 mr_enclave=" ENCLAVE_A " mr_signer=" SIGNER
    " isv_prod_id=1 isv_svn=2\n"
    "runtime seq=5 mr_enclave=" ENCLAVE_B " mr_signer=" SIGNER
    " isv_prod_id=1 isv_svn=3\n"
    "expires 2099-12-31T23:59:59Z\n";

static hv_policy_error parse_str(const char *text, hv_policy_diag *d) {
  hv_policy *p = NULL;
  hv_policy_error err = hv_policy_parse((const uint8_t *)text, strlen(text), &p, d);
  if (err == HV_POLICY_OK) HT_CHECK(p != NULL);
  else HT_CHECK(p == NULL);
  hv_policy_free(p);
  return err;
}

/* src with the first occurrence of `from` replaced by `to`. */
static char *edit_in(const char *src, const char *from, const char *to) {
  const char *at = strstr(src, from);
  if (!at) {
    fprintf(stderr, "fixture lacks '%s'\n", from);
    abort();
  }
  size_t n = strlen(src) - strlen(from) + strlen(to) + 1;
  char *out = malloc(n);
  if (!out) abort();
  size_t head = (size_t)(at - src);
  memcpy(out, src, head);
  strcpy(out + head, to);
  strcat(out, at + strlen(from));
  return out;
}

static char *edit(const char *from, const char *to) { return edit_in(base, from, to); }

static void expect_refusal(const char *from, const char *to, hv_policy_error want,
                           size_t want_line) {
  char *text = edit(from, to);
  hv_policy_diag d = {0};
  hv_policy_error got = parse_str(text, &d);
  HT_CHECK_EQ_INT(got, want);
  HT_CHECK_EQ_INT(d.line, want_line);
  HT_CHECK(d.what[0] != '\0');
  if (got != want) fprintf(stderr, "  diag: line %zu: %s\n", d.line, d.what);
  free(text);
}

static void test_base_parses(void) {
  hv_policy *p = NULL;
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)base, strlen(base), &p, &d), HV_POLICY_OK);
  if (!p) return;
  HT_CHECK_EQ_INT(hv_policy_version(p), 7);
  hv_policy_time t;
  hv_policy_get_time(p, &t);
  HT_CHECK_EQ_INT(t.min_responses, 2);
  HT_CHECK_EQ_INT(t.max_spread_s, HV_POLICY_DEFAULT_MAX_SPREAD_S);
  HT_CHECK_EQ_INT(t.timeout_ms, 5000);
  HT_CHECK_EQ_INT(t.min_distinct_operators, 1);
  HT_CHECK_EQ_INT(hv_policy_response_window_s(p), 60);
  HT_CHECK_EQ_INT(hv_policy_max_chain_lag_s(p), 7 * 24 * 3600);
  HT_CHECK_EQ_INT(hv_policy_server_count(p), 2);
  hv_policy_server s;
  HT_CHECK_EQ_INT(hv_policy_server_at(p, 1, &s), HV_POLICY_OK);
  HT_CHECK(!strcmp(s.host, "ntp.example.org"));
  HT_CHECK_EQ_INT(s.ke_port, 4460);
  HT_CHECK(!strcmp(s.operator_name, "beta"));
  HT_CHECK(!strcmp(s.region, "us"));
  HT_CHECK_EQ_INT(hv_policy_server_at(p, 2, &s), HV_POLICY_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_policy_runtime_count(p), 2);
  hv_policy_runtime r;
  HT_CHECK_EQ_INT(hv_policy_runtime_at(p, 1, &r), HV_POLICY_OK);
  HT_CHECK_EQ_INT(r.seq, 5);
  HT_CHECK_EQ_INT(r.m.mr_enclave[0], 0xbb);
  HT_CHECK_EQ_INT(r.m.mr_enclave[31], 0x02);
  HT_CHECK_EQ_INT(r.m.isv_svn, 3);
  hv_policy_free(p);
}

static void test_all_settings(void) {
  static const char text[] =
      "version 18446744073709551615\nmin_responses 1\nmax_spread_s 5\n"
      "timeout_ms 250\nmin_distinct_operators 2\nresponse_window_s 30\n"
      "max_chain_lag_s 3600\nexpires 4102444800\nmin_block_interval_ms 6000\n"
      "server\thost=a.example  port=123 operator=x region=r\n"
      "server host=::1 operator=y region=r\n"
      "runtime seq=3 mr_enclave=" ENCLAVE_A " mr_signer=" SIGNER
      " isv_prod_id=65535 isv_svn=0\n";
  hv_policy *p = NULL;
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)text, strlen(text), &p, NULL), HV_POLICY_OK);
  if (!p) return;
  hv_policy_time t;
  hv_policy_get_time(p, &t);
  HT_CHECK(hv_policy_version(p) == UINT64_MAX);
  HT_CHECK_EQ_INT(t.min_responses, 1);
  HT_CHECK_EQ_INT(t.max_spread_s, 5);
  HT_CHECK_EQ_INT(t.timeout_ms, 250);
  HT_CHECK_EQ_INT(t.min_distinct_operators, 2);
  HT_CHECK_EQ_INT(hv_policy_response_window_s(p), 30);
  HT_CHECK_EQ_INT(hv_policy_max_chain_lag_s(p), 3600);
  hv_policy_server s;
  HT_CHECK_EQ_INT(hv_policy_server_at(p, 0, &s), HV_POLICY_OK);
  HT_CHECK_EQ_INT(s.ke_port, 123);
  hv_policy_free(p);
}

/* format(parse(x)) parses to the same policy, and formatting is stable. */
static void test_round_trip(void) {
  hv_policy *p = NULL, *q = NULL;
  char a[HV_POLICY_MAX_FILE], b[HV_POLICY_MAX_FILE];
  size_t alen = 0, blen = 0;
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)base, strlen(base), &p, NULL), HV_POLICY_OK);
  if (!p) return;
  HT_CHECK_EQ_INT(hv_policy_format(p, a, sizeof a, &alen), HV_POLICY_OK);
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)a, alen, &q, NULL), HV_POLICY_OK);
  if (q) {
    HT_CHECK_EQ_INT(hv_policy_format(q, b, sizeof b, &blen), HV_POLICY_OK);
    HT_CHECK_EQ_INT(alen, blen);
    HT_CHECK(alen == blen && !memcmp(a, b, alen));
    HT_CHECK_EQ_INT(hv_policy_version(q), hv_policy_version(p));
    HT_CHECK_EQ_INT(hv_policy_runtime_count(q), 2);
    hv_policy_free(q);
  }
  HT_CHECK(memmem(a, alen, "port=4460 operator=beta", 23) != NULL); /* default explicit */
  HT_CHECK_EQ_INT(hv_policy_format(p, a, 16, &alen), HV_POLICY_ERR_TOO_LARGE);
  hv_policy_free(p);
}

static void test_runtime_query(void) {
  hv_policy *p = NULL;
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)base, strlen(base), &p, NULL), HV_POLICY_OK);
  if (!p) return;
  hv_policy_runtime r;
  HT_CHECK_EQ_INT(hv_policy_runtime_at(p, 0, &r), HV_POLICY_OK);
  uint64_t seq = 0;
  HT_CHECK_EQ_INT(hv_policy_runtime_order(p, &r.m, &seq), HV_POLICY_OK);
  HT_CHECK_EQ_INT(seq, 1);
  hv_tee_measurement m = r.m;
  m.isv_svn++; /* same build, other svn: another measurement */
  HT_CHECK_EQ_INT(hv_policy_runtime_order(p, &m, &seq), HV_POLICY_ERR_NOT_ALLOWED);
  m = r.m;
  m.mr_signer[0] ^= 1;
  HT_CHECK_EQ_INT(hv_policy_runtime_order(p, &m, NULL), HV_POLICY_ERR_NOT_ALLOWED);
  m = r.m;
  m.isv_prod_id = 2;
  HT_CHECK_EQ_INT(hv_policy_runtime_order(p, &m, NULL), HV_POLICY_ERR_NOT_ALLOWED);
  m = r.m;
  m.mr_enclave[31] ^= 1;
  HT_CHECK_EQ_INT(hv_policy_runtime_order(p, &m, NULL), HV_POLICY_ERR_NOT_ALLOWED);
  hv_policy_free(p);
}

/* The timesrc configuration carries the same settings, and timesrc
 * itself accepts it. */
static void test_timesrc_config(void) {
  char *text = edit("min_responses 2\n", "min_responses 2\nmax_spread_s 7\ntimeout_ms 900\n");
  hv_policy *p = NULL;
  HT_CHECK_EQ_INT(hv_policy_parse((const uint8_t *)text, strlen(text), &p, NULL), HV_POLICY_OK);
  free(text);
  if (!p) return;
  hv_timesrc_config cfg;
  hv_session_timesrc_config(p, &cfg);
  HT_CHECK_EQ_INT(cfg.n_servers, 2);
  HT_CHECK(!strcmp(cfg.servers[0].host, "127.0.0.1"));
  HT_CHECK_EQ_INT(cfg.servers[1].ke_port, 4460);
  HT_CHECK(!strcmp(cfg.servers[1].operator_name, "beta"));
  HT_CHECK(!strcmp(cfg.servers[1].region, "us"));
  HT_CHECK_EQ_INT(cfg.rules.min_responses, 2);
  HT_CHECK_EQ_INT(cfg.rules.max_spread_ms, 7000);
  HT_CHECK_EQ_INT(cfg.rules.min_distinct_operators, 1);
  HT_CHECK_EQ_INT(cfg.timeout_ms, 900);
  HT_CHECK(cfg.ca_file == NULL);
  char err[160] = "";
  HT_CHECK_EQ_INT(hv_timesrc_config_check(&cfg, err, sizeof err), 0);
  hv_policy_free(p);
}

static void test_refuse_unknown_key(void) {
  expect_refusal("min_responses 2\n", "min_response 2\n", HV_POLICY_ERR_UNKNOWN_KEY, 4);
}
/* An unknown key that does not look like a key name (a pasted secret,
 * say) is refused without being repeated. */
static void test_unknown_key_not_echoed(void) {
  static const char secret[] = "00112233445566778899aabbccddeeff";
  char *text = edit("min_responses 2\n", "00112233445566778899aabbccddeeff\n");
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(parse_str(text, &d), HV_POLICY_ERR_UNKNOWN_KEY);
  HT_CHECK(strstr(d.what, secret) == NULL);
  HT_CHECK(strstr(d.what, "unknown key") != NULL);
  free(text);
  text = edit("min_responses 2\n", "min_responses_x 2\n"); /* a name: repeated */
  HT_CHECK_EQ_INT(parse_str(text, &d), HV_POLICY_ERR_UNKNOWN_KEY);
  HT_CHECK(strstr(d.what, "'min_responses_x'") != NULL);
  free(text);
}

static void test_refuse_unknown_attribute(void) {
  expect_refusal("region=us", "region=us color=red", HV_POLICY_ERR_UNKNOWN_KEY, 6);
}
static void test_refuse_duplicate_scalar(void) {
  expect_refusal("min_responses 2\n", "min_responses 2\nversion 8\n",
                 HV_POLICY_ERR_DUPLICATE_KEY, 5);
}
static void test_refuse_duplicate_attribute(void) {
  expect_refusal("region=us", "region=us region=eu", HV_POLICY_ERR_DUPLICATE_KEY, 6);
}
static void test_refuse_duplicate_server(void) {
  expect_refusal("host=ntp.example.org", "host=127.0.0.1 port=4460",
                 HV_POLICY_ERR_DUPLICATE_ENTRY, 6);
}
static void test_refuse_duplicate_runtime(void) {
  expect_refusal("seq=5 mr_enclave=" ENCLAVE_B " mr_signer=" SIGNER " isv_prod_id=1 isv_svn=3",
                 "seq=5 mr_enclave=" ENCLAVE_A " mr_signer=" SIGNER " isv_prod_id=1 isv_svn=2",
                 HV_POLICY_ERR_DUPLICATE_ENTRY, 8);
}
static void test_refuse_runtime_order(void) {
  expect_refusal("seq=5", "seq=1", HV_POLICY_ERR_ORDER, 8);
}
static void test_refuse_bad_hex_digit(void) {
  expect_refusal("mr_enclave=aa", "mr_enclave=ag", HV_POLICY_ERR_BAD_HEX, 7);
}
static void test_refuse_short_hex(void) {
  expect_refusal("mr_signer=" SIGNER " isv_prod_id=1 isv_svn=2",
                 "mr_signer=515151 isv_prod_id=1 isv_svn=2", HV_POLICY_ERR_BAD_HEX, 7);
}
static void test_refuse_overlong_line(void) {
  char comment[HV_POLICY_MAX_LINE + 3];
  memset(comment, 'x', sizeof comment);
  comment[0] = '#';
  comment[HV_POLICY_MAX_LINE + 1] = '\n';
  comment[HV_POLICY_MAX_LINE + 2] = '\0';
  expect_refusal(FIRST_LINE, comment, HV_POLICY_ERR_LINE_TOO_LONG, 1);
  comment[HV_POLICY_MAX_LINE] = '\n'; /* exactly the limit is fine */
  comment[HV_POLICY_MAX_LINE + 1] = '\0';
  char *text = edit(FIRST_LINE, comment);
  HT_CHECK_EQ_INT(parse_str(text, NULL), HV_POLICY_OK);
  free(text);
}
static void test_refuse_control_byte(void) {
  expect_refusal("region=eu", "region=e\001u", HV_POLICY_ERR_BAD_CHAR, 5);
}
static void test_refuse_crlf(void) {
  expect_refusal("version 7\n", "version 7\r\n", HV_POLICY_ERR_BAD_CHAR, 2);
}
static void test_refuse_number_too_big(void) {
  expect_refusal("version 7\n", "version 18446744073709551616\n",
                 HV_POLICY_ERR_OUT_OF_RANGE, 2);
}
static void test_refuse_number_out_of_range(void) {
  expect_refusal("min_responses 2\n", "min_responses 0\n", HV_POLICY_ERR_OUT_OF_RANGE, 4);
  expect_refusal("port=4460", "port=65536", HV_POLICY_ERR_OUT_OF_RANGE, 5);
  expect_refusal("isv_svn=2", "isv_svn=65536", HV_POLICY_ERR_OUT_OF_RANGE, 7);
  expect_refusal("min_responses 2\n", "min_responses 2\nresponse_window_s 3601\n",
                 HV_POLICY_ERR_OUT_OF_RANGE, 5);
}
static void test_refuse_not_a_number(void) {
  expect_refusal("version 7\n", "version 07\n", HV_POLICY_ERR_BAD_NUMBER, 2);
  expect_refusal("version 7\n", "version -7\n", HV_POLICY_ERR_BAD_NUMBER, 2);
  expect_refusal("version 7\n", "version 7s\n", HV_POLICY_ERR_BAD_NUMBER, 2);
}
static void test_refuse_missing_version(void) {
  expect_refusal("version 7\n", "\n", HV_POLICY_ERR_MISSING_FIELD, 0);
}
static void test_refuse_missing_attribute(void) {
  expect_refusal(" operator=beta", "", HV_POLICY_ERR_MISSING_FIELD, 6);
}
static void test_refuse_no_runtime(void) {
  char *text = edit("runtime seq=1", "#untime seq=1");
  char *cut = strstr(text, "runtime seq=5");
  if (cut) *cut = '\0';
  HT_CHECK_EQ_INT(parse_str(text, NULL), HV_POLICY_ERR_MISSING_FIELD);
  free(text);
}
static void test_refuse_scalar_arity(void) {
  expect_refusal("version 7\n", "version 7 8\n", HV_POLICY_ERR_SYNTAX, 2);
  expect_refusal("region=us", "region=us lonely", HV_POLICY_ERR_SYNTAX, 6);
}
static void test_refuse_unmeetable_quorum(void) {
  expect_refusal("min_responses 2\n", "min_responses 3\n", HV_POLICY_ERR_OUT_OF_RANGE, 0);
  /* Two operators are needed; the control has them, the flip does not. */
  char *two = edit("min_responses 2\n", "min_responses 2\nmin_distinct_operators 2\n");
  HT_CHECK_EQ_INT(parse_str(two, NULL), HV_POLICY_OK);
  char *one = edit_in(two, "operator=beta", "operator=alpha");
  HT_CHECK_EQ_INT(parse_str(one, NULL), HV_POLICY_ERR_OUT_OF_RANGE);
  free(one);
  free(two);
}
static void test_refuse_too_many_servers(void) {
  char *text = malloc(HV_POLICY_MAX_FILE);
  if (!text) abort();
  size_t n = (size_t)sprintf(text, "version 1\nruntime seq=1 mr_enclave=%s mr_signer=%s "
                             "isv_prod_id=0 isv_svn=0\n", ENCLAVE_A, SIGNER);
  for (int i = 0; i <= HV_POLICY_MAX_SERVERS; i++)
    n += (size_t)sprintf(text + n, "server host=h%d operator=o region=r\n", i);
  hv_policy_diag d = {0};
  HT_CHECK_EQ_INT(parse_str(text, &d), HV_POLICY_ERR_TOO_MANY);
  HT_CHECK_EQ_INT(d.line, 3 + HV_POLICY_MAX_SERVERS);
  free(text);
}
static void test_refuse_too_large(void) {
  size_t n = HV_POLICY_MAX_FILE + 1;
  uint8_t *text = malloc(n);
  if (!text) abort();
  memset(text, '\n', n);
  hv_policy *p = NULL;
  HT_CHECK_EQ_INT(hv_policy_parse(text, n, &p, NULL), HV_POLICY_ERR_TOO_LARGE);
  HT_CHECK_EQ_INT(hv_policy_parse(text, n - 1, &p, NULL), HV_POLICY_ERR_MISSING_FIELD);
  free(text);
}
static void test_no_final_newline(void) {
  char text[sizeof base];
  memcpy(text, base, sizeof base);
  text[strlen(text) - 1] = '\0';
  HT_CHECK_EQ_INT(parse_str(text, NULL), HV_POLICY_OK);
}
static void test_error_names(void) {
  HT_CHECK(!strcmp(hv_policy_error_name(HV_POLICY_ERR_BELOW_THRESHOLD), "below-threshold"));
  HT_CHECK(!strcmp(hv_policy_error_name(HV_POLICY_ERR_ROLLBACK), "rollback"));
  for (int e = HV_POLICY_OK; e <= HV_POLICY_ERR_CRYPTO; e++)
    HT_CHECK(strcmp(hv_policy_error_name((hv_policy_error)e), "unknown-error") != 0);
}

int main(void) {
  HT_RUN(test_base_parses);
  HT_RUN(test_all_settings);
  HT_RUN(test_round_trip);
  HT_RUN(test_runtime_query);
  HT_RUN(test_timesrc_config);
  HT_RUN(test_refuse_unknown_key);
  HT_RUN(test_unknown_key_not_echoed);
  HT_RUN(test_refuse_unknown_attribute);
  HT_RUN(test_refuse_duplicate_scalar);
  HT_RUN(test_refuse_duplicate_attribute);
  HT_RUN(test_refuse_duplicate_server);
  HT_RUN(test_refuse_duplicate_runtime);
  HT_RUN(test_refuse_runtime_order);
  HT_RUN(test_refuse_bad_hex_digit);
  HT_RUN(test_refuse_short_hex);
  HT_RUN(test_refuse_overlong_line);
  HT_RUN(test_refuse_control_byte);
  HT_RUN(test_refuse_crlf);
  HT_RUN(test_refuse_number_too_big);
  HT_RUN(test_refuse_number_out_of_range);
  HT_RUN(test_refuse_not_a_number);
  HT_RUN(test_refuse_missing_version);
  HT_RUN(test_refuse_missing_attribute);
  HT_RUN(test_refuse_no_runtime);
  HT_RUN(test_refuse_scalar_arity);
  HT_RUN(test_refuse_unmeetable_quorum);
  HT_RUN(test_refuse_too_many_servers);
  HT_RUN(test_refuse_too_large);
  HT_RUN(test_no_final_newline);
  HT_RUN(test_error_names);
  return HT_DONE();
}
