/* Each server's cookie jar on disk, so the next run can skip NTS-KE.
 * A jar holds keys: files are 0600 in a 0700 directory, never written
 * half-way, and every buffer that held one is wiped. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "timesrc/internal.h"

/* 8 cookies of the largest size servers send in practice (chrony: 112
 * bytes, Cloudflare: 100) plus keys and address, with ample room. */
#define JAR_FILE_MAX 16384
/* File names beyond this switch to a hash of the host (NAME_MAX is 255). */
#define READABLE_NAME_MAX 200
#define PATH_CAP 4096

int hv_timesrc_state_prepare(const char *dir, char *err, size_t err_len) {
  struct stat st;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, err_len, "state directory %s: %s", dir, strerror(errno));
    return -1;
  }
  if (stat(dir, &st) != 0) {
    snprintf(err, err_len, "state directory %s: %s", dir, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, err_len, "state directory %s is not a directory", dir);
    return -1;
  }
  if (st.st_mode & 077) {
    snprintf(err, err_len, "state directory %s is open to others (mode %03o; want 0700)",
             dir, (unsigned)(st.st_mode & 0777));
    return -1;
  }
  return 0;
}

static bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* "jar-HOST-PORT" with the host lowercased and odd bytes as _XX, or a
 * hash of it when that would be too long. */
static int jar_name(const hv_timesrc_server *s, char *out, size_t cap) {
  char enc[3 * HV_NTS_HOST_MAX + 1];
  size_t k = 0;
  for (const char *p = s->host; *p; p++) {
    char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    if (plain_char(c)) {
      enc[k++] = c;
    } else {
      snprintf(enc + k, 4, "_%02x", (unsigned char)c);
      k += 3;
    }
  }
  enc[k] = 0;
  unsigned port = s->ke_port ? s->ke_port : HV_NTS_DEFAULT_KE_PORT;
  if (k <= READABLE_NAME_MAX) return snprintf(out, cap, "jar-%s-%u", enc, port) < (int)cap ? 0 : -1;
  uint8_t h[HV_SHA256_LEN];
  if (hv_sha256((const uint8_t *)enc, k, h)) return -1;
  int n = snprintf(out, cap, "jar-h");
  for (size_t i = 0; i < sizeof h; i++) n += snprintf(out + n, cap - (size_t)n, "%02x", h[i]);
  return snprintf(out + n, cap - (size_t)n, "-%u", port) < (int)(cap - (size_t)n) ? 0 : -1;
}

static int jar_path(const char *dir, const hv_timesrc_server *s, char *out, size_t cap) {
  char name[READABLE_NAME_MAX + 32];
  if (jar_name(s, name, sizeof name)) return -1;
  int n = snprintf(out, cap, "%s/%s", dir, name);
  return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The file's bytes, or 0 bytes when missing, unreadable or oversized. */
static size_t read_jar_file(const char *path, uint8_t *buf) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t len = 0;
  ssize_t got = 1;
  while (len < JAR_FILE_MAX && got > 0) {
    got = read(fd, buf + len, JAR_FILE_MAX - len);
    if (got > 0) len += (size_t)got;
    if (got < 0 && errno == EINTR) got = 1;
  }
  close(fd);
  return got < 0 || len >= JAR_FILE_MAX ? 0 : len;
}

hv_nts_jar *hv_timesrc_state_load(const char *dir, const hv_timesrc_server *s) {
  char path[PATH_CAP];
  uint8_t *buf = malloc(JAR_FILE_MAX);
  hv_nts_jar *jar = hv_nts_jar_new();
  if (!buf || !jar || jar_path(dir, s, path, sizeof path)) {
    free(buf);
    return jar;
  }
  size_t len = read_jar_file(path, buf);
  /* A corrupt file costs one NTS-KE, nothing more: start afresh. */
  if (len > 0 && hv_nts_jar_load(jar, buf, len) != 0) {
    hv_nts_jar_free(jar);
    jar = hv_nts_jar_new();
  }
  hv_wipe(buf, JAR_FILE_MAX);
  free(buf);
  return jar;
}

static int write_all(int fd, const uint8_t *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* temp, fsync, rename, fsync(dir): the old jar or the new, never a mix. */
static int replace_file(const char *dir, const char *path, const uint8_t *data, size_t len) {
  char tmp[PATH_CAP];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) return -1;
  int fd = mkostemp(tmp, O_CLOEXEC); /* mkstemp creates 0600 */
  if (fd < 0) return -1;
  int rc = write_all(fd, data, len);
  if (rc == 0) rc = fsync(fd);
  if (close(fd) != 0) rc = -1;
  if (rc == 0) rc = rename(tmp, path);
  if (rc != 0) {
    unlink(tmp);
    return -1;
  }
  return fsync_dir(dir);
}

int hv_timesrc_state_save(const char *dir, const hv_timesrc_server *s, const hv_nts_jar *jar) {
  char path[PATH_CAP];
  if (jar_path(dir, s, path, sizeof path)) return -1;
  uint8_t *buf = malloc(JAR_FILE_MAX);
  if (!buf) return -1;
  size_t len = 0;
  int rc = hv_nts_jar_save(jar, buf, JAR_FILE_MAX, &len);
  if (rc == 0) rc = replace_file(dir, path, buf, len);
  hv_wipe(buf, JAR_FILE_MAX);
  free(buf);
  return rc;
}
