/* What the sender and the receiver share: the injected environment (TEE,
 * randomness, policy view), the transcript, the key derivation and the
 * report bindings of docs/PROTOCOL.md. Private to src/proto and its tests
 * (which use it to build messages that flip exactly one condition). */
#ifndef HANDOVER_PROTO_EXCHANGE_H
#define HANDOVER_PROTO_EXCHANGE_H

#include "proto/codec.h"

#include "handover/crypto.h"

/* HKDF salt of the key transport (ASCII, no terminator). */
#define HV_PX_KDF_SALT "handover v1 key transport"
#define HV_PX_OKM_LEN (HV_GCM_KEY_LEN + HV_GCM_NONCE_LEN)

typedef struct {
  const hv_proto_tee_ops *ops;
  void *tee_ctx;
  hv_proto_random_fn random;
  void *random_ctx;
  hv_proto_params params; /* runtimes points at our own copy */
} hv_proto_px;

HV_MUST_CHECK hv_proto_error hv_proto_px_init(hv_proto_px *px, const hv_proto_config *cfg);
/* Frees what init took (the runtimes copy), wiping it; px itself is the
 * caller's. */
void hv_proto_px_free(hv_proto_px *px);

HV_MUST_CHECK hv_proto_error hv_proto_px_random(const hv_proto_px *px, uint8_t *out, size_t len);
hv_tee_kind hv_proto_px_kind(const hv_proto_px *px);
bool hv_proto_px_dev_mode(const hv_proto_px *px);
void hv_proto_px_self(const hv_proto_px *px, hv_tee_measurement *out);
HV_MUST_CHECK hv_proto_error hv_proto_px_target_info(const hv_proto_px *px,
                                                     uint8_t out[HV_TEE_TARGET_INFO_LEN]);
HV_MUST_CHECK hv_proto_error hv_proto_px_report(const hv_proto_px *px,
                                                const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                                                const uint8_t report_data[HV_TEE_REPORT_DATA_LEN],
                                                uint8_t out[HV_TEE_REPORT_LEN]);
/* HV_PROTO_ERR_REPORT_MAC when the report is not for us on this platform. */
HV_MUST_CHECK hv_proto_error hv_proto_px_verify(const hv_proto_px *px,
                                                const uint8_t report[HV_TEE_REPORT_LEN]);

/* The policy entry of a measurement, or NULL when it is not allowed. */
const hv_proto_runtime *hv_proto_px_find_runtime(const hv_proto_px *px, const hv_tee_measurement *m);

/* RESPONSE report data: SHA-512(challenge || receiver_pub || kind u16 || dev u8). */
HV_MUST_CHECK hv_proto_error hv_proto_px_response_binding(
    const uint8_t *challenge, size_t challenge_len, const uint8_t receiver_pub[HV_PROTO_KEY_LEN],
    uint16_t kind, bool dev_mode, uint8_t out[HV_TEE_REPORT_DATA_LEN]);
/* SHA-256(u16 len || challenge || u16 len || response || identity_pub || sender_pub). */
HV_MUST_CHECK hv_proto_error hv_proto_px_transcript(const uint8_t *challenge, size_t challenge_len,
                                                    const uint8_t *response, size_t response_len,
                                                    const uint8_t identity_pub[HV_PROTO_KEY_LEN],
                                                    const uint8_t sender_pub[HV_PROTO_KEY_LEN],
                                                    uint8_t th[HV_PROTO_HASH_LEN]);
/* KEY report data: SHA-512(th || identity_pub || sender_pub || ciphertext). */
HV_MUST_CHECK hv_proto_error hv_proto_px_key_binding(const uint8_t th[HV_PROTO_HASH_LEN],
                                                     const hv_proto_key *key,
                                                     uint8_t out[HV_TEE_REPORT_DATA_LEN]);
/* AEAD key and nonce: HKDF-SHA256(salt, X25519(priv, peer), info = th).
 * A low-order peer key (all-zero shared secret) is HV_PROTO_ERR_FIELD_VALUE. */
HV_MUST_CHECK hv_proto_error hv_proto_px_derive(const uint8_t priv[HV_X25519_LEN],
                                                const uint8_t peer[HV_X25519_LEN],
                                                const uint8_t th[HV_PROTO_HASH_LEN],
                                                uint8_t okm[HV_PX_OKM_LEN]);

/* The sender's KEY for a checked RESPONSE: encrypts secret under eph_priv
 * and the receiver's key, and reports to the receiver's enclave; th_out
 * (may be NULL) receives the transcript hash. */
typedef struct {
  const uint8_t *challenge;
  size_t challenge_len;
  const uint8_t *response; /* the whole RESPONSE message */
  size_t response_len;
  const uint8_t *receiver_pub;
  const uint8_t *receiver_target_info;
} hv_proto_px_key_input;

HV_MUST_CHECK hv_proto_error hv_proto_px_build_key(
    const hv_proto_px *px, const hv_proto_px_key_input *in,
    const uint8_t identity_pub[HV_PROTO_KEY_LEN], const uint8_t secret[HV_PROTO_SECRET_LEN],
    const uint8_t eph_priv[HV_X25519_LEN], hv_proto_key *key, uint8_t th_out[HV_PROTO_HASH_LEN]);
/* Makes key->report again over key's current fields (for tests that alter
 * a field and want a report that still binds it). */
HV_MUST_CHECK hv_proto_error
hv_proto_px_report_key(const hv_proto_px *px, const uint8_t th[HV_PROTO_HASH_LEN],
                       const uint8_t target_info[HV_TEE_TARGET_INFO_LEN], hv_proto_key *key);

/* The bytes the DONE signature covers (PROTOCOL.md section 4):
 * "handover v1 done" (16 ASCII bytes) || th || stored_hash. */
#define HV_PX_DONE_CONTEXT "handover v1 done"
#define HV_PX_DONE_SIGNED_LEN (sizeof HV_PX_DONE_CONTEXT - 1 + 2 * HV_PROTO_HASH_LEN)
void hv_proto_px_done_signed(const uint8_t th[HV_PROTO_HASH_LEN],
                       const uint8_t stored_hash[HV_PROTO_HASH_LEN],
                       uint8_t out[HV_PX_DONE_SIGNED_LEN]);

/* Encodes an ERROR naming err for the peer (nothing if it does not fit). */
void hv_proto_px_reply_error(hv_proto_error err, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
