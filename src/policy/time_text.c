/* Time values in the text formats: RFC 3339 UTC with whole seconds, or
 * decimal UNIX seconds. Calendar arithmetic on days since 1970-01-01
 * (H. Hinnant's days_from_civil), proleptic Gregorian, no leap seconds
 * (RFC 3339 5.7: UNIX time has none either). */
#include <stdbool.h>
#include <string.h>

#include "policy/policy_int.h"

#define RFC3339_LEN 20 /* YYYY-MM-DDTHH:MM:SSZ */
#define UNIX_MAX_DIGITS 12 /* HV_POLICY_MAX_EXPIRES_UNIX has 12 */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(unsigned y, unsigned m) {
  static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* n decimal digits at s; false if any is not a digit. */
static bool digits(const char *s, size_t n, unsigned *out) {
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  *out = v;
  return true;
}

static int parse_rfc3339(const char *s, uint64_t *out) {
  unsigned y, mo, d, h, mi, se;
  if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s[19] != 'Z')
    return -1;
  if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
      !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
    return -1;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || se > 59)
    return -1;
  *out = (uint64_t)days_from_civil(y, mo, d) * 86400 + h * 3600u + mi * 60u + se;
  return 0;
}

static int parse_unix(const char *s, size_t len, uint64_t *out) {
  if (len == 0 || len > UNIX_MAX_DIGITS || (len > 1 && s[0] == '0')) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > HV_POLICY_MAX_EXPIRES_UNIX) return -1;
  *out = v;
  return 0;
}

hv_policy_error hv_policy_time_parse(const char *s, size_t len, uint64_t *unix_s) {
  if (!s || !unix_s) return HV_POLICY_ERR_ARGS;
  uint64_t v;
  int rc = len == RFC3339_LEN ? parse_rfc3339(s, &v) : parse_unix(s, len, &v);
  if (rc != 0) return HV_POLICY_ERR_BAD_TIME;
  *unix_s = v;
  return HV_POLICY_OK;
}

void hv_policy_time_format(uint64_t unix_s, char out[HV_POLICY_TIME_TEXT_LEN]) {
  if (unix_s > HV_POLICY_MAX_EXPIRES_UNIX) unix_s = HV_POLICY_MAX_EXPIRES_UNIX;
  int64_t z = (int64_t)(unix_s / 86400) + 719468;
  unsigned secs = (unsigned)(unix_s % 86400);
  int64_t era = z / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  unsigned y = (unsigned)(yoe + era * 400) + (m <= 2);
  /* fixed width: every field is in range, so exactly 20 characters */
  out[0] = (char)('0' + y / 1000 % 10);
  out[1] = (char)('0' + y / 100 % 10);
  out[2] = (char)('0' + y / 10 % 10);
  out[3] = (char)('0' + y % 10);
  const unsigned f[5] = {m, d, secs / 3600, secs / 60 % 60, secs % 60};
  const char sep[5] = {'-', '-', 'T', ':', ':'};
  for (int i = 0; i < 5; i++) {
    out[4 + 3 * i] = sep[i];
    out[5 + 3 * i] = (char)('0' + f[i] / 10);
    out[6 + 3 * i] = (char)('0' + f[i] % 10);
  }
  out[19] = 'Z';
  out[20] = '\0';
}
