/* handover-worker: a TEE worker that embeds libhandover, both roles in
 * one program (one release = one MRENCLAVE), through the public session
 * API only. What an operator copies; what contrib/gramine/ packages.
 *
 *   handover-worker CONFIG
 *
 * At start: if its store holds the identity it serves its successors on
 * `listen` (in a thread); otherwise it receives the identity from its
 * predecessor at `connect` (or, for the very first release only, with
 * init_if_empty = true, makes a new one), then serves too. Then it works
 * with the identity: it signs each line read on stdin.
 *
 * stdout: `LISTENING ADDR` (the address bound), `IDENTITY HEX` (the
 * Ed25519 public key), then one `SIG HEX` per stdin line (Ed25519 over
 * the line without its newline) or `ERR line-too-long`. Logs: stderr.
 * SIGHUP (while serving) re-reads and re-verifies the policy: a newer
 * valid version replaces the old one; an invalid one is logged and the
 * old one kept (hv_session_sender_reload_policy, as `handover serve`).
 * Exit: 0 stopped by SIGTERM or SIGINT, or retired (the policy's
 * after_handover retire: its identity moved to a successor); 1 a failure;
 * 2 a bad configuration. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <handover/crypto.h>
#include <handover/session.h>

#include "config.h"
#include "tee.h"
#include "work.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_CONFIG 2

/* How long a successor waits for its predecessor to listen: both may be
 * started together by a supervisor. */
#define HW_CONNECT_WAIT_MS 10000
#define HW_CONNECT_RETRY_MS 200

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) return -1;
  /* SIGHUP: blocked in every thread, taken by the reload thread while
   * serving (until then it waits, pending). */
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  if (pthread_sigmask(SIG_BLOCK, &hup, NULL) != 0) return -1;
  sa.sa_handler = SIG_IGN;
  return sigaction(SIGPIPE, &sa, NULL);
}

/* One whole line per call, so lines of several threads stay apart. */
static void log_line(void *ctx, hv_session_level level, const char *line) {
  (void)ctx;
  static const char *const names[] = {"step", "info", "warn", "error"};
  char stamp[32] = "";
  struct timespec ts;
  struct tm tm;
  if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm))
    snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec / 1000000);
  fprintf(stderr, "%s handover-worker %s: %s\n", stamp,
          (unsigned)level < 4 ? names[level] : "?", line);
}

static const hv_session_log worker_log = {.fn = log_line, .ctx = NULL};

#define SAY(level, ...)                                    \
  do {                                                     \
    char say_line[512];                                    \
    snprintf(say_line, sizeof say_line, __VA_ARGS__);      \
    log_line(NULL, HV_SESSION_LOG_##level, say_line);      \
  } while (0)

/* The predecessor's address, retried while it is not up yet. */
static int connect_predecessor(const hw_config *c) {
  char err[256];
  for (int waited = 0;; waited += HW_CONNECT_RETRY_MS) {
    int fd = hv_session_connect(&c->connect_addr, err, sizeof err);
    if (fd >= 0) return fd;
    if (stop_requested || waited >= HW_CONNECT_WAIT_MS ||
        (errno != ECONNREFUSED && errno != ENOENT)) {
      SAY(ERROR, "%s", err);
      return -1;
    }
    usleep(HW_CONNECT_RETRY_MS * 1000);
  }
}

/* The identity into the store: there already, new (first release), or
 * received from the predecessor. An exit status, or -1 to go on. */
static int obtain_identity(const hw_config *c, hv_session_worker *w) {
  uint8_t pub[HV_ED25519_PUB_LEN];
  hv_store_error se = hv_store_public(hv_session_worker_store(w), pub);
  if (se == HV_STORE_OK) {
    SAY(INFO, "the store holds the identity: serving successors");
    return -1;
  }
  if (se != HV_STORE_ERR_NO_IDENTITY) {
    SAY(ERROR, "reading the store %s: %s", c->store, hv_store_error_text(se));
    return EXIT_FAIL;
  }
  if (c->init) {
    se = hv_store_init_identity(hv_session_worker_store(w), pub);
    if (se != HV_STORE_OK) {
      SAY(ERROR, "making a new identity: %s", hv_store_error_text(se));
      return EXIT_FAIL;
    }
    SAY(INFO, "init_if_empty: made a new identity (the first release)");
    return -1;
  }
  if (!c->connect) {
    SAY(ERROR, "the store %s holds no identity, and no 'connect' names the predecessor "
        "to receive it from", c->store);
    return EXIT_CONFIG;
  }
  SAY(INFO, "no identity in the store: receiving it from %s", c->connect);
  int fd = connect_predecessor(c);
  if (fd < 0) return EXIT_FAIL;
  hv_session_error e = hv_session_receive(w, fd, NULL);
  close(fd);
  if (e != HV_SESSION_OK) {
    SAY(ERROR, "receiving the identity: %s", hv_session_error_name(e));
    return EXIT_FAIL;
  }
  return -1;
}

typedef struct {
  hv_session_sender *sender;
  int fd;
  hv_session_error result;
  volatile sig_atomic_t ended;
} serve_job;

static void *serve_thread(void *arg) {
  serve_job *j = arg;
  j->result = hv_session_serve(j->sender, j->fd, false, &stop_requested);
  j->ended = 1;
  return NULL;
}

/* SIGHUP re-reads and re-verifies the policy, as `handover serve` does: a
 * newer valid version replaces the old one for new connections; an
 * invalid or older one is logged (by the library) and the old one kept. */
typedef struct {
  hv_session_sender *sender;
  volatile sig_atomic_t stopping;
} reload_job;

static void *reload_thread(void *arg) {
  reload_job *r = arg;
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  for (;;) {
    int sig;
    if (sigwait(&hup, &sig) != 0 || r->stopping) break;
    uint64_t was = 0, now = 0;
    if (hv_session_sender_reload_policy(r->sender, &was, &now) != HV_SESSION_OK)
      SAY(WARN, "reload refused (see above); policy version %llu stays in force",
          (unsigned long long)was);
    else if (was == now)
      SAY(INFO, "reload: policy version %llu unchanged", (unsigned long long)now);
    else
      SAY(INFO, "reload: policy version %llu replaces %llu for new connections",
          (unsigned long long)now, (unsigned long long)was);
  }
  return NULL;
}

static int chain_head(const hw_config *c, hv_proto_chain_head *head) {
  if (c->chain_head && !hv_session_parse_chain_head(c->chain_head, head)) {
    SAY(ERROR, "chain_head '%s' is not NUMBER:TIME_MS", c->chain_head);
    return EXIT_CONFIG;
  }
  if (c->chain_head_file && hv_session_read_chain_head_file(c->chain_head_file, head) != 0) {
    SAY(ERROR, "chain_head_file %s: %s", c->chain_head_file,
        errno == EINVAL ? "not NUMBER:TIME_MS" : strerror(errno));
    return EXIT_FAIL;
  }
  return -1;
}

/* Serves in a thread while the main thread works; until SIGTERM. */
static int serve_and_work(const hw_config *c, hv_session_worker *w) {
  hv_proto_chain_head head;
  int st = chain_head(c, &head);
  if (st >= 0) return st;
  hw_work work;
  if (hw_work_open(&work, hv_session_worker_store(w), &worker_log) != 0) return EXIT_FAIL;
  hv_session_sender *s;
  if (hv_session_sender_new(w, &head, c->chain_head_file, &s) != HV_SESSION_OK) {
    hw_work_close(&work);
    return EXIT_FAIL;
  }
  char err[256], where[HV_SESSION_ADDR_MAX];
  hv_session_addr bound = {0};
  serve_job job = {.sender = s, .fd = hv_session_listen(&c->listen_addr, &bound, err,
                                                        sizeof err)};
  pthread_t thread, reloader;
  reload_job reload = {.sender = s};
  st = EXIT_FAIL;
  if (job.fd < 0) {
    SAY(ERROR, "%s", err);
  } else if (pthread_create(&reloader, NULL, reload_thread, &reload) != 0) {
    SAY(ERROR, "cannot start the SIGHUP thread");
  } else if (pthread_create(&thread, NULL, serve_thread, &job) != 0) {
    SAY(ERROR, "cannot start the serving thread");
    reload.stopping = 1;
    pthread_kill(reloader, SIGHUP);
    pthread_join(reloader, NULL);
  } else {
    hv_session_addr_format(&bound, where, sizeof where);
    SAY(INFO, "serving successors on %s", where);
    int worked = hw_work_run(&work, where, &stop_requested, &job.ended);
    stop_requested = 1;
    st = pthread_join(thread, NULL) == 0 && job.result == HV_SESSION_OK && worked == 0
             ? EXIT_OK
             : EXIT_FAIL;
    reload.stopping = 1;
    pthread_kill(reloader, SIGHUP); /* sigwait returns; it sees stopping */
    pthread_join(reloader, NULL);
    /* after_handover retire: the identity moved to the successor, so the
     * service returned by itself and this release signs nothing more. */
    if (worked == 1 && job.result == HV_SESSION_OK && hv_session_sender_retired(s)) {
      SAY(INFO, "retired: the identity moved to a successor; exiting");
      st = EXIT_OK;
    } else if (worked == 1) {
      SAY(ERROR, "the service stopped: %s", hv_session_error_name(job.result));
    }
  }
  if (job.fd >= 0) close(job.fd);
  if (job.fd >= 0 && bound.kind == HV_SESSION_ADDR_UNIX) unlink(bound.path);
  hv_session_sender_free(s);
  hw_work_close(&work);
  return st;
}

static int run(const hw_config *c) {
  char err[256];
  hv_tee *tee;
  int t = hw_tee_open(c, &tee, err, sizeof err);
  if (t != 0) {
    SAY(ERROR, "%s", err);
    return t == -2 ? EXIT_CONFIG : EXIT_FAIL;
  }
  hv_session_worker_config wc = {
      .store_dir = c->store, .create_store = true, .policy_file = c->policy,
      .policy_sig_file = c->policy_sig, .council_file = c->council, .ca_file = c->ca,
      .nts_state_dir = c->nts_state, .log = worker_log,
      .policy_timestamp_file = c->policy_timestamp, .override_file = c->override,
      .override_sig_file = c->override_sig};
  hv_session_worker *w;
  int st = EXIT_FAIL;
  if (hv_session_worker_open(&wc, tee, &w) == HV_SESSION_OK) {
    st = obtain_identity(c, w);
    if (st < 0) st = serve_and_work(c, w);
    hv_session_worker_free(w);
  }
  hv_tee_free(tee);
  return st;
}

int main(int argc, char **argv) {
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: handover-worker CONFIG (a file of key = value lines; "
            "see examples/worker/README.md)\n");
    return EXIT_CONFIG;
  }
  (void)hv_session_keep_memory_private(&worker_log);
  if (install_signals() != 0 || hv_crypto_init() != 0) return EXIT_FAIL;
  static hw_config c;
  char err[300];
  if (!hw_config_load(argv[1], &c, err, sizeof err)) {
    SAY(ERROR, "%s", err);
    return EXIT_CONFIG;
  }
  int st = run(&c);
  SAY(INFO, "stopped (exit %d)", st);
  return st;
}
