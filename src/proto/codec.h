/* The message codec (private to src/proto, tests and fuzz targets).
 *
 * message := version u16 | type u16 | body_len u16 | body
 * body    := record*
 * record  := field u16 (bit 15 = critical) | len u16 | value
 * All big-endian; docs/PROTOCOL.md gives every message byte by byte. */
#ifndef HANDOVER_PROTO_CODEC_H
#define HANDOVER_PROTO_CODEC_H

#include "handover/proto.h"

#define HV_PROTO_WIRE_VERSION 1
#define HV_PROTO_HEADER_LEN 6
#define HV_PROTO_RECORD_HEADER_LEN 4
#define HV_PROTO_CRITICAL 0x8000u
/* Records in one message, counting ignored non-critical ones: ours have
 * at most 8, the rest is room for extensions without unbounded work. */
#define HV_PROTO_MAX_RECORDS 32
/* The echoed challenge: ours is 619 bytes; the rest is room for future
 * non-critical records while the RESPONSE stays far below 16 KiB. */
#define HV_PROTO_MAX_CHALLENGE_LEN 2048
#define HV_PROTO_CIPHERTEXT_LEN (HV_PROTO_SECRET_LEN + 16) /* + GCM tag */
#define HV_PROTO_CHAIN_HEAD_LEN 16

typedef enum {
  HV_F_PROTOCOL_VERSION = 1,
  HV_F_ATTESTATION_KIND = 2,
  HV_F_DEV_MODE = 3,
  HV_F_TARGET_INFO = 4,
  HV_F_CHAIN_HEAD = 5,
  HV_F_T0 = 6,
  HV_F_NONCE = 7,
  HV_F_POLICY_VERSION = 8,
  HV_F_CHALLENGE = 9,
  HV_F_RECEIVER_PUB = 10,
  HV_F_REPORT = 11,
  HV_F_IDENTITY_PUB = 12,
  HV_F_SENDER_PUB = 13,
  HV_F_CIPHERTEXT = 14,
  HV_F_STORED_HASH = 15,
  HV_F_ERROR_CODE = 16,
  HV_F_ERROR_TEXT = 17,
  HV_F_TRANSCRIPT_HASH = 18,
  HV_F_DONE_SIGNATURE = 19,
} hv_proto_field;

typedef struct {
  uint16_t protocol_version;
  uint16_t kind;
  bool dev_mode;
  uint8_t target_info[HV_TEE_TARGET_INFO_LEN];
  hv_proto_chain_head head;
  uint64_t t0_ms;
  uint8_t nonce[HV_PROTO_NONCE_LEN];
  uint64_t policy_version;
} hv_proto_challenge;

typedef struct {
  const uint8_t *challenge; /* the exact challenge bytes (a view) */
  size_t challenge_len;
  uint16_t kind;            /* the receiver's attestation kind */
  bool dev_mode;            /* the receiver's dev mode */
  uint8_t receiver_pub[HV_PROTO_KEY_LEN];
  uint8_t report[HV_TEE_REPORT_LEN];
} hv_proto_response;

typedef struct {
  uint8_t identity_pub[HV_PROTO_KEY_LEN];
  uint8_t sender_pub[HV_PROTO_KEY_LEN];
  uint8_t ciphertext[HV_PROTO_CIPHERTEXT_LEN];
  uint8_t report[HV_TEE_REPORT_LEN];
} hv_proto_key;

typedef struct {
  uint8_t stored_hash[HV_PROTO_HASH_LEN];
  uint8_t transcript_hash[HV_PROTO_HASH_LEN];
  uint8_t signature[HV_PROTO_SIG_LEN]; /* Ed25519, PROTOCOL.md section 4 */
} hv_proto_done;

typedef struct {
  uint16_t code;
  char text[HV_PROTO_MAX_ERROR_TEXT + 1]; /* NUL-terminated, printable */
} hv_proto_errmsg;

typedef struct {
  hv_proto_msg_type type;
  union {
    hv_proto_challenge challenge;
    hv_proto_response response;
    hv_proto_key key;
    hv_proto_done done;
    hv_proto_errmsg error;
  } u;
} hv_proto_msg;

/* Strict: see PROTOCOL.md "Decoding rules". A response's challenge is a
 * view into in, valid while in is. */
HV_MUST_CHECK hv_proto_error hv_proto_decode(const uint8_t *in, size_t in_len, hv_proto_msg *out);
/* Canonical encoding: records in ascending field order. */
HV_MUST_CHECK hv_proto_error hv_proto_encode(const hv_proto_msg *msg, uint8_t *out, size_t out_cap,
                                             size_t *out_len);

#endif
