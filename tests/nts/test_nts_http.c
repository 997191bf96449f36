/* The HTTPS time source's parser: status line, headers, IMF-fixdate. */
#include <string.h>

#include "harness.h"
#include "nts/http_date.h"

static char why[HV_NTS_DETAIL_MAX];

static hv_nts_error head(const char *text, int64_t *s) {
  return hv_nts_http_parse_head((const uint8_t *)text, strlen(text), s, why, sizeof why);
}

static void fixdate(void) {
  int64_t s = 0;
  HT_CHECK(hv_nts_http_parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT", 29, &s));
  HT_CHECK_EQ_INT(s, 784111777); /* RFC 9110's own example */
  HT_CHECK(hv_nts_http_parse_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT", 29, &s));
  HT_CHECK_EQ_INT(s, 0);
  HT_CHECK(hv_nts_http_parse_imf_fixdate("Tue, 29 Feb 2028 23:59:60 GMT", 29, &s));  /* leap */
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Mon, 06 Nov 1994 08:49:37 GMT", 29, &s)); /* weekday */
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 UTC", 29, &s));
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sun, 31 Nov 1994 08:49:37 GMT", 29, &s));
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Wed, 29 Feb 2023 08:49:37 GMT", 29, &s));
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sun, 06 Nov 1994 24:00:00 GMT", 29, &s));
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sun, 06 Nov 1994 08:49:3x GMT", 29, &s));
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT", 30, &s)); /* rfc850 */
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sun Nov  6 08:49:37 1994", 24, &s));       /* asctime */
  HT_CHECK(!hv_nts_http_parse_imf_fixdate("Sun, 06 Nov 1969 08:49:37 GMT", 29, &s));
}

static void heads(void) {
  int64_t s = 0;
  HT_CHECK_EQ_INT(head("HTTP/1.1 204 No Content\r\nServer: x\r\n"
                       "date:   Sun, 06 Nov 1994 08:49:37 GMT \r\n\r\n", &s),
                  HV_NTS_OK);
  HT_CHECK_EQ_INT(s, 784111777);
  /* Any status carries a Date; HTTP/1.0 too. */
  HT_CHECK_EQ_INT(head("HTTP/1.0 403\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &s),
                  HV_NTS_OK);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", &s), HV_NTS_ERR_HTTP_DATE);
  HT_CHECK(strstr(why, "no Date") != NULL);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                       "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &s),
                  HV_NTS_ERR_HTTP_DATE);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nDate: now\r\n\r\n", &s), HV_NTS_ERR_HTTP_DATE);
  /* A header named like Date is not Date. */
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nX-Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &s),
                  HV_NTS_ERR_HTTP_DATE);
  HT_CHECK_EQ_INT(head("HTTP/2 200\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &s),
                  HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("HTTP/1.1 20\r\n\r\n", &s), HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &s),
                  HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", &s), HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", &s), HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nDa te: x\r\n\r\n", &s), HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n", &s), HV_NTS_ERR_HTTP);
  HT_CHECK_EQ_INT(head("", &s), HV_NTS_ERR_HTTP);
}

int main(void) {
  HT_RUN(fixdate);
  HT_RUN(heads);
  return HT_DONE();
}
