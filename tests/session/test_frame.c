/* Framing, the Unix socket helpers and the accept loop of the session module. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handover/session.h"
#include "session/server.h"
#include "harness.h"

static int pair[2];

/* This executable's getsockopt() comes before libc's for the library
 * linked into it: with no_peercred set, SO_PEERCRED fails as under
 * Gramine, which does not have it. */
static int no_peercred;
int getsockopt(int fd, int level, int name, void *value, socklen_t *len);
int getsockopt(int fd, int level, int name, void *value, socklen_t *len) {
  if (no_peercred && level == SOL_SOCKET && name == SO_PEERCRED) {
    errno = ENOPROTOOPT;
    return -1;
  }
  return (int)syscall(SYS_getsockopt, fd, level, name, value, len);
}

static void open_pair(void) {
  HT_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  HT_CHECK(hv_session_frame_prepare(pair[0]) == 0);
  HT_CHECK(hv_session_frame_prepare(pair[1]) == 0);
}

static void close_pair(void) {
  if (pair[0] >= 0) close(pair[0]);
  if (pair[1] >= 0) close(pair[1]);
  pair[0] = pair[1] = -1;
}

static int64_t soon(void) { return hv_session_monotonic_ms() + 2000; }

static void raw_write(const void *p, size_t n) {
  HT_CHECK(write(pair[0], p, n) == (ssize_t)n);
}

static void test_round_trip(void) {
  open_pair();
  uint8_t msg[HV_SESSION_FRAME_MAX], got[HV_SESSION_FRAME_MAX];
  for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7);
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_session_frame_write(pair[0], msg, 5, soon()), HV_SESSION_FRAME_OK);
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()), HV_SESSION_FRAME_OK);
  HT_CHECK_EQ_INT(len, 5);
  HT_CHECK_MEM(got, msg, 5);
  close_pair();
}

/* The largest frame needs several socket writes and reads on a small buffer. */
static void *write_max(void *arg) {
  static uint8_t msg[HV_SESSION_FRAME_MAX];
  memset(msg, 0xab, sizeof msg);
  *(hv_session_frame_error *)arg = hv_session_frame_write(pair[0], msg, sizeof msg, soon());
  return NULL;
}

static void test_largest_frame(void) {
  open_pair();
  int small = 1024;
  HT_CHECK(setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
  pthread_t t;
  hv_session_frame_error werr = HV_SESSION_FRAME_ERR_IO;
  HT_CHECK(pthread_create(&t, NULL, write_max, &werr) == 0);
  uint8_t got[HV_SESSION_FRAME_MAX];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()), HV_SESSION_FRAME_OK);
  pthread_join(t, NULL);
  HT_CHECK_EQ_INT(werr, HV_SESSION_FRAME_OK);
  HT_CHECK_EQ_INT(len, HV_SESSION_FRAME_MAX);
  HT_CHECK(got[0] == 0xab && got[HV_SESSION_FRAME_MAX - 1] == 0xab);
  close_pair();
}

static void test_oversized(void) {
  open_pair();
  uint8_t header[4] = {0, 0, 0x40, 0x01}; /* 16385 */
  raw_write(header, 4);
  uint8_t got[HV_SESSION_FRAME_MAX];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()),
                  HV_SESSION_FRAME_ERR_OVERSIZED);
  uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
  raw_write(huge, 4);
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()),
                  HV_SESSION_FRAME_ERR_OVERSIZED);
  /* The writer refuses to make one too. */
  static uint8_t big[HV_SESSION_FRAME_MAX + 1];
  HT_CHECK_EQ_INT(hv_session_frame_write(pair[0], big, sizeof big, soon()), HV_SESSION_FRAME_ERR_OVERSIZED);
  /* A cap below the maximum is honoured as well. */
  uint8_t h10[4] = {0, 0, 0, 10};
  raw_write(h10, 4);
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, 9, &len, soon()), HV_SESSION_FRAME_ERR_OVERSIZED);
  close_pair();
}

static void test_truncated_and_closed(void) {
  uint8_t got[64];
  size_t len = 0;
  open_pair();
  uint8_t part[6] = {0, 0, 0, 10, 'a', 'b'};
  raw_write(part, sizeof part);
  close(pair[0]);
  pair[0] = -1;
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()),
                  HV_SESSION_FRAME_ERR_TRUNCATED);
  close_pair();

  open_pair();
  raw_write(part, 2); /* half a header */
  close(pair[0]);
  pair[0] = -1;
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()),
                  HV_SESSION_FRAME_ERR_TRUNCATED);
  close_pair();

  open_pair();
  close(pair[0]);
  pair[0] = -1;
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()),
                  HV_SESSION_FRAME_ERR_CLOSED);
  close_pair();
}

static void test_empty_and_timeout(void) {
  uint8_t got[64];
  size_t len = 0;
  open_pair();
  uint8_t zero[4] = {0};
  raw_write(zero, 4);
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, soon()), HV_SESSION_FRAME_ERR_EMPTY);
  HT_CHECK_EQ_INT(hv_session_frame_write(pair[0], got, 0, soon()), HV_SESSION_FRAME_ERR_EMPTY);
  /* A frame that never completes ends at the deadline, not later. */
  uint8_t part[5] = {0, 0, 0, 10, 'x'};
  raw_write(part, sizeof part);
  int64_t start = hv_session_monotonic_ms();
  HT_CHECK_EQ_INT(hv_session_frame_read(pair[1], got, sizeof got, &len, start + 150),
                  HV_SESSION_FRAME_ERR_TIMEOUT);
  int64_t took = hv_session_monotonic_ms() - start;
  HT_CHECK(took >= 140 && took < 1500);
  close_pair();
}

static char dir[] = "/tmp/hv-test-frame.XXXXXX";
static char dir2[] = "/tmp/hv-test-frame2.XXXXXX";

static void test_listen_mode_and_stale(void) {
  HT_CHECK(mkdtemp(dir) != NULL);
  char path[128], err[256];
  snprintf(path, sizeof path, "%s/s", dir);
  int fd = hv_session_unix_listen(path, err, sizeof err);
  HT_CHECK(fd >= 0);
  struct stat st;
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  /* A live server keeps its socket. */
  HT_CHECK(hv_session_unix_listen(path, err, sizeof err) < 0);
  HT_CHECK(strstr(err, "another server") != NULL);
  int c = hv_session_unix_connect(path, err, sizeof err);
  HT_CHECK(c >= 0);
  int s = accept(fd, NULL, NULL);
  pid_t pid = 0;
  uid_t uid = 1;
  HT_CHECK(hv_session_peer_cred(s, &pid, &uid) == 0);
  HT_CHECK_EQ_INT(pid, getpid());
  HT_CHECK_EQ_INT(uid, getuid());
  close(s);
  close(c);
  close(fd);
  /* A dead server's socket file is replaced. */
  fd = hv_session_unix_listen(path, err, sizeof err);
  HT_CHECK(fd >= 0);
  close(fd);
  unlink(path);
  /* A plain file is never removed. */
  FILE *f = fopen(path, "w");
  HT_CHECK(f != NULL);
  if (f) fclose(f);
  HT_CHECK(hv_session_unix_listen(path, err, sizeof err) < 0);
  HT_CHECK(strstr(err, "not a socket") != NULL);
  unlink(path);
}

/* The server: a bounded number of connections (the rest wait their turn),
 * and a bounded share of them per process. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, handled;

static bool hold_handler(const hv_session_conn *conn, void *ctx) {
  (void)ctx;
  uint8_t buf[16];
  size_t len;
  if (hv_session_frame_read(conn->fd, buf, sizeof buf, &len, conn->deadline_ms) !=
      HV_SESSION_FRAME_OK)
    len = 0; /* either way the handler holds the connection */
  pthread_mutex_lock(&gate_lock);
  handled++;
  while (!gate_open) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
  return true;
}

static volatile sig_atomic_t stop_flag;
static int listen_fd;

static void *run_server(void *arg) {
  hv_session_server_config cfg = {.handler = hold_handler, .once = false};
  *(int *)arg = hv_session_server_run(listen_fd, &cfg, &stop_flag);
  return NULL;
}

/* A child process that connects, sends one frame and waits until the
 * server closes (each connection then has its own peer pid). */
static pid_t connect_child(const char *path) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  char err[256], b;
  int fd = hv_session_unix_connect(path, err, sizeof err);
  uint8_t frame[5] = {0, 0, 0, 1, 'h'};
  if (fd < 0 || write(fd, frame, sizeof frame) != 5) _exit(1);
  struct timeval tv = {.tv_sec = 10};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  _exit(read(fd, &b, 1) <= 0 ? 0 : 1);
}

static int handled_now(void) {
  pthread_mutex_lock(&gate_lock);
  int h = handled;
  pthread_mutex_unlock(&gate_lock);
  return h;
}

static void wait_handled(int n) {
  for (int i = 0; i < 200 && handled_now() < n; i++) usleep(20000);
}

static void test_server_bounds_connections(void) {
  char path[128], err[256];
  snprintf(path, sizeof path, "%s/srv", dir);
  listen_fd = hv_session_unix_listen(path, err, sizeof err);
  HT_CHECK(listen_fd >= 0);
  pthread_t t;
  int rc = -1;
  HT_CHECK(pthread_create(&t, NULL, run_server, &rc) == 0);
  pid_t kids[HV_SESSION_MAX_CONNECTIONS + 1];
  for (int i = 0; i <= HV_SESSION_MAX_CONNECTIONS; i++) kids[i] = connect_child(path);
  wait_handled(HV_SESSION_MAX_CONNECTIONS);
  /* The one over the bound waits in the backlog: no handler runs for it. */
  usleep(300000);
  HT_CHECK_EQ_INT(handled_now(), HV_SESSION_MAX_CONNECTIONS);
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  /* Once the others end, it is served (bounded wait). */
  wait_handled(HV_SESSION_MAX_CONNECTIONS + 1);
  HT_CHECK_EQ_INT(handled_now(), HV_SESSION_MAX_CONNECTIONS + 1);
  for (int i = 0; i <= HV_SESSION_MAX_CONNECTIONS; i++) {
    int status = -1;
    waitpid(kids[i], &status, 0);
    HT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  /* One process gets HV_SESSION_MAX_PER_PEER connections; the next one
   * is closed unhandled. */
  pthread_mutex_lock(&gate_lock);
  gate_open = 0;
  handled = 0;
  pthread_mutex_unlock(&gate_lock);
  int fds[HV_SESSION_MAX_PER_PEER + 1];
  for (int i = 0; i <= HV_SESSION_MAX_PER_PEER; i++) {
    fds[i] = hv_session_unix_connect(path, err, sizeof err);
    HT_CHECK(fds[i] >= 0);
    uint8_t frame[5] = {0, 0, 0, 1, 'h'};
    ssize_t w = send(fds[i], frame, sizeof frame, MSG_NOSIGNAL);
    /* The server may close the connection over the bound before this
     * write, which then fails with EPIPE: that is the refusal. */
    if (i < HV_SESSION_MAX_PER_PEER)
      HT_CHECK(w == 5);
    else
      HT_CHECK(w == 5 || (w < 0 && (errno == EPIPE || errno == ECONNRESET)));
  }
  wait_handled(HV_SESSION_MAX_PER_PEER);
  char b;
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fds[HV_SESSION_MAX_PER_PEER], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t r = read(fds[HV_SESSION_MAX_PER_PEER], &b, 1);
  HT_CHECK(r == 0 || (r < 0 && errno == ECONNRESET));
  HT_CHECK_EQ_INT(handled_now(), HV_SESSION_MAX_PER_PEER);
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  stop_flag = 1;
  pthread_join(t, NULL);
  HT_CHECK_EQ_INT(rc, 0);
  for (int i = 0; i <= HV_SESSION_MAX_PER_PEER; i++) close(fds[i]);
  close(listen_fd);
  unlink(path);
  rmdir(dir);
}

/* Serves listen_fd while this one process opens n connections to
 * where (each sends a frame): every one of them must be handled. */
static void one_process_gets(int n, const hv_session_addr *where) {
  char err[256];
  pthread_mutex_lock(&gate_lock);
  gate_open = 0;
  handled = 0;
  pthread_mutex_unlock(&gate_lock);
  stop_flag = 0;
  pthread_t t;
  int rc = -1;
  HT_CHECK(pthread_create(&t, NULL, run_server, &rc) == 0);
  int fds[HV_SESSION_MAX_CONNECTIONS];
  for (int i = 0; i < n; i++) {
    fds[i] = hv_session_connect(where, err, sizeof err);
    HT_CHECK(fds[i] >= 0);
    uint8_t frame[5] = {0, 0, 0, 1, 'h'};
    HT_CHECK(send(fds[i], frame, sizeof frame, MSG_NOSIGNAL) == 5);
  }
  wait_handled(n);
  HT_CHECK_EQ_INT(handled_now(), n);
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  stop_flag = 1;
  pthread_join(t, NULL);
  HT_CHECK_EQ_INT(rc, 0);
  for (int i = 0; i < n; i++) close(fds[i]);
}

/* Over TCP nothing names the peer's process (every peer is on loopback),
 * so the per-process bound does not apply: one process gets more than
 * HV_SESSION_MAX_PER_PEER connections, under the global bound. */
static void test_server_tcp_global_bound_only(void) {
  hv_session_addr a, bound;
  char err[256];
  HT_CHECK(hv_session_addr_parse("tcp:127.0.0.1:0", "listen", &a, err, sizeof err) ==
           HV_SESSION_OK);
  listen_fd = hv_session_listen(&a, &bound, err, sizeof err);
  HT_CHECK(listen_fd >= 0);
  one_process_gets(HV_SESSION_MAX_PER_PEER + 2, &bound);
  close(listen_fd);
}

/* A Unix peer whose credentials cannot be read is served, not dropped
 * (credentials name a process, the reports name the build), and counted
 * against the global bound only. */
static void test_server_unix_without_credentials(void) {
  hv_session_addr a;
  char err[256], path[128];
  HT_CHECK(mkdtemp(dir2) != NULL);
  snprintf(path, sizeof path, "unix:%s/nocred", dir2);
  HT_CHECK(hv_session_addr_parse(path, "listen", &a, err, sizeof err) == HV_SESSION_OK);
  listen_fd = hv_session_listen(&a, NULL, err, sizeof err);
  HT_CHECK(listen_fd >= 0);
  no_peercred = 1;
  one_process_gets(HV_SESSION_MAX_PER_PEER + 1, &a);
  no_peercred = 0;
  close(listen_fd);
  unlink(a.path);
  rmdir(dir2);
}

int main(void) {
  pair[0] = pair[1] = -1;
  HT_RUN(test_round_trip);
  HT_RUN(test_largest_frame);
  HT_RUN(test_oversized);
  HT_RUN(test_truncated_and_closed);
  HT_RUN(test_empty_and_timeout);
  HT_RUN(test_listen_mode_and_stale);
  HT_RUN(test_server_bounds_connections);
  HT_RUN(test_server_tcp_global_bound_only);
  HT_RUN(test_server_unix_without_credentials);
  return HT_DONE();
}
