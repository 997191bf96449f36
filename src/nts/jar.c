/* The per-server cookie jar and its saved form. */
#include "nts/jar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"

/* Saved form: "HVNJ" | version | KE host | KE port | NTP host | NTP port
 * | c2s key | s2c key | count | count x (u16 length | cookie). Hosts are
 * u8-length-prefixed. A jar without keys saves as count 0 and no keys. */
static const uint8_t jar_magic[4] = {'H', 'V', 'N', 'J'};
#define JAR_VERSION 1

_Static_assert(4 + 1 + 2 * (1 + HV_NTS_HOST_MAX + 2) + 1 + 2 * HV_NTS_KEY_LEN + 1 +
                   HV_NTS_MAX_COOKIES * (2 + HV_NTS_COOKIE_MAX) <= HV_NTS_JAR_SAVE_MAX,
               "HV_NTS_JAR_SAVE_MAX too small for a full jar");

hv_nts_jar *hv_nts_jar_new(void) { return calloc(1, sizeof(hv_nts_jar)); }

void hv_nts_jar_clear(hv_nts_jar *jar) {
  if (jar) hv_wipe(jar, sizeof *jar);
}

void hv_nts_jar_free(hv_nts_jar *jar) {
  hv_nts_jar_clear(jar);
  free(jar);
}

size_t hv_nts_jar_cookie_count(const hv_nts_jar *jar) {
  return jar && jar->has_keys ? jar->n_cookies : 0;
}

bool hv_nts_jar_ntp_server(const hv_nts_jar *jar, char host[HV_NTS_HOST_MAX + 1],
                           uint16_t *port) {
  if (!jar || !jar->has_keys) return false;
  if (host)
    snprintf(host, HV_NTS_HOST_MAX + 1, "%s", jar->ntp_host[0] ? jar->ntp_host : jar->ke_host);
  if (port) *port = jar->ntp_port ? jar->ntp_port : HV_NTS_DEFAULT_NTP_PORT;
  return true;
}

void hv_nts_jar_bind(hv_nts_jar *jar, const char *ke_host, uint16_t ke_port) {
  if (strcmp(jar->ke_host, ke_host) == 0 && jar->ke_port == ke_port) return;
  hv_nts_jar_clear(jar);
  snprintf(jar->ke_host, sizeof jar->ke_host, "%s", ke_host);
  jar->ke_port = ke_port;
}

void hv_nts_jar_set_keys(hv_nts_jar *jar, const uint8_t c2s[HV_NTS_KEY_LEN],
                         const uint8_t s2c[HV_NTS_KEY_LEN], const char *ntp_host,
                         uint16_t ntp_port) {
  memcpy(jar->c2s, c2s, HV_NTS_KEY_LEN);
  memcpy(jar->s2c, s2c, HV_NTS_KEY_LEN);
  snprintf(jar->ntp_host, sizeof jar->ntp_host, "%s", ntp_host);
  jar->ntp_port = ntp_port;
  jar->has_keys = true;
}

bool hv_nts_jar_put(hv_nts_jar *jar, const hv_nts_cookie *c) {
  if (jar->n_cookies == HV_NTS_MAX_COOKIES) return false;
  jar->cookies[jar->n_cookies++] = *c;
  return true;
}

bool hv_nts_jar_take(hv_nts_jar *jar, hv_nts_cookie *out) {
  if (!jar->has_keys || jar->n_cookies == 0) return false;
  /* Oldest first: a cookie that waited longest is the likeliest to be
   * refused after the server rotates its keys. */
  *out = jar->cookies[0];
  memmove(&jar->cookies[0], &jar->cookies[1],
          (jar->n_cookies - 1) * sizeof jar->cookies[0]);
  jar->n_cookies--;
  hv_wipe(&jar->cookies[jar->n_cookies], sizeof jar->cookies[0]);
  return true;
}

void hv_nts_jar_drop_cookies(hv_nts_jar *jar) {
  hv_wipe(jar->cookies, sizeof jar->cookies);
  hv_wipe(jar->c2s, sizeof jar->c2s);
  hv_wipe(jar->s2c, sizeof jar->s2c);
  jar->n_cookies = 0;
  jar->has_keys = false;
}

static bool write_host(hv_buf_writer *w, const char *host) {
  size_t n = strlen(host);
  return n <= HV_NTS_HOST_MAX && hv_buf_write_u8(w, (uint8_t)n) &&
         hv_buf_write_bytes(w, (const uint8_t *)host, n);
}

int hv_nts_jar_save(const hv_nts_jar *jar, uint8_t *out, size_t cap, size_t *len) {
  if (!jar || !out || !len) return -1;
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, cap);
  size_t n = jar->has_keys ? jar->n_cookies : 0;
  bool ok = hv_buf_write_bytes(&w, jar_magic, sizeof jar_magic) &&
            hv_buf_write_u8(&w, JAR_VERSION) && write_host(&w, jar->ke_host) &&
            hv_buf_write_u16(&w, jar->ke_port) && write_host(&w, jar->ntp_host) &&
            hv_buf_write_u16(&w, jar->ntp_port) && hv_buf_write_u8(&w, (uint8_t)n);
  if (n > 0)
    ok = ok && hv_buf_write_bytes(&w, jar->c2s, HV_NTS_KEY_LEN) &&
         hv_buf_write_bytes(&w, jar->s2c, HV_NTS_KEY_LEN);
  for (size_t i = 0; ok && i < n; i++)
    ok = hv_buf_write_u16(&w, (uint16_t)jar->cookies[i].len) &&
         hv_buf_write_bytes(&w, jar->cookies[i].data, jar->cookies[i].len);
  if (!ok) {
    hv_wipe(out, cap);
    return -1;
  }
  *len = w.len;
  return 0;
}

/* A host as the KE reply would accept it: visible ASCII, or empty. */
static bool read_host(hv_buf_reader *r, char host[HV_NTS_HOST_MAX + 1]) {
  uint8_t n;
  const uint8_t *p;
  if (!hv_buf_read_u8(r, &n) || !hv_buf_read_view(r, n, &p)) return false;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x21 || p[i] > 0x7e) return false;
  memcpy(host, p, n);
  host[n] = '\0';
  return true;
}

static bool read_cookies(hv_buf_reader *r, hv_nts_jar *j) {
  uint8_t n;
  if (!hv_buf_read_u8(r, &n) || n > HV_NTS_MAX_COOKIES) return false;
  if (n > 0 && (!hv_buf_read_bytes(r, j->c2s, HV_NTS_KEY_LEN) ||
                !hv_buf_read_bytes(r, j->s2c, HV_NTS_KEY_LEN)))
    return false;
  for (size_t i = 0; i < n; i++) {
    uint16_t len;
    if (!hv_buf_read_u16(r, &len) || len == 0 || len > HV_NTS_COOKIE_MAX ||
        !hv_buf_read_bytes(r, j->cookies[i].data, len))
      return false;
    j->cookies[i].len = len;
  }
  j->n_cookies = n;
  j->has_keys = n > 0;
  return true;
}

int hv_nts_jar_load(hv_nts_jar *jar, const uint8_t *in, size_t len) {
  if (!jar || !in) return -1;
  /* Parsed into a scratch jar: a bad input leaves *jar untouched. */
  hv_nts_jar *tmp = hv_nts_jar_new();
  if (!tmp) return -1;
  hv_buf_reader r;
  hv_buf_reader_init(&r, in, len);
  uint8_t magic[sizeof jar_magic], version;
  bool ok = hv_buf_read_bytes(&r, magic, sizeof magic) &&
            memcmp(magic, jar_magic, sizeof magic) == 0 &&
            hv_buf_read_u8(&r, &version) && version == JAR_VERSION &&
            read_host(&r, tmp->ke_host) && hv_buf_read_u16(&r, &tmp->ke_port) &&
            read_host(&r, tmp->ntp_host) && hv_buf_read_u16(&r, &tmp->ntp_port) &&
            read_cookies(&r, tmp) && hv_buf_reader_done(&r);
  if (ok) memcpy(jar, tmp, sizeof *jar);
  hv_nts_jar_free(tmp);
  return ok ? 0 : -1;
}
