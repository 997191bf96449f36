/* The store's freshness: chain heads must be plausible before they are
 * recorded, and the time floor (build floor, newest head, newest trusted
 * time) only rises and never looks at the host's clock. Each refusal
 * flips exactly one condition and checks nothing was recorded. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "store_test_util.h"

#define DAY_MS (86400ull * 1000)

static char root[ST_PATH_MAX], secret_path[ST_PATH_MAX];
static hv_tee *the_tee;
static unsigned seq;

static hv_store *open_new(void) {
  char dir[ST_PATH_MAX], name[32];
  snprintf(name, sizeof name, "store%u", seq++);
  st_join(dir, root, name);
  hv_store *s = NULL;
  HT_CHECK_EQ_INT(hv_store_open(dir, the_tee, true, &s), HV_STORE_OK);
  return s;
}

static hv_store_chain_head head_of(hv_store *s) {
  hv_store_chain_head h = {1, 1};
  HT_CHECK_EQ_INT(hv_store_get_chain_head(s, &h), HV_STORE_OK);
  return h;
}

/* Now-ish: block numbers at 12 s a block from 1970, as a chain has. */
static const uint64_t T = 1796083200000ull; /* 2026-12-01T00:00:00Z */

static void test_head_time_back_refused(void) {
  hv_store *s = open_new();
  if (!s) return;
  hv_store_chain_head a = {5000, T}, back = {5001, T - 25 * DAY_MS}, next = {5001, T + 12000};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &a), HV_STORE_OK);
  /* the attack: a higher number with an earlier time */
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &back), HV_STORE_ERR_HEAD_TIME_BACK);
  hv_store_chain_head h = head_of(s);
  HT_CHECK(h.number == 5000 && h.time_ms == T);
  /* a millisecond earlier is enough */
  back.time_ms = T - 1;
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &back), HV_STORE_ERR_HEAD_TIME_BACK);
  /* the control: the real next block */
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &next), HV_STORE_OK);
  hv_store_free(s);
}

static void test_head_jump_refused(void) {
  hv_store *s = open_new();
  if (!s) return;
  HT_CHECK_EQ_INT(hv_store_set_min_block_interval(s, 6000), HV_STORE_OK);
  hv_store_chain_head a = {5000, T};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &a), HV_STORE_OK);
  /* one minute at 6 s a block: 10 blocks, not 11 */
  hv_store_chain_head far = {5011, T + 60000}, ok = {5010, T + 60000};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &far), HV_STORE_ERR_HEAD_JUMP);
  HT_CHECK_EQ_INT(head_of(s).number, 5000);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &ok), HV_STORE_OK);
  /* a new block at the same time is a jump too */
  hv_store_chain_head same_time = {5011, T + 60000};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &same_time), HV_STORE_ERR_HEAD_JUMP);
  HT_CHECK_EQ_INT(hv_store_set_min_block_interval(s, 0), HV_STORE_ERR_ARGS);
  hv_store_free(s);
}

static void test_absurd_number_never_recorded(void) {
  /* on a fresh store (nothing to compare with) ... */
  hv_store *s = open_new();
  if (!s) return;
  hv_store_chain_head absurd = {10000000000000000000ull, T};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &absurd), HV_STORE_ERR_HEAD_JUMP);
  hv_store_chain_head h = head_of(s);
  HT_CHECK(h.number == 0 && h.time_ms == 0);
  /* ... and after a real head */
  hv_store_chain_head a = {5000, T}, next = {5001, T + 1000};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &a), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &absurd), HV_STORE_ERR_HEAD_JUMP);
  absurd.number = UINT64_MAX;
  absurd.time_ms = UINT64_MAX;
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &absurd), HV_STORE_ERR_HEAD_JUMP);
  /* so the real next block is still accepted */
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &next), HV_STORE_OK);
  hv_store_free(s);
}

static void test_build_floor(void) {
  hv_store *s = open_new();
  if (!s) return;
  uint64_t f = 0;
  HT_CHECK(hv_store_build_floor_ms() > 1700000000000ull); /* set by the build */
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, hv_store_build_floor_ms());
  /* a fresh store refuses a trusted time before the build existed */
  uint64_t b = hv_store_build_floor_ms();
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, b - 1, &f), HV_STORE_ERR_BELOW_FLOOR);
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, b, &f), HV_STORE_OK);
  hv_store_free(s);
}

static void test_floor_from_head(void) {
  hv_store *s = open_new();
  if (!s) return;
  uint64_t top = hv_store_build_floor_ms() + 30 * DAY_MS, f = 0;
  hv_store_chain_head h = {top / 12000, top};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &h), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, top - HV_STORE_FLOOR_SLACK_MS);
  /* the attack: trusted time 25 days before the recorded head */
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, top - 25 * DAY_MS, NULL),
                  HV_STORE_ERR_BELOW_FLOOR);
  /* within the slack (a head a little ahead of trusted time) is fine */
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, top - HV_STORE_FLOOR_SLACK_MS, NULL),
                  HV_STORE_OK);
  hv_store_free(s);
}

static void test_floor_from_trusted_time(void) {
  hv_store *s = open_new();
  if (!s) return;
  uint64_t t = hv_store_build_floor_ms() + 10 * DAY_MS, f = 0;
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, t, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, hv_store_build_floor_ms()); /* judged against the old floor */
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, t - HV_STORE_FLOOR_SLACK_MS);
  /* not written for a small rise (one fsync a minute at most) ... */
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, t + HV_STORE_FLOOR_STEP_MS - 1, NULL),
                  HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, t - HV_STORE_FLOOR_SLACK_MS);
  /* ... and for a step */
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, t + HV_STORE_FLOOR_STEP_MS, NULL),
                  HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, t + HV_STORE_FLOOR_STEP_MS - HV_STORE_FLOOR_SLACK_MS);
  /* a lower trusted time is refused and never lowers the floor */
  uint64_t before = f;
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, before - 1, NULL), HV_STORE_ERR_BELOW_FLOOR);
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_OK);
  HT_CHECK_EQ_INT(f, before);
  hv_store_free(s);
}

static void test_floor_file_checked(void) {
  char dir[ST_PATH_MAX], name[32], path[ST_PATH_MAX], state[ST_PATH_MAX];
  snprintf(name, sizeof name, "store%u", seq++);
  st_join(dir, root, name);
  hv_store *s = NULL;
  HT_CHECK_EQ_INT(hv_store_open(dir, the_tee, true, &s), HV_STORE_OK);
  if (!s) return;
  uint64_t t = hv_store_build_floor_ms() + DAY_MS, f = 0;
  hv_store_chain_head h = {t / 12000, t};
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &h), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, t, NULL), HV_STORE_OK);
  st_join(path, dir, "floor");
  st_join(state, dir, "state");
  struct stat st;
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  /* the state file renamed into the floor's place is refused */
  char cmd[3 * ST_PATH_MAX];
  snprintf(cmd, sizeof cmd, "cp -p '%s' '%s'", state, path);
  HT_CHECK(system(cmd) == 0);
  HT_CHECK_EQ_INT(hv_store_get_time_floor(s, &f), HV_STORE_ERR_CORRUPT);
  HT_CHECK_EQ_INT(hv_store_record_trusted_time(s, t, NULL), HV_STORE_ERR_CORRUPT);
  hv_store_free(s);
}

static void test_error_names(void) {
  HT_CHECK(strstr(hv_store_error_text(HV_STORE_ERR_HEAD_TIME_BACK), "below") != NULL);
  HT_CHECK(strstr(hv_store_error_text(HV_STORE_ERR_HEAD_JUMP), "block rate") != NULL);
  HT_CHECK(strstr(hv_store_error_text(HV_STORE_ERR_BELOW_FLOOR), "floor") != NULL);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/hv-store-floor-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) return 2;
  st_join(secret_path, root, "platform-secret");
  the_tee = st_tee(secret_path, 0xa1);
  HT_RUN(test_head_time_back_refused);
  HT_RUN(test_head_jump_refused);
  HT_RUN(test_absurd_number_never_recorded);
  HT_RUN(test_build_floor);
  HT_RUN(test_floor_from_head);
  HT_RUN(test_floor_from_trusted_time);
  HT_RUN(test_floor_file_checked);
  HT_RUN(test_error_names);
  hv_tee_free(the_tee);
  char cmd[ST_PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return HT_DONE();
}
