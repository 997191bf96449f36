/* Files of the store: crash-safe writes, checked reads, and the framing
 * each file carries (magic, format version, kind, checksum). Private to
 * src/store. */
#ifndef HANDOVER_STORE_FILE_H
#define HANDOVER_STORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "handover/store.h"
#include "sys/sys.h"

/* No store file is larger: a sealed 68-byte identity plus framing. A
 * bigger file is damage (or an attack), never read in full. */
#define HV_STORE_MAX_FILE 4096
/* Prefix of temp files; anything so named is a crash's leftover. */
#define HV_STORE_TMP_PREFIX HV_SYS_TMP_PREFIX

typedef enum {
  HV_STORE_KIND_IDENTITY = 1,
  HV_STORE_KIND_STATE = 2,
  HV_STORE_KIND_TOMBSTONE = 3,
  HV_STORE_KIND_FLOOR = 4, /* (3: the tombstone, issue 11) */
} hv_store_kind;

/* Writes name in dirfd atomically: temp file (O_EXCL, 0600), fsync,
 * rename over name, fsync of the directory. */
HV_MUST_CHECK hv_store_error hv_store_write_atomic(int dirfd, const char *name, const uint8_t *data,
                                                   size_t len);
/* Reads name (regular file, ours, 0600 or stricter, no symlink, at most
 * HV_STORE_MAX_FILE bytes). *found is false (and HV_STORE_OK returned)
 * when the file does not exist. */
HV_MUST_CHECK hv_store_error hv_store_read_file(int dirfd, const char *name, uint8_t *buf,
                                                size_t cap, size_t *len, bool *found);
/* The same for a file of up to max bytes (the log). */
HV_MUST_CHECK hv_store_error hv_store_read_file_max(int dirfd, const char *name, size_t max,
                                                    uint8_t *buf, size_t cap, size_t *len,
                                                    bool *found);
/* Removes the temp files a crash may have left. */
HV_MUST_CHECK hv_store_error hv_store_remove_stale(int dirfd);

/* Frames body (pub may be NULL when the kind has none) into out. */
HV_MUST_CHECK hv_store_error hv_store_frame(hv_store_kind kind,
                                            const uint8_t pub[HV_ED25519_PUB_LEN],
                                            const uint8_t *sealed, size_t sealed_len, uint8_t *out,
                                            size_t cap, size_t *out_len);
/* Checks the framing and checksum; points *sealed into data; copies the
 * public key when the kind has one. HV_STORE_ERR_CORRUPT on any flaw. */
HV_MUST_CHECK hv_store_error hv_store_unframe(hv_store_kind kind, const uint8_t *data, size_t len,
                                              uint8_t pub[HV_ED25519_PUB_LEN],
                                              const uint8_t **sealed, size_t *sealed_len);

/* For the store's other files (log.c): its directory, its TEE, and the
 * writers' lock (see store.c). */
HV_MUST_CHECK int hv_store_dirfd(const hv_store *s);
const hv_tee *hv_store_tee(const hv_store *s);
HV_MUST_CHECK hv_store_error hv_store_lock(const hv_store *s);
void hv_store_unlock(const hv_store *s);

#endif
