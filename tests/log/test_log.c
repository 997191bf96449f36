/* The store's handover log: appends verify, and every tampering the host
 * can try on the file is found and named. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "handover/log.h"
#include "../store/store_test_util.h"

static char base[ST_PATH_MAX], secret_path[ST_PATH_MAX];

static hv_store *open_store(const hv_tee *tee, const char *name) {
  char dir[ST_PATH_MAX];
  st_join(dir, base, name);
  hv_store *s = NULL;
  if (hv_store_open(dir, tee, true, &s) != HV_STORE_OK) {
    fprintf(stderr, "cannot open store %s\n", dir);
    exit(2);
  }
  return s;
}

static void log_path(const char *name, char out[ST_PATH_MAX]) {
  char dir[ST_PATH_MAX];
  st_join(dir, base, name);
  st_join(out, dir, HV_LOG_FILE);
}

static uint8_t file[HV_LOG_MAX_BYTES];
static size_t file_len;

static void load(const char *name) {
  char p[ST_PATH_MAX];
  log_path(name, p);
  FILE *f = fopen(p, "rb");
  file_len = f ? fread(file, 1, sizeof file, f) : 0;
  if (f) fclose(f);
}

static void save(const char *name, const uint8_t *data, size_t len) {
  char p[ST_PATH_MAX], tmp[ST_PATH_MAX + 8];
  log_path(name, p);
  snprintf(tmp, sizeof tmp, "%s.new", p);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0 || rename(tmp, p) != 0) {
    fprintf(stderr, "cannot write %s\n", p);
    exit(2);
  }
}

static void append(hv_store *s, uint64_t t, const char *payload) {
  HT_CHECK_EQ_INT(hv_store_log_append(s, t, HV_LOG_ENTRY_RECEIPT, (const uint8_t *)payload,
                                      strlen(payload), NULL),
                  HV_LOG_OK);
}

typedef struct {
  uint64_t seen;
  char last[64];
} visit_ctx;

static int visit(const hv_log_entry *e, void *ctx) {
  visit_ctx *v = ctx;
  v->seen++;
  snprintf(v->last, sizeof v->last, "%.*s", (int)e->payload_len, (const char *)e->payload);
  return e->seq == v->seen ? 0 : 1;
}

static hv_log_error verify(hv_store *s, uint64_t *bad) {
  uint64_t count = 0;
  return hv_store_log_verify(s, NULL, NULL, &count, bad, NULL);
}

static hv_tee *tee_a, *tee_b;

/* A store with three entries, and its file in `file`. */
static hv_store *three(const char *name) {
  hv_store *s = open_store(tee_a, name);
  append(s, 1000, "first receipt");
  append(s, 2000, "second receipt");
  append(s, 3000, "third receipt");
  load(name);
  return s;
}

static void test_append_and_verify(void) {
  hv_store *s = open_store(tee_a, "ok");
  uint64_t count = 9, bad = 9;
  HT_CHECK_EQ_INT(hv_store_log_verify(s, NULL, NULL, &count, &bad, NULL), HV_LOG_ERR_MISSING);
  append(s, 1000, "first receipt");
  append(s, 2000, "second receipt");
  visit_ctx v = {0, ""};
  HT_CHECK_EQ_INT(hv_store_log_verify(s, visit, &v, &count, &bad, NULL), HV_LOG_OK);
  HT_CHECK_EQ_INT(count, 2);
  HT_CHECK_EQ_INT(v.seen, 2);
  HT_CHECK(!strcmp(v.last, "second receipt"));
  char p[ST_PATH_MAX];
  log_path("ok", p);
  struct stat st;
  HT_CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
  hv_store_free(s);
}

/* Changes the first letter of text in the store's log; false if absent. */
static bool edit_text(const char *name, const char *text) {
  uint8_t *hit = memmem(file, file_len, text, strlen(text));
  HT_CHECK(hit != NULL);
  if (!hit) return false;
  hit[0] ^= 0x20; /* its case */
  save(name, file, file_len);
  return true;
}

/* Entry 2's payload edited: entry 3 no longer follows it. */
static void test_edited_entry(void) {
  hv_store *s = three("edit");
  if (!edit_text("edit", "second")) return;
  uint64_t bad = 0;
  HT_CHECK_EQ_INT(verify(s, &bad), HV_LOG_ERR_CHAIN);
  HT_CHECK_EQ_INT(bad, 3);
  /* and nothing is appended to it */
  HT_CHECK_EQ_INT(hv_store_log_append(s, 4000, HV_LOG_ENTRY_RECEIPT, (const uint8_t *)"x", 1,
                                      NULL),
                  HV_LOG_ERR_CHAIN);
  size_t before = file_len;
  load("edit");
  HT_CHECK_EQ_INT(file_len, before);
  hv_store_free(s);
}

/* The last entry edited: only the sealed head can tell. */
static void test_edited_last_entry(void) {
  hv_store *s = three("last");
  if (!edit_text("last", "third")) return;
  uint64_t bad = 9;
  HT_CHECK_EQ_INT(verify(s, &bad), HV_LOG_ERR_HEAD);
  hv_store_free(s);
}

/* Offsets of the entries in `file`: header 10 bytes, then u16 length + body. */
static size_t entry_offset(size_t k) {
  size_t off = 10;
  for (size_t i = 1; i < k; i++) off += 2 + (size_t)((file[off] << 8) | file[off + 1]);
  return off;
}

static void set_count(uint32_t n) {
  file[6] = (uint8_t)(n >> 24);
  file[7] = (uint8_t)(n >> 16);
  file[8] = (uint8_t)(n >> 8);
  file[9] = (uint8_t)n;
}

/* The last entry cut out, the count fixed up, the old seal kept. */
static void test_dropped_last_entry(void) {
  hv_store *s = three("drop");
  size_t e3 = entry_offset(3), seal = entry_offset(4);
  memmove(file + e3, file + seal, file_len - seal);
  set_count(2);
  save("drop", file, file_len - (seal - e3));
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_ERR_HEAD);
  hv_store_free(s);
}

/* A middle entry cut out: entry 3 now stands second. */
static void test_removed_middle_entry(void) {
  hv_store *s = three("middle");
  size_t e2 = entry_offset(2), e3 = entry_offset(3);
  memmove(file + e2, file + e3, file_len - e3);
  set_count(2);
  save("middle", file, file_len - (e3 - e2));
  uint64_t bad = 0;
  HT_CHECK_EQ_INT(verify(s, &bad), HV_LOG_ERR_SEQUENCE);
  HT_CHECK_EQ_INT(bad, 2);
  hv_store_free(s);
}

/* Cut at every length: never accepted, and named log-truncated. */
static void test_truncated(void) {
  hv_store *s = three("cut");
  uint8_t *copy = malloc(file_len);
  HT_CHECK(copy != NULL);
  if (!copy) return;
  memcpy(copy, file, file_len);
  size_t full = file_len;
  for (size_t n = 0; n < full; n += (n < 40 ? 1 : 7)) {
    save("cut", copy, n);
    hv_log_error err = verify(s, NULL);
    if (err != HV_LOG_ERR_TRUNCATED) fprintf(stderr, "cut at %zu: %s\n", n, hv_log_error_name(err));
    HT_CHECK_EQ_INT(err, HV_LOG_ERR_TRUNCATED);
  }
  uint8_t *longer = malloc(full + 1);
  if (longer) {
    memcpy(longer, copy, full);
    longer[full] = 0;
    save("cut", longer, full + 1);
    HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_ERR_FORMAT);
    free(longer);
  }
  save("cut", copy, full);
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_OK);
  free(copy);
  hv_store_free(s);
}

/* Where the seal starts in a log of three entries held in buf. */
static size_t seal_offset(const uint8_t *buf) {
  size_t off = 10;
  for (int i = 0; i < 3; i++) off += 2 + (size_t)((buf[off] << 8) | buf[off + 1]);
  return off;
}

static uint8_t mine[8192], theirs[8192];

/* The host rebuilds a chain (it can hash) with a made-up last entry, from
 * another store of the same build, and keeps this log's seal: the head
 * does not match. A seal from another build's log does not open. */
static void test_rewritten_and_foreign_seal(void) {
  hv_store *s = three("rewrite");
  size_t mine_len = file_len;
  memcpy(mine, file, mine_len);
  hv_store *twin = open_store(tee_a, "twin");
  append(twin, 1000, "first receipt");
  append(twin, 2000, "second receipt");
  append(twin, 3000, "made-up receipt");
  load("twin");
  size_t theirs_len = file_len;
  memcpy(theirs, file, theirs_len);
  size_t st = seal_offset(theirs), sm = seal_offset(mine);
  memcpy(file, theirs, st);
  memcpy(file + st, mine + sm, mine_len - sm);
  save("rewrite", file, st + mine_len - sm);
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_ERR_HEAD);

  hv_store *other = open_store(tee_b, "other");
  append(other, 1000, "first receipt");
  append(other, 2000, "second receipt");
  append(other, 3000, "third receipt");
  load("other");
  save("rewrite", file, file_len); /* the same entries, another build's seal */
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_ERR_SEAL);
  save("rewrite", mine, mine_len);
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_OK);
  hv_store_free(other);
  hv_store_free(twin);
  hv_store_free(s);
}

static void test_not_a_log(void) {
  hv_store *s = three("junk");
  file[0] = 'X';
  save("junk", file, file_len);
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_ERR_FORMAT);
  hv_store_free(s);
}

/* The host deletes the whole log: that is seen as no log, and the next
 * append starts a new one (documented: the host can delete the log). */
static void test_deleted_log(void) {
  hv_store *s = three("gone");
  char p[ST_PATH_MAX];
  log_path("gone", p);
  HT_CHECK(unlink(p) == 0);
  HT_CHECK_EQ_INT(verify(s, NULL), HV_LOG_ERR_MISSING);
  append(s, 5000, "after");
  uint64_t count = 0;
  HT_CHECK_EQ_INT(hv_store_log_verify(s, NULL, NULL, &count, NULL, NULL), HV_LOG_OK);
  HT_CHECK_EQ_INT(count, 1);
  hv_store_free(s);
}

static void test_pure_parse(void) {
  hv_store *s = three("pure");
  hv_log_summary sum;
  uint64_t bad = 0;
  HT_CHECK_EQ_INT(hv_log_parse(file, file_len, NULL, NULL, &sum, &bad), HV_LOG_OK);
  HT_CHECK_EQ_INT(sum.count, 3);
  HT_CHECK(sum.seal_len > 0);
  HT_CHECK_EQ_INT(hv_store_log_append(s, 1, 9, (const uint8_t *)"x", 1, NULL), HV_LOG_ERR_ARGS);
  hv_store_free(s);
}

int main(void) {
  char tmpl[] = "/tmp/hv-log-test.XXXXXX";
  if (!mkdtemp(tmpl)) return 2;
  snprintf(base, sizeof base, "%s", tmpl);
  st_join(secret_path, base, "platform-secret");
  tee_a = st_tee(secret_path, 0xa1);
  tee_b = st_tee(secret_path, 0xb2);
  HT_RUN(test_append_and_verify);
  HT_RUN(test_edited_entry);
  HT_RUN(test_edited_last_entry);
  HT_RUN(test_dropped_last_entry);
  HT_RUN(test_removed_middle_entry);
  HT_RUN(test_truncated);
  HT_RUN(test_rewritten_and_foreign_seal);
  HT_RUN(test_not_a_log);
  HT_RUN(test_deleted_log);
  HT_RUN(test_pure_parse);
  hv_tee_free(tee_a);
  hv_tee_free(tee_b);
  char cmd[ST_PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", base);
  return HT_DONE();
}
