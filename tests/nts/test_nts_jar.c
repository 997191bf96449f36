/* Unit tests of the cookie jar: each cookie once, binding to one
 * server, and the saved form's round trip and refusals. */
#include <string.h>

#include "handover/crypto.h"
#include "harness.h"
#include "nts/jar.h"

static uint8_t saved[HV_NTS_JAR_SAVE_MAX];
static size_t saved_len;

static hv_nts_jar *full_jar(size_t n) {
  hv_nts_jar *j = hv_nts_jar_new();
  HT_CHECK(j != NULL);
  hv_nts_jar_bind(j, "ke.example", 4460);
  snprintf(j->ntp_host, sizeof j->ntp_host, "ntp.example");
  j->ntp_port = 1234;
  HT_CHECK(hv_random(j->c2s, sizeof j->c2s) == 0 && hv_random(j->s2c, sizeof j->s2c) == 0);
  j->has_keys = true;
  for (size_t i = 0; i < n; i++) {
    hv_nts_cookie c = {.len = 8 + 4 * i};
    memset(c.data, (int)i + 1, c.len);
    HT_CHECK(hv_nts_jar_put(j, &c));
  }
  return j;
}

static void each_cookie_once(void) {
  hv_nts_jar *j = full_jar(3);
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(j), 3);
  hv_nts_cookie c;
  for (int i = 0; i < 3; i++) {
    HT_CHECK(hv_nts_jar_take(j, &c));
    HT_CHECK_EQ_INT(c.data[0], i + 1); /* oldest first, never twice */
  }
  HT_CHECK(!hv_nts_jar_take(j, &c));
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(j), 0);
  hv_nts_jar_free(j);
}

static void full_jar_refuses_more(void) {
  hv_nts_jar *j = full_jar(HV_NTS_MAX_COOKIES);
  hv_nts_cookie c = {.len = 4};
  HT_CHECK(!hv_nts_jar_put(j, &c));
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(j), HV_NTS_MAX_COOKIES);
  hv_nts_jar_free(j);
}

static void bound_to_one_server(void) {
  hv_nts_jar *j = full_jar(2);
  hv_nts_jar_bind(j, "ke.example", 4460);
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(j), 2);
  hv_nts_jar_bind(j, "ke.example", 4461);
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(j), 0);
  HT_CHECK(!j->has_keys);
  hv_nts_jar_free(j);
}

static void drop_after_kiss(void) {
  hv_nts_jar *j = full_jar(2);
  hv_nts_jar_drop_cookies(j);
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(j), 0);
  hv_nts_cookie c;
  HT_CHECK(!hv_nts_jar_take(j, &c));
  hv_nts_jar_free(j);
}

static void save_load_round_trip(void) {
  hv_nts_jar *j = full_jar(HV_NTS_MAX_COOKIES);
  j->cookies[7].len = 256;
  HT_CHECK(hv_nts_jar_save(j, saved, sizeof saved, &saved_len) == 0);
  hv_nts_jar *k = hv_nts_jar_new();
  HT_CHECK(hv_nts_jar_load(k, saved, saved_len) == 0);
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(k), HV_NTS_MAX_COOKIES);
  HT_CHECK(strcmp(k->ke_host, "ke.example") == 0 && k->ke_port == 4460);
  HT_CHECK(strcmp(k->ntp_host, "ntp.example") == 0 && k->ntp_port == 1234);
  HT_CHECK_MEM(k->c2s, j->c2s, sizeof j->c2s);
  HT_CHECK_MEM(k->s2c, j->s2c, sizeof j->s2c);
  for (size_t i = 0; i < HV_NTS_MAX_COOKIES; i++) {
    HT_CHECK_EQ_INT(k->cookies[i].len, j->cookies[i].len);
    HT_CHECK_MEM(k->cookies[i].data, j->cookies[i].data, j->cookies[i].len);
  }
  /* Too small a buffer fails, and says so. */
  size_t len;
  HT_CHECK(hv_nts_jar_save(j, saved, 100, &len) != 0);
  hv_nts_jar_free(j);
  hv_nts_jar_free(k);
}

/* Each garbage input is refused and leaves the jar as it was. */
static void load_refuses_garbage(void) {
  hv_nts_jar *j = full_jar(2);
  HT_CHECK(hv_nts_jar_save(j, saved, sizeof saved, &saved_len) == 0);
  static uint8_t bad[HV_NTS_JAR_SAVE_MAX + 1];
  hv_nts_jar *k = full_jar(1);
  /* magic, version, KE host length, cookie count, first cookie length */
  const size_t host_len_at = 5;
  const size_t count_at = 5 + 1 + 10 + 2 + 1 + 11 + 2;
  const size_t cookie_len_at = count_at + 1 + 64;
  struct {
    size_t at;
    uint8_t value;
  } flips[] = {{0, 'X'}, {4, 2}, {host_len_at, 200}, {count_at, 9},
               {cookie_len_at, 0xff}, {host_len_at + 1, '\n'}};
  for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
    memcpy(bad, saved, saved_len);
    bad[flips[i].at] = flips[i].value;
    HT_CHECK(hv_nts_jar_load(k, bad, saved_len) != 0);
  }
  memcpy(bad, saved, saved_len);
  HT_CHECK(hv_nts_jar_load(k, bad, saved_len - 1) != 0); /* truncated */
  bad[saved_len] = 0;
  HT_CHECK(hv_nts_jar_load(k, bad, saved_len + 1) != 0); /* trailing byte */
  HT_CHECK(hv_nts_jar_load(k, bad, 0) != 0);
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(k), 1);
  HT_CHECK(hv_nts_jar_load(k, saved, saved_len) == 0); /* the original loads */
  HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(k), 2);
  hv_nts_jar_free(j);
  hv_nts_jar_free(k);
}

int main(void) {
  HT_RUN(each_cookie_once);
  HT_RUN(full_jar_refuses_more);
  HT_RUN(bound_to_one_server);
  HT_RUN(drop_after_kiss);
  HT_RUN(save_load_round_trip);
  HT_RUN(load_refuses_garbage);
  return HT_DONE();
}
