/* Cookie persistence: the directory rules, 0600 files written whole, a
 * round trip, and a corrupt or foreign file costing only a fresh jar. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "timesrc/internal.h"

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
    if (e->d_name[0] != '.' && (!containing || strstr(e->d_name, containing))) n++;
  closedir(d);
  return n;
}

static void prepare_rules(void) {
  struct stat st;
  HT_CHECK_EQ_INT(hv_timesrc_state_prepare(dir, err, sizeof err), 0);
  HT_CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  /* Already there: fine. */
  HT_CHECK_EQ_INT(hv_timesrc_state_prepare(dir, err, sizeof err), 0);
  HT_CHECK(chmod(dir, 0750) == 0);
  HT_CHECK_EQ_INT(hv_timesrc_state_prepare(dir, err, sizeof err), -1);
  HT_CHECK(strstr(err, "open to others (mode 750") != NULL);
  HT_CHECK(chmod(dir, 0700) == 0);
  char file[160];
  snprintf(file, sizeof file, "%s/plain-file", root);
  int fd = open(file, O_CREAT | O_WRONLY, 0600);
  HT_CHECK(fd >= 0);
  if (fd >= 0) close(fd);
  HT_CHECK_EQ_INT(hv_timesrc_state_prepare(file, err, sizeof err), -1);
  HT_CHECK(strstr(err, "not a directory") != NULL);
  unlink(file);
}

static size_t saved_bytes(const hv_nts_jar *jar, uint8_t *buf) {
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_nts_jar_save(jar, buf, JAR_CAP, &len), 0);
  return len;
}

static void round_trip(void) {
  static uint8_t a[JAR_CAP], b[JAR_CAP];
  hv_timesrc_server s = server("Time.Example", 4461);
  hv_nts_jar *jar = hv_nts_jar_new();
  HT_CHECK(jar != NULL);
  if (!jar) return;
  HT_CHECK_EQ_INT(hv_timesrc_state_save(dir, &s, jar), 0);
  char path[256];
  snprintf(path, sizeof path, "%s/jar-time.example-4461", dir);
  struct stat st;
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  HT_CHECK_EQ_INT(count_files(dir, ".tmp"), 0);
  hv_nts_jar *back = hv_timesrc_state_load(dir, &s);
  HT_CHECK(back != NULL);
  if (back) {
    size_t la = saved_bytes(jar, a), lb = saved_bytes(back, b);
    HT_CHECK_EQ_INT(la, lb);
    HT_CHECK(la == lb && memcmp(a, b, la) == 0);
    hv_nts_jar_free(back);
  }
  /* Saving again replaces the file; still one file, still no temp. */
  HT_CHECK_EQ_INT(hv_timesrc_state_save(dir, &s, jar), 0);
  HT_CHECK_EQ_INT(count_files(dir, "jar-time.example"), 1);
  HT_CHECK_EQ_INT(count_files(dir, ".tmp"), 0);
  hv_nts_jar_free(jar);
  unlink(path);
}

static void corrupt_file_gives_fresh_jar(void) {
  hv_timesrc_server s = server("127.0.0.1", 0);
  char path[256];
  snprintf(path, sizeof path, "%s/jar-127.0.0.1-4460", dir);
  FILE *f = fopen(path, "w");
  HT_CHECK(f != NULL);
  if (!f) return;
  fputs("not a jar at all", f);
  fclose(f);
  hv_nts_jar *jar = hv_timesrc_state_load(dir, &s);
  HT_CHECK(jar != NULL);
  if (jar) HT_CHECK_EQ_INT(hv_nts_jar_cookie_count(jar), 0);
  hv_nts_jar_free(jar);
  unlink(path);
  /* Missing file: also a fresh jar. */
  jar = hv_timesrc_state_load(dir, &s);
  HT_CHECK(jar != NULL);
  hv_nts_jar_free(jar);
}

/* IPv6 colons are escaped; a name too long for a file name is hashed. */
static void file_names(void) {
  hv_timesrc_server v6 = server("::1", 4462);
  hv_nts_jar *jar = hv_nts_jar_new();
  HT_CHECK(jar != NULL);
  if (!jar) return;
  HT_CHECK_EQ_INT(hv_timesrc_state_save(dir, &v6, jar), 0);
  HT_CHECK_EQ_INT(count_files(dir, "jar-_3a_3a1-4462"), 1);
  char host[HV_NTS_HOST_MAX + 1];
  memset(host, 'a', 250);
  host[250] = 0;
  hv_timesrc_server long_name = server(host, 0);
  HT_CHECK_EQ_INT(hv_timesrc_state_save(dir, &long_name, jar), 0);
  HT_CHECK_EQ_INT(count_files(dir, "jar-h"), 1);
  hv_nts_jar *back = hv_timesrc_state_load(dir, &long_name);
  HT_CHECK(back != NULL);
  hv_nts_jar_free(back);
  hv_nts_jar_free(jar);
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/hv-timesrc-state.XXXXXX");
  if (!mkdtemp(root)) return 1;
  snprintf(dir, sizeof dir, "%s/state", root);
  HT_RUN(prepare_rules);
  HT_RUN(round_trip);
  HT_RUN(corrupt_file_gives_fresh_jar);
  HT_RUN(file_names);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return HT_DONE();
}
