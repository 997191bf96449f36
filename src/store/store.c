/* The sealed key store: opening the directory, the identity, and the
 * state (policy version and chain head). See include/handover/store.h for
 * what it guarantees and what it cannot. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/store.h"
#include "store/store_file.h"
#include "store/store_int.h"

#define IDENTITY_FILE HV_STORE_IDENTITY_FILE
#define STATE_FILE "state"

/* The writers' lock: a POSIX record lock on this file (see store.h). */
#define LOCK_FILE "lock"
/* Sealed plaintexts start with their kind, so a file renamed into the
 * other's place cannot be taken for it. */
static const uint8_t identity_tag[4] = {'H', 'V', 'I', 'D'};
static const uint8_t state_tag[4] = {'H', 'V', 'S', 'S'};
#define IDENTITY_PT_LEN (4 + HV_ED25519_PRIV_LEN + HV_ED25519_PUB_LEN)
/* tag, policy version, chain head, the identity public key it is bound
 * to (the build is bound by the MRENCLAVE seal itself), and whether the
 * key moved: a flag and the SHA-256 of the tombstone's sealed plaintext */
#define STATE_PT_LEN (4 + 3 * 8 + HV_ED25519_PUB_LEN + 1 + HV_SHA256_LEN)
/* The largest sealed plaintext: the tombstone (store_retire.c). */
#define MAX_PT_LEN 256
#define SEAL_CAP (MAX_PT_LEN + HV_TEE_SEAL_OVERHEAD)

struct hv_store {
  int dirfd;
  int lockfd;
  const hv_tee *tee;
  unsigned resealed;
  uint32_t min_block_interval_ms;
};

/* POSIX record locks belong to the process, not the descriptor: they do
 * not exclude two threads, or two stores on one directory, of one process,
 * and closing any descriptor of the lock file drops them. One mutex covers
 * what they cannot: every locked section and every close of a lock file. */
static pthread_mutex_t process_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
  uint64_t policy_version;
  hv_store_chain_head head;
  uint8_t identity_pub[HV_ED25519_PUB_LEN]; /* zero before any identity */
  bool retired;                             /* hv_store_retire's record */
  uint8_t tombstone_digest[HV_SHA256_LEN];  /* of the tombstone it wrote */
} store_state;

static hv_store_error from_tee(hv_tee_error err) {
  switch (err) {
    case HV_TEE_OK: return HV_STORE_OK;
    case HV_TEE_ERR_SEAL_OTHER_ENCLAVE: return HV_STORE_ERR_OTHER_ENCLAVE;
    case HV_TEE_ERR_SEAL_OTHER_PLATFORM: return HV_STORE_ERR_OTHER_PLATFORM;
    case HV_TEE_ERR_SEAL_TAMPERED: return HV_STORE_ERR_CORRUPT;
    case HV_TEE_ERR_SEAL_CPUSVN: return HV_STORE_ERR_NEWER_CPUSVN;
    case HV_TEE_ERR_SEAL_SVN: return HV_STORE_ERR_NEWER_ISVSVN;
    case HV_TEE_ERR_SEAL_DEBUG: return HV_STORE_ERR_OTHER_DEBUG;
    case HV_TEE_ERR_CRYPTO: return HV_STORE_ERR_CRYPTO;
    default: return HV_STORE_ERR_TEE;
  }
}

/* ---- the directory ---- */

static hv_store_error check_dir(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return HV_STORE_ERR_IO;
  if (!S_ISDIR(st.st_mode)) return HV_STORE_ERR_NOT_DIR;
  if (st.st_uid != geteuid() || (st.st_mode & 0077)) return HV_STORE_ERR_PERMISSIONS;
  return HV_STORE_OK;
}

/* mkdir 0700, then fsync the parent so the new entry survives a crash. */
static hv_store_error make_dir(const char *dir) {
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return errno == ENOENT ? HV_STORE_ERR_MISSING : HV_STORE_ERR_IO;
  return hv_sys_fsync_parent(dir) == 0 ? HV_STORE_OK : HV_STORE_ERR_IO;
}

static hv_store_error open_dir_error(const char *dir, int err) {
  struct stat st;
  /* O_NOFOLLOW with O_DIRECTORY reports a symlink as ENOTDIR. */
  if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) return HV_STORE_ERR_PERMISSIONS;
  switch (err) {
    case ENOENT: return HV_STORE_ERR_MISSING;
    case ENOTDIR: return HV_STORE_ERR_NOT_DIR;
    case EACCES: return HV_STORE_ERR_PERMISSIONS;
    default: return HV_STORE_ERR_IO;
  }
}

static hv_store_error open_dir(const char *dir, bool create, int *out) {
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(dir, flags);
  if (fd < 0 && errno == ENOENT && create) {
    hv_store_error err = make_dir(dir);
    if (err != HV_STORE_OK) return err;
    fd = open(dir, flags);
  }
  if (fd < 0) return open_dir_error(dir, errno);
  hv_store_error err = check_dir(fd);
  if (err != HV_STORE_OK) {
    (void)close(fd);
    return err;
  }
  *out = fd;
  return HV_STORE_OK;
}

/* The lock file: ours, 0600, no symlink, like every file of the store. */
static hv_store_error open_lock(int dirfd, int *out) {
  int fd = openat(dirfd, LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return errno == ELOOP ? HV_STORE_ERR_PERMISSIONS : HV_STORE_ERR_LOCK;
  struct stat st;
  hv_store_error err = HV_STORE_OK;
  if (fstat(fd, &st) != 0)
    err = HV_STORE_ERR_LOCK;
  else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
    err = HV_STORE_ERR_PERMISSIONS;
  if (err != HV_STORE_OK) {
    (void)close(fd);
    return err;
  }
  *out = fd;
  return HV_STORE_OK;
}

static int record_lock(int fd, short type) {
  struct flock l = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  int rc;
  while ((rc = fcntl(fd, F_SETLKW, &l)) != 0 && errno == EINTR) {
  }
  return rc;
}

/* Writers serialise on the store, so a read-check-write (monotonic
 * values, identity exists?) is never interleaved with another's. */
static hv_store_error lock_dir(const hv_store *s) {
  if (pthread_mutex_lock(&process_lock) != 0) return HV_STORE_ERR_LOCK;
  if (record_lock(s->lockfd, F_WRLCK) == 0) return HV_STORE_OK;
  (void)pthread_mutex_unlock(&process_lock);
  return HV_STORE_ERR_LOCK;
}

static void unlock_dir(const hv_store *s) {
  (void)record_lock(s->lockfd, F_UNLCK);
  (void)pthread_mutex_unlock(&process_lock);
}

static void close_lock(int fd) {
  if (pthread_mutex_lock(&process_lock) != 0) return; /* never: a default mutex */
  (void)close(fd);
  (void)pthread_mutex_unlock(&process_lock);
}

static hv_store_error reseal_stale(hv_store *s);

hv_store_error hv_store_open(const char *dir, const hv_tee *tee, bool create,
                             hv_store **out) {
  if (!dir || !tee || !out) return HV_STORE_ERR_ARGS;
  *out = NULL;
  hv_store *s = calloc(1, sizeof *s);
  if (!s) return HV_STORE_ERR_NOMEM;
  s->tee = tee;
  s->lockfd = -1;
  s->min_block_interval_ms = HV_STORE_DEFAULT_MIN_BLOCK_INTERVAL_MS;
  hv_store_error err = open_dir(dir, create, &s->dirfd);
  if (err == HV_STORE_OK) {
    err = open_lock(s->dirfd, &s->lockfd);
    if (err == HV_STORE_OK) err = lock_dir(s);
    if (err == HV_STORE_OK) {
      err = hv_store_remove_stale(s->dirfd);
      if (err == HV_STORE_OK) err = hv_store_finish_retirement(s);
      if (err == HV_STORE_OK) err = reseal_stale(s);
      unlock_dir(s);
    }
    if (err != HV_STORE_OK) {
      if (s->lockfd >= 0) close_lock(s->lockfd);
      (void)close(s->dirfd);
    }
  }
  if (err != HV_STORE_OK) {
    free(s);
    return err;
  }
  *out = s;
  return HV_STORE_OK;
}

void hv_store_free(hv_store *store) {
  if (!store) return;
  close_lock(store->lockfd);
  (void)close(store->dirfd);
  free(store);
}

/* ---- sealed files ---- */

static hv_store_error write_sealed(hv_store *s, const char *name,
                                   hv_store_kind kind,
                                   const uint8_t pub[HV_ED25519_PUB_LEN],
                                   const uint8_t *pt, size_t pt_len) {
  if (pt_len > MAX_PT_LEN) return HV_STORE_ERR_ARGS;
  uint8_t sealed[SEAL_CAP], file[HV_STORE_MAX_FILE];
  size_t sealed_len = 0, file_len = 0;
  hv_store_error err = from_tee(hv_tee_seal(s->tee, HV_TEE_SEAL_MRENCLAVE, pt,
                                            pt_len, sealed, sizeof sealed,
                                            &sealed_len));
  if (err == HV_STORE_OK)
    err = hv_store_frame(kind, pub, sealed, sealed_len, file, sizeof file, &file_len);
  if (err == HV_STORE_OK) err = hv_store_write_atomic(s->dirfd, name, file, file_len);
  return err;
}

/* Reads, unframes and unseals name; *found false when it does not exist.
 * pt receives exactly pt_len bytes or the call fails (wiped on failure). */
static hv_store_error read_sealed(hv_store *s, const char *name,
                                  hv_store_kind kind,
                                  uint8_t pub[HV_ED25519_PUB_LEN], uint8_t *pt,
                                  size_t pt_len, bool *found) {
  uint8_t file[HV_STORE_MAX_FILE + 1], out[HV_STORE_MAX_FILE];
  size_t file_len = 0, out_len = 0, sealed_len = 0;
  const uint8_t *sealed = NULL;
  hv_store_error err = hv_store_read_file(s->dirfd, name, file, sizeof file,
                                          &file_len, found);
  if (err != HV_STORE_OK || !*found) return err;
  err = hv_store_unframe(kind, file, file_len, pub, &sealed, &sealed_len);
  if (err == HV_STORE_OK)
    err = from_tee(hv_tee_unseal(s->tee, HV_TEE_SEAL_MRENCLAVE, sealed, sealed_len, out,
                                 sizeof out, &out_len));
  if (err == HV_STORE_OK && out_len != pt_len) err = HV_STORE_ERR_CORRUPT;
  if (err == HV_STORE_OK) memcpy(pt, out, pt_len);
  hv_wipe(out, sizeof out);
  return err;
}

/* ---- TCB recovery ---- */

/* Seals name again under today's CPU SVN and ISV SVN when it was sealed
 * under older ones (the caller holds the lock). A file that does not read
 * or unseal here is left as it is: the call that needs it says why. */
static hv_store_error reseal_file(hv_store *s, const char *name, hv_store_kind kind,
                                  bool *done) {
  uint8_t file[HV_STORE_MAX_FILE + 1], pt[HV_STORE_MAX_FILE], pub[HV_ED25519_PUB_LEN];
  size_t file_len = 0, sealed_len = 0, pt_len = 0;
  const uint8_t *sealed = NULL;
  bool found = false, current = true;
  *done = false;
  if (hv_store_read_file(s->dirfd, name, file, sizeof file, &file_len, &found) != HV_STORE_OK ||
      !found ||
      hv_store_unframe(kind, file, file_len, pub, &sealed, &sealed_len) != HV_STORE_OK ||
      hv_tee_seal_current(s->tee, sealed, sealed_len, &current) != HV_TEE_OK || current ||
      hv_tee_unseal(s->tee, HV_TEE_SEAL_MRENCLAVE, sealed, sealed_len, pt, sizeof pt,
                    &pt_len) != HV_TEE_OK)
    return HV_STORE_OK;
  hv_store_error err = write_sealed(s, name, kind, kind == HV_STORE_KIND_IDENTITY ? pub : NULL,
                                    pt, pt_len);
  hv_wipe(pt, sizeof pt);
  *done = err == HV_STORE_OK;
  return err;
}

static hv_store_error reseal_stale(hv_store *s) {
  bool done = false;
  hv_store_error err = reseal_file(s, IDENTITY_FILE, HV_STORE_KIND_IDENTITY, &done);
  if (done) s->resealed |= HV_STORE_RESEALED_IDENTITY;
  if (err == HV_STORE_OK) err = reseal_file(s, STATE_FILE, HV_STORE_KIND_STATE, &done);
  if (done) s->resealed |= HV_STORE_RESEALED_STATE;
  if (err == HV_STORE_OK)
    err = reseal_file(s, HV_STORE_TOMBSTONE_FILE, HV_STORE_KIND_TOMBSTONE, &done);
  if (done) s->resealed |= HV_STORE_RESEALED_TOMBSTONE;
  /* (no flag of its own: it holds no secret and no version) */
  if (err == HV_STORE_OK) err = reseal_file(s, HV_STORE_FLOOR_FILE, HV_STORE_KIND_FLOOR, &done);
  return err;
}

unsigned hv_store_resealed(const hv_store *store) { return store ? store->resealed : 0; }

/* ---- identity ---- */

static hv_store_error read_identity(hv_store *s,
                                    uint8_t secret[HV_ED25519_PRIV_LEN],
                                    uint8_t pub[HV_ED25519_PUB_LEN]) {
  uint8_t pt[IDENTITY_PT_LEN], file_pub[HV_ED25519_PUB_LEN], derived[HV_ED25519_PUB_LEN];
  bool found = false;
  hv_store_error err = read_sealed(s, IDENTITY_FILE, HV_STORE_KIND_IDENTITY,
                                   file_pub, pt, sizeof pt, &found);
  if (err == HV_STORE_OK && !found) return HV_STORE_ERR_NO_IDENTITY;
  const uint8_t *seed = pt + sizeof identity_tag;
  const uint8_t *sealed_pub = seed + HV_ED25519_PRIV_LEN;
  /* The clear public key must be the one sealed with the secret, and the
   * secret must really give it. */
  if (err == HV_STORE_OK &&
      (memcmp(pt, identity_tag, sizeof identity_tag) != 0 ||
       memcmp(sealed_pub, file_pub, HV_ED25519_PUB_LEN) != 0 ||
       hv_ed25519_public(seed, derived) != 0 ||
       memcmp(derived, file_pub, HV_ED25519_PUB_LEN) != 0))
    err = HV_STORE_ERR_CORRUPT;
  if (err == HV_STORE_OK) {
    memcpy(secret, seed, HV_ED25519_PRIV_LEN);
    memcpy(pub, file_pub, HV_ED25519_PUB_LEN);
  }
  hv_wipe(pt, sizeof pt);
  return err;
}

static hv_store_error write_identity(hv_store *s,
                                     const uint8_t secret[HV_ED25519_PRIV_LEN],
                                     const uint8_t pub[HV_ED25519_PUB_LEN]) {
  uint8_t pt[IDENTITY_PT_LEN];
  memcpy(pt, identity_tag, sizeof identity_tag);
  memcpy(pt + sizeof identity_tag, secret, HV_ED25519_PRIV_LEN);
  memcpy(pt + sizeof identity_tag + HV_ED25519_PRIV_LEN, pub, HV_ED25519_PUB_LEN);
  hv_store_error err = write_sealed(s, IDENTITY_FILE, HV_STORE_KIND_IDENTITY,
                                    pub, pt, sizeof pt);
  hv_wipe(pt, sizeof pt);
  return err;
}

hv_store_error hv_store_file_exists(const hv_store *s, const char *name, bool *exists) {
  struct stat st;
  if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    *exists = true;
    return HV_STORE_OK;
  }
  *exists = false;
  return errno == ENOENT ? HV_STORE_OK : HV_STORE_ERR_IO;
}

/* Whether an identity file exists at all (damaged or not: never
 * overwritten either way). */
static hv_store_error identity_exists(hv_store *s, bool *exists) {
  return hv_store_file_exists(s, IDENTITY_FILE, exists);
}

static hv_store_error read_state(hv_store *s, store_state *st);

/* A retired store takes no identity and gives none out: a tombstone is
 * there, or the state says the key moved and its tombstone is gone (an
 * identity put back after the tombstone was deleted). A missing or
 * damaged state is for the state's readers to refuse. */
static hv_store_error refuse_retired(hv_store *s) {
  bool retired = false;
  store_state st;
  hv_store_error err = hv_store_file_exists(s, HV_STORE_TOMBSTONE_FILE, &retired);
  if (err != HV_STORE_OK || retired) return err == HV_STORE_OK ? HV_STORE_ERR_RETIRED : err;
  err = read_state(s, &st);
  return err == HV_STORE_ERR_TOMBSTONE_MISSING ? err : HV_STORE_OK;
}

static hv_store_error bind_state(hv_store *s, const uint8_t pub[HV_ED25519_PUB_LEN]);

/* A new identity: the state bound to it first, then the identity, so that
 * a crash between the two leaves a store without identity (init or
 * receive can run again), never an identity without its state. */
static hv_store_error store_new_identity(hv_store *s,
                                         const uint8_t secret[HV_ED25519_PRIV_LEN],
                                         const uint8_t pub[HV_ED25519_PUB_LEN]) {
  hv_store_error err = bind_state(s, pub);
  return err == HV_STORE_OK ? write_identity(s, secret, pub) : err;
}

hv_store_error hv_store_init_identity(hv_store *store,
                                      uint8_t pub[HV_ED25519_PUB_LEN]) {
  if (!store) return HV_STORE_ERR_ARGS;
  uint8_t secret[HV_ED25519_PRIV_LEN], new_pub[HV_ED25519_PUB_LEN];
  bool exists = false;
  hv_store_error err = lock_dir(store);
  if (err != HV_STORE_OK) return err;
  err = refuse_retired(store);
  if (err == HV_STORE_OK) err = identity_exists(store, &exists);
  if (err == HV_STORE_OK && exists) err = HV_STORE_ERR_EXISTS;
  if (err == HV_STORE_OK && hv_ed25519_keypair(secret, new_pub) != 0)
    err = HV_STORE_ERR_CRYPTO;
  if (err == HV_STORE_OK) err = store_new_identity(store, secret, new_pub);
  unlock_dir(store);
  hv_wipe(secret, sizeof secret);
  if (err == HV_STORE_OK && pub) memcpy(pub, new_pub, HV_ED25519_PUB_LEN);
  return err;
}

/* Under the lock: same identity -> ok, another -> mismatch, none -> write. */
static hv_store_error put_locked(hv_store *s,
                                 const uint8_t secret[HV_ED25519_PRIV_LEN],
                                 const uint8_t pub[HV_ED25519_PUB_LEN]) {
  bool exists = false;
  hv_store_error err = refuse_retired(s);
  if (err == HV_STORE_OK) err = identity_exists(s, &exists);
  if (err != HV_STORE_OK) return err;
  if (!exists) return store_new_identity(s, secret, pub);
  uint8_t held[HV_ED25519_PRIV_LEN], held_pub[HV_ED25519_PUB_LEN];
  err = read_identity(s, held, held_pub);
  if (err == HV_STORE_OK && !hv_ct_equal(held, secret, HV_ED25519_PRIV_LEN))
    err = HV_STORE_ERR_IDENTITY_MISMATCH;
  hv_wipe(held, sizeof held);
  return err;
}

hv_store_error hv_store_put_identity(hv_store *store,
                                     const uint8_t secret[HV_ED25519_PRIV_LEN]) {
  if (!store || !secret) return HV_STORE_ERR_ARGS;
  uint8_t pub[HV_ED25519_PUB_LEN];
  if (hv_ed25519_public(secret, pub) != 0) return HV_STORE_ERR_CRYPTO;
  hv_store_error err = lock_dir(store);
  if (err != HV_STORE_OK) return err;
  err = put_locked(store, secret, pub);
  unlock_dir(store);
  return err;
}

hv_store_error hv_store_get_identity(hv_store *store,
                                     uint8_t secret[HV_ED25519_PRIV_LEN],
                                     uint8_t pub[HV_ED25519_PUB_LEN]) {
  if (!store || !secret || !pub) return HV_STORE_ERR_ARGS;
  hv_store_error err = refuse_retired(store);
  return err == HV_STORE_OK ? read_identity(store, secret, pub) : err;
}

hv_store_error hv_store_public(hv_store *store, uint8_t pub[HV_ED25519_PUB_LEN]) {
  if (!store || !pub) return HV_STORE_ERR_ARGS;
  uint8_t file[HV_STORE_MAX_FILE + 1];
  size_t len = 0, sealed_len = 0;
  const uint8_t *sealed = NULL;
  bool found = false;
  hv_store_error err = hv_store_read_file(store->dirfd, IDENTITY_FILE, file,
                                          sizeof file, &len, &found);
  if (err == HV_STORE_OK && !found) return HV_STORE_ERR_NO_IDENTITY;
  if (err == HV_STORE_OK)
    err = hv_store_unframe(HV_STORE_KIND_IDENTITY, file, len, pub, &sealed,
                           &sealed_len);
  return err;
}

/* ---- state: policy version and chain head ---- */

/* The identity the state must be bound to: the stored one (its clear
 * public key: hv_store_get_identity proves it), else the one a tombstone
 * names; *has false for a store that never held one. */
static hv_store_error state_owner(hv_store *s, uint8_t pub[HV_ED25519_PUB_LEN], bool *has) {
  hv_store_error err = hv_store_public(s, pub);
  *has = err == HV_STORE_OK;
  if (err != HV_STORE_ERR_NO_IDENTITY) return err;
  hv_store_tombstone t;
  err = hv_store_read_tombstone(s, &t, has);
  if (err == HV_STORE_OK && *has) memcpy(pub, t.identity_pub, HV_ED25519_PUB_LEN);
  return err;
}

static hv_store_error parse_state(const uint8_t *pt, store_state *st) {
  uint8_t retired = 0;
  hv_buf_reader r;
  hv_buf_reader_init(&r, pt, STATE_PT_LEN);
  const uint8_t *tag = NULL;
  bool ok = hv_buf_read_view(&r, sizeof state_tag, &tag) &&
            hv_buf_read_u64(&r, &st->policy_version) &&
            hv_buf_read_u64(&r, &st->head.number) &&
            hv_buf_read_u64(&r, &st->head.time_ms) &&
            hv_buf_read_bytes(&r, st->identity_pub, sizeof st->identity_pub) &&
            hv_buf_read_u8(&r, &retired) &&
            hv_buf_read_bytes(&r, st->tombstone_digest, sizeof st->tombstone_digest) &&
            hv_buf_reader_done(&r);
  st->retired = retired == 1;
  return ok && retired <= 1 && memcmp(tag, state_tag, sizeof state_tag) == 0
             ? HV_STORE_OK
             : HV_STORE_ERR_CORRUPT;
}

/* The state says the key moved: the tombstone it recorded must be there,
 * the very one (not deleted, not another retirement's). */
static hv_store_error check_tombstone(hv_store *s, const store_state *st) {
  hv_store_tombstone t;
  uint8_t digest[HV_SHA256_LEN];
  bool found = false;
  hv_store_error err = hv_store_read_tombstone(s, &t, &found);
  if (err == HV_STORE_OK && found) err = hv_store_tombstone_digest(&t, digest);
  if (err == HV_STORE_OK &&
      (!found || !hv_ct_equal(digest, st->tombstone_digest, sizeof digest)))
    err = HV_STORE_ERR_TOMBSTONE_MISSING;
  return err;
}

/* A store that holds (or held) an identity has a state bound to it (and,
 * by the seal, to this build); one that never did may have a state
 * (values seen before its first identity, or a crash in init) bound to
 * nobody in particular. */
static hv_store_error read_state(hv_store *s, store_state *st) {
  uint8_t pt[STATE_PT_LEN], owner[HV_ED25519_PUB_LEN];
  bool found = false, has_owner = false;
  memset(st, 0, sizeof *st);
  hv_store_error err = state_owner(s, owner, &has_owner);
  if (err == HV_STORE_OK)
    err = read_sealed(s, STATE_FILE, HV_STORE_KIND_STATE, NULL, pt, sizeof pt, &found);
  if (err == HV_STORE_OK && !found && has_owner) err = HV_STORE_ERR_STATE_MISSING;
  if (err != HV_STORE_OK || !found) return err;
  err = parse_state(pt, st);
  if (err == HV_STORE_OK && has_owner && memcmp(st->identity_pub, owner, sizeof owner) != 0)
    err = HV_STORE_ERR_OTHER_WORKER;
  if (err == HV_STORE_OK && st->retired) err = check_tombstone(s, st);
  if (err != HV_STORE_OK) memset(st, 0, sizeof *st);
  return err;
}

static hv_store_error write_state(hv_store *s, const store_state *st) {
  uint8_t pt[STATE_PT_LEN];
  hv_buf_writer w;
  hv_buf_writer_init(&w, pt, sizeof pt);
  bool ok = hv_buf_write_bytes(&w, state_tag, sizeof state_tag) &&
            hv_buf_write_u64(&w, st->policy_version) &&
            hv_buf_write_u64(&w, st->head.number) &&
            hv_buf_write_u64(&w, st->head.time_ms) &&
            hv_buf_write_bytes(&w, st->identity_pub, sizeof st->identity_pub) &&
            hv_buf_write_u8(&w, st->retired ? 1 : 0) &&
            hv_buf_write_bytes(&w, st->tombstone_digest, sizeof st->tombstone_digest);
  if (!ok) return HV_STORE_ERR_ARGS;
  return write_sealed(s, STATE_FILE, HV_STORE_KIND_STATE, NULL, pt, sizeof pt);
}

/* Under the lock, before a new identity is written: the state keeps the
 * values it holds (they only rise) and is bound to pub. */
static hv_store_error bind_state(hv_store *s, const uint8_t pub[HV_ED25519_PUB_LEN]) {
  store_state st;
  hv_store_error err = read_state(s, &st);
  if (err != HV_STORE_OK) return err;
  memcpy(st.identity_pub, pub, HV_ED25519_PUB_LEN);
  return write_state(s, &st);
}

hv_store_error hv_store_record_retirement(hv_store *s, const hv_store_tombstone *t) {
  store_state st;
  uint8_t digest[HV_SHA256_LEN];
  hv_store_error err = read_state(s, &st);
  if (err == HV_STORE_OK && memcmp(st.identity_pub, t->identity_pub, HV_ED25519_PUB_LEN) != 0)
    err = HV_STORE_ERR_OTHER_WORKER;
  if (err == HV_STORE_OK) err = hv_store_tombstone_digest(t, digest);
  if (err != HV_STORE_OK) return err;
  if (st.retired && hv_ct_equal(digest, st.tombstone_digest, sizeof digest))
    return HV_STORE_OK; /* recorded already */
  st.retired = true;
  memcpy(st.tombstone_digest, digest, sizeof digest);
  return write_state(s, &st);
}

hv_store_error hv_store_get_policy_version(hv_store *store, uint64_t *version) {
  if (!store || !version) return HV_STORE_ERR_ARGS;
  store_state st;
  hv_store_error err = read_state(store, &st);
  *version = err == HV_STORE_OK ? st.policy_version : 0;
  return err;
}

hv_store_error hv_store_get_chain_head(hv_store *store, hv_store_chain_head *out) {
  if (!store || !out) return HV_STORE_ERR_ARGS;
  store_state st;
  hv_store_error err = read_state(store, &st);
  *out = err == HV_STORE_OK ? st.head : (hv_store_chain_head){0, 0};
  return err;
}

/* A head the chain could have produced after the recorded one: not
 * earlier in time, and not more blocks ahead than the time between them
 * allows at the fastest block rate. ({0, 0} before any head: the bound
 * then counts from 1970.) */
static hv_store_error head_plausible(const hv_store *s, const hv_store_chain_head *rec,
                                     const hv_store_chain_head *next) {
  if (next->time_ms < rec->time_ms) return HV_STORE_ERR_HEAD_TIME_BACK;
  if (next->number > rec->number &&
      next->number - rec->number > (next->time_ms - rec->time_ms) / s->min_block_interval_ms)
    return HV_STORE_ERR_HEAD_JUMP;
  return HV_STORE_OK;
}

/* One read-check-write of the state under the lock: the new state is
 * the stored one with either the policy version or the chain head set. */
static hv_store_error update_state(hv_store *s, const uint64_t *version,
                                   const hv_store_chain_head *head) {
  store_state st;
  hv_store_error err = lock_dir(s);
  if (err != HV_STORE_OK) return err;
  err = read_state(s, &st);
  store_state next = st;
  if (version) next.policy_version = *version;
  if (head) next.head = *head;
  /* A block has one time: the same number with another time is a head
   * made up (or replayed from another chain), refused like a lower one. */
  bool retimed = next.head.number == st.head.number && next.head.time_ms != st.head.time_ms &&
                 st.head.number != 0;
  if (err == HV_STORE_OK && (next.policy_version < st.policy_version ||
                             next.head.number < st.head.number || retimed))
    err = HV_STORE_ERR_ROLLBACK;
  if (err == HV_STORE_OK && head) err = head_plausible(s, &st.head, &next.head);
  bool same = next.policy_version == st.policy_version &&
              next.head.number == st.head.number &&
              next.head.time_ms == st.head.time_ms;
  if (err == HV_STORE_OK && !same)
    err = write_state(s, &next);
  unlock_dir(s);
  return err;
}

hv_store_error hv_store_set_policy_version(hv_store *store, uint64_t version) {
  if (!store) return HV_STORE_ERR_ARGS;
  return update_state(store, &version, NULL);
}

hv_store_error hv_store_set_chain_head(hv_store *store,
                                       const hv_store_chain_head *head) {
  if (!store || !head) return HV_STORE_ERR_ARGS;
  return update_state(store, NULL, head);
}

hv_store_error hv_store_set_min_block_interval(hv_store *store, uint32_t ms) {
  if (!store || ms == 0) return HV_STORE_ERR_ARGS;
  store->min_block_interval_ms = ms;
  return HV_STORE_OK;
}

/* ---- for the other files of src/store (store_int.h) ---- */

int hv_store_dirfd(const hv_store *s) { return s->dirfd; }
hv_store_error hv_store_lock(const hv_store *s) { return lock_dir(s); }
void hv_store_unlock(const hv_store *s) { unlock_dir(s); }

hv_store_error hv_store_seal_write(hv_store *s, const char *name, hv_store_kind kind,
                                   const uint8_t *pt, size_t pt_len) {
  return write_sealed(s, name, kind, NULL, pt, pt_len);
}

hv_store_error hv_store_unseal_read(hv_store *s, const char *name, hv_store_kind kind,
                                    uint8_t *pt, size_t pt_len, bool *found) {
  return read_sealed(s, name, kind, NULL, pt, pt_len, found);
}

hv_store_error hv_store_read_identity(hv_store *s, uint8_t secret[HV_ED25519_PRIV_LEN],
                                      uint8_t pub[HV_ED25519_PUB_LEN]) {
  return read_identity(s, secret, pub);
}
const hv_tee *hv_store_tee(const hv_store *s) { return s->tee; }
