/* The store side of the move (issue 11): the state is written with the
 * identity and bound to it, so deleting it or putting in another
 * worker's is refused; retirement records a sealed tombstone and wipes
 * the secret; a retirement cut short is finished on open; a retired store
 * gives out no key and takes none. Each refusal flips one condition. */
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "store_test_util.h"

#define TAG_A 0xa1
#define FILE_CAP 8192

static char root[ST_PATH_MAX], secret_path[ST_PATH_MAX];
static hv_tee *tee_a;
static unsigned store_seq;

static hv_store *open_new(char dir[ST_PATH_MAX]) {
  char name[32];
  hv_store *s = NULL;
  snprintf(name, sizeof name, "store%u", store_seq++);
  st_join(dir, root, name);
  HT_CHECK(hv_store_open(dir, tee_a, true, &s) == HV_STORE_OK);
  return s;
}

static hv_store *reopen(hv_store *s, const char *dir) {
  hv_store_free(s);
  s = NULL;
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  return s;
}

static bool exists(const char *dir, const char *name) {
  char path[ST_PATH_MAX];
  struct stat st;
  st_join(path, dir, name);
  return lstat(path, &st) == 0;
}

/* Copies dir/name to to_dir/to_name (0600), as a host would. */
static void copy_file(const char *dir, const char *name, const char *to_dir,
                      const char *to_name) {
  char from[ST_PATH_MAX], to[ST_PATH_MAX];
  static uint8_t buf[FILE_CAP];
  st_join(from, dir, name);
  st_join(to, to_dir, to_name);
  FILE *f = fopen(from, "rb");
  HT_CHECK(f != NULL);
  if (!f) return;
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  (void)unlink(to);
  f = fopen(to, "wb");
  HT_CHECK(f != NULL);
  if (!f) return;
  HT_CHECK(fwrite(buf, 1, n, f) == n);
  fclose(f);
  HT_CHECK(chmod(to, 0600) == 0);
}

static void remove_file(const char *dir, const char *name) {
  char path[ST_PATH_MAX];
  st_join(path, dir, name);
  HT_CHECK(unlink(path) == 0);
}

static void test_init_writes_the_state(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint64_t v = 99;
  HT_CHECK(!exists(dir, "state"));
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_OK);
  HT_CHECK(exists(dir, "state"));
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 0);
  hv_store_free(s);
}

/* receive: values seen before the identity arrived stay, now bound to it. */
static void test_put_binds_the_state(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t sk[32], pub[32];
  uint64_t v = 0;
  HT_CHECK(hv_ed25519_keypair(sk, pub) == 0);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 5), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_put_identity(s, sk), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 5);
  remove_file(dir, "state");
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_ERR_STATE_MISSING);
  hv_wipe(sk, sizeof sk);
  hv_store_free(s);
}

static void test_state_missing_refused(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint64_t v = 0;
  hv_store_chain_head h = {7, 7007};
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 4), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK); /* control */
  remove_file(dir, "state");
  s = reopen(s, dir);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_ERR_STATE_MISSING);
  HT_CHECK_EQ_INT(v, 0);
  HT_CHECK_EQ_INT(hv_store_get_chain_head(s, &h), HV_STORE_ERR_STATE_MISSING);
  /* Not taken as fresh: nothing can be written over the gap either. */
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 1), HV_STORE_ERR_STATE_MISSING);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &h), HV_STORE_ERR_STATE_MISSING);
  HT_CHECK(!exists(dir, "state"));
  hv_store_free(s);
}

/* Another worker of the same build: its state unseals, but names another
 * identity. */
static void test_state_of_other_worker_refused(void) {
  char a_dir[ST_PATH_MAX], b_dir[ST_PATH_MAX];
  hv_store *a = open_new(a_dir), *b = open_new(b_dir);
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_init_identity(a, NULL), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_init_identity(b, NULL), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(a, 9), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(b, 2), HV_STORE_OK);
  copy_file(a_dir, "state", a_dir, "state.mine");
  copy_file(b_dir, "state", a_dir, "state");
  HT_CHECK_EQ_INT(hv_store_get_policy_version(a, &v), HV_STORE_ERR_OTHER_WORKER);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(a, 10), HV_STORE_ERR_OTHER_WORKER);
  copy_file(a_dir, "state.mine", a_dir, "state"); /* control: its own is fine */
  remove_file(a_dir, "state.mine");
  HT_CHECK_EQ_INT(hv_store_get_policy_version(a, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 9);
  hv_store_free(a);
  hv_store_free(b);
}

static void test_retire(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t pub[32], sk[32], got_pub[32];
  bool retired = true;
  uint64_t v = 0;
  hv_store_tombstone t = st_tombstone(), got;
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 3), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_tombstone(s, &retired, &got), HV_STORE_OK);
  HT_CHECK(!retired);
  HT_CHECK_EQ_INT(hv_store_retire(s, &t), HV_STORE_OK);
  HT_CHECK_MEM(t.identity_pub, pub, 32); /* filled in from the store */
  HT_CHECK(!exists(dir, "identity"));
  HT_CHECK(exists(dir, "tombstone"));
  s = reopen(s, dir);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, got_pub), HV_STORE_ERR_RETIRED);
  HT_CHECK_EQ_INT(hv_store_get_tombstone(s, &retired, &got), HV_STORE_OK);
  HT_CHECK(retired);
  HT_CHECK(memcmp(&got, &t, sizeof t) == 0);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK); /* state kept */
  HT_CHECK_EQ_INT(v, 3);
  /* Retired for good: no second retirement, no new identity. */
  HT_CHECK_EQ_INT(hv_store_retire(s, &t), HV_STORE_ERR_RETIRED);
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_ERR_RETIRED);
  HT_CHECK(hv_ed25519_keypair(sk, pub) == 0);
  HT_CHECK_EQ_INT(hv_store_put_identity(s, sk), HV_STORE_ERR_RETIRED);
  hv_wipe(sk, sizeof sk);
  /* The state of a retired store cannot go either. */
  remove_file(dir, "state");
  HT_CHECK_EQ_INT(hv_store_get_tombstone(s, &retired, &got), HV_STORE_ERR_STATE_MISSING);
  hv_store_free(s);
}

static void test_retire_needs_the_identity(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  hv_store_tombstone t = st_tombstone();
  HT_CHECK_EQ_INT(hv_store_retire(s, &t), HV_STORE_ERR_NO_IDENTITY);
  HT_CHECK(!exists(dir, "tombstone"));
  hv_store_free(s);
}

/* A crash after the tombstone and before (or in) the wipe: the next open
 * finishes it. The identity is put back by hand to stand for the crash. */
static void test_retirement_finished_on_open(void) {
  char dir[ST_PATH_MAX], path[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  hv_store_tombstone t = st_tombstone();
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_OK);
  copy_file(dir, "identity", root, "identity.saved");
  HT_CHECK_EQ_INT(hv_store_retire(s, &t), HV_STORE_OK);
  hv_store_free(s);
  copy_file(root, "identity.saved", dir, "identity"); /* whole */
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK(!exists(dir, "identity"));
  hv_store_free(s);
  copy_file(root, "identity.saved", dir, "identity");
  st_join(path, dir, "identity");
  HT_CHECK(truncate(path, 10) == 0); /* cut short by the wipe */
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK(!exists(dir, "identity"));
  hv_store_free(s);
  remove_file(root, "identity.saved");
}

/* The attack the state's record stops: delete the tombstone and put the
 * old identity file back (state untouched). Refused by name everywhere;
 * with the tombstone back, the store is retired again. */
static void test_tombstone_deleted_identity_restored(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t sk[32], pub[32];
  uint64_t v = 0;
  bool retired = false;
  hv_store_tombstone t = st_tombstone(), got;
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_OK);
  copy_file(dir, "identity", root, "identity.before");
  HT_CHECK_EQ_INT(hv_store_retire(s, &t), HV_STORE_OK);
  hv_store_free(s);
  copy_file(dir, "tombstone", root, "tombstone.kept");
  remove_file(dir, "tombstone");
  copy_file(root, "identity.before", dir, "identity");
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK(exists(dir, "identity")); /* no tombstone of ours: nothing wiped */
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_ERR_TOMBSTONE_MISSING);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_ERR_TOMBSTONE_MISSING);
  HT_CHECK_EQ_INT(hv_store_get_tombstone(s, &retired, &got), HV_STORE_ERR_TOMBSTONE_MISSING);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 9), HV_STORE_ERR_TOMBSTONE_MISSING);
  /* Without the identity too: still no fresh store to init. */
  remove_file(dir, "identity");
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_ERR_TOMBSTONE_MISSING);
  copy_file(root, "tombstone.kept", dir, "tombstone"); /* control */
  HT_CHECK_EQ_INT(hv_store_get_tombstone(s, &retired, &got), HV_STORE_OK);
  HT_CHECK(retired);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_ERR_RETIRED);
  hv_store_free(s);
  remove_file(root, "identity.before");
  remove_file(root, "tombstone.kept");
}

/* Two retirements of one identity (a copy of the store, same build): the
 * other's tombstone is not the one our state recorded. */
static void test_tombstone_of_other_retirement(void) {
  char a_dir[ST_PATH_MAX], b_dir[ST_PATH_MAX];
  hv_store *a = open_new(a_dir), *b = open_new(b_dir);
  bool retired = false;
  hv_store_tombstone ta = st_tombstone(), tb = st_tombstone(), got;
  tb.transcript_hash[0] ^= 1;
  HT_CHECK_EQ_INT(hv_store_init_identity(a, NULL), HV_STORE_OK);
  copy_file(a_dir, "identity", b_dir, "identity");
  copy_file(a_dir, "state", b_dir, "state");
  HT_CHECK_EQ_INT(hv_store_retire(a, &ta), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_retire(b, &tb), HV_STORE_OK);
  copy_file(b_dir, "tombstone", a_dir, "tombstone");
  HT_CHECK_EQ_INT(hv_store_get_tombstone(a, &retired, &got), HV_STORE_ERR_TOMBSTONE_MISSING);
  HT_CHECK_EQ_INT(hv_store_get_tombstone(b, &retired, &got), HV_STORE_OK); /* control */
  hv_store_free(a);
  hv_store_free(b);
}

/* A crash after the tombstone, before the state recorded it: the next
 * open records it and wipes the identity (the files put back by hand
 * stand for the crash). */
static void test_unrecorded_tombstone_finished_on_open(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  hv_store_tombstone t = st_tombstone();
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_OK);
  copy_file(dir, "identity", root, "identity.before");
  copy_file(dir, "state", root, "state.before");
  HT_CHECK_EQ_INT(hv_store_retire(s, &t), HV_STORE_OK);
  hv_store_free(s);
  copy_file(root, "identity.before", dir, "identity");
  copy_file(root, "state.before", dir, "state");
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK(!exists(dir, "identity"));
  hv_store_free(s);
  remove_file(dir, "tombstone"); /* the state recorded it: now refused */
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_ERR_TOMBSTONE_MISSING);
  hv_store_free(s);
  remove_file(root, "identity.before");
  remove_file(root, "state.before");
}

/* Another worker's genuine tombstone (same build) in our store: we serve
 * no more (a tombstone is there), but our key is not wiped for it and
 * the tombstone is refused as not ours. */
static void test_foreign_tombstone(void) {
  char a_dir[ST_PATH_MAX], b_dir[ST_PATH_MAX];
  hv_store *a = open_new(a_dir), *b = open_new(b_dir);
  uint8_t sk[32], pub[32];
  bool retired = false;
  hv_store_tombstone t = st_tombstone(), got;
  HT_CHECK_EQ_INT(hv_store_init_identity(a, NULL), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_init_identity(b, NULL), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_retire(b, &t), HV_STORE_OK);
  copy_file(b_dir, "tombstone", a_dir, "tombstone");
  a = reopen(a, a_dir);
  HT_CHECK(exists(a_dir, "identity"));
  HT_CHECK_EQ_INT(hv_store_get_identity(a, sk, pub), HV_STORE_ERR_RETIRED);
  HT_CHECK_EQ_INT(hv_store_get_tombstone(a, &retired, &got), HV_STORE_ERR_OTHER_WORKER);
  remove_file(a_dir, "tombstone"); /* control */
  HT_CHECK_EQ_INT(hv_store_get_identity(a, sk, pub), HV_STORE_OK);
  hv_wipe(sk, sizeof sk);
  hv_store_free(a);
  hv_store_free(b);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/hv-store-move-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) return 2;
  st_join(secret_path, root, "platform-secret");
  tee_a = st_tee(secret_path, TAG_A);
  HT_RUN(test_init_writes_the_state);
  HT_RUN(test_put_binds_the_state);
  HT_RUN(test_state_missing_refused);
  HT_RUN(test_state_of_other_worker_refused);
  HT_RUN(test_retire);
  HT_RUN(test_retire_needs_the_identity);
  HT_RUN(test_retirement_finished_on_open);
  HT_RUN(test_foreign_tombstone);
  HT_RUN(test_tombstone_deleted_identity_restored);
  HT_RUN(test_tombstone_of_other_retirement);
  HT_RUN(test_unrecorded_tombstone_finished_on_open);
  hv_tee_free(tee_a);
  char cmd[ST_PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return HT_DONE();
}
