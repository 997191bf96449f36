/* Crash-safe file writes and checked reads for the store.
 *
 * A write never touches the live file (hv_sys_replace_at: temp file,
 * fsync, rename, fsync of the directory), so a reader sees the old file
 * or the new one.
 * The checksum is not security (the host can recompute it; sealing is
 * the protection), it tells damage apart from a foreign or altered seal. */
#include "store/store_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"

static const uint8_t file_magic[4] = {'H', 'V', 'S', 'T'};
#define FILE_FORMAT 1

hv_store_error hv_store_write_atomic(int dirfd, const char *name,
                                     const uint8_t *data, size_t len) {
  return hv_sys_replace_at(dirfd, name, data, len, 0600) == 0 ? HV_STORE_OK
                                                               : HV_STORE_ERR_WRITE;
}

static hv_store_error check_file(int fd, size_t max) {
  struct stat st;
  if (fstat(fd, &st) != 0) return HV_STORE_ERR_READ;
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
    return HV_STORE_ERR_PERMISSIONS;
  if ((uint64_t)st.st_size > max) return HV_STORE_ERR_CORRUPT;
  return HV_STORE_OK;
}

static hv_store_error read_all(int fd, uint8_t *buf, size_t cap, size_t *len) {
  if (hv_sys_read_fd(fd, buf, cap, len) == 0) return HV_STORE_OK;
  return errno == EFBIG ? HV_STORE_ERR_CORRUPT : HV_STORE_ERR_READ; /* EFBIG: grew past cap */
}

hv_store_error hv_store_read_file(int dirfd, const char *name, uint8_t *buf,
                                  size_t cap, size_t *len, bool *found) {
  return hv_store_read_file_max(dirfd, name, HV_STORE_MAX_FILE, buf, cap, len, found);
}

hv_store_error hv_store_read_file_max(int dirfd, const char *name, size_t max,
                                      uint8_t *buf, size_t cap, size_t *len,
                                      bool *found) {
  *found = false;
  *len = 0;
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return HV_STORE_OK;
    return errno == ELOOP ? HV_STORE_ERR_PERMISSIONS : HV_STORE_ERR_READ;
  }
  *found = true;
  hv_store_error err = check_file(fd, max);
  if (err == HV_STORE_OK) err = read_all(fd, buf, cap, len);
  (void)close(fd);
  return err;
}

hv_store_error hv_store_remove_stale(int dirfd) {
  int fd = dup(dirfd);
  DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
  if (!dir) {
    if (fd >= 0) (void)close(fd);
    return HV_STORE_ERR_IO;
  }
  hv_store_error err = HV_STORE_OK;
  const size_t prefix = strlen(HV_STORE_TMP_PREFIX);
  struct dirent *ent;
  errno = 0;
  while ((ent = readdir(dir)) != NULL) {
    if (strncmp(ent->d_name, HV_STORE_TMP_PREFIX, prefix) != 0) continue;
    if (unlinkat(dirfd, ent->d_name, 0) != 0 && errno != ENOENT)
      err = HV_STORE_ERR_IO;
    errno = 0;
  }
  if (errno != 0) err = HV_STORE_ERR_IO;
  (void)closedir(dir);
  /* A removal needs no fsync: a temp file that comes back after a
   * crash is removed again on the next open. */
  return err;
}

hv_store_error hv_store_frame(hv_store_kind kind,
                              const uint8_t pub[HV_ED25519_PUB_LEN],
                              const uint8_t *sealed, size_t sealed_len,
                              uint8_t *out, size_t cap, size_t *out_len) {
  if ((kind == HV_STORE_KIND_IDENTITY) != (pub != NULL) || sealed_len > UINT16_MAX)
    return HV_STORE_ERR_ARGS;
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, cap);
  bool ok = hv_buf_write_bytes(&w, file_magic, sizeof file_magic) &&
            hv_buf_write_u16(&w, FILE_FORMAT) && hv_buf_write_u8(&w, (uint8_t)kind);
  if (ok && pub) ok = hv_buf_write_bytes(&w, pub, HV_ED25519_PUB_LEN);
  ok = ok && hv_buf_write_u16(&w, (uint16_t)sealed_len) &&
       hv_buf_write_bytes(&w, sealed, sealed_len);
  uint8_t *sum = NULL;
  ok = ok && hv_buf_write_reserve(&w, HV_SHA256_LEN, &sum);
  if (!ok || hv_sha256(out, w.len - HV_SHA256_LEN, sum) != 0)
    return HV_STORE_ERR_ARGS;
  *out_len = w.len;
  return HV_STORE_OK;
}

hv_store_error hv_store_unframe(hv_store_kind kind, const uint8_t *data,
                                size_t len, uint8_t pub[HV_ED25519_PUB_LEN],
                                const uint8_t **sealed, size_t *sealed_len) {
  uint8_t sum[HV_SHA256_LEN];
  if (len < HV_SHA256_LEN || hv_sha256(data, len - HV_SHA256_LEN, sum) != 0 ||
      !hv_ct_equal(sum, data + len - HV_SHA256_LEN, HV_SHA256_LEN))
    return HV_STORE_ERR_CORRUPT;
  hv_buf_reader r;
  hv_buf_reader_init(&r, data, len - HV_SHA256_LEN);
  const uint8_t *magic = NULL;
  uint16_t format = 0, blob_len = 0;
  uint8_t file_kind = 0;
  bool ok = hv_buf_read_view(&r, sizeof file_magic, &magic) &&
            hv_buf_read_u16(&r, &format) && hv_buf_read_u8(&r, &file_kind);
  if (!ok || memcmp(magic, file_magic, sizeof file_magic) != 0 ||
      format != FILE_FORMAT || file_kind != kind)
    return HV_STORE_ERR_CORRUPT;
  if (kind == HV_STORE_KIND_IDENTITY)
    ok = hv_buf_read_bytes(&r, pub, HV_ED25519_PUB_LEN);
  ok = ok && hv_buf_read_u16(&r, &blob_len) &&
       hv_buf_read_view(&r, blob_len, sealed) && hv_buf_reader_done(&r);
  if (!ok) return HV_STORE_ERR_CORRUPT;
  *sealed_len = blob_len;
  return HV_STORE_OK;
}
