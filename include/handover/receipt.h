/* Handover receipts: what one side of an exchange saw, as evidence a
 * council or an auditor can check afterwards. The format is specified
 * byte by byte, with vectors, in docs/PROTOCOL.md ("Receipts").
 *
 * A completed handover's receipt is signed with the worker's identity key
 * (Ed25519; both sides hold it at that point), so anyone with the public
 * key can verify it offline. A refusal's receipt is unsigned (the refusing
 * side may not hold the key): it is a record, not proof. No secret ever
 * goes into a receipt: the transcript is there as its hash.
 *
 * Pure: no I/O, no clock. Every parser goes through the buf cursor. */
#ifndef HANDOVER_RECEIPT_H
#define HANDOVER_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/crypto.h"
#include "handover/tee.h"

#define HV_RECEIPT_FORMAT 1
/* Trusted-time readings an exchange takes: the sender's T0 and its time
 * at the RESPONSE, the receiver's at the KEY; one spare. */
#define HV_RECEIPT_MAX_TIMES 4
/* Servers that agreed in one reading: a policy names a handful. */
#define HV_RECEIPT_MAX_SERVERS 16
/* A server as "host:port": a DNS name (253) does not fit, but a server
 * name in a policy is limited below that (HV_POLICY_MAX_HOST). */
#define HV_RECEIPT_MAX_NAME 127
/* Everything at its largest, with room to spare. */
#define HV_RECEIPT_MAX_LEN 16384
/* The signature covers this prefix, then the receipt up to and including
 * its signature-kind byte (domain separation from anything else the
 * identity key signs). */
#define HV_RECEIPT_SIG_CONTEXT "handover receipt v1"

typedef enum {
  HV_RECEIPT_OK = 0,
  HV_RECEIPT_ERR_ARGS,        /* bad parameters (or a receipt that breaks a rule below) */
  HV_RECEIPT_ERR_OUT_SPACE,   /* out buffer too small */
  HV_RECEIPT_ERR_TRUNCATED,   /* the bytes end inside the receipt */
  HV_RECEIPT_ERR_TRAILING,    /* bytes after the receipt */
  HV_RECEIPT_ERR_MAGIC,       /* not a receipt */
  HV_RECEIPT_ERR_FORMAT,      /* unsupported receipt format */
  HV_RECEIPT_ERR_VALUE,       /* a field out of range */
  HV_RECEIPT_ERR_UNSIGNED,    /* no signature (a refusal's receipt) */
  HV_RECEIPT_ERR_IDENTITY,    /* another identity than the one expected */
  HV_RECEIPT_ERR_SIGNATURE,   /* the signature does not verify */
  HV_RECEIPT_ERR_CRYPTO,      /* an OpenSSL call failed */
} hv_receipt_error;

HV_API const char *hv_receipt_error_name(hv_receipt_error err);

typedef enum {
  HV_RECEIPT_ROLE_SENDER = 1,
  HV_RECEIPT_ROLE_RECEIVER = 2,
} hv_receipt_role;

typedef enum {
  /* sender: an authenticated DONE taken; receiver: key stored, DONE sent */
  HV_RECEIPT_COMPLETED = 1,
  HV_RECEIPT_REFUSED = 2, /* error_code names the check that failed */
} hv_receipt_outcome;

typedef enum {
  HV_RECEIPT_TIME_CHALLENGE = 1, /* the sender's T0 */
  HV_RECEIPT_TIME_RESPONSE = 2,  /* the sender judged the RESPONSE */
  HV_RECEIPT_TIME_KEY = 3,       /* the receiver judged the KEY */
  HV_RECEIPT_TIME_DONE = 4,      /* the sender judged the DONE */
} hv_receipt_time_kind;

typedef struct {
  uint8_t kind; /* hv_receipt_time_kind */
  uint64_t time_ms;
  size_t n_servers; /* those that agreed */
  char servers[HV_RECEIPT_MAX_SERVERS][HV_RECEIPT_MAX_NAME + 1];
} hv_receipt_time;

typedef struct {
  uint8_t role;    /* hv_receipt_role */
  uint8_t outcome; /* hv_receipt_outcome */
  uint16_t protocol_version;
  uint16_t error_code; /* the wire code (docs/PROTOCOL.md 8); 0 when completed */
  hv_tee_measurement sender;
  hv_tee_measurement receiver;
  uint8_t identity[HV_ED25519_PUB_LEN];
  uint8_t transcript_hash[HV_SHA256_LEN];
  uint64_t policy_version;
  uint8_t policy_hash[HV_SHA256_LEN]; /* SHA-256 of the signed policy text */
  uint64_t chain_head_number;
  uint64_t chain_head_time_ms;
  size_t n_times;
  hv_receipt_time times[HV_RECEIPT_MAX_TIMES];
} hv_receipt;

/* Encodes r. A completed receipt must be signed: identity_secret is the
 * identity's Ed25519 seed and must give r->identity; a refusal's receipt
 * is never signed: identity_secret must be NULL. */
HV_API HV_MUST_CHECK hv_receipt_error hv_receipt_encode(
    const hv_receipt *r, const uint8_t identity_secret[HV_ED25519_PRIV_LEN],
    uint8_t *out, size_t cap, size_t *out_len);

/* Parses a receipt and checks its structure, NOT its signature; *is_signed
 * (may be NULL) tells whether it carries one. */
HV_API HV_MUST_CHECK hv_receipt_error hv_receipt_decode(const uint8_t *in, size_t len,
                                                 hv_receipt *out, bool *is_signed);

/* The whole check: decodes, requires a signature, requires the receipt's
 * identity to equal identity, and verifies the signature with it. out may
 * be NULL. */
HV_API HV_MUST_CHECK hv_receipt_error hv_receipt_verify(
    const uint8_t *in, size_t len, const uint8_t identity[HV_ED25519_PUB_LEN],
    hv_receipt *out);

/* Fills what a receipt takes from the exchange's messages as they went
 * over the wire: the protocol version, the chain head and T0 (times[0],
 * no servers named: they are the sender's) from the CHALLENGE inside
 * response; the peer's measurement from the report in response (role
 * sender) or in key (role receiver; r->role must be set); the identity and
 * the transcript hash TH from key, or when key is NULL (refused before a
 * KEY) the transcript hash's pre-KEY form (docs/PROTOCOL.md "Receipts").
 * n_times becomes 1; the caller adds its own readings after it. */
HV_API HV_MUST_CHECK hv_receipt_error hv_receipt_from_exchange(hv_receipt *r, const uint8_t *response,
                                                        size_t response_len, const uint8_t *key,
                                                        size_t key_len);

#endif
