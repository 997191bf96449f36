/* src/sys: durable replace and create (exact mode whatever the umask, no
 * temp file left, an existing name kept by create, published by rename
 * where link() answers ENOSYS), whole writes, whole-file reads (bounded,
 * regular files only when asked), hex and decimal text, the clocks. */
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "sys/sys.h"

/* This executable's link() comes before libc's for the library linked
 * into it: with no_link set it answers as Gramine 1.9 does. */
static int no_link;
int link(const char *from, const char *to);
int link(const char *from, const char *to) {
  if (no_link) {
    errno = no_link;
    return -1;
  }
  return linkat(AT_FDCWD, from, AT_FDCWD, to, 0);
}

static char dir[] = "/tmp/hv-test-sys-XXXXXX";

static char *at(const char *name) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static size_t entries(void) {
  DIR *d = opendir(dir);
  size_t n = 0;
  for (struct dirent *e; d && (e = readdir(d)) != NULL;)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  if (d) closedir(d);
  return n;
}

static int contents(const char *name, char *buf, size_t cap) {
  int fd = open(at(name), O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  return (int)n;
}

static mode_t mode_of(const char *name) {
  struct stat st;
  return stat(at(name), &st) == 0 ? st.st_mode & 07777 : 0;
}

static void test_replace(void) {
  char buf[64];
  mode_t old = umask(0077);
  HT_CHECK_EQ_INT(hv_sys_replace(at("a"), "one", 3, 0644), 0);
  umask(old);
  HT_CHECK_EQ_INT(mode_of("a"), 0644); /* exact, the umask took nothing */
  HT_CHECK_EQ_INT(hv_sys_replace(at("a"), "second", 6, 0600), 0);
  HT_CHECK_EQ_INT(contents("a", buf, sizeof buf), 6);
  HT_CHECK(strcmp(buf, "second") == 0);
  HT_CHECK_EQ_INT(mode_of("a"), 0600);
  HT_CHECK_EQ_INT(entries(), 1); /* no temp file left */
  HT_CHECK(unlink(at("a")) == 0);
}

static void test_replace_at_missing_dir(void) {
  HT_CHECK_EQ_INT(hv_sys_replace(at("no/such"), "x", 1, 0600), -1);
  HT_CHECK_EQ_INT(errno, ENOENT);
  HT_CHECK_EQ_INT(entries(), 0);
}

static void test_create(int without_link) {
  char buf[64];
  no_link = without_link;
  HT_CHECK_EQ_INT(hv_sys_create(at("c"), "first", 5, 0600), 1);
  HT_CHECK_EQ_INT(hv_sys_create(at("c"), "other", 5, 0600), 0);
  HT_CHECK_EQ_INT(contents("c", buf, sizeof buf), 5);
  HT_CHECK(strcmp(buf, "first") == 0); /* the first one stays */
  HT_CHECK_EQ_INT(entries(), 1);
  no_link = 0;
  HT_CHECK(unlink(at("c")) == 0);
}

static void test_create_with_link(void) { test_create(0); }
static void test_create_without_link(void) { test_create(ENOSYS); }

static void test_create_link_refused(void) {
  no_link = EPERM; /* a real refusal, not a missing call: no fallback */
  HT_CHECK_EQ_INT(hv_sys_create(at("d"), "x", 1, 0600), -1);
  HT_CHECK_EQ_INT(errno, EPERM);
  no_link = 0;
  HT_CHECK_EQ_INT(entries(), 0);
}

static void test_write_all_and_fsync(void) {
  int fds[2];
  HT_CHECK(pipe(fds) == 0);
  HT_CHECK_EQ_INT(hv_sys_write_all(fds[1], "abc", 3), 0);
  char buf[4] = {0};
  HT_CHECK_EQ_INT(read(fds[0], buf, 3), 3);
  HT_CHECK(strcmp(buf, "abc") == 0);
  close(fds[0]);
  HT_CHECK_EQ_INT(hv_sys_write_all(fds[1], "x", 1), -1); /* EPIPE */
  close(fds[1]);
  HT_CHECK_EQ_INT(hv_sys_fsync_dir(dir), 0);
  HT_CHECK_EQ_INT(hv_sys_fsync_parent(at("anything")), 0);
  HT_CHECK_EQ_INT(hv_sys_fsync_dir(at("missing")), -1);
}

static void test_read_bounds(void) {
  HT_CHECK_EQ_INT(hv_sys_replace(at("four"), "abcd", 4, 0600), 0);
  uint8_t buf[8];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file(at("four"), HV_SYS_READ_ANY, buf, 4, &len), 0);
  HT_CHECK(len == 4 && memcmp(buf, "abcd", 4) == 0);
  errno = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file(at("four"), HV_SYS_READ_REGULAR, buf, 3, &len), -1);
  HT_CHECK_EQ_INT(errno, EFBIG); /* larger than the bound: refused, not cut */
  uint8_t *text = NULL;
  HT_CHECK_EQ_INT(hv_sys_read_file_alloc(at("four"), HV_SYS_READ_REGULAR, 4, &text, &len), 0);
  HT_CHECK(text && len == 4 && text[4] == '\0');
  free(text);
  errno = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file_alloc(at("missing"), HV_SYS_READ_ANY, 4, &text, &len), -1);
  HT_CHECK_EQ_INT(errno, ENOENT);
  HT_CHECK_EQ_INT(unlink(at("four")), 0);
}

static void test_read_regular_only(void) {
  /* A FIFO with no writer: READ_REGULAR refuses it at once instead of
   * waiting in open(); a directory is refused the same way. */
  HT_CHECK_EQ_INT(mkfifo(at("fifo"), 0600), 0);
  uint8_t buf[8];
  size_t len = 0;
  errno = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file(at("fifo"), HV_SYS_READ_REGULAR, buf, sizeof buf, &len), -1);
  HT_CHECK_EQ_INT(errno, HV_SYS_ERR_NOT_REGULAR);
  HT_CHECK(strcmp(hv_sys_file_error(errno), "not a regular file") == 0);
  errno = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file(dir, HV_SYS_READ_REGULAR, buf, sizeof buf, &len), -1);
  HT_CHECK_EQ_INT(errno, HV_SYS_ERR_NOT_REGULAR);
  HT_CHECK_EQ_INT(unlink(at("fifo")), 0);
  /* READ_ANY reads what the shell hands in: here a pipe, as /dev/fd/N. */
  int fds[2];
  HT_CHECK(pipe(fds) == 0);
  HT_CHECK_EQ_INT(hv_sys_write_all(fds[1], "hi", 2), 0);
  close(fds[1]);
  char path[32];
  snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
  HT_CHECK_EQ_INT(hv_sys_read_file(path, HV_SYS_READ_ANY, buf, sizeof buf, &len), 0);
  HT_CHECK(len == 2 && memcmp(buf, "hi", 2) == 0);
  close(fds[0]);
}

static void test_hex(void) {
  const uint8_t bytes[3] = {0x00, 0xab, 0xf9};
  char text[7];
  hv_sys_hex(bytes, 3, text);
  HT_CHECK(strcmp(text, "00abf9") == 0);
  uint8_t back[3];
  HT_CHECK(hv_sys_unhex("00ABf9", 6, back, 3) && memcmp(back, bytes, 3) == 0);
  HT_CHECK(!hv_sys_unhex("00abf", 5, back, 3));    /* one digit short */
  HT_CHECK(!hv_sys_unhex("00abf90", 7, back, 3));  /* one digit over */
  HT_CHECK(!hv_sys_unhex("00abg9", 6, back, 3));   /* not a digit */
  HT_CHECK(!hv_sys_unhex("00ab 9", 6, back, 3));
  HT_CHECK_EQ_INT(hv_sys_hex_digit('F'), 15);
  HT_CHECK_EQ_INT(hv_sys_hex_digit('/'), -1);
}

static void test_parse_u64(void) {
  uint64_t v = 7;
  HT_CHECK(hv_sys_parse_u64("0", 10, &v) && v == 0);
  HT_CHECK(hv_sys_parse_u64("10", 10, &v) && v == 10);
  HT_CHECK(!hv_sys_parse_u64("11", 10, &v));
  HT_CHECK(hv_sys_parse_u64("18446744073709551615", UINT64_MAX, &v) && v == UINT64_MAX);
  HT_CHECK(!hv_sys_parse_u64("18446744073709551616", UINT64_MAX, &v));
  v = 7;
  HT_CHECK(!hv_sys_parse_u64("", 10, &v));
  HT_CHECK(!hv_sys_parse_u64(NULL, 10, &v));
  HT_CHECK(!hv_sys_parse_u64("-1", 10, &v));
  HT_CHECK(!hv_sys_parse_u64("+1", 10, &v));
  HT_CHECK(!hv_sys_parse_u64("1a", 10, &v));
  HT_CHECK(!hv_sys_parse_u64(" 1", 10, &v));
  HT_CHECK(v == 7); /* untouched on refusal */
}

static void test_read_private(void) {
  uint8_t buf[8];
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_sys_replace(at("key"), "k", 1, 0600), 0);
  HT_CHECK_EQ_INT(hv_sys_read_file(at("key"), HV_SYS_READ_PRIVATE, buf, sizeof buf, &len), 0);
  HT_CHECK(len == 1 && buf[0] == 'k');
  char key[256];
  snprintf(key, sizeof key, "%s", at("key")); /* at() reuses one buffer */
  HT_CHECK_EQ_INT(symlink(key, at("link")), 0);
  errno = 0; /* a link to our own key: still refused, it could be swapped */
  HT_CHECK_EQ_INT(hv_sys_read_file(at("link"), HV_SYS_READ_PRIVATE, buf, sizeof buf, &len), -1);
  HT_CHECK_EQ_INT(errno, ELOOP);
  HT_CHECK_EQ_INT(hv_sys_read_file(at("link"), HV_SYS_READ_REGULAR, buf, sizeof buf, &len), 0);
  HT_CHECK_EQ_INT(chmod(at("key"), 0640), 0);
  errno = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file(at("key"), HV_SYS_READ_PRIVATE, buf, sizeof buf, &len), -1);
  HT_CHECK_EQ_INT(errno, EPERM);
  HT_CHECK_EQ_INT(hv_sys_read_file(at("key"), HV_SYS_READ_REGULAR, buf, sizeof buf, &len), 0);
  HT_CHECK_EQ_INT(mkfifo(at("fifo"), 0600), 0);
  errno = 0;
  HT_CHECK_EQ_INT(hv_sys_read_file(at("fifo"), HV_SYS_READ_PRIVATE, buf, sizeof buf, &len), -1);
  HT_CHECK_EQ_INT(errno, HV_SYS_ERR_NOT_REGULAR);
  HT_CHECK_EQ_INT(unlink(at("fifo")), 0);
  HT_CHECK_EQ_INT(unlink(at("link")), 0);
  HT_CHECK_EQ_INT(unlink(key), 0);
}

static void test_clocks(void) {
  int64_t a = hv_sys_monotonic_ns(), b = hv_sys_monotonic_ns();
  HT_CHECK(a > 0 && b >= a);
  /* The wall clock of this machine is after 2020 (1577836800 s). */
  HT_CHECK(hv_sys_realtime_ms() > 1577836800000LL);
  HT_CHECK(hv_sys_realtime_ns() / 1000000 >= hv_sys_realtime_ms() - 1000);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  if (!mkdtemp(dir)) return 1;
  HT_RUN(test_replace);
  HT_RUN(test_replace_at_missing_dir);
  HT_RUN(test_create_with_link);
  HT_RUN(test_create_without_link);
  HT_RUN(test_create_link_refused);
  HT_RUN(test_write_all_and_fsync);
  HT_RUN(test_read_bounds);
  HT_RUN(test_read_regular_only);
  HT_RUN(test_read_private);
  HT_RUN(test_hex);
  HT_RUN(test_parse_u64);
  HT_RUN(test_clocks);
  HT_CHECK_EQ_INT(entries(), 0);
  rmdir(dir);
  return HT_DONE();
}
