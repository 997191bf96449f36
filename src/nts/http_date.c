/* HTTP response heads and IMF-fixdate (RFC 9110 sections 5.6.7, 6.6.1). */
#include "nts/http_date.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define IMF_FIXDATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define SECONDS_PER_DAY 86400
/* An obs-fold or a very long header is refused, not unfolded. */
#define STATUS_LINE_MIN 12 /* "HTTP/1.1 200" */

static int digits(const char *s, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static int index_of(const char *const *names, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (!memcmp(names[i], s, 3)) return i;
  return -1;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

bool hv_nts_http_parse_imf_fixdate(const char *s, size_t len, int64_t *unix_s) {
  static const char *const wkday[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static const char *const month[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (len != IMF_FIXDATE_LEN || memcmp(s + 3, ", ", 2) || s[7] != ' ' || s[11] != ' ' ||
      s[16] != ' ' || s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4))
    return false;
  int wd = index_of(wkday, 7, s), mo = index_of(month, 12, s + 8) + 1;
  int day = digits(s + 5, 2), year = digits(s + 12, 4);
  int hh = digits(s + 17, 2), mm = digits(s + 20, 2), ss = digits(s + 23, 2);
  /* second 60: a leap second, which RFC 9110 allows */
  if (wd < 0 || mo < 1 || day < 1 || year < 1970 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
      ss < 0 || ss > 60 || day > days_in_month(year, mo))
    return false;
  int64_t days = days_from_civil(year, mo, day);
  if ((days % 7 + 7) % 7 != wd) return false; /* the day name must be that day's */
  *unix_s = days * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss;
  return true;
}

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

static hv_nts_error detail_is(char *detail, size_t detail_len, hv_nts_error err, const char *text) {
  snprintf(detail, detail_len, "%s", text);
  return err;
}

/* One "name: value" line: the Date, if it is one. */
static hv_nts_error header_line(const char *line, size_t n, const char **date,
                                size_t *date_len, int *dates) {
  const char *colon = memchr(line, ':', n);
  if (!colon || colon == line || is_ows(line[0])) return HV_NTS_ERR_HTTP;
  for (const char *p = line; p < colon; p++)
    if (*p <= ' ' || *p >= 0x7f) return HV_NTS_ERR_HTTP; /* a token, RFC 9110 5.1 */
  if (colon - line != 4 || strncasecmp(line, "date", 4)) return HV_NTS_OK;
  const char *v = colon + 1, *end = line + n;
  while (v < end && is_ows(*v)) v++;
  while (end > v && is_ows(end[-1])) end--;
  *date = v;
  *date_len = (size_t)(end - v);
  (*dates)++;
  return HV_NTS_OK;
}

hv_nts_error hv_nts_http_parse_head(const uint8_t *head, size_t len, int64_t *unix_s, char *detail,
                                    size_t detail_len) {
  const char *p = (const char *)head, *end = p + len;
  const char *eol = len >= 2 ? memchr(p, '\n', len) : NULL;
  if (!eol || eol == p || eol[-1] != '\r' || (size_t)(eol - 1 - p) < STATUS_LINE_MIN ||
      (memcmp(p, "HTTP/1.1 ", 9) && memcmp(p, "HTTP/1.0 ", 9)) || digits(p + 9, 3) < 100 ||
      (eol - 1 - p > STATUS_LINE_MIN && p[12] != ' '))
    return detail_is(detail, detail_len, HV_NTS_ERR_HTTP, "not an HTTP/1.x status line");
  const char *date = NULL;
  size_t date_len = 0;
  int dates = 0;
  for (p = eol + 1; p < end;) {
    eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol || eol == p || eol[-1] != '\r')
      return detail_is(detail, detail_len, HV_NTS_ERR_HTTP, "a header line not ended by CRLF");
    size_t n = (size_t)(eol - 1 - p);
    if (n == 0) break; /* the blank line: end of the header section */
    for (size_t i = 0; i < n; i++)
      if ((p[i] < ' ' && p[i] != '\t') || p[i] == 0x7f)
        return detail_is(detail, detail_len, HV_NTS_ERR_HTTP, "a control character in a header");
    if (header_line(p, n, &date, &date_len, &dates) != HV_NTS_OK)
      return detail_is(detail, detail_len, HV_NTS_ERR_HTTP, "a header line that does not parse");
    p = eol + 1;
  }
  if (dates == 0) return detail_is(detail, detail_len, HV_NTS_ERR_HTTP_DATE, "no Date header");
  if (dates > 1)
    return detail_is(detail, detail_len, HV_NTS_ERR_HTTP_DATE, "more than one Date header");
  if (!hv_nts_http_parse_imf_fixdate(date, date_len, unix_s))
    return detail_is(detail, detail_len, HV_NTS_ERR_HTTP_DATE,
                     "a Date that is not an IMF-fixdate of a real day");
  return HV_NTS_OK;
}
