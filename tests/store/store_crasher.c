/* Writes a store in a loop until it is killed (test_store_crash kills it
 * with SIGKILL at random instants).
 *
 * usage: store_crasher state DIR SECRET   rewrite the state of the store
 *            in DIR: for k = stored+1, +2, ..: policy version k, then chain
 *            head {k, st_block_time(k)}. So at any instant the stored
 *            chain head number is the policy version or one less.
 *        store_crasher init DIR SECRET    create stores DIR/s0, s1, ..
 *            (skipping existing ones), each with a fresh identity.
 *        store_crasher retire DIR SECRET  retire the store in DIR with
 *            st_tombstone() and exit 0; with HV_KILL_AT=N it kills
 *            itself before the Nth disk-changing call (kill_at.c), and
 *            prints the number of such calls on a whole run.
 * It writes one byte to stdout when its setup is done and the writes
 * begin, and one more after each whole step (a k, a store), so that the
 * test can kill it some steps in whatever the speed of the machine
 * (ASan, a loaded CI). It stops by itself after MAX_RUN_SECONDS,
 * should nobody kill it. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kill_at.h"
#include "store_test_util.h"

#define MAX_RUN_SECONDS 20
#define ENCLAVE_TAG 0x11

static bool out_of_time(time_t start) { return time(NULL) - start > MAX_RUN_SECONDS; }

static void say_step(void) {
  if (fputs("R", stdout) == EOF || fflush(stdout) != 0) perror("store_crasher");
}

static int fail(const char *what, hv_store_error err) {
  fprintf(stderr, "store_crasher: %s: %s\n", what, hv_store_error_text(err));
  return 1;
}

static int run_state(const char *dir, const hv_tee *tee) {
  hv_store *store = NULL;
  hv_store_error err = hv_store_open(dir, tee, false, &store);
  if (err != HV_STORE_OK) return fail("open", err);
  uint64_t k = 0;
  err = hv_store_get_policy_version(store, &k);
  /* A kill between the two writes of k left the chain head at k - 1:
   * finish k first, so the invariant holds from here on. */
  hv_store_chain_head head = {k, st_block_time(k)};
  if (err == HV_STORE_OK) err = hv_store_set_chain_head(store, &head);
  say_step();
  for (time_t start = time(NULL); err == HV_STORE_OK && !out_of_time(start);) {
    k++;
    err = hv_store_set_policy_version(store, k);
    head = (hv_store_chain_head){k, st_block_time(k)};
    if (err == HV_STORE_OK) err = hv_store_set_chain_head(store, &head);
    if (err == HV_STORE_OK) say_step();
  }
  hv_store_free(store);
  return err == HV_STORE_OK ? 0 : fail("write", err);
}

static int run_retire(const char *dir, const hv_tee *tee) {
  hv_store *store = NULL;
  hv_store_tombstone t = st_tombstone();
  hv_store_error err = hv_store_open(dir, tee, false, &store);
  if (err != HV_STORE_OK) return fail("open", err);
  err = hv_store_retire(store, &t);
  hv_store_free(store);
  if (err != HV_STORE_OK) return fail("retire", err);
  printf("%ld\n", kill_at_calls());
  return 0;
}

static int run_init(const char *dir, const hv_tee *tee) {
  time_t start = time(NULL);
  say_step();
  for (unsigned k = 0; !out_of_time(start); k++) {
    char path[ST_PATH_MAX], name[32];
    struct stat st;
    snprintf(name, sizeof name, "s%u", k);
    st_join(path, dir, name);
    if (stat(path, &st) == 0) continue;
    hv_store *store = NULL;
    hv_store_error err = hv_store_open(path, tee, true, &store);
    if (err == HV_STORE_OK) err = hv_store_init_identity(store, NULL);
    hv_store_free(store);
    if (err != HV_STORE_OK) return fail("init", err);
    say_step();
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: store_crasher state|init|retire DIR SECRET\n");
    return 2;
  }
  hv_tee *tee = st_tee(argv[3], ENCLAVE_TAG);
  int rc = 2;
  if (strcmp(argv[1], "state") == 0) rc = run_state(argv[2], tee);
  else if (strcmp(argv[1], "init") == 0) rc = run_init(argv[2], tee);
  else if (strcmp(argv[1], "retire") == 0) rc = run_retire(argv[2], tee);
  hv_tee_free(tee);
  return rc;
}
