/* The sealed key store with a sim TEE: round trips, refusals (each flips
 * one condition and expects exactly its error), monotonic values, stale
 * temp files. Crash safety is in test_store_crash.c. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handover/crypto.h"
#include "harness.h"
#include "store_test_util.h"

#define TAG_A 0xa1 /* the enclave that owns the stores */
#define TAG_B 0xb2 /* another build on the same platform */
#define FILE_CAP 8192

/* Gramine 1.9 answers flock with ENOSYS: so does this process, and every
 * case below runs as it would there. */
int flock(int fd, int op) {
  (void)fd;
  (void)op;
  errno = ENOSYS;
  return -1;
}

static char root[ST_PATH_MAX], secret_path[ST_PATH_MAX], other_secret[ST_PATH_MAX];
static hv_tee *tee_a;
static unsigned store_seq;

/* A fresh store directory path (not yet created). */
static void new_dir(char out[ST_PATH_MAX]) {
  char name[32];
  snprintf(name, sizeof name, "store%u", store_seq++);
  st_join(out, root, name);
}

static hv_store *open_new(char dir[ST_PATH_MAX]) {
  hv_store *s = NULL;
  new_dir(dir);
  HT_CHECK(hv_store_open(dir, tee_a, true, &s) == HV_STORE_OK);
  return s;
}

static size_t read_bytes(const char *path, uint8_t *buf) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(buf, 1, FILE_CAP, f);
  fclose(f);
  return n;
}

/* Rewrites a store file in place, keeping it 0600. */
static void write_bytes(const char *path, const uint8_t *buf, size_t len) {
  int fd = open(path, O_WRONLY | O_TRUNC);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  HT_CHECK(write(fd, buf, len) == (ssize_t)len);
  close(fd);
}

/* The file checksum (SHA-256 over all but the last 32 bytes), redone
 * after an edit so that the edit reaches the sealing layer. */
static void fix_checksum(uint8_t *buf, size_t len) {
  HT_CHECK(hv_sha256(buf, len - HV_SHA256_LEN, buf + len - HV_SHA256_LEN) == 0);
}

static void test_open_missing_and_create(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = NULL;
  struct stat st;
  new_dir(dir);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_ERR_MISSING);
  HT_CHECK(s == NULL);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, true, &s), HV_STORE_OK);
  HT_CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  hv_store_free(s);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  hv_store_free(s);
}

static void test_identity_round_trip(void) {
  char dir[ST_PATH_MAX], path[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t pub[32], pub2[32], pub3[32], sk[32], sig[64], msg[3] = {1, 2, 3};
  struct stat st;
  HT_CHECK_EQ_INT(hv_store_public(s, pub), HV_STORE_ERR_NO_IDENTITY);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub2), HV_STORE_ERR_NO_IDENTITY);
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub2), HV_STORE_ERR_EXISTS);
  hv_store_free(s);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_public(s, pub2), HV_STORE_OK);
  HT_CHECK_MEM(pub2, pub, 32);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub3), HV_STORE_OK);
  HT_CHECK_MEM(pub3, pub, 32);
  HT_CHECK(hv_ed25519_sign(sk, msg, sizeof msg, sig) == 0);
  HT_CHECK(hv_ed25519_verify(pub, msg, sizeof msg, sig) == 0);
  hv_wipe(sk, sizeof sk);
  st_join(path, dir, "identity");
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  hv_store_free(s);
}

static void test_put_identity(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t sk[32], pub[32], other[32], other_pub[32], got[32], got_pub[32];
  HT_CHECK(hv_ed25519_keypair(sk, pub) == 0);
  HT_CHECK(hv_ed25519_keypair(other, other_pub) == 0);
  HT_CHECK_EQ_INT(hv_store_put_identity(s, sk), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_put_identity(s, sk), HV_STORE_OK); /* same: no-op */
  HT_CHECK_EQ_INT(hv_store_put_identity(s, other), HV_STORE_ERR_IDENTITY_MISMATCH);
  HT_CHECK_EQ_INT(hv_store_init_identity(s, NULL), HV_STORE_ERR_EXISTS);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, got, got_pub), HV_STORE_OK);
  HT_CHECK_MEM(got, sk, 32);
  HT_CHECK_MEM(got_pub, pub, 32);
  hv_wipe(sk, 32), hv_wipe(other, 32), hv_wipe(got, 32);
  hv_store_free(s);
}

static void test_other_enclave_refused(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir), *sb = NULL;
  uint8_t pub[32], pub2[32], sk[32];
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 3), HV_STORE_OK);
  hv_store_free(s);
  hv_tee *tee_b = st_tee(secret_path, TAG_B);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_b, false, &sb), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_identity(sb, sk, pub2), HV_STORE_ERR_OTHER_ENCLAVE);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(sb, &v), HV_STORE_ERR_OTHER_ENCLAVE);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(sb, 4), HV_STORE_ERR_OTHER_ENCLAVE);
  /* A stored identity is never overwritten, even by one we cannot read. */
  HT_CHECK(hv_ed25519_keypair(sk, pub2) == 0);
  HT_CHECK_EQ_INT(hv_store_put_identity(sb, sk), HV_STORE_ERR_OTHER_ENCLAVE);
  HT_CHECK_EQ_INT(hv_store_public(sb, pub2), HV_STORE_OK); /* no unseal */
  HT_CHECK_MEM(pub2, pub, 32);
  hv_wipe(sk, sizeof sk);
  hv_store_free(sb);
  hv_tee_free(tee_b);
}

static void test_other_platform_refused(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir), *so = NULL;
  uint8_t pub[32], sk[32];
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  hv_store_free(s);
  hv_tee *tee_o = st_tee(other_secret, TAG_A); /* same build, other machine */
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_o, false, &so), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_identity(so, sk, pub), HV_STORE_ERR_OTHER_PLATFORM);
  hv_store_free(so);
  hv_tee_free(tee_o);
}

/* Every single-byte flip and every truncation of a file is refused as
 * corruption, through the unsealing and the clear paths alike. */
static void test_corruption_refused(void) {
  char dir[ST_PATH_MAX], id_path[ST_PATH_MAX], state_path[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t pub[32], sk[32], good[FILE_CAP], bad[FILE_CAP], good_state[FILE_CAP];
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 9), HV_STORE_OK);
  st_join(id_path, dir, "identity");
  st_join(state_path, dir, "state");
  size_t len = read_bytes(id_path, good), state_len = read_bytes(state_path, good_state);
  HT_CHECK(len > 64 && state_len > 64);
  int wrong = 0;
  for (size_t i = 0; i < len; i++) {
    memcpy(bad, good, len);
    bad[i] ^= 0x01;
    write_bytes(id_path, bad, len);
    wrong += hv_store_get_identity(s, sk, pub) != HV_STORE_ERR_CORRUPT;
    wrong += hv_store_public(s, pub) != HV_STORE_ERR_CORRUPT;
  }
  for (size_t cut = 0; cut < len; cut++) {
    write_bytes(id_path, good, cut);
    wrong += hv_store_get_identity(s, sk, pub) != HV_STORE_ERR_CORRUPT;
  }
  for (size_t i = 0; i < state_len; i++) {
    memcpy(bad, good_state, state_len);
    bad[i] ^= 0x80;
    write_bytes(state_path, bad, state_len);
    wrong += hv_store_get_policy_version(s, &v) != HV_STORE_ERR_CORRUPT;
  }
  write_bytes(state_path, good_state, state_len - 1);
  wrong += hv_store_get_policy_version(s, &v) != HV_STORE_ERR_CORRUPT;
  HT_CHECK_EQ_INT(wrong, 0);
  write_bytes(id_path, good, len); /* restored: readable again */
  write_bytes(state_path, good_state, state_len);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 9);
  hv_wipe(sk, sizeof sk);
  hv_store_free(s);
}

/* Edits with a recomputed checksum get past the framing: the seal (or
 * the identity binding) must catch them. */
static void test_edit_behind_checksum_refused(void) {
  char dir[ST_PATH_MAX], id_path[ST_PATH_MAX], state_path[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t pub[32], sk[32], good[FILE_CAP], bad[FILE_CAP];
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 9), HV_STORE_OK);
  st_join(id_path, dir, "identity");
  st_join(state_path, dir, "state");
  /* identity: 4 magic, 2 format, 1 kind, 32 public key, 2 length, blob */
  size_t len = read_bytes(id_path, good);
  memcpy(bad, good, len);
  bad[7] ^= 0x01; /* the public key in the clear */
  fix_checksum(bad, len);
  write_bytes(id_path, bad, len);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_ERR_CORRUPT);
  memcpy(bad, good, len);
  bad[len - HV_SHA256_LEN - 1] ^= 0x01; /* the last byte of the sealed blob */
  fix_checksum(bad, len);
  write_bytes(id_path, bad, len);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_ERR_CORRUPT);
  /* state: the sealed values cannot be edited either */
  size_t state_len = read_bytes(state_path, good);
  memcpy(bad, good, state_len);
  bad[state_len - HV_SHA256_LEN - 1] ^= 0x01;
  fix_checksum(bad, state_len);
  write_bytes(state_path, bad, state_len);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_ERR_CORRUPT);
  hv_store_free(s);
}

static void test_permissions_refused(void) {
  char dir[ST_PATH_MAX], path[ST_PATH_MAX], link[ST_PATH_MAX];
  hv_store *s = open_new(dir), *s2 = NULL;
  uint8_t pub[32], sk[32];
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  st_join(path, dir, "identity");
  HT_CHECK(chmod(path, 0640) == 0);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK_EQ_INT(hv_store_public(s, pub), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK(chmod(path, 0600) == 0);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_OK);
  hv_wipe(sk, sizeof sk);
  hv_store_free(s);
  HT_CHECK(chmod(dir, 0750) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK(chmod(dir, 0700) == 0);
  /* a symlink in place of the store, or of a file in it */
  new_dir(link);
  HT_CHECK(symlink(dir, link) == 0);
  HT_CHECK_EQ_INT(hv_store_open(link, tee_a, false, &s2), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK_EQ_INT(hv_store_open(path, tee_a, false, &s2), HV_STORE_ERR_NOT_DIR);
  HT_CHECK(s2 == NULL);
}

/* Owned by another user (needs root to arrange; CI runs as root). */
static void test_foreign_owner_refused(void) {
  char dir[ST_PATH_MAX], path[ST_PATH_MAX];
  hv_store *s = open_new(dir), *s2 = NULL;
  uint8_t pub[32];
  if (geteuid() != 0) {
    printf("     (not root: cannot give files away; owner checks not run)\n");
    hv_store_free(s);
    return;
  }
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  st_join(path, dir, "identity");
  HT_CHECK(chown(path, 65534, 65534) == 0);
  HT_CHECK_EQ_INT(hv_store_public(s, pub), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK(chown(path, 0, 0) == 0);
  HT_CHECK_EQ_INT(hv_store_public(s, pub), HV_STORE_OK);
  hv_store_free(s);
  HT_CHECK(chown(dir, 65534, 65534) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK(s2 == NULL);
}

/* A damaged identity is reported, never replaced by a received one. */
static void test_put_over_corrupt_refused(void) {
  char dir[ST_PATH_MAX], path[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint8_t pub[32], sk[32], buf[FILE_CAP];
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  st_join(path, dir, "identity");
  size_t len = read_bytes(path, buf);
  write_bytes(path, buf, len / 2);
  HT_CHECK(hv_ed25519_keypair(sk, pub) == 0);
  HT_CHECK_EQ_INT(hv_store_put_identity(s, sk), HV_STORE_ERR_CORRUPT);
  HT_CHECK_EQ_INT(read_bytes(path, buf), len / 2); /* untouched */
  hv_wipe(sk, sizeof sk);
  hv_store_free(s);
}

static void test_identity_symlink_refused(void) {
  char dir[ST_PATH_MAX], dir2[ST_PATH_MAX], path[ST_PATH_MAX], target[ST_PATH_MAX];
  hv_store *s = open_new(dir), *s2 = open_new(dir2);
  uint8_t pub[32];
  HT_CHECK_EQ_INT(hv_store_init_identity(s, pub), HV_STORE_OK);
  st_join(target, dir, "identity");
  st_join(path, dir2, "identity");
  HT_CHECK(symlink(target, path) == 0);
  HT_CHECK_EQ_INT(hv_store_public(s2, pub), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK_EQ_INT(hv_store_init_identity(s2, pub), HV_STORE_ERR_EXISTS);
  hv_store_free(s);
  hv_store_free(s2);
}

static void test_policy_version_monotonic(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint64_t v = 99;
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 0);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 5), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 4), HV_STORE_ERR_ROLLBACK);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 5);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 5), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 6), HV_STORE_OK);
  hv_store_free(s);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 5), HV_STORE_ERR_ROLLBACK);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 6);
  hv_store_free(s);
}

static void test_chain_head(void) {
  char dir[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  /* (times at least 1 s per block: the default fastest block rate) */
  hv_store_chain_head h = {7, 7}, a = {10, 10000}, retimed = {10, 20000}, b = {11, 20000},
                      old = {9, 30000};
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_get_chain_head(s, &h), HV_STORE_OK);
  HT_CHECK(h.number == 0 && h.time_ms == 0);
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 2), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &a), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &old), HV_STORE_ERR_ROLLBACK);
  HT_CHECK_EQ_INT(hv_store_get_chain_head(s, &h), HV_STORE_OK);
  HT_CHECK(h.number == 10 && h.time_ms == 10000);
  /* The same block again is fine; the same block with another time not. */
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &a), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &retimed), HV_STORE_ERR_ROLLBACK);
  HT_CHECK_EQ_INT(hv_store_set_chain_head(s, &b), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_chain_head(s, &h), HV_STORE_OK);
  HT_CHECK(h.number == 11 && h.time_ms == 20000);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 2); /* kept while the chain head changed */
  hv_store_free(s);
}

static void test_stale_temp_removed(void) {
  char dir[ST_PATH_MAX], tmp[ST_PATH_MAX], path[ST_PATH_MAX];
  hv_store *s = open_new(dir);
  uint64_t v = 0;
  HT_CHECK_EQ_INT(hv_store_set_policy_version(s, 3), HV_STORE_OK);
  hv_store_free(s);
  /* a half-written state a crash left behind */
  st_join(tmp, dir, ".tmp-state-0011223344556677");
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  HT_CHECK(fd >= 0 && write(fd, "HVST", 4) == 4);
  if (fd >= 0) close(fd);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK(access(tmp, F_OK) != 0);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 3);
  st_join(path, dir, "state");
  struct stat st;
  HT_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  hv_store_free(s);
}

/* The writers' lock file is a store file like the others: ours, 0600,
 * a regular file, no symlink; else the store does not open. */
static void test_lock_file_refused(void) {
  char dir[ST_PATH_MAX], lock[ST_PATH_MAX], elsewhere[ST_PATH_MAX];
  hv_store *s = open_new(dir), *s2 = NULL;
  hv_store_free(s);
  st_join(lock, dir, "lock");
  struct stat st;
  HT_CHECK(stat(lock, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
  HT_CHECK(chmod(lock, 0644) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK(chmod(lock, 0600) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_OK);
  hv_store_free(s2);
  s2 = NULL;
  HT_CHECK(unlink(lock) == 0);
  st_join(elsewhere, root, "lock-elsewhere");
  HT_CHECK(close(open(elsewhere, O_CREAT | O_WRONLY, 0600)) == 0);
  HT_CHECK(symlink(elsewhere, lock) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_ERR_PERMISSIONS);
  HT_CHECK(unlink(lock) == 0 && mkdir(lock, 0700) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_ERR_LOCK);
  HT_CHECK(rmdir(lock) == 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s2), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_resealed(s2), 0);
  hv_store_free(s2);
}

/* The name of the kernel function pid sleeps in ("" if it runs). */
static void wchan_of(pid_t pid, char *out, size_t cap) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
  FILE *f = fopen(path, "r");
  out[0] = 0;
  if (!f) return;
  if (!fgets(out, (int)cap, f)) out[0] = 0;
  fclose(f);
}

/* Another process holding the lock file's record lock holds off every
 * writer: the writer sleeps in fcntl(F_SETLKW) (seen in its wchan, no
 * clock involved) and writes only once the lock is released. */
static void test_lock_excludes_other_process(void) {
  char dir[ST_PATH_MAX], lock[ST_PATH_MAX], wchan[64] = "";
  hv_store *s = open_new(dir);
  uint64_t v = 0;
  hv_store_free(s);
  st_join(lock, dir, "lock");
  int fd = open(lock, O_RDWR);
  struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  HT_CHECK(fd >= 0 && fcntl(fd, F_SETLK, &l) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    hv_store *c = NULL;
    bool ok = hv_store_open(dir, tee_a, false, &c) == HV_STORE_OK &&
              hv_store_set_policy_version(c, 7) == HV_STORE_OK;
    hv_store_free(c);
    _exit(ok ? 0 : 1);
  }
  HT_CHECK(pid > 0);
  for (int i = 0; i < 100000 && strcmp(wchan, "fcntl_setlk") != 0; i++) {
    wchan_of(pid, wchan, sizeof wchan);
    if (strcmp(wchan, "fcntl_setlk") != 0) usleep(100);
  }
  HT_CHECK(strcmp(wchan, "fcntl_setlk") == 0);
  int st = -1;
  HT_CHECK_EQ_INT(waitpid(pid, &st, WNOHANG), 0); /* still waiting */
  l.l_type = F_UNLCK;
  HT_CHECK(fcntl(fd, F_SETLK, &l) == 0);
  HT_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(fd);
  HT_CHECK_EQ_INT(hv_store_open(dir, tee_a, false, &s), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_get_policy_version(s, &v), HV_STORE_OK);
  HT_CHECK_EQ_INT(v, 7);
  hv_store_free(s);
}

static void copy_fixture(const char *name, const char *to) {
  char from[ST_PATH_MAX];
  uint8_t buf[FILE_CAP];
  st_join(from, FIXTURES, name);
  size_t n = read_bytes(from, buf);
  HT_CHECK(n > 0);
  int fd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  HT_CHECK(write(fd, buf, n) == (ssize_t)n);
  close(fd);
}

/* A store written before seal format 2 (tests/store/fixtures/v1, made by
 * `handover init` of that time) still opens, and is sealed again in the
 * current format on open: TCB recovery's path, once. */
static void test_old_format_resealed(void) {
  char dir[ST_PATH_MAX], path[ST_PATH_MAX], secret[ST_PATH_MAX], pub_path[ST_PATH_MAX];
  char want_hex[80];
  uint8_t pub[32], sk[32], want[32], before[FILE_CAP], after[FILE_CAP];
  hv_store *s = NULL;
  new_dir(dir);
  HT_CHECK(mkdir(dir, 0700) == 0);
  st_join(secret, root, "fixture-platform-secret");
  copy_fixture("platform-secret", secret);
  st_join(path, dir, "identity");
  copy_fixture("identity", path);
  st_join(pub_path, FIXTURES, "pub");
  FILE *f = fopen(pub_path, "r");
  HT_CHECK(f && fscanf(f, "%64s", want_hex) == 1);
  if (f) fclose(f);
  for (int i = 0; i < 32; i++) {
    unsigned v = 0;
    HT_CHECK(sscanf(want_hex + 2 * i, "%2x", &v) == 1);
    want[i] = (uint8_t)v;
  }
  size_t before_len = read_bytes(path, before);
  hv_tee *old = st_tee(secret, 0xf1);
  HT_CHECK_EQ_INT(hv_store_open(dir, old, false, &s), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_resealed(s), HV_STORE_RESEALED_IDENTITY);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_OK);
  HT_CHECK_MEM(pub, want, 32);
  hv_store_free(s);
  size_t after_len = read_bytes(path, after);
  HT_CHECK(after_len != before_len || memcmp(after, before, after_len) != 0);
  HT_CHECK_EQ_INT(hv_store_open(dir, old, false, &s), HV_STORE_OK);
  HT_CHECK_EQ_INT(hv_store_resealed(s), 0);
  HT_CHECK_EQ_INT(hv_store_get_identity(s, sk, pub), HV_STORE_OK);
  HT_CHECK_MEM(pub, want, 32);
  hv_wipe(sk, sizeof sk);
  hv_store_free(s);
  hv_tee_free(old);
}

static void test_error_names_distinct(void) {
  for (int a = HV_STORE_OK; a <= HV_STORE_ERR_RETIRED; a++) {
    HT_CHECK(strcmp(hv_store_error_text((hv_store_error)a), "unknown store error") != 0);
    for (int b = a + 1; b <= HV_STORE_ERR_RETIRED; b++)
      HT_CHECK(strcmp(hv_store_error_text((hv_store_error)a),
                      hv_store_error_text((hv_store_error)b)) != 0);
  }
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(root, sizeof root, "%s/hv-store-XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(root)) return 2;
  st_join(secret_path, root, "platform-secret");
  st_join(other_secret, root, "other-platform-secret");
  tee_a = st_tee(secret_path, TAG_A);
  HT_RUN(test_open_missing_and_create);
  HT_RUN(test_identity_round_trip);
  HT_RUN(test_put_identity);
  HT_RUN(test_other_enclave_refused);
  HT_RUN(test_other_platform_refused);
  HT_RUN(test_corruption_refused);
  HT_RUN(test_edit_behind_checksum_refused);
  HT_RUN(test_permissions_refused);
  HT_RUN(test_foreign_owner_refused);
  HT_RUN(test_put_over_corrupt_refused);
  HT_RUN(test_identity_symlink_refused);
  HT_RUN(test_policy_version_monotonic);
  HT_RUN(test_chain_head);
  HT_RUN(test_stale_temp_removed);
  HT_RUN(test_lock_file_refused);
  HT_RUN(test_lock_excludes_other_process);
  HT_RUN(test_old_format_resealed);
  HT_RUN(test_error_names_distinct);
  hv_tee_free(tee_a);
  char cmd[ST_PATH_MAX + 16];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  return HT_DONE();
}
