/* What the files of src/store share beyond store_file.h: the sealed-file
 * helpers of store.c and the tombstone of store_retire.c.
 * Private to src/store. */
#ifndef HANDOVER_STORE_INT_H
#define HANDOVER_STORE_INT_H

#include "handover/store.h"
#include "store/store_file.h"

#define HV_STORE_IDENTITY_FILE "identity"
#define HV_STORE_TOMBSTONE_FILE "tombstone"
#define HV_STORE_FLOOR_FILE "floor" /* the newest trusted time (store_floor.c) */

HV_MUST_CHECK hv_store_error hv_store_seal_write(hv_store *s, const char *name, hv_store_kind kind,
                                                 const uint8_t *pt, size_t pt_len);
/* pt receives exactly pt_len bytes or the call fails; *found false when
 * the file does not exist. */
HV_MUST_CHECK hv_store_error hv_store_unseal_read(hv_store *s, const char *name, hv_store_kind kind,
                                                  uint8_t *pt, size_t pt_len, bool *found);
/* The identity, unsealed and checked against its clear public key. */
HV_MUST_CHECK hv_store_error hv_store_read_identity(hv_store *s,
                                                    uint8_t secret[HV_ED25519_PRIV_LEN],
                                                    uint8_t pub[HV_ED25519_PUB_LEN]);

/* The tombstone, if any (*found). */
HV_MUST_CHECK hv_store_error hv_store_read_tombstone(hv_store *s, hv_store_tombstone *t,
                                                     bool *found);
/* Whether a file of that name exists at all (damaged or not). */
HV_MUST_CHECK hv_store_error hv_store_file_exists(const hv_store *s, const char *name,
                                                  bool *exists);
/* SHA-256 of the tombstone's sealed plaintext: what the state records. */
HV_MUST_CHECK hv_store_error hv_store_tombstone_digest(const hv_store_tombstone *t,
                                                       uint8_t out[HV_SHA256_LEN]);
/* Under the lock: the state records that the key moved, with t's digest
 * (t names the state's identity, else HV_STORE_ERR_OTHER_WORKER). */
HV_MUST_CHECK hv_store_error hv_store_record_retirement(hv_store *s, const hv_store_tombstone *t);
/* Under the lock: a tombstone in place but the state not yet marked, or
 * the identity not yet wiped (a crash in between), is finished. */
HV_MUST_CHECK hv_store_error hv_store_finish_retirement(hv_store *s);

#endif
