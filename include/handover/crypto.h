/* Thin wrappers over OpenSSL 3. Nothing here implements a primitive that
 * OpenSSL has; the one piece of our own is S2V for an empty plaintext,
 * because OpenSSL before 3.5 refuses AES-SIV on empty input (see
 * src/crypto/siv.c). Every function returns 0 on success and -1 on any
 * failure (bad sizes, authentication failure, OpenSSL error). */
#ifndef HANDOVER_CRYPTO_H
#define HANDOVER_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/api.h"

HV_BEGIN_DECLS

#define HV_SHA256_LEN 32
#define HV_SHA512_LEN 64
#define HV_CMAC_LEN 16
#define HV_SIV_TAG_LEN 16
/* AEAD_AES_SIV_CMAC_256 (RFC 5297, NTS AEAD id 15): two AES-128 keys. */
#define HV_SIV_CMAC_256_KEY_LEN 32
#define HV_SIV_MAX_AD 8 /* S2V takes at most 126 strings; we need a handful */
#define HV_X25519_LEN 32
#define HV_ED25519_PRIV_LEN 32 /* the RFC 8032 seed */
#define HV_ED25519_PUB_LEN 32
#define HV_ED25519_SIG_LEN 64
#define HV_GCM_KEY_LEN 32 /* AES-256-GCM for the key transport */
#define HV_GCM_NONCE_LEN 12
#define HV_GCM_TAG_LEN 16

/* One piece of associated data, or one part of a hashed message. */
typedef struct {
  const uint8_t *data;
  size_t len;
} hv_iov;

/* AES-SIV (RFC 5297) with a vector of associated-data strings; for the
 * RFC 5297 AEAD form (and NTS) the nonce is the last string. key_len is
 * 32, 48 or 64 (AES-128/192/256-SIV). out receives tag || ciphertext,
 * pt_len + HV_SIV_TAG_LEN bytes. */
HV_API HV_MUST_CHECK int hv_siv_seal(const uint8_t *key, size_t key_len,
                              const hv_iov *ad, size_t n_ad,
                              const uint8_t *pt, size_t pt_len, uint8_t *out);
/* in is tag || ciphertext; pt receives in_len - HV_SIV_TAG_LEN bytes. */
HV_API HV_MUST_CHECK int hv_siv_open(const uint8_t *key, size_t key_len,
                              const hv_iov *ad, size_t n_ad,
                              const uint8_t *in, size_t in_len, uint8_t *pt);

/* AES-GCM, 12-byte nonce, 16-byte tag; key 16 or 32 bytes.
 * seal: out = ciphertext || tag (pt_len + 16 bytes). */
HV_API HV_MUST_CHECK int hv_gcm_seal(const uint8_t *key, size_t key_len,
                              const uint8_t nonce[HV_GCM_NONCE_LEN],
                              const uint8_t *ad, size_t ad_len,
                              const uint8_t *pt, size_t pt_len, uint8_t *out);
HV_API HV_MUST_CHECK int hv_gcm_open(const uint8_t *key, size_t key_len,
                              const uint8_t nonce[HV_GCM_NONCE_LEN],
                              const uint8_t *ad, size_t ad_len,
                              const uint8_t *in, size_t in_len, uint8_t *pt);

HV_API HV_MUST_CHECK int hv_sha256(const uint8_t *msg, size_t len,
                            uint8_t out[HV_SHA256_LEN]);
HV_API HV_MUST_CHECK int hv_sha512(const uint8_t *msg, size_t len,
                            uint8_t out[HV_SHA512_LEN]);
/* Hash of the concatenation of the parts. */
HV_API HV_MUST_CHECK int hv_sha256_parts(const hv_iov *parts, size_t n,
                                  uint8_t out[HV_SHA256_LEN]);
HV_API HV_MUST_CHECK int hv_sha512_parts(const hv_iov *parts, size_t n,
                                  uint8_t out[HV_SHA512_LEN]);

/* HKDF-SHA256 (RFC 5869), extract and expand; out_len <= 255 * 32. */
HV_API HV_MUST_CHECK int hv_hkdf_sha256(const uint8_t *salt, size_t salt_len,
                                 const uint8_t *ikm, size_t ikm_len,
                                 const uint8_t *info, size_t info_len,
                                 uint8_t *out, size_t out_len);

/* AES-CMAC (key 16, 24 or 32 bytes). */
HV_API HV_MUST_CHECK int hv_aes_cmac(const uint8_t *key, size_t key_len,
                              const uint8_t *msg, size_t len,
                              uint8_t out[HV_CMAC_LEN]);

HV_API HV_MUST_CHECK int hv_x25519_keypair(uint8_t priv[HV_X25519_LEN],
                                    uint8_t pub[HV_X25519_LEN]);
HV_API HV_MUST_CHECK int hv_x25519_public(const uint8_t priv[HV_X25519_LEN],
                                   uint8_t pub[HV_X25519_LEN]);
/* Fails on an all-zero shared secret (a low-order peer key). */
HV_API HV_MUST_CHECK int hv_x25519(const uint8_t priv[HV_X25519_LEN],
                            const uint8_t peer[HV_X25519_LEN],
                            uint8_t shared[HV_X25519_LEN]);

HV_API HV_MUST_CHECK int hv_ed25519_keypair(uint8_t priv[HV_ED25519_PRIV_LEN],
                                     uint8_t pub[HV_ED25519_PUB_LEN]);
HV_API HV_MUST_CHECK int hv_ed25519_public(const uint8_t priv[HV_ED25519_PRIV_LEN],
                                    uint8_t pub[HV_ED25519_PUB_LEN]);
HV_API HV_MUST_CHECK int hv_ed25519_sign(const uint8_t priv[HV_ED25519_PRIV_LEN],
                                  const uint8_t *msg, size_t len,
                                  uint8_t sig[HV_ED25519_SIG_LEN]);
/* 0 only for a valid signature. */
HV_API HV_MUST_CHECK int hv_ed25519_verify(const uint8_t pub[HV_ED25519_PUB_LEN],
                                    const uint8_t *msg, size_t len,
                                    const uint8_t sig[HV_ED25519_SIG_LEN]);

/* Optional, once at process start: OpenSSL otherwise loads its
 * configuration, instantiates its random generator and fetches each
 * algorithm on first use, which costs the first timed operation (an NTS
 * query, say) a few milliseconds. */
HV_API HV_MUST_CHECK int hv_crypto_init(void);

HV_API HV_MUST_CHECK int hv_random(uint8_t *out, size_t len);
/* Wipes a secret so the compiler cannot elide it. */
HV_API void hv_wipe(void *p, size_t len);
/* Constant-time equality; 1 when equal. */
HV_API int hv_ct_equal(const void *a, const void *b, size_t len);

HV_END_DECLS

#endif
