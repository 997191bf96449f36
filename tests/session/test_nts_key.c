/* The sealed key of an NTS state directory: made once, whole, and the
 * same key read back; also on a runtime without link() (Gramine 1.9
 * answers ENOSYS), where the file is published by rename instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "session/nts_key.h"

/* This executable's link() comes before libc's for the library linked
 * into it: with no_link set it answers as Gramine does. */
static int no_link, link_calls;
int link(const char *from, const char *to);
int link(const char *from, const char *to) {
  link_calls++;
  if (no_link) {
    errno = ENOSYS;
    return -1;
  }
  return linkat(AT_FDCWD, from, AT_FDCWD, to, 0);
}

static char dir[] = "/tmp/hv-test-ntskey.XXXXXX";
static hv_tee *sim;

static void key_made_and_read_back(const char *sub) {
  char path[256], file[300];
  snprintf(path, sizeof path, "%s/%s", dir, sub);
  HT_CHECK(mkdir(path, 0700) == 0);
  uint8_t a[HV_TIMESRC_STATE_KEY_LEN], b[HV_TIMESRC_STATE_KEY_LEN];
  link_calls = 0;
  HT_CHECK_EQ_INT(hv_session_nts_key_load(NULL, path, sim, a), 0);
  HT_CHECK_EQ_INT(link_calls, 1);
  snprintf(file, sizeof file, "%s/%s", path, HV_SESSION_NTS_KEY_FILE);
  struct stat st;
  HT_CHECK(stat(file, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
  HT_CHECK_EQ_INT(hv_session_nts_key_load(NULL, path, sim, b), 0);
  HT_CHECK_MEM(a, b, sizeof a);
  /* only the key file is left: no temporary one */
  char cmd[400];
  snprintf(cmd, sizeof cmd, "test \"$(ls -A %s)\" = %s", path, HV_SESSION_NTS_KEY_FILE);
  HT_CHECK(system(cmd) == 0);
  HT_CHECK(unlink(file) == 0 && rmdir(path) == 0);
}

static void test_with_link(void) {
  no_link = 0;
  key_made_and_read_back("with-link");
}

static void test_without_link(void) {
  no_link = 1;
  key_made_and_read_back("without-link");
  no_link = 0;
}

int main(void) {
  char secret[300];
  if (!mkdtemp(dir)) return 1;
  snprintf(secret, sizeof secret, "%s/platform-secret", dir);
  hv_tee_measurement m;
  memset(&m, 0, sizeof m);
  m.mr_enclave[0] = 1;
  if (hv_tee_open_sim(secret, &m, &sim) != HV_TEE_OK) return 1;
  HT_RUN(test_with_link);
  HT_RUN(test_without_link);
  hv_tee_free(sim);
  unlink(secret);
  rmdir(dir);
  return HT_DONE();
}
