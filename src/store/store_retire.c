/* Retirement: after an authenticated DONE the key has moved, so the store
 * records a sealed tombstone and then wipes its sealed secret, in that
 * order, each step crash-safe:
 *
 *   1. tombstone written (temp, fsync, rename, fsync dir): before the
 *      rename is durable the store still serves with its key; after it,
 *      it is retired (hv_store_get_identity refuses);
 *   2. the state records the retirement and the tombstone's digest, so
 *      that deleting the tombstone and putting an old identity back is
 *      refused by name (HV_STORE_ERR_TOMBSTONE_MISSING);
 *   3. identity overwritten with zeros and fsynced, then removed, and the
 *      removal fsynced.
 * A crash after 1 leaves the tombstone, and the next hv_store_open
 * finishes 2 and 3. After a crash the store is thus either serving with
 * its key or retired with its tombstone, never neither. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

static const uint8_t tombstone_tag[4] = {'H', 'V', 'T', 'B'};
/* tag, identity, receiver measurement (mr_enclave, mr_signer, prod, svn),
 * time, transcript hash */
#define TOMBSTONE_PT_LEN \
  (4 + HV_ED25519_PUB_LEN + 2 * HV_TEE_MR_LEN + 2 + 2 + 8 + HV_SHA256_LEN)
#define WIPE_CHUNK 512

static bool encode_tombstone(const hv_store_tombstone *t, uint8_t pt[TOMBSTONE_PT_LEN]) {
  hv_buf_writer w;
  hv_buf_writer_init(&w, pt, TOMBSTONE_PT_LEN);
  const hv_tee_measurement *m = &t->receiver;
  bool ok = hv_buf_write_bytes(&w, tombstone_tag, sizeof tombstone_tag) &&
            hv_buf_write_bytes(&w, t->identity_pub, HV_ED25519_PUB_LEN) &&
            hv_buf_write_bytes(&w, m->mr_enclave, HV_TEE_MR_LEN) &&
            hv_buf_write_bytes(&w, m->mr_signer, HV_TEE_MR_LEN) &&
            hv_buf_write_u16(&w, m->isv_prod_id) && hv_buf_write_u16(&w, m->isv_svn) &&
            hv_buf_write_u64(&w, t->time_ms) &&
            hv_buf_write_bytes(&w, t->transcript_hash, HV_SHA256_LEN);
  return ok && w.len == TOMBSTONE_PT_LEN;
}

static hv_store_error write_tombstone(hv_store *s, const hv_store_tombstone *t) {
  uint8_t pt[TOMBSTONE_PT_LEN];
  if (!encode_tombstone(t, pt)) return HV_STORE_ERR_ARGS;
  return hv_store_seal_write(s, HV_STORE_TOMBSTONE_FILE, HV_STORE_KIND_TOMBSTONE, pt,
                             sizeof pt);
}

hv_store_error hv_store_tombstone_digest(const hv_store_tombstone *t,
                                         uint8_t out[HV_SHA256_LEN]) {
  uint8_t pt[TOMBSTONE_PT_LEN];
  if (!encode_tombstone(t, pt)) return HV_STORE_ERR_ARGS;
  return hv_sha256(pt, sizeof pt, out) == 0 ? HV_STORE_OK : HV_STORE_ERR_CRYPTO;
}

hv_store_error hv_store_read_tombstone(hv_store *s, hv_store_tombstone *t, bool *found) {
  uint8_t pt[TOMBSTONE_PT_LEN];
  memset(t, 0, sizeof *t);
  hv_store_error err = hv_store_unseal_read(s, HV_STORE_TOMBSTONE_FILE,
                                            HV_STORE_KIND_TOMBSTONE, pt, sizeof pt, found);
  if (err != HV_STORE_OK || !*found) return err;
  hv_buf_reader r;
  hv_buf_reader_init(&r, pt, sizeof pt);
  const uint8_t *tag = NULL;
  hv_tee_measurement *m = &t->receiver;
  bool ok = hv_buf_read_view(&r, sizeof tombstone_tag, &tag) &&
            hv_buf_read_bytes(&r, t->identity_pub, HV_ED25519_PUB_LEN) &&
            hv_buf_read_bytes(&r, m->mr_enclave, HV_TEE_MR_LEN) &&
            hv_buf_read_bytes(&r, m->mr_signer, HV_TEE_MR_LEN) &&
            hv_buf_read_u16(&r, &m->isv_prod_id) && hv_buf_read_u16(&r, &m->isv_svn) &&
            hv_buf_read_u64(&r, &t->time_ms) &&
            hv_buf_read_bytes(&r, t->transcript_hash, HV_SHA256_LEN) &&
            hv_buf_reader_done(&r);
  if (!ok || memcmp(tag, tombstone_tag, sizeof tombstone_tag) != 0) {
    memset(t, 0, sizeof *t);
    return HV_STORE_ERR_CORRUPT;
  }
  return HV_STORE_OK;
}

static hv_store_error write_zeros(int fd, off_t size) {
  static const uint8_t zeros[WIPE_CHUNK];
  for (off_t done = 0; done < size;) {
    size_t n = size - done < WIPE_CHUNK ? (size_t)(size - done) : WIPE_CHUNK;
    ssize_t w = pwrite(fd, zeros, n, done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return HV_STORE_ERR_WRITE;
    done += w;
  }
  return fsync(fd) == 0 ? HV_STORE_OK : HV_STORE_ERR_WRITE;
}

/* Overwrites the identity file with zeros (best effort on the medium: a
 * copy-on-write file system may keep the old blocks; the seal still
 * binds them to this build, which refuses to serve once retired), then
 * removes it durably. No identity file: nothing to do. */
static hv_store_error wipe_identity(hv_store *s) {
  int dirfd = hv_store_dirfd(s);
  int fd = openat(dirfd, HV_STORE_IDENTITY_FILE, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? HV_STORE_OK : HV_STORE_ERR_WRITE;
  struct stat st;
  hv_store_error err = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
                           ? write_zeros(fd, st.st_size)
                           : HV_STORE_ERR_WRITE;
  if (close(fd) != 0 && err == HV_STORE_OK) err = HV_STORE_ERR_WRITE;
  if (err == HV_STORE_OK && unlinkat(dirfd, HV_STORE_IDENTITY_FILE, 0) != 0 &&
      errno != ENOENT)
    err = HV_STORE_ERR_IO;
  if (err == HV_STORE_OK && fsync(dirfd) != 0) err = HV_STORE_ERR_IO;
  return err;
}

hv_store_error hv_store_retire(hv_store *store, hv_store_tombstone *tombstone) {
  if (!store || !tombstone) return HV_STORE_ERR_ARGS;
  uint8_t secret[HV_ED25519_PRIV_LEN];
  bool retired = false;
  hv_store_error err = hv_store_lock(store);
  if (err != HV_STORE_OK) return err;
  err = hv_store_file_exists(store, HV_STORE_TOMBSTONE_FILE, &retired);
  if (err == HV_STORE_OK && retired) err = HV_STORE_ERR_RETIRED;
  /* Only a store that really holds the identity, and its state, retires. */
  uint64_t version = 0;
  if (err == HV_STORE_OK)
    err = hv_store_read_identity(store, secret, tombstone->identity_pub);
  if (err == HV_STORE_OK) err = hv_store_get_policy_version(store, &version);
  hv_wipe(secret, sizeof secret);
  if (err == HV_STORE_OK) err = write_tombstone(store, tombstone);
  if (err == HV_STORE_OK) err = hv_store_record_retirement(store, tombstone);
  if (err == HV_STORE_OK) err = wipe_identity(store);
  hv_store_unlock(store);
  return err;
}

/* Only our own tombstone of this very identity finishes a retirement;
 * anything else (another build's, another worker's, a planted or damaged
 * file) is left for the readers to refuse by name. An identity damaged by
 * a wipe cut short goes. */
static bool ours_to_finish(hv_store *s, const hv_store_tombstone *t) {
  uint8_t pub[HV_ED25519_PUB_LEN];
  hv_store_error pe = hv_store_public(s, pub);
  if (pe == HV_STORE_ERR_NO_IDENTITY || pe == HV_STORE_ERR_CORRUPT) return true;
  return pe == HV_STORE_OK && memcmp(pub, t->identity_pub, sizeof pub) == 0;
}

hv_store_error hv_store_finish_retirement(hv_store *s) {
  hv_store_tombstone t;
  bool found = false;
  uint64_t version = 0;
  hv_store_error err = hv_store_file_exists(s, HV_STORE_TOMBSTONE_FILE, &found);
  if (err != HV_STORE_OK || !found) return err;
  if (hv_store_read_tombstone(s, &t, &found) != HV_STORE_OK || !ours_to_finish(s, &t))
    return HV_STORE_OK;
  /* A crash after the tombstone, before the state recorded it. */
  if (hv_store_get_policy_version(s, &version) == HV_STORE_OK) {
    err = hv_store_record_retirement(s, &t);
    if (err != HV_STORE_OK && err != HV_STORE_ERR_OTHER_WORKER) return err;
  }
  return wipe_identity(s);
}

hv_store_error hv_store_get_tombstone(hv_store *store, bool *retired,
                                      hv_store_tombstone *out) {
  if (!store || !retired || !out) return HV_STORE_ERR_ARGS;
  uint64_t version = 0;
  hv_store_error err = hv_store_read_tombstone(store, out, retired);
  if (err != HV_STORE_OK) return err;
  /* No tombstone: unless the state says the key moved (then it is gone). */
  if (!*retired) return hv_store_get_policy_version(store, &version);
  /* A tombstone of another worker (same build) is not ours: the identity
   * still here, or the state, names another. */
  uint8_t pub[HV_ED25519_PUB_LEN];
  err = hv_store_public(store, pub);
  if (err == HV_STORE_OK && memcmp(pub, out->identity_pub, sizeof pub) != 0)
    return HV_STORE_ERR_OTHER_WORKER;
  if (err != HV_STORE_OK && err != HV_STORE_ERR_NO_IDENTITY) return err;
  return hv_store_get_policy_version(store, &version);
}
