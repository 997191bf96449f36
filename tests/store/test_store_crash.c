/* Crash safety: store_crasher writes a store in a loop and is killed with
 * SIGKILL at random instants. After every kill the store must open, hold
 * no temp file, and hold a whole old or whole new state: the policy
 * version and chain head agree (see store_crasher.c), never go down, and
 * the identity is intact; a store being created has no identity or a
 * whole one (with its state), never a damaged one. The retirement is killed at every one
 * of its disk writes in turn (kill_at.c): after each kill the store is
 * either still serving with its key or retired with its tombstone, never
 * neither.
 * usage: test_store_crash STORE_CRASHER */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "store_test_util.h"

#define STATE_TRIALS 45
#define INIT_TRIALS 15
/* The kill comes after the crasher has reported 0 to MAX_STEPS whole
 * steps (so most trials make progress however slow the machine), then
 * a random delay, so that it lands anywhere in a write. */
#define MAX_STEPS 3
#define KILL_SPREAD_US 15000
#define STEP_TIMEOUT_MS 20000 /* a crasher that stops reporting fails */
#define ENCLAVE_TAG 0x11 /* the crasher's */

static const char *crasher;
static char root[ST_PATH_MAX], secret[ST_PATH_MAX], state_dir[ST_PATH_MAX];

/* Waits (bounded) for one byte from the crasher. */
static bool wait_byte(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  char c;
  int n;
  while ((n = poll(&p, 1, STEP_TIMEOUT_MS)) < 0 && errno == EINTR) {
  }
  return n == 1 && read(fd, &c, 1) == 1;
}

static void run_and_kill(const char *mode, const char *dir) {
  int ready[2];
  HT_CHECK(pipe(ready) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    if (dup2(ready[1], STDOUT_FILENO) < 0) _exit(126);
    execl(crasher, crasher, mode, dir, secret, (char *)NULL);
    _exit(127);
  }
  close(ready[1]);
  HT_CHECK(pid > 0);
  if (pid <= 0) {
    close(ready[0]);
    return;
  }
  int steps = 1 + rand() % (MAX_STEPS + 1); /* the ready byte, then steps */
  for (int i = 0; i < steps; i++) HT_CHECK(wait_byte(ready[0]));
  close(ready[0]);
  long delay_us = rand() % KILL_SPREAD_US;
  struct timespec ts = {0, delay_us * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  HT_CHECK(kill(pid, SIGKILL) == 0);
  int status = 0;
  HT_CHECK(waitpid(pid, &status, 0) == pid);
  /* Killed, not exited: an early exit means the crasher failed. */
  HT_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static int count_temp_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strncmp(e->d_name, ".tmp-", 5) == 0) n++;
  closedir(d);
  return n;
}

static void test_state_survives_kills(void) {
  hv_tee *tee = st_tee(secret, ENCLAVE_TAG);
  hv_store *store = NULL;
  uint8_t pub[HV_ED25519_PUB_LEN], pub2[HV_ED25519_PUB_LEN], sk[HV_ED25519_PRIV_LEN];
  HT_CHECK(hv_store_open(state_dir, tee, true, &store) == HV_STORE_OK);
  HT_CHECK(hv_store_init_identity(store, pub) == HV_STORE_OK);
  hv_store_free(store);
  uint64_t last = 0;
  int progressed = 0, leftovers = 0;
  for (int trial = 0; trial < STATE_TRIALS; trial++) {
    run_and_kill("state", state_dir);
    leftovers += count_temp_files(state_dir) > 0;
    HT_CHECK(hv_store_open(state_dir, tee, false, &store) == HV_STORE_OK);
    if (!store) return;
    HT_CHECK_EQ_INT(count_temp_files(state_dir), 0);
    uint64_t v = 0;
    hv_store_chain_head h = {0, 0};
    HT_CHECK(hv_store_get_policy_version(store, &v) == HV_STORE_OK);
    HT_CHECK(hv_store_get_chain_head(store, &h) == HV_STORE_OK);
    HT_CHECK(h.number == v || h.number + 1 == v);
    HT_CHECK_EQ_INT(h.time_ms, st_block_time(h.number));
    HT_CHECK(v >= last);
    progressed += v > last;
    last = v;
    HT_CHECK(hv_store_get_identity(store, sk, pub2) == HV_STORE_OK);
    HT_CHECK_MEM(pub2, pub, sizeof pub);
    hv_wipe(sk, sizeof sk);
    hv_store_free(store);
  }
  printf("state: %d trials, %d made progress, %d left temp files, version %llu\n",
         STATE_TRIALS, progressed, leftovers, (unsigned long long)last);
  /* A crasher that never wrote would pass the checks above vacuously. */
  HT_CHECK(progressed >= STATE_TRIALS / 3);
  hv_tee_free(tee);
}

/* Every store the crasher began has no identity or a whole one. */
static void check_init_stores(const hv_tee *tee, int *whole, int *empty) {
  for (unsigned k = 0;; k++) {
    char path[ST_PATH_MAX], name[32];
    snprintf(name, sizeof name, "s%u", k);
    st_join(path, root, name);
    hv_store *store = NULL;
    hv_store_error err = hv_store_open(path, tee, false, &store);
    if (err == HV_STORE_ERR_MISSING) return;
    HT_CHECK(err == HV_STORE_OK);
    if (err != HV_STORE_OK) return;
    uint8_t pub[HV_ED25519_PUB_LEN], pub2[HV_ED25519_PUB_LEN], sk[HV_ED25519_PRIV_LEN];
    err = hv_store_public(store, pub);
    if (err == HV_STORE_ERR_NO_IDENTITY) {
      (*empty)++;
    } else {
      HT_CHECK(err == HV_STORE_OK);
      HT_CHECK(hv_store_get_identity(store, sk, pub2) == HV_STORE_OK);
      HT_CHECK_MEM(pub, pub2, sizeof pub);
      hv_wipe(sk, sizeof sk);
      uint64_t v = 1;
      /* written before the identity: an identity never lacks its state */
      HT_CHECK_EQ_INT(hv_store_get_policy_version(store, &v), HV_STORE_OK);
      (*whole)++;
    }
    HT_CHECK_EQ_INT(count_temp_files(path), 0);
    hv_store_free(store);
  }
}

static void test_init_survives_kills(void) {
  hv_tee *tee = st_tee(secret, ENCLAVE_TAG);
  int whole = 0, empty = 0;
  for (int trial = 0; trial < INIT_TRIALS; trial++) run_and_kill("init", root);
  check_init_stores(tee, &whole, &empty);
  printf("init: %d stores with an identity, %d without\n", whole, empty);
  HT_CHECK(whole >= INIT_TRIALS / 3);
  hv_tee_free(tee);
}

/* Runs the crasher's retirement of dir, killed before disk write kill_at
 * (0: never); its exit status, -SIGKILL when killed. */
static int run_retire(const char *dir, long kill_at) {
  pid_t pid = fork();
  if (pid == 0) {
    char n[32];
    snprintf(n, sizeof n, "%ld", kill_at);
    if (setenv("HV_KILL_AT", n, 1) != 0) _exit(126);
    if (!freopen("/dev/null", "w", stdout)) _exit(126);
    execl(crasher, crasher, "retire", dir, secret, (char *)NULL);
    _exit(127);
  }
  HT_CHECK(pid > 0);
  int status = 0;
  if (pid <= 0 || waitpid(pid, &status, 0) != pid) return 127;
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

/* After a kill: serving with its key (1) or retired with its tombstone
 * (2); 0 (and a failed check) for anything else. */
static int retire_outcome(const hv_tee *tee, const char *dir,
                          const uint8_t pub[HV_ED25519_PUB_LEN]) {
  hv_store *store = NULL;
  uint8_t sk[HV_ED25519_PRIV_LEN], got[HV_ED25519_PUB_LEN];
  hv_store_tombstone t, want = st_tombstone();
  bool retired = false;
  HT_CHECK_EQ_INT(hv_store_open(dir, tee, false, &store), HV_STORE_OK);
  if (!store) return 0;
  HT_CHECK_EQ_INT(count_temp_files(dir), 0);
  int outcome = 0;
  HT_CHECK_EQ_INT(hv_store_get_tombstone(store, &retired, &t), HV_STORE_OK);
  if (!retired) {
    HT_CHECK_EQ_INT(hv_store_get_identity(store, sk, got), HV_STORE_OK);
    HT_CHECK_MEM(got, pub, HV_ED25519_PUB_LEN);
    hv_wipe(sk, sizeof sk);
    outcome = memcmp(got, pub, HV_ED25519_PUB_LEN) == 0 ? 1 : 0;
  } else {
    memcpy(want.identity_pub, pub, HV_ED25519_PUB_LEN);
    HT_CHECK(memcmp(&t, &want, sizeof t) == 0);
    HT_CHECK_EQ_INT(hv_store_get_identity(store, sk, got), HV_STORE_ERR_RETIRED);
    HT_CHECK_EQ_INT(hv_store_public(store, got), HV_STORE_ERR_NO_IDENTITY); /* wiped */
    outcome = memcmp(&t, &want, sizeof t) == 0 ? 2 : 0;
  }
  hv_store_free(store);
  return outcome;
}

#define MAX_RETIRE_WRITES 64 /* ~12 today; a runaway loop fails */

static void test_retire_killed_at_every_write(void) {
  hv_tee *tee = st_tee(secret, ENCLAVE_TAG);
  int serving = 0, retired = 0;
  long kill_at = 1;
  for (;; kill_at++) {
    char dir[ST_PATH_MAX], name[32];
    uint8_t pub[HV_ED25519_PUB_LEN];
    hv_store *store = NULL;
    snprintf(name, sizeof name, "retire%ld", kill_at);
    st_join(dir, root, name);
    HT_CHECK(hv_store_open(dir, tee, true, &store) == HV_STORE_OK);
    HT_CHECK(hv_store_init_identity(store, pub) == HV_STORE_OK);
    hv_store_free(store);
    int rc = run_retire(dir, kill_at);
    int outcome = retire_outcome(tee, dir, pub);
    HT_CHECK(outcome != 0);
    if (rc == 0) {
      HT_CHECK_EQ_INT(outcome, 2); /* a whole run retires */
      break;
    }
    HT_CHECK_EQ_INT(rc, -SIGKILL);
    serving += outcome == 1;
    retired += outcome == 2;
    if (rc != -SIGKILL || kill_at == MAX_RETIRE_WRITES) break;
  }
  printf("retire: killed at each of %ld writes: %d still serving, %d retired\n",
         kill_at - 1, serving, retired);
  HT_CHECK(kill_at < MAX_RETIRE_WRITES);
  /* Both sides of the tombstone's rename were hit. */
  HT_CHECK(serving >= 1 && retired >= 1);
  hv_tee_free(tee);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s STORE_CRASHER\n", argv[0]);
    return 2;
  }
  crasher = argv[1];
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/hv-store-crash-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) return 2;
  st_join(secret, root, "platform-secret");
  st_join(state_dir, root, "state-store");
  HT_RUN(test_state_survives_kills);
  HT_RUN(test_init_survives_kills);
  HT_RUN(test_retire_killed_at_every_write);
  char cmd[ST_PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return HT_DONE();
}
