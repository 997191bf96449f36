/* The transport by address: what ADDR parses to, what is refused (and
 * named), and frames over TCP on loopback. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handover/session.h"
#include "harness.h"

static hv_session_addr addr;
static char err[256];

static hv_session_error parse(const char *text, const char *role) {
  err[0] = '\0';
  return hv_session_addr_parse(text, role, &addr, err, sizeof err);
}

/* text is refused for role, with want in the message. */
static void refused(const char *text, const char *role, const char *want) {
  HT_CHECK_EQ_INT(parse(text, role), HV_SESSION_ERR_ADDRESS);
  if (!strstr(err, want)) fprintf(stderr, "  %s: '%s' lacks '%s'\n", text, err, want);
  HT_CHECK(strstr(err, want) != NULL);
}

static void formats_as(const char *want) {
  char out[HV_SESSION_ADDR_MAX];
  hv_session_addr_format(&addr, out, sizeof out);
  HT_CHECK(strcmp(out, want) == 0);
}

static void test_accepted(void) {
  HT_CHECK_EQ_INT(parse("unix:/run/handover.sock", "listen"), HV_SESSION_OK);
  HT_CHECK_EQ_INT(addr.kind, HV_SESSION_ADDR_UNIX);
  HT_CHECK(strcmp(addr.path, "/run/handover.sock") == 0);
  formats_as("unix:/run/handover.sock");
  HT_CHECK_EQ_INT(parse("tcp:127.0.0.1:4460", "connect"), HV_SESSION_OK);
  HT_CHECK_EQ_INT(addr.kind, HV_SESSION_ADDR_TCP);
  HT_CHECK_EQ_INT(addr.family, AF_INET);
  HT_CHECK_EQ_INT(addr.port, 4460);
  formats_as("tcp:127.0.0.1:4460");
  /* all of 127.0.0.0/8 is loopback */
  HT_CHECK_EQ_INT(parse("tcp:127.255.255.254:65535", "connect"), HV_SESSION_OK);
  HT_CHECK_EQ_INT(addr.port, 65535);
  HT_CHECK_EQ_INT(parse("tcp:[::1]:80", "connect"), HV_SESSION_OK);
  HT_CHECK_EQ_INT(addr.family, AF_INET6);
  formats_as("tcp:[::1]:80");
  /* a listener may take any free port */
  HT_CHECK_EQ_INT(parse("tcp:127.0.0.1:0", "listen"), HV_SESSION_OK);
  HT_CHECK_EQ_INT(addr.port, 0);
}

static void test_not_loopback(void) {
  refused("tcp:10.0.0.1:80", "listen",
          "listen address 10.0.0.1 is not loopback: the handover is same-machine");
  refused("tcp:10.0.0.1:80", "connect", "connect address 10.0.0.1 is not loopback");
  refused("tcp:128.0.0.1:80", "connect", "is not loopback");
  refused("tcp:126.255.255.255:80", "connect", "is not loopback");
  refused("tcp:0.0.0.0:80", "listen", "is not loopback");
  refused("tcp:[2001:db8::1]:80", "connect", "is not loopback");
  refused("tcp:[::]:80", "listen", "is not loopback");
  /* only ::1 itself: a v4-mapped address is another path to the kernel */
  refused("tcp:[::ffff:127.0.0.1]:80", "connect", "is not loopback");
}

static void test_malformed(void) {
  /* names are not resolved: the host owns the resolver */
  refused("tcp:localhost:80", "connect", "not an address literal");
  refused("tcp:127.1:80", "connect", "not an address literal");
  refused("tcp:127.0.0.1", "connect", "no port");
  refused("tcp:[::1]", "connect", "no port");
  refused("tcp:127.0.0.1:", "connect", "not a number in 0..65535");
  refused("tcp:127.0.0.1:65536", "connect", "not a number in 0..65535");
  refused("tcp:127.0.0.1:80x", "connect", "not a number in 0..65535");
  refused("tcp:127.0.0.1:-1", "connect", "not a number in 0..65535");
  refused("tcp:127.0.0.1:0", "connect", "port 0");
  refused("tcp:::1:80", "connect", "in brackets");
  refused("tcp:[::1:80", "connect", "in brackets");
  refused("tcp::80", "connect", "no host");
  refused("unix:", "listen", "no socket path");
  refused("/run/handover.sock", "listen", "not unix:PATH or tcp:HOST:PORT");
  refused("udp:127.0.0.1:80", "listen", "not unix:PATH or tcp:HOST:PORT");
  char longpath[200];
  memset(longpath, 'a', sizeof longpath - 1);
  longpath[sizeof longpath - 1] = '\0';
  memcpy(longpath, "unix:/", 6);
  refused(longpath, "listen", "too long");
}

/* Listen on a (port 0), connect, one frame each way, the peer named. */
static void round_trip(const char *text, const char *peer_prefix) {
  HT_CHECK_EQ_INT(parse(text, "listen"), HV_SESSION_OK);
  hv_session_addr bound;
  int l = hv_session_listen(&addr, &bound, err, sizeof err);
  HT_CHECK(l >= 0);
  if (l < 0) return;
  HT_CHECK(bound.port != 0);
  int c = hv_session_connect(&bound, err, sizeof err);
  HT_CHECK(c >= 0);
  int s = accept(l, NULL, NULL);
  HT_CHECK(s >= 0);
  hv_session_peer peer;
  hv_session_peer_of(s, 7, &peer);
  HT_CHECK_EQ_INT(peer.id, 7);
  HT_CHECK(!peer.has_cred);
  HT_CHECK(strncmp(peer.addr, peer_prefix, strlen(peer_prefix)) == 0);
  HT_CHECK(hv_session_frame_prepare(c) == 0 && hv_session_frame_prepare(s) == 0);
  int64_t by = hv_session_monotonic_ms() + 2000;
  uint8_t msg[3] = {1, 2, 3}, got[16];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_session_frame_write(c, msg, sizeof msg, by), HV_SESSION_FRAME_OK);
  HT_CHECK_EQ_INT(hv_session_frame_read(s, got, sizeof got, &len, by), HV_SESSION_FRAME_OK);
  HT_CHECK_EQ_INT(len, 3);
  HT_CHECK_MEM(got, msg, 3);
  /* a closed TCP peer reads as a closed connection, as on a Unix socket */
  close(c);
  HT_CHECK_EQ_INT(hv_session_frame_read(s, got, sizeof got, &len, by),
                  HV_SESSION_FRAME_ERR_CLOSED);
  close(s);
  close(l);
  /* nobody listens there any more */
  HT_CHECK(hv_session_connect(&bound, err, sizeof err) < 0);
  HT_CHECK(strstr(err, "connect tcp:") != NULL);
}

static void test_tcp_v4(void) { round_trip("tcp:127.0.0.1:0", "127.0.0.1:"); }
static void test_tcp_v6(void) { round_trip("tcp:[::1]:0", "[::1]:"); }

/* A live listener keeps its port: a second one is refused by bind. */
static void test_tcp_port_taken(void) {
  HT_CHECK_EQ_INT(parse("tcp:127.0.0.1:0", "listen"), HV_SESSION_OK);
  hv_session_addr bound;
  int l = hv_session_listen(&addr, &bound, err, sizeof err);
  HT_CHECK(l >= 0);
  int l2 = hv_session_listen(&bound, NULL, err, sizeof err);
  HT_CHECK(l2 < 0);
  HT_CHECK(strstr(err, "Address already in use") != NULL);
  if (l2 >= 0) close(l2);
  close(l);
}

int main(void) {
  HT_RUN(test_accepted);
  HT_RUN(test_not_loopback);
  HT_RUN(test_malformed);
  HT_RUN(test_tcp_v4);
  HT_RUN(test_tcp_v6);
  HT_RUN(test_tcp_port_taken);
  return HT_DONE();
}
