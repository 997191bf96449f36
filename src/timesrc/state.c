/* The servers' cookie jars on disk, so the next run can skip NTS-KE.
 * One file, `jars`, holds a jar per server (host, port): one fsync and one
 * rename per run instead of one per server, which on common file systems
 * costs more than the whole warm query. Jars hold keys: the file is 0600
 * in a 0700 directory, never written half-way, every copy wiped.
 *
 * File: "HVTS" | version u8 | count u8 | count x entry
 * entry: host length u8 | host | port u16 | jar length u16 | jar bytes
 * With a state key the file is that, encrypted (state_seal.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/buf.h"
#include "handover/crypto.h"
#include "sys/sys.h"
#include "timesrc/timesrc_int.h"

#define STATE_FILE "jars"
#define STATE_VERSION 1
/* Servers remembered, ours and those of other configurations sharing
 * the directory (the governance policy may list at most as many). */
#define STATE_ENTRIES_MAX 64
/* 8 cookies of the largest size servers send in practice (chrony: ~100
 * bytes each; a jar is ~900 bytes) with ample room. */
#define JAR_BYTES_MAX 16384
#define STATE_PLAIN_MAX (STATE_ENTRIES_MAX * (JAR_BYTES_MAX + HV_NTS_HOST_MAX + 8))
#define STATE_FILE_MAX (STATE_PLAIN_MAX + HV_TIMESRC_SEALED_OVERHEAD)
#define PATH_CAP 4096
#define DIR_CAP (PATH_CAP - 64) /* room for "/jars" */

static const uint8_t state_magic[4] = {'H', 'V', 'T', 'S'};

typedef struct {
  char host[HV_NTS_HOST_MAX + 1];
  uint16_t port;
  const uint8_t *jar; /* into the file's bytes */
  uint16_t jar_len;
} entry;

struct hv_timesrc_state {
  char dir[DIR_CAP];
  bool has_key;
  uint8_t key[HV_TIMESRC_STATE_KEY_LEN];
  uint8_t *file; /* the bytes read, wiped on close */
  size_t file_len;
  entry entries[STATE_ENTRIES_MAX];
  size_t n_entries;
};

static int fail(char *detail, size_t detail_len, const char *what, const char *dir) {
  snprintf(detail, detail_len, "state directory %s: %s", dir, what);
  return -1;
}

static int prepare_dir(const char *dir, char *detail, size_t detail_len) {
  struct stat st;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return fail(detail, detail_len, strerror(errno), dir);
  /* lstat: a link could be swapped for another user's directory. */
  if (lstat(dir, &st) != 0) return fail(detail, detail_len, strerror(errno), dir);
  if (S_ISLNK(st.st_mode)) return fail(detail, detail_len, "a symbolic link", dir);
  if (!S_ISDIR(st.st_mode)) return fail(detail, detail_len, "not a directory", dir);
  if (st.st_uid != geteuid()) return fail(detail, detail_len, "owned by another user", dir);
  if (st.st_mode & 077) {
    char why[80];
    snprintf(why, sizeof why, "open to others (mode %03o; want 700)",
             (unsigned)(st.st_mode & 0777));
    return fail(detail, detail_len, why, dir);
  }
  return 0;
}

static uint16_t port_of(const hv_timesrc_server *s) {
  return s->ke_port ? s->ke_port : HV_NTS_DEFAULT_KE_PORT;
}

/* A file that does not parse is ignored whole: it costs one NTS-KE. */
static bool parse_file(hv_timesrc_state *st) {
  hv_buf_reader r;
  uint8_t magic[sizeof state_magic], version, count;
  hv_buf_reader_init(&r, st->file, st->file_len);
  if (!hv_buf_read_bytes(&r, magic, sizeof magic) || memcmp(magic, state_magic, sizeof magic) ||
      !hv_buf_read_u8(&r, &version) || version != STATE_VERSION || !hv_buf_read_u8(&r, &count) ||
      count > STATE_ENTRIES_MAX)
    return false;
  for (size_t i = 0; i < count; i++) {
    entry *e = &st->entries[i];
    uint8_t host_len;
    const uint8_t *host;
    if (!hv_buf_read_u8(&r, &host_len) || host_len == 0 ||
        !hv_buf_read_view(&r, host_len, &host) || memchr(host, 0, host_len) ||
        !hv_buf_read_u16(&r, &e->port) || !hv_buf_read_u16(&r, &e->jar_len) ||
        !hv_buf_read_view(&r, e->jar_len, &e->jar))
      return false;
    memcpy(e->host, host, host_len);
    e->host[host_len] = 0;
  }
  st->n_entries = count;
  return hv_buf_reader_done(&r);
}

/* Replaces the encrypted bytes with the plain ones; false (and nothing
 * kept) when they do not open. */
static bool decrypt_file(hv_timesrc_state *st) {
  uint8_t *plain = malloc(st->file_len ? st->file_len : 1);
  size_t plain_len = 0;
  bool opened = plain && hv_timesrc_state_decrypt(st->key, st->file, st->file_len, plain,
                                                  &plain_len);
  if (!opened) {
    if (plain) hv_wipe(plain, st->file_len);
    free(plain);
    st->file_len = 0;
    return false;
  }
  free(st->file); /* ciphertext: nothing to wipe */
  st->file = plain;
  st->file_len = plain_len;
  return true;
}

/* Shrinking in place leaves the bytes where they were, but a move would
 * leave a copy behind in freed memory, so copy and wipe (out of memory:
 * the big buffer stays). */
static void shrink_file(hv_timesrc_state *st) {
  uint8_t *fit = malloc(st->file_len ? st->file_len : 1);
  if (fit) {
    memcpy(fit, st->file, st->file_len);
    hv_wipe(st->file, st->file_len);
    free(st->file);
    st->file = fit;
  }
}

static void read_file(hv_timesrc_state *st) {
  char path[PATH_CAP];
  snprintf(path, sizeof path, "%s/%s", st->dir, STATE_FILE);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  int rc = hv_sys_read_fd(fd, st->file, STATE_FILE_MAX, &st->file_len);
  close(fd);
  if (rc != 0) { /* unreadable or too large: an empty jar, as if missing */
    st->file_len = 0;
    return;
  }
  /* A session keeps the bytes for its life: keep only what was read
   * (decrypting already leaves a buffer that size). */
  if (st->has_key) {
    if (!decrypt_file(st)) return;
  } else {
    shrink_file(st);
  }
  if (!parse_file(st)) st->n_entries = 0;
}

static hv_timesrc_state *state_new(size_t cap) {
  hv_timesrc_state *st = calloc(1, sizeof *st);
  if (st) st->file = malloc(cap ? cap : 1);
  if (st && !st->file) {
    free(st);
    st = NULL;
  }
  return st;
}

hv_timesrc_state *hv_timesrc_state_parse(const uint8_t *data, size_t len) {
  hv_timesrc_state *st = state_new(len);
  if (!st) return NULL;
  if (len < STATE_FILE_MAX) {
    memcpy(st->file, data, len);
    st->file_len = len;
    if (!parse_file(st)) st->n_entries = 0;
  }
  return st;
}

hv_timesrc_state *hv_timesrc_state_open(const char *dir, const uint8_t *key, char *detail,
                                        size_t detail_len) {
  if (strlen(dir) >= DIR_CAP) {
    fail(detail, detail_len, "path too long", "");
    return NULL;
  }
  if (prepare_dir(dir, detail, detail_len)) return NULL;
  hv_timesrc_state *st = state_new(STATE_FILE_MAX);
  if (!st) {
    snprintf(detail, detail_len, "out of memory");
    return NULL;
  }
  snprintf(st->dir, sizeof st->dir, "%s", dir);
  if (key) {
    memcpy(st->key, key, sizeof st->key);
    st->has_key = true;
  }
  read_file(st);
  return st;
}

static const entry *find(const hv_timesrc_state *st, const char *host, uint16_t port) {
  for (size_t i = 0; i < st->n_entries; i++)
    if (st->entries[i].port == port && !strcasecmp(st->entries[i].host, host))
      return &st->entries[i];
  return NULL;
}

size_t hv_timesrc_state_entries(const hv_timesrc_state *st) { return st->n_entries; }

hv_nts_jar *hv_timesrc_state_jar(const hv_timesrc_state *st, const hv_timesrc_server *s) {
  hv_nts_jar *jar = hv_nts_jar_new();
  const entry *e = find(st, s->host, port_of(s));
  if (jar && e && hv_nts_jar_load(jar, e->jar, e->jar_len) != 0) {
    /* Whatever the load did, start from an empty jar. */
    hv_nts_jar_free(jar);
    jar = hv_nts_jar_new();
  }
  return jar;
}

static bool put_entry(hv_buf_writer *w, const char *host, uint16_t port, const uint8_t *jar,
                      size_t jar_len) {
  size_t host_len = strlen(host);
  return host_len > 0 && host_len <= HV_NTS_HOST_MAX && jar_len <= JAR_BYTES_MAX &&
         hv_buf_write_u8(w, (uint8_t)host_len) &&
         hv_buf_write_bytes(w, (const uint8_t *)host, host_len) && hv_buf_write_u16(w, port) &&
         hv_buf_write_u16(w, (uint16_t)jar_len) && hv_buf_write_bytes(w, jar, jar_len);
}

static bool is_ours(const hv_timesrc_server *servers, size_t n, const entry *e) {
  for (size_t i = 0; i < n; i++)
    if (port_of(&servers[i]) == e->port && !strcasecmp(servers[i].host, e->host)) return true;
  return false;
}

/* Our jars first, then the other configurations' entries while room is
 * left. Returns the entry count, or -1. */
static int encode(const hv_timesrc_state *st, const hv_timesrc_server *servers,
                  hv_nts_jar *const *jars, size_t n, hv_buf_writer *w, uint8_t *scratch) {
  int count = 0;
  for (size_t i = 0; i < n && count < STATE_ENTRIES_MAX; i++) {
    size_t len = 0;
    if (!jars[i] || hv_nts_jar_save(jars[i], scratch, JAR_BYTES_MAX, &len) != 0) continue;
    bool ok = put_entry(w, servers[i].host, port_of(&servers[i]), scratch, len);
    hv_wipe(scratch, len);
    if (!ok) return -1;
    count++;
  }
  for (size_t i = 0; i < st->n_entries && count < STATE_ENTRIES_MAX; i++) {
    const entry *e = &st->entries[i];
    if (is_ours(servers, n, e)) continue;
    if (!put_entry(w, e->host, e->port, e->jar, e->jar_len)) return -1;
    count++;
  }
  return count;
}

/* temp, fsync, rename, fsync(dir): the old file or the new, never a mix. */
static int replace_file(const char *dir, const uint8_t *data, size_t len) {
  char path[PATH_CAP];
  snprintf(path, sizeof path, "%s/%s", dir, STATE_FILE);
  return hv_sys_replace(path, data, len, 0600);
}

/* The plain bytes, or with a key their encryption. */
static int write_state(const hv_timesrc_state *st, const uint8_t *plain, size_t len) {
  if (!st->has_key) return replace_file(st->dir, plain, len);
  uint8_t *sealed = malloc(len + HV_TIMESRC_SEALED_OVERHEAD);
  size_t sealed_len = 0;
  int rc = sealed && hv_timesrc_state_encrypt(st->key, plain, len, sealed, &sealed_len)
               ? replace_file(st->dir, sealed, sealed_len)
               : -1;
  free(sealed); /* ciphertext: nothing to wipe */
  return rc;
}

int hv_timesrc_state_save(const hv_timesrc_state *st, const hv_timesrc_server *servers,
                          hv_nts_jar *const *jars, size_t n) {
  uint8_t *out = malloc(STATE_PLAIN_MAX), *scratch = malloc(JAR_BYTES_MAX);
  int rc = -1;
  if (out && scratch) {
    hv_buf_writer w;
    uint8_t *count_at;
    hv_buf_writer_init(&w, out, STATE_PLAIN_MAX);
    if (hv_buf_write_bytes(&w, state_magic, sizeof state_magic) &&
        hv_buf_write_u8(&w, STATE_VERSION) && hv_buf_write_reserve(&w, 1, &count_at)) {
      int count = encode(st, servers, jars, n, &w, scratch);
      if (count >= 0 && hv_buf_writer_ok(&w)) {
        *count_at = (uint8_t)count;
        rc = write_state(st, out, w.len);
      }
    }
    hv_wipe(out, w.len);
  }
  free(out);
  free(scratch);
  return rc;
}

void hv_timesrc_state_free(hv_timesrc_state *st) {
  if (!st) return;
  hv_wipe(st->file, st->file_len);
  free(st->file);
  hv_wipe(st, sizeof *st);
  free(st);
}
