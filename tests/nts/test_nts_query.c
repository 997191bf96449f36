/* Tests of the query machine that need no NTS server: arguments, the
 * deadline over a server that never answers, and that a query leaves no
 * descriptor behind and makes no process. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handover/nts.h"
#include "harness.h"

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

static bool no_children(void) {
  return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

/* A child exists and none has exited yet (WNOWAIT: nothing is reaped). */
static bool child_running(void) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

/* A loopback TCP port that accepts connections (into the backlog) but
 * never speaks: a TLS handshake there can only time out. */
static int silent_listener(uint16_t *port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &len) != 0)
    return -1;
  *port = ntohs(a.sin_port);
  return s;
}

static void bad_arguments(void) {
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_nts_server empty = {.host = ""}, ok = {.host = "127.0.0.1"}, ctl = {.host = "a b"};
  char detail[HV_NTS_DETAIL_MAX];
  HT_CHECK_EQ_INT(hv_nts_query_run(&empty, NULL, jar, 100, NULL, detail, sizeof detail),
                  HV_NTS_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_nts_query_run(&ctl, NULL, jar, 100, NULL, detail, sizeof detail),
                  HV_NTS_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_nts_query_run(&ok, NULL, NULL, 100, NULL, detail, sizeof detail),
                  HV_NTS_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_nts_query_run(NULL, NULL, jar, 100, NULL, detail, sizeof detail),
                  HV_NTS_ERR_ARGS);
  hv_nts_jar_free(jar);
}

static void deadline_in_tls(void) {
  uint16_t port;
  int l = silent_listener(&port);
  HT_CHECK(l >= 0);
  int before = open_fds();
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_nts_server s = {.host = "127.0.0.1", .ke_port = port};
  char detail[HV_NTS_DETAIL_MAX];
  int64_t t0 = hv_nts_monotonic_ms();
  HT_CHECK_EQ_INT(hv_nts_query_run(&s, NULL, jar, 300, NULL, detail, sizeof detail),
                  HV_NTS_ERR_TIMEOUT);
  int64_t took = hv_nts_monotonic_ms() - t0;
  HT_CHECK(took >= 300 && took < 1300);
  HT_CHECK(strstr(detail, "TLS handshake") != NULL);
  HT_CHECK_EQ_INT(open_fds(), before);
  /* A caller that gives up before the query ends still gets a reason. */
  hv_nts_query *q = hv_nts_query_start(&s, NULL, jar, hv_nts_monotonic_ms() + 5000);
  HT_CHECK_EQ_INT(hv_nts_query_result(q, NULL), HV_NTS_ERR_TIMEOUT);
  const char *stage = hv_nts_query_detail(q);
  HT_CHECK(!strcmp(stage, "connecting") || !strcmp(stage, "in the TLS handshake"));
  hv_nts_query_free(q);
  HT_CHECK_EQ_INT(open_fds(), before);
  hv_nts_jar_free(jar);
  close(l);
}

/* A name is resolved in this process (c-ares, driven by the query):
 * no child is ever made, and freeing the query at any point closes
 * every descriptor the resolver opened. "localhost" comes from the hosts
 * file; a name that needs a DNS server is tested in test_nts_dns.sh, in
 * a network namespace of its own. */
#define RESOLVING_ATTEMPTS 20
static void resolving_needs_no_process(void) {
  int before = open_fds();
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_nts_server s = {.host = "localhost", .ke_port = 9};
  for (int i = 0; i < RESOLVING_ATTEMPTS; i++) {
    hv_nts_query *q = hv_nts_query_start(&s, NULL, jar, hv_nts_monotonic_ms() + 5000);
    HT_CHECK(q != NULL);
    HT_CHECK(no_children());
    HT_CHECK(!child_running());
    hv_nts_query_free(q);
    HT_CHECK_EQ_INT(open_fds(), before);
  }
  hv_nts_jar_free(jar);
}

/* The resolver finishes, then both loopback addresses refuse. */
static void resolved_then_refused(void) {
  uint16_t port;
  int l = silent_listener(&port);
  close(l); /* now nothing listens there */
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_nts_server s = {.host = "localhost", .ke_port = port};
  char detail[HV_NTS_DETAIL_MAX];
  HT_CHECK_EQ_INT(hv_nts_query_run(&s, NULL, jar, 3000, NULL, detail, sizeof detail),
                  HV_NTS_ERR_CONNECT);
  HT_CHECK(no_children());
  hv_nts_jar_free(jar);
}

static void deadline_already_past(void) {
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_nts_server s = {.host = "localhost"};
  hv_nts_query *q = hv_nts_query_start(&s, NULL, jar, hv_nts_monotonic_ms() - 1);
  HT_CHECK(hv_nts_query_done(q));
  HT_CHECK_EQ_INT(hv_nts_query_result(q, NULL), HV_NTS_ERR_TIMEOUT);
  HT_CHECK(no_children());
  hv_nts_query_free(q);
  hv_nts_jar_free(jar);
}

/* A shared context that cannot load its CA file is refused when made,
 * with the reason; a good one outlives nothing it is given to. */
static void shared_tls_context(void) {
  char detail[HV_NTS_DETAIL_MAX] = "";
  HT_CHECK(hv_nts_tls_ctx_new("/nonexistent/ca.pem", detail, sizeof detail) == NULL);
  HT_CHECK(strstr(detail, "CA file") != NULL);
  hv_nts_tls_ctx_free(NULL);
  hv_nts_tls_ctx *ctx = hv_nts_tls_ctx_new(NULL, detail, sizeof detail);
  HT_CHECK(ctx != NULL);
  /* Freed while the query still needs it for its handshake: the query
   * keeps its own reference (ASan would see a use after free). */
  uint16_t port;
  int l = silent_listener(&port);
  HT_CHECK(l >= 0);
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_nts_server s = {.host = "127.0.0.1", .ke_port = port};
  hv_nts_options opts = {.tls = ctx};
  hv_nts_query *q = hv_nts_query_start(&s, &opts, jar, hv_nts_monotonic_ms() + 300);
  hv_nts_tls_ctx_free(ctx);
  while (!hv_nts_query_done(q)) {
    struct pollfd p = {.fd = -1};
    p.fd = hv_nts_query_fd(q, &p.events);
    int rc = poll(&p, 1, 50);
    hv_nts_query_step(q, rc > 0 ? p.revents : 0);
  }
  HT_CHECK_EQ_INT(hv_nts_query_result(q, NULL), HV_NTS_ERR_TIMEOUT);
  HT_CHECK(strstr(hv_nts_query_detail(q), "in the TLS handshake") != NULL);
  hv_nts_query_free(q);
  hv_nts_jar_free(jar);
  close(l);
}

static void error_names_distinct(void) {
  for (int a = HV_NTS_OK; a <= HV_NTS_ERR_INTERNAL; a++) {
    HT_CHECK(strcmp(hv_nts_error_name((hv_nts_error)a), "unknown") != 0);
    for (int b = a + 1; b <= HV_NTS_ERR_INTERNAL; b++)
      HT_CHECK(strcmp(hv_nts_error_name((hv_nts_error)a),
                      hv_nts_error_name((hv_nts_error)b)) != 0);
  }
}

int main(void) {
  HT_RUN(bad_arguments);
  HT_RUN(deadline_in_tls);
  HT_RUN(resolving_needs_no_process);
  HT_RUN(resolved_then_refused);
  HT_RUN(deadline_already_past);
  HT_RUN(shared_tls_context);
  HT_RUN(error_names_distinct);
  return HT_DONE();
}
