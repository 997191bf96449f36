/* A small NTS NTP server for the refusal tests: it authenticates each
 * request with the keys ke_server left in KEYFILE and answers in the way
 * MODE says, good or broken.
 * usage: ntp_server PORT KEYFILE MODE
 * MODE: good, bad-auth, wrong-uid, wrong-origin, truncated, oversized,
 *       lying-length, mode3, kod, kod-wrong-uid, unsync, silent,
 *       noauth (no authenticator), rate / deny (unauthenticated kiss-o'-death),
 *       auth-deny (an authenticated DENY), zero-rx, zero-tx (a zero receive or
 *       transmit timestamp), negative-delay (T3 - T2 longer than the round trip),
 *       BAD-then-good (the reply BAD, then a good one, for BAD in junk, bad-auth,
 *       noauth, kod, rate, deny),
 *       kod-first (NTSN to the first request, good replies to later ones),
 *       stale-silent (no reply to requests under the keys KEYFILE held
 *       when it started: a server that lost them and sends no NAK; good
 *       replies under any later keys),
 *       drop-first (the first request is lost; later ones are answered),
 *       answer-first-late (nothing until the second request, which gets
 *       the answer to the first: a reply that was only slow) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "nts_testlib.h"

static bool read_keys(const char *path, uint8_t keys[64]) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  bool ok = fread(keys, 1, 64, f) == 64;
  fclose(f);
  return ok;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Builds the reply MODE asks for; returns its length (0: none). */
static size_t answer(const char *mode, const ht_ntp_request_seen *req,
                     const uint8_t *s2c, uint8_t *out, size_t cap) {
  static hv_nts_cookie cookies[HV_NTS_MAX_COOKIES];
  uint8_t uid[HV_NTS_UID_LEN], origin[HV_NTS_NTP_TS_LEN];
  memcpy(uid, req->uid, sizeof uid);
  memcpy(origin, req->transmit, sizeof origin);
  ht_ntp_reply_spec s;
  ht_ntp_reply_defaults(&s, uid, origin, s2c);
  s.receive_ts = hv_nts_ntp_unix_ns_to_ts(now_ns());
  s.transmit_ts = hv_nts_ntp_unix_ns_to_ts(now_ns());
  s.n_cookies = 1 + req->placeholders;
  for (size_t i = 0; i < s.n_cookies; i++) {
    cookies[i].len = 64;
    if (hv_random(cookies[i].data, 64) != 0) return 0;
  }
  s.cookies = cookies;
  if (!strcmp(mode, "bad-auth")) s.bad_tag = true;
  if (!strcmp(mode, "wrong-uid") || !strcmp(mode, "kod-wrong-uid")) uid[0] ^= 1;
  if (!strcmp(mode, "wrong-origin")) origin[7] ^= 1;
  if (!strcmp(mode, "mode3")) s.mode = HV_NTS_NTP_MODE_CLIENT;
  if (!strcmp(mode, "unsync")) s.leap = 3;
  if (!strncmp(mode, "kod", 3)) {
    s.stratum = 0;
    memcpy(s.refid, "NTSN", 4);
    s.s2c_key = NULL;
  }
  if (!strcmp(mode, "noauth")) s.s2c_key = NULL;
  if (!strcmp(mode, "rate") || !strcmp(mode, "deny") || !strcmp(mode, "auth-deny")) {
    s.stratum = 0;
    memcpy(s.refid, mode[0] == 'r' ? "RATE" : "DENY", 4);
    if (mode[0] != 'a') s.s2c_key = NULL;
  }
  if (!strcmp(mode, "zero-rx")) s.receive_ts = 0;
  if (!strcmp(mode, "zero-tx")) s.transmit_ts = 0;
  /* The server claims it held the request for a second: longer than
   * any loopback round trip. */
  if (!strcmp(mode, "negative-delay")) s.receive_ts = hv_nts_ntp_unix_ns_to_ts(now_ns() - 1000000000LL);
  size_t len = 0;
  if (!strcmp(mode, "silent")) return 0;
  if (!ht_ntp_build_reply(&s, out, cap, &len)) return 0;
  if (!strcmp(mode, "truncated")) len -= 6;
  if (!strcmp(mode, "lying-length")) out[51] = 0xf0; /* unique id length */
  if (!strcmp(mode, "oversized")) {
    memset(out + len, 0, cap - len);
    len = HV_NTS_NTP_PACKET_MAX + 100;
  }
  return len;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: ntp_server PORT KEYFILE MODE\n");
    return 2;
  }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("ntp_server: bind");
    return 1;
  }
  static uint8_t in[HV_NTS_NTP_PACKET_MAX], out[HV_NTS_NTP_PACKET_MAX + 200];
  uint8_t stale[64];
  bool have_stale = read_keys(argv[2], stale);
  ht_ntp_request_seen first;
  unsigned requests = 0;
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(s, in, sizeof in, 0, (struct sockaddr *)&from, &from_len);
    uint8_t keys[64];
    ht_ntp_request_seen req;
    if (n <= 0 || !read_keys(argv[2], keys)) continue;
    if (!ht_ntp_read_request(in, (size_t)n, keys, &req)) {
      fprintf(stderr, "ntp_server: request does not authenticate\n");
      continue;
    }
    requests++;
    if (!strcmp(argv[3], "drop-first") && requests == 1) continue;
    if (!strcmp(argv[3], "stale-silent") && have_stale && !memcmp(keys, stale, sizeof keys))
      continue;
    if (!strcmp(argv[3], "answer-first-late")) {
      if (requests == 1) {
        first = req;
        continue;
      }
      if (requests == 2) req = first;
    }
    const char *mode = argv[3];
    const char *then_good = strstr(mode, "-then-good");
    if (then_good) {
      char first_mode[32];
      snprintf(first_mode, sizeof first_mode, "%.*s", (int)(then_good - mode), mode);
      size_t junk = answer(strcmp(first_mode, "junk") ? first_mode : "wrong-uid", &req,
                           keys + 32, out, sizeof out);
      if (junk > 0 && sendto(s, out, junk, 0, (struct sockaddr *)&from, from_len) < 0)
        perror("ntp_server: sendto");
    }
    if (!strcmp(mode, "kod-first")) mode = requests == 1 ? "kod" : "good";
    if (then_good || !strcmp(mode, "drop-first") || !strcmp(mode, "answer-first-late") ||
        !strcmp(mode, "stale-silent"))
      mode = "good";
    size_t len = answer(mode, &req, keys + 32, out, sizeof out);
    if (len > 0 && sendto(s, out, len, 0, (struct sockaddr *)&from, from_len) < 0)
      perror("ntp_server: sendto");
  }
}
