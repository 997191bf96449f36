/* The TEE layer: SGX local attestation behind one interface, with two
 * backends.
 *
 *  - sgx: EREPORT/EGETKEY through ENCLU, for code running inside an SGX
 *    enclave (e.g. under Gramine). It opens only when Gramine's
 *    /dev/attestation/attestation_type says "dcap", "epid" or "none" (no
 *    remote attestation configured: local attestation works regardless;
 *    kind sgx-local) and /dev/attestation/my_target_info holds our target
 *    info; elsewhere it refuses with HV_TEE_ERR_NOT_ENCLAVE and never
 *    executes ENCLU. Its
 *    dev_mode is the enclave's DEBUG attribute (a debug enclave's memory
 *    is open to the host).
 *  - sim: dev mode. The same byte-exact structures and the same
 *    AES-128-CMAC, with keys derived from a per-platform secret file.
 *    It is NOT a security boundary: anyone who can read the platform
 *    secret can forge reports and derive seal keys for any identity, and
 *    the identity itself is whatever the caller claims. What it does give:
 *    a report verifies only in the enclave it targets (its mr_enclave,
 *    attributes, misc_select) and only under the same platform secret;
 *    seal keys follow EGETKEY's rules (MRENCLAVE / MRSIGNER, no svn above
 *    our own). It proves the protocol, never the hardware; dev_mode is
 *    always true, and sim enclaves carry the DEBUG attribute.
 *
 * Byte layouts follow Intel's sgx_report.h exactly; see src/tee/sgx_types.h
 * for the offsets (with static asserts on every one). All functions are
 * safe to call from several threads on one hv_tee. */
#ifndef HANDOVER_TEE_H
#define HANDOVER_TEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/api.h"

HV_BEGIN_DECLS

#define HV_TEE_TARGET_INFO_LEN 512
#define HV_TEE_REPORT_LEN 432
#define HV_TEE_REPORT_BODY_LEN 384
#define HV_TEE_REPORT_DATA_LEN 64
#define HV_TEE_KEY_REQUEST_LEN 512
#define HV_TEE_MR_LEN 32

typedef enum {
  HV_TEE_KIND_SIM = 1,
  HV_TEE_KIND_SGX_DCAP = 2,
  HV_TEE_KIND_SGX_EPID = 3,
  /* SGX with no remote attestation configured (Gramine's attestation_type
   * "none"): local attestation (EREPORT/EGETKEY) works all the same, and
   * a handover needs no more. */
  HV_TEE_KIND_SGX_LOCAL = 4,
} hv_tee_kind;

typedef enum {
  HV_TEE_OK = 0,
  HV_TEE_ERR_ARGS,          /* bad sizes or parameters */
  HV_TEE_ERR_IO,            /* platform secret file unreadable/unwritable */
  HV_TEE_ERR_PERMISSIONS,   /* platform secret file not 0600 / not ours /
                               not a regular file of 32 bytes */
  HV_TEE_ERR_NOT_ENCLAVE,   /* sgx backend outside an enclave */
  HV_TEE_ERR_REPORT_MAC,    /* report MAC does not verify for us */
  HV_TEE_ERR_SEAL_OTHER_ENCLAVE, /* sealed by/for another identity */
  HV_TEE_ERR_SEAL_OTHER_PLATFORM,/* sealed on another platform */
  HV_TEE_ERR_SEAL_SVN,      /* requested svn above our own */
  HV_TEE_ERR_SEAL_TAMPERED, /* blob malformed or altered */
  HV_TEE_ERR_CRYPTO,        /* an OpenSSL call failed */
  HV_TEE_ERR_SEAL_CPUSVN,   /* sealed under a CPU SVN above this CPU's */
  HV_TEE_ERR_SEAL_DEBUG,    /* sealed by this build under the other DEBUG
                               attribute (a production launch's file opened
                               by a debug launch, or the reverse): EGETKEY
                               always mixes DEBUG into the seal key */
  HV_TEE_ERR_NOMEM,         /* out of memory */
} hv_tee_error;

/* A stable kebab-case name, e.g. "not-in-enclave" (docs/CONVENTIONS.md). */
HV_API const char *hv_tee_error_name(hv_tee_error err);
/* The same as a sentence for people, e.g. "not running inside an SGX
 * enclave". */
HV_API const char *hv_tee_error_text(hv_tee_error err);
HV_API const char *hv_tee_kind_name(hv_tee_kind kind); /* "sim", "sgx-dcap", "sgx-epid", "sgx-local" */

/* The identity the policy talks about. */
typedef struct {
  uint8_t mr_enclave[HV_TEE_MR_LEN];
  uint8_t mr_signer[HV_TEE_MR_LEN];
  uint16_t isv_prod_id;
  uint16_t isv_svn;
} hv_tee_measurement;

typedef enum {
  HV_TEE_SEAL_MRENCLAVE = 1,
  HV_TEE_SEAL_MRSIGNER = 2,
} hv_tee_seal_policy;

typedef struct hv_tee hv_tee; /* opaque */

/* sim backend. secret_path: the platform secret (32 random bytes, created
 * 0600 on first use). identity: NULL for mr_enclave = SHA-256 of the
 * running executable with zero mr_signer/prod_id/svn; otherwise as given. */
HV_API HV_MUST_CHECK hv_tee_error hv_tee_open_sim(const char *secret_path,
                             const hv_tee_measurement *identity, hv_tee **out);
/* sgx backend; HV_TEE_ERR_NOT_ENCLAVE when not inside an enclave. */
HV_API HV_MUST_CHECK hv_tee_error hv_tee_open_sgx(hv_tee **out);
HV_API void hv_tee_free(hv_tee *tee);

HV_API hv_tee_kind hv_tee_get_kind(const hv_tee *tee);
HV_API bool hv_tee_dev_mode(const hv_tee *tee);
HV_API void hv_tee_self(const hv_tee *tee, hv_tee_measurement *out);

HV_API HV_MUST_CHECK hv_tee_error hv_tee_target_info(const hv_tee *tee,
                                uint8_t out[HV_TEE_TARGET_INFO_LEN]);
/* A report about this enclave that only the target can verify. */
HV_API HV_MUST_CHECK hv_tee_error hv_tee_report(const hv_tee *tee,
                           const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                           const uint8_t report_data[HV_TEE_REPORT_DATA_LEN],
                           uint8_t out[HV_TEE_REPORT_LEN]);
/* EGETKEY(REPORT, key_id) and AES-128-CMAC over the body, constant time.
 * HV_TEE_OK only for a report targeted at this enclave on this platform. */
HV_API HV_MUST_CHECK hv_tee_error hv_tee_verify_report(const hv_tee *tee,
                                  const uint8_t report[HV_TEE_REPORT_LEN]);

/* Fields of a report (no verification: call hv_tee_verify_report first). */
HV_API void hv_tee_report_measurement(const uint8_t report[HV_TEE_REPORT_LEN],
                               hv_tee_measurement *out);
HV_API void hv_tee_report_data(const uint8_t report[HV_TEE_REPORT_LEN],
                        uint8_t out[HV_TEE_REPORT_DATA_LEN]);
/* The report's DEBUG attribute (SGX_FLAGS_DEBUG in attributes.flags): the
 * enclave was launched as a debug enclave, its memory open to the host.
 * This, not any claim in a message, is what dev mode is (hv_tee_dev_mode
 * of the sgx backend is our own DEBUG bit; sim reports always carry it).
 * No verification: call hv_tee_verify_report first. */
HV_API bool hv_tee_report_debug(const uint8_t report[HV_TEE_REPORT_LEN]);
/* The mr_enclave a target info addresses (the enclave its reports are
 * for). No verification: target info is not authenticated by itself. */
HV_API void hv_tee_target_info_mr_enclave(const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                                   uint8_t out[HV_TEE_MR_LEN]);
/* Target info that addresses the enclave that made the report. */
HV_API void hv_tee_target_info_from_report(const uint8_t report[HV_TEE_REPORT_LEN],
                                    uint8_t out[HV_TEE_TARGET_INFO_LEN]);

/* Sealing: the output is self-describing file content (the key-request
 * parameters needed to derive the same key again, then AES-256-GCM with a
 * random key_id and nonce; format in src/tee/seal.c). MRENCLAVE: only this
 * exact build opens it. MRSIGNER: any build of the same signer and
 * isv_prod_id whose isv_svn is at least the sealer's. */
#define HV_TEE_SEAL_OVERHEAD 128 /* upper bound of header + tag */
/* Sealed data are keys and small state, never bulk data. */
#define HV_TEE_SEAL_MAX_PLAINTEXT (4u * 1024 * 1024)
HV_API HV_MUST_CHECK hv_tee_error hv_tee_seal(const hv_tee *tee, hv_tee_seal_policy policy,
                         const uint8_t *pt, size_t pt_len, uint8_t *out,
                         size_t out_cap, size_t *out_len);
/* pt_cap >= blob_len is always enough. Any altered blob is refused; which
 * refusal (OTHER_ENCLAVE, OTHER_PLATFORM, SVN, TAMPERED) diagnoses an
 * honest mistake from fingerprints in the header, which someone editing
 * the file can choose: treat every error as "refused".
 * expected: the policy the caller seals this file with. The blob's header
 * names the key request, and any enclave can seal under any request it
 * may make: without this, an older build of the same signer could seal
 * MRSIGNER at its own svn a file that the newer build, expecting its own
 * MRENCLAVE file, would open. A blob must name exactly the request this
 * enclave would make for that policy (masks, config_svn, an isv_svn no
 * higher than ours: under MRENCLAVE a lower one can only be this same
 * enclave signed at a lower ISVSVN), else OTHER_ENCLAVE (another policy or
 * config_svn), SVN (isv_svn above ours) or TAMPERED (other masks). */
HV_API HV_MUST_CHECK hv_tee_error hv_tee_unseal(const hv_tee *tee, hv_tee_seal_policy expected,
                           const uint8_t *blob, size_t blob_len, uint8_t *pt,
                           size_t pt_cap, size_t *pt_len);
/* TCB recovery: *current is false when a blob (that hv_tee_unseal opened)
 * was sealed under a CPU SVN or ISV SVN other than ours today, or in an
 * older format; sealing its plaintext again binds it to the current values,
 * so that a file is never left behind under a TCB that was patched.
 * HV_TEE_ERR_SEAL_TAMPERED for a malformed header. */
HV_API HV_MUST_CHECK hv_tee_error hv_tee_seal_current(const hv_tee *tee, const uint8_t *blob,
                                 size_t blob_len, bool *current);

HV_END_DECLS

#endif
