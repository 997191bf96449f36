/* The sim platform secret file: created private, refused when not. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "harness.h"
#include "tee_test_util.h"

static hv_tee_error open_at(const char *name) {
  char path[512];
  hv_tee *tee = NULL;
  hv_tee_measurement m = tt_identity(1, 2, 3, 4);
  tt_path(path, sizeof path, name);
  hv_tee_error err = hv_tee_open_sim(path, &m, &tee);
  HT_CHECK((err == HV_TEE_OK) == (tee != NULL));
  hv_tee_free(tee);
  return err;
}

static void write_file(const char *name, size_t len, mode_t mode) {
  char path[512];
  uint8_t bytes[64] = {0};
  tt_path(path, sizeof path, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  HT_CHECK(write(fd, bytes, len) == (ssize_t)len);
  HT_CHECK(fchmod(fd, mode) == 0);
  close(fd);
}

static void test_created_0600_with_32_bytes(void) {
  char path[512];
  struct stat st;
  tt_path(path, sizeof path, "fresh");
  HT_CHECK(stat(path, &st) != 0);
  HT_CHECK_EQ_INT(open_at("fresh"), HV_TEE_OK);
  HT_CHECK(stat(path, &st) == 0);
  HT_CHECK_EQ_INT(st.st_mode & 07777, 0600);
  HT_CHECK_EQ_INT(st.st_size, 32);
  /* Opening again reuses it unchanged. */
  struct stat again;
  HT_CHECK_EQ_INT(open_at("fresh"), HV_TEE_OK);
  HT_CHECK(stat(path, &again) == 0 && again.st_ino == st.st_ino);
}

static void test_created_0600_under_permissive_umask(void) {
  char path[512];
  struct stat st;
  mode_t old = umask(0);
  HT_CHECK_EQ_INT(open_at("umask0"), HV_TEE_OK);
  umask(old);
  tt_path(path, sizeof path, "umask0");
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
}

static void test_loose_permissions_refused(void) {
  write_file("group-readable", 32, 0640);
  HT_CHECK_EQ_INT(open_at("group-readable"), HV_TEE_ERR_PERMISSIONS);
  write_file("world-readable", 32, 0604);
  HT_CHECK_EQ_INT(open_at("world-readable"), HV_TEE_ERR_PERMISSIONS);
  write_file("just-right", 32, 0600);
  HT_CHECK_EQ_INT(open_at("just-right"), HV_TEE_OK);
}

static void test_wrong_size_refused(void) {
  write_file("short", 31, 0600);
  HT_CHECK_EQ_INT(open_at("short"), HV_TEE_ERR_PERMISSIONS);
  write_file("long", 33, 0600);
  HT_CHECK_EQ_INT(open_at("long"), HV_TEE_ERR_PERMISSIONS);
  write_file("empty", 0, 0600);
  HT_CHECK_EQ_INT(open_at("empty"), HV_TEE_ERR_PERMISSIONS);
}

static void test_symlink_and_directory_refused(void) {
  char target[512], link_path[512];
  write_file("real", 32, 0600);
  tt_path(target, sizeof target, "real");
  tt_path(link_path, sizeof link_path, "link");
  HT_CHECK(symlink(target, link_path) == 0);
  HT_CHECK_EQ_INT(open_at("link"), HV_TEE_ERR_PERMISSIONS);
  char dir[512];
  tt_path(dir, sizeof dir, "adir");
  HT_CHECK(mkdir(dir, 0700) == 0);
  HT_CHECK_EQ_INT(open_at("adir"), HV_TEE_ERR_PERMISSIONS);
  rmdir(dir);
  /* A FIFO is refused at once, not waited on for a writer (the test
   * would hang here, until meson's timeout, if open blocked). */
  char fifo[512];
  tt_path(fifo, sizeof fifo, "fifo");
  HT_CHECK(mkfifo(fifo, 0600) == 0);
  HT_CHECK_EQ_INT(open_at("fifo"), HV_TEE_ERR_PERMISSIONS);
  unlink(fifo);
}

static void test_missing_directory_is_io_error(void) {
  HT_CHECK_EQ_INT(open_at("no-such-dir/secret"), HV_TEE_ERR_IO);
  hv_tee *tee = NULL;
  HT_CHECK_EQ_INT(hv_tee_open_sim("", NULL, &tee), HV_TEE_ERR_ARGS);
}

/* Processes that create the secret at the same moment all end up with the
 * same one: each child reports to the parent, which must verify them all. */
#define RACERS 6
static void test_concurrent_creation_agrees(void) {
  char path[512];
  uint8_t ti[HV_TEE_TARGET_INFO_LEN], rd[HV_TEE_REPORT_DATA_LEN] = {0};
  int fds[2];
  tt_path(path, sizeof path, "raced");
  HT_CHECK(pipe(fds) == 0);
  /* The parent's identity is fixed before the secret exists. */
  hv_tee_measurement parent_id = tt_identity(9, 9, 9, 9);
  for (int i = 0; i < RACERS; i++) {
    pid_t pid = fork();
    HT_CHECK(pid >= 0);
    if (pid != 0) continue;
    hv_tee *me = NULL, *parent = NULL;
    hv_tee_measurement m = tt_identity((uint8_t)i, 1, 1, 1);
    uint8_t rep[HV_TEE_REPORT_LEN] = {0};
    /* The child computes the parent's target info under its own secret. */
    if (hv_tee_open_sim(path, &m, &me) == HV_TEE_OK &&
        hv_tee_open_sim(path, &parent_id, &parent) == HV_TEE_OK &&
        hv_tee_target_info(parent, ti) == HV_TEE_OK)
      (void)!hv_tee_report(me, ti, rd, rep);
    (void)!write(fds[1], rep, sizeof rep);
    _exit(0);
  }
  close(fds[1]);
  int verified = 0, status;
  hv_tee *parent = NULL;
  uint8_t rep[HV_TEE_REPORT_LEN];
  for (int i = 0; i < RACERS; i++) {
    if (read(fds[0], rep, sizeof rep) != (ssize_t)sizeof rep) break;
    if (!parent) HT_CHECK_EQ_INT(hv_tee_open_sim(path, &parent_id, &parent), HV_TEE_OK);
    if (parent && hv_tee_verify_report(parent, rep) == HV_TEE_OK) verified++;
  }
  close(fds[0]);
  while (wait(&status) > 0) {}
  HT_CHECK_EQ_INT(verified, RACERS);
  hv_tee_free(parent);
}

int main(void) {
  tt_tmpdir();
  HT_RUN(test_created_0600_with_32_bytes);
  HT_RUN(test_created_0600_under_permissive_umask);
  HT_RUN(test_loose_permissions_refused);
  HT_RUN(test_wrong_size_refused);
  HT_RUN(test_symlink_and_directory_refused);
  HT_RUN(test_missing_directory_is_io_error);
  HT_RUN(test_concurrent_creation_agrees);
  tt_cleanup();
  return HT_DONE();
}
