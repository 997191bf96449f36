/* Cookie persistence: the directory rules, a 0600 file written whole, a
 * round trip, other servers' jars kept, and a corrupt file costing only
 * fresh jars. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "timesrc/timesrc_int.h"

#define JAR_CAP 16384

static char root[64], dir[128];
static char err[256];

static hv_timesrc_server server(const char *host, uint16_t port) {
  hv_timesrc_server s;
  memset(&s, 0, sizeof s);
  snprintf(s.host, sizeof s.host, "%s", host);
  s.ke_port = port;
  return s;
}

static int count_files(const char *path, const char *containing) {
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
        (!containing || strstr(e->d_name, containing)))
      n++;
  closedir(d);
  return n;
}

static hv_timesrc_state *open_state(void) {
  return hv_timesrc_state_open(dir, NULL, err, sizeof err);
}

static hv_timesrc_state *open_keyed(const uint8_t *key) {
  return hv_timesrc_state_open(dir, key, err, sizeof err);
}

static void prepare_rules(void) {
  struct stat st;
  hv_timesrc_state *state = open_state();
  HT_CHECK(state != NULL);
  hv_timesrc_state_free(state);
  HT_CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  /* Already there: fine. */
  state = open_state();
  HT_CHECK(state != NULL);
  hv_timesrc_state_free(state);
  HT_CHECK(chmod(dir, 0750) == 0);
  HT_CHECK(open_state() == NULL);
  HT_CHECK(strstr(err, "open to others (mode 750") != NULL);
  HT_CHECK(chmod(dir, 0700) == 0);
  char file[160];
  snprintf(file, sizeof file, "%s/plain-file", root);
  int fd = open(file, O_CREAT | O_WRONLY, 0600);
  HT_CHECK(fd >= 0);
  if (fd >= 0) close(fd);
  HT_CHECK(hv_timesrc_state_open(file, NULL, err, sizeof err) == NULL);
  HT_CHECK(strstr(err, "not a directory") != NULL);
  unlink(file);
  /* A link to a private directory is still refused: it could be swapped. */
  char link_path[160];
  snprintf(link_path, sizeof link_path, "%s/link", root);
  HT_CHECK(symlink(dir, link_path) == 0);
  HT_CHECK(hv_timesrc_state_open(link_path, NULL, err, sizeof err) == NULL);
  HT_CHECK(strstr(err, "a symbolic link") != NULL);
  unlink(link_path);
}

/* The whole state file, for checks on what was written. */
static size_t read_state_file(uint8_t *buf, size_t cap) {
  char path[200];
  snprintf(path, sizeof path, "%s/jars", dir);
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

static bool holds_host(const uint8_t *file, size_t len, const char *host) {
  return memmem(file, len, host, strlen(host)) != NULL;
}

static size_t saved_bytes(const hv_nts_jar *jar, uint8_t *buf) {
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_nts_jar_save(jar, buf, JAR_CAP, &len), 0);
  return len;
}

static void round_trip(void) {
  static uint8_t a[JAR_CAP], b[JAR_CAP], file[JAR_CAP];
  hv_timesrc_server servers[2] = {server("Time.Example", 4461), server("::1", 0)};
  hv_nts_jar *jars[2] = {hv_nts_jar_new(), hv_nts_jar_new()};
  hv_timesrc_state *state = open_state();
  HT_CHECK(state && jars[0] && jars[1]);
  if (!state || !jars[0] || !jars[1]) return;
  HT_CHECK_EQ_INT(hv_timesrc_state_save(state, servers, jars, 2), 0);
  hv_timesrc_state_free(state);
  char path[200];
  snprintf(path, sizeof path, "%s/jars", dir);
  struct stat st;
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  HT_CHECK_EQ_INT(count_files(dir, NULL), 1); /* no temp file left */
  size_t len = read_state_file(file, sizeof file);
  HT_CHECK(len > 6 && file[5] == 2);
  HT_CHECK(holds_host(file, len, "Time.Example") && holds_host(file, len, "::1"));

  state = open_state();
  HT_CHECK(state != NULL);
  if (!state) return;
  /* Found case-insensitively, under the default port. */
  hv_timesrc_server lower = server("time.example", 4461), v6 = server("::1", 4460);
  hv_nts_jar *back = hv_timesrc_state_jar(state, &lower);
  hv_nts_jar *back6 = hv_timesrc_state_jar(state, &v6);
  HT_CHECK(back && back6);
  if (back) {
    size_t la = saved_bytes(jars[0], a), lb = saved_bytes(back, b);
    HT_CHECK(la == lb && memcmp(a, b, la) == 0);
  }
  hv_nts_jar_free(back);
  hv_nts_jar_free(back6);
  hv_timesrc_state_free(state);
  hv_nts_jar_free(jars[0]);
  hv_nts_jar_free(jars[1]);
}

/* Another configuration sharing the directory keeps its servers' jars. */
static void other_servers_kept(void) {
  static uint8_t file[JAR_CAP];
  hv_timesrc_server other = server("other.example", 0);
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_timesrc_state *state = open_state();
  HT_CHECK(state && jar);
  if (!state || !jar) return;
  HT_CHECK_EQ_INT(hv_timesrc_state_save(state, &other, &jar, 1), 0);
  hv_timesrc_state_free(state);
  size_t len = read_state_file(file, sizeof file);
  HT_CHECK(len > 6 && file[5] == 3);
  HT_CHECK(holds_host(file, len, "other.example") && holds_host(file, len, "Time.Example"));
  /* Saving a server again replaces its entry rather than adding one. */
  state = open_state();
  HT_CHECK(state != NULL);
  if (state) HT_CHECK_EQ_INT(hv_timesrc_state_save(state, &other, &jar, 1), 0);
  hv_timesrc_state_free(state);
  len = read_state_file(file, sizeof file);
  HT_CHECK(len > 6 && file[5] == 3);
  hv_nts_jar_free(jar);
}

static void corrupt_file_gives_fresh_jars(void) {
  static uint8_t file[JAR_CAP];
  char path[200];
  snprintf(path, sizeof path, "%s/jars", dir);
  FILE *f = fopen(path, "w");
  HT_CHECK(f != NULL);
  if (!f) return;
  fputs("HVTS\1\3not really", f);
  fclose(f);
  hv_timesrc_server s = server("other.example", 0);
  hv_timesrc_state *state = open_state();
  HT_CHECK(state != NULL);
  if (!state) return;
  hv_nts_jar *jar = hv_timesrc_state_jar(state, &s);
  HT_CHECK(jar != NULL);
  if (jar) HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(jar), 0);
  /* The next save writes a whole, valid file again. */
  HT_CHECK_EQ_INT(hv_timesrc_state_save(state, &s, &jar, 1), 0);
  hv_timesrc_state_free(state);
  size_t len = read_state_file(file, sizeof file);
  HT_CHECK(len > 6 && !memcmp(file, "HVTS", 4) && file[5] == 1);
  hv_nts_jar_free(jar);
  /* Missing file: also fresh jars. */
  unlink(path);
  state = open_state();
  HT_CHECK(state != NULL);
  if (!state) return;
  jar = hv_timesrc_state_jar(state, &s);
  HT_CHECK(jar != NULL);
  hv_nts_jar_free(jar);
  hv_timesrc_state_free(state);
}

static void write_state_file(const uint8_t *buf, size_t len) {
  char path[200];
  snprintf(path, sizeof path, "%s/jars", dir);
  FILE *f = fopen(path, "wb");
  HT_CHECK(f != NULL);
  if (!f) return;
  HT_CHECK(fwrite(buf, 1, len, f) == len);
  fclose(f);
}

static size_t entries_with(const uint8_t *key) {
  hv_timesrc_state *state = key ? open_keyed(key) : open_state();
  HT_CHECK(state != NULL);
  size_t n = state ? hv_timesrc_state_entries(state) : 0;
  hv_timesrc_state_free(state);
  return n;
}

/* With a key, nothing of the plain file shows on disk, and only that key
 * opens it: another key, no key, or one changed byte give fresh jars. */
static void encrypted_at_rest(void) {
  static uint8_t file[JAR_CAP], a[JAR_CAP], b[JAR_CAP];
  uint8_t key[HV_TIMESRC_STATE_KEY_LEN], other[HV_TIMESRC_STATE_KEY_LEN];
  memset(key, 0x11, sizeof key);
  memset(other, 0x22, sizeof other);
  hv_timesrc_server s = server("Sealed.Example", 4460);
  hv_nts_jar *jar = hv_nts_jar_new();
  hv_timesrc_state *state = open_keyed(key);
  HT_CHECK(state && jar);
  if (!state || !jar) return;
  HT_CHECK_EQ_INT(hv_timesrc_state_save(state, &s, &jar, 1), 0);
  hv_timesrc_state_free(state);
  size_t len = read_state_file(file, sizeof file);
  HT_CHECK(len > 4 && !memcmp(file, "HVTE", 4));
  HT_CHECK(!holds_host(file, len, "Sealed.Example"));

  state = open_keyed(key);
  HT_CHECK(state != NULL);
  if (!state) return;
  HT_CHECK(hv_timesrc_state_entries(state) >= 1);
  hv_nts_jar *back = hv_timesrc_state_jar(state, &s);
  HT_CHECK(back != NULL);
  if (back) {
    size_t la = saved_bytes(jar, a), lb = saved_bytes(back, b);
    HT_CHECK(la == lb && memcmp(a, b, la) == 0);
  }
  hv_nts_jar_free(back);
  hv_timesrc_state_free(state);
  size_t with_key = entries_with(key);
  HT_CHECK(with_key >= 1);
  HT_CHECK_EQ_INT(entries_with(other), 0);
  HT_CHECK_EQ_INT(entries_with(NULL), 0);
  for (size_t at = 0; at < len; at += len / 7 + 1) {
    file[at] ^= 0x01;
    write_state_file(file, len);
    HT_CHECK_EQ_INT(entries_with(key), 0);
    file[at] ^= 0x01;
  }
  write_state_file(file, len);
  HT_CHECK_EQ_INT(entries_with(key), with_key);
  /* And a plain file is not taken when a key is expected. */
  state = open_state();
  HT_CHECK(state != NULL);
  if (state) HT_CHECK_EQ_INT(hv_timesrc_state_save(state, &s, &jar, 1), 0);
  hv_timesrc_state_free(state);
  HT_CHECK(entries_with(NULL) >= 1);
  HT_CHECK_EQ_INT(entries_with(key), 0);
  hv_nts_jar_free(jar);
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/hv-timesrc-state.XXXXXX");
  if (!mkdtemp(root)) return 1;
  snprintf(dir, sizeof dir, "%s/state", root);
  HT_RUN(prepare_rules);
  HT_RUN(round_trip);
  HT_RUN(other_servers_kept);
  HT_RUN(corrupt_file_gives_fresh_jars);
  HT_RUN(encrypted_at_rest);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return HT_DONE();
}
