/* Shared between the files of src/timesrc; not part of the public API. */
#ifndef HANDOVER_TIMESRC_INT_H
#define HANDOVER_TIMESRC_INT_H

#include "handover/crypto.h"
#include "handover/timesrc.h"

/* The operator label a server votes under: an unlabeled server is its own
 * operator (its host name). */
const char *hv_timesrc_operator_of(const hv_timesrc_server *s);

/* Cookie persistence: one file holding each server's jar, in a 0700
 * directory, 0600, replaced atomically (temp, fsync, rename, fsync dir).
 * open creates the directory if missing, refuses one that others can
 * reach or that is not a directory, and reads the file (a missing or
 * corrupt one counts as empty); NULL and detail on refusal. */
typedef struct hv_timesrc_state hv_timesrc_state;
/* key: NULL (plain file) or HV_TIMESRC_STATE_KEY_LEN bytes (copied). */
HV_MUST_CHECK hv_timesrc_state *hv_timesrc_state_open(const char *dir, const uint8_t *key,
                                                      char *detail, size_t detail_len);
/* The same from bytes in memory (no directory: save fails); for fuzzing
 * and tests. NULL only when out of memory. */
HV_MUST_CHECK hv_timesrc_state *hv_timesrc_state_parse(const uint8_t *data, size_t len);
/* Saved entries after open or parse (0 when the file did not parse). */
size_t hv_timesrc_state_entries(const hv_timesrc_state *st);
/* A new jar: the server's saved one, or empty. NULL only when out of
 * memory. */
hv_nts_jar *hv_timesrc_state_jar(const hv_timesrc_state *st, const hv_timesrc_server *s);
/* Writes these servers' jars (NULL entries skipped), keeping the saved
 * jars of other servers. */
HV_MUST_CHECK int hv_timesrc_state_save(const hv_timesrc_state *st,
                                        const hv_timesrc_server *servers, hv_nts_jar *const *jars,
                                        size_t n);
/* The encrypted file: "HVTE" | version u8 | nonce (12) | AES-256-GCM of
 * the plain file, with the first 5 bytes as associated data. encrypt
 * needs len + HV_TIMESRC_SEALED_OVERHEAD bytes of out; decrypt needs
 * len bytes of out. false: too large, or (decrypt) not ours, altered. */
#define HV_TIMESRC_SEALED_OVERHEAD (5 + HV_GCM_NONCE_LEN + HV_GCM_TAG_LEN)
HV_MUST_CHECK bool hv_timesrc_state_encrypt(const uint8_t key[HV_TIMESRC_STATE_KEY_LEN],
                                            const uint8_t *pt, size_t len, uint8_t *out,
                                            size_t *out_len);
HV_MUST_CHECK bool hv_timesrc_state_decrypt(const uint8_t key[HV_TIMESRC_STATE_KEY_LEN],
                                            const uint8_t *in, size_t len, uint8_t *out,
                                            size_t *out_len);
/* Wipes and frees. */
void hv_timesrc_state_free(hv_timesrc_state *st);

#endif
