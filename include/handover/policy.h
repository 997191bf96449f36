/* Governance policy: a human-written text document, signed by a council of
 * Ed25519 keys (threshold t of n), that says which NTS servers a worker
 * trusts, its time thresholds and handover windows, and which enclave
 * builds may hold the key, in the order they were added.
 *
 * The format is described in docs/POLICY.md. Signatures are detached and
 * cover the exact bytes of the policy file. A worker trusts the council
 * compiled into its build; in dev mode a council file may be given instead.
 *
 * Typical use:
 *   hv_policy_council *c;  hv_policy *p;  hv_policy_diag d;
 *   hv_policy_council_parse(council_text, n, &c, &d);   (or _builtin)
 *   hv_policy_verify(text, len, sig, sig_len, c, newest_seen, &p, &d);
 *   hv_policy_runtime_order(p, &measurement, &order);
 *
 * Every function that can fail returns an hv_policy_error; each refusal
 * has its own value and hv_policy_error_name gives a stable short name. */
#ifndef HANDOVER_POLICY_H
#define HANDOVER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/crypto.h"
#include "handover/tee.h"
#include "handover/api.h"

HV_BEGIN_DECLS

/* Limits. A policy is written by people and read inside an enclave: every
 * size is bounded so a hostile file costs at most a few kilobytes. */
#define HV_POLICY_MAX_FILE 65536       /* bytes of a policy/council/sig file */
#define HV_POLICY_MAX_LINE 512         /* bytes of one line, newline excluded */
#define HV_POLICY_MAX_SERVERS 32       /* trusted NTS servers */
#define HV_POLICY_MAX_RUNTIMES 128     /* allowed enclave builds */
#define HV_POLICY_MAX_COUNCIL 32       /* council members */
#define HV_POLICY_MAX_SIGNATURES 64    /* lines in a .sig file */
#define HV_POLICY_MAX_HOST 253         /* a DNS name, RFC 1035 */
#define HV_POLICY_MAX_LABEL 63         /* operator and region names */
#define HV_POLICY_DIAG_LEN 128         /* a diagnostic message */
/* The longest timeout_ms a policy may set: a minute, the longest a
 * trusted-time query is allowed to run (src/session asserts it equals
 * HV_TIMESRC_MAX_TIMEOUT_MS, the bound timesrc enforces). */
#define HV_POLICY_MAX_TIMEOUT_MS 60000

/* Defaults (the tables of docs/POLICY.md). */
#define HV_POLICY_DEFAULT_KE_PORT 4460
#define HV_POLICY_DEFAULT_MIN_RESPONSES 2
#define HV_POLICY_DEFAULT_MAX_SPREAD_S 60
#define HV_POLICY_DEFAULT_TIMEOUT_MS 5000
#define HV_POLICY_DEFAULT_MIN_OPERATORS 1
#define HV_POLICY_DEFAULT_RESPONSE_WINDOW_S 60
#define HV_POLICY_DEFAULT_MAX_CHAIN_LAG_S (7u * 24 * 3600)
/* The fastest the chain may produce blocks: a chain head's number may not
 * run ahead of its time at more than one block per this many ms. A second
 * is faster than the chains we serve (Phala: 12 s); a policy may say less. */
#define HV_POLICY_DEFAULT_MIN_BLOCK_INTERVAL_MS 1000u
/* How old a signed timestamp may be, when the policy names a timestamp_key. */
#define HV_POLICY_DEFAULT_MAX_TIMESTAMP_AGE_S 86400u
/* The latest `expires` we can write: 9999-12-31T23:59:59Z. */
#define HV_POLICY_MAX_EXPIRES_UNIX 253402300799ull

typedef enum {
  HV_POLICY_OK = 0,
  HV_POLICY_ERR_ARGS,            /* NULL or impossible arguments */
  HV_POLICY_ERR_NOMEM,           /* allocation failed */
  HV_POLICY_ERR_TOO_LARGE,       /* file above HV_POLICY_MAX_FILE */
  HV_POLICY_ERR_LINE_TOO_LONG,   /* a line above HV_POLICY_MAX_LINE */
  HV_POLICY_ERR_BAD_CHAR,        /* a byte that is not printable ASCII */
  HV_POLICY_ERR_SYNTAX,          /* wrong number or shape of fields */
  HV_POLICY_ERR_UNKNOWN_KEY,     /* a key (or attribute) we do not know */
  HV_POLICY_ERR_DUPLICATE_KEY,   /* a scalar key given twice */
  HV_POLICY_ERR_DUPLICATE_ENTRY, /* the same server/runtime/member twice */
  HV_POLICY_ERR_BAD_HEX,         /* hex of the wrong length or alphabet */
  HV_POLICY_ERR_BAD_NUMBER,      /* not a decimal number */
  HV_POLICY_ERR_OUT_OF_RANGE,    /* a number outside its allowed range */
  HV_POLICY_ERR_TOO_MANY,        /* more entries than the limit */
  HV_POLICY_ERR_MISSING_FIELD,   /* a required key or attribute absent */
  HV_POLICY_ERR_ORDER,           /* runtime seq numbers not increasing */
  HV_POLICY_ERR_NO_COUNCIL,      /* the council is empty */
  HV_POLICY_ERR_UNKNOWN_SIGNER,  /* a signature by a key not in the council */
  HV_POLICY_ERR_BAD_SIGNATURE,   /* a council signature that does not verify */
  HV_POLICY_ERR_BELOW_THRESHOLD, /* fewer distinct valid signers than needed */
  HV_POLICY_ERR_ROLLBACK,        /* version below the newest one seen */
  HV_POLICY_ERR_NOT_ALLOWED,     /* measurement not in the policy */
  HV_POLICY_ERR_CRYPTO,          /* an OpenSSL call failed */
  HV_POLICY_ERR_BAD_TIME,        /* not RFC 3339 UTC nor UNIX seconds */
  HV_POLICY_ERR_EXPIRED,         /* policy (or override) expired by trusted time */
  HV_POLICY_ERR_TIMESTAMP_STALE, /* signed timestamp older than allowed */
  HV_POLICY_ERR_TIMESTAMP_MISMATCH, /* timestamp for another policy/version,
                                       or the policy has no timestamp_key */
  HV_POLICY_ERR_NOT_WAIVABLE,    /* an override names a check it may not waive */
  HV_POLICY_ERR_OVERRIDE_OTHER_IDENTITY, /* override for another worker */
  HV_POLICY_ERR_OVERRIDE_OTHER_BUILD,    /* override for another sender build */
} hv_policy_error;

/* A stable lower-case name, e.g. "below_threshold". */
HV_API const char *hv_policy_error_name(hv_policy_error err);

/* Where and why a parse or verification failed: in which input ("policy",
 * "signatures", "council" or "secret key"), at which line (0: the input
 * as a whole), and a message that never contains secret material. */
typedef struct {
  const char *in;
  size_t line;
  char what[HV_POLICY_DIAG_LEN];
} hv_policy_diag;

/* What the agreeing set of time servers must be a strict majority of:
 * every configured server (the default) or the answers only (the same
 * choice as hv_timesrc_quorum; docs/POLICY.md). */
typedef enum {
  HV_POLICY_QUORUM_CONFIGURED = 0,
  HV_POLICY_QUORUM_ANSWERS,
} hv_policy_quorum;
/* "configured", "answers" (the policy's spelling) */
HV_API const char *hv_policy_quorum_name(hv_policy_quorum q);

/* What a time server is: NTS (the default) or HTTPS (the same choice as
 * hv_timesrc_kind). */
typedef enum {
  HV_POLICY_SERVER_KIND_NTS = 0,
  HV_POLICY_SERVER_KIND_HTTPS,
} hv_policy_server_kind;
/* "nts", "https" (the policy's spelling) */
HV_API const char *hv_policy_server_kind_name(hv_policy_server_kind k);
#define HV_POLICY_DEFAULT_HTTPS_PORT 443

/* Trusted-time settings; the same fields as the timesrc configuration
 * (src/session turns them into one: hv_session_timesrc_config). */
typedef struct {
  uint32_t min_responses;          /* answers needed, >= 1 */
  uint32_t max_spread_s;           /* agreement bound between servers */
  uint32_t timeout_ms;             /* one deadline for the whole query */
  uint32_t min_distinct_operators; /* independent operators among answers */
  hv_policy_quorum quorum;         /* majority of the configured servers
                                      (default) or of the answers */
} hv_policy_time;

typedef struct {
  hv_policy_server_kind kind; /* kind=nts (the default) or kind=https */
  char host[HV_POLICY_MAX_HOST + 1];
  uint16_t ke_port; /* the TCP port; when not given HV_POLICY_DEFAULT_KE_PORT
                       (nts) or HV_POLICY_DEFAULT_HTTPS_PORT (https) */
  char operator_name[HV_POLICY_MAX_LABEL + 1];
  char region[HV_POLICY_MAX_LABEL + 1];
} hv_policy_server;

typedef struct {
  uint64_t seq; /* order of addition: a larger seq was added later */
  hv_tee_measurement m;
} hv_policy_runtime;

typedef struct hv_policy hv_policy;                 /* opaque */
typedef struct hv_policy_council hv_policy_council; /* opaque */

/* Parses a policy WITHOUT checking signatures (for tools and tests; a
 * worker uses hv_policy_verify). diag may be NULL. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_parse(const uint8_t *text, size_t len,
                                hv_policy **out, hv_policy_diag *diag);
HV_API void hv_policy_free(hv_policy *p);

/* The whole check a worker does: the signatures in sig (a .sig file)
 * over the exact bytes of text reach the council's threshold, counting
 * each signer once; no signature is by an unknown key or fails; the
 * policy parses; its version is >= newest_seen. Only then *out is set. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_verify(const uint8_t *text, size_t len,
                                 const uint8_t *sig, size_t sig_len,
                                 const hv_policy_council *council,
                                 uint64_t newest_seen, hv_policy **out,
                                 hv_policy_diag *diag);

/* Writes the canonical text of p (itself a valid policy; parsing it gives
 * the same policy). *out_len receives the length; HV_POLICY_ERR_TOO_LARGE
 * when cap is too small. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_format(const hv_policy *p, char *buf, size_t cap,
                                 size_t *out_len);

/* What the sender does once its key has moved (an authenticated DONE):
 * retire (tombstone, wipe, stop serving: the default), or keep serving,
 * which leaves two live copies of the identity (a fork). */
typedef enum {
  HV_POLICY_AFTER_HANDOVER_RETIRE = 0,
  HV_POLICY_AFTER_HANDOVER_KEEP = 1,
} hv_policy_after_handover;

/* Queries. */
HV_API uint64_t hv_policy_version(const hv_policy *p);
HV_API hv_policy_after_handover hv_policy_get_after_handover(const hv_policy *p);
HV_API void hv_policy_get_time(const hv_policy *p, hv_policy_time *out);
HV_API uint32_t hv_policy_response_window_s(const hv_policy *p);
HV_API uint64_t hv_policy_max_chain_lag_s(const hv_policy *p);
/* `expires` as UNIX seconds (required in every policy). */
HV_API uint64_t hv_policy_expires_unix(const hv_policy *p);
HV_API uint32_t hv_policy_min_block_interval_ms(const hv_policy *p);
/* HV_POLICY_ERR_EXPIRED once trusted now_ms has reached `expires`. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_check_expiry(const hv_policy *p, uint64_t now_ms,
                                       hv_policy_diag *diag);
HV_API size_t hv_policy_server_count(const hv_policy *p);
/* Copies server i (i < count) into *out. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_server_at(const hv_policy *p, size_t i,
                                    hv_policy_server *out);
HV_API size_t hv_policy_runtime_count(const hv_policy *p);
HV_API HV_MUST_CHECK hv_policy_error hv_policy_runtime_at(const hv_policy *p, size_t i,
                                     hv_policy_runtime *out);
/* Is m allowed (all four fields equal to one entry)? If so *seq (may be
 * NULL) receives its order; else HV_POLICY_ERR_NOT_ALLOWED. "Newer than
 * the sender" means a strictly larger seq. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_runtime_order(const hv_policy *p,
                                        const hv_tee_measurement *m,
                                        uint64_t *seq);

/* Councils. The text format (docs/POLICY.md) is `threshold N` and one
 * `member HEX` line per Ed25519 public key. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_council_parse(const uint8_t *text, size_t len,
                                        hv_policy_council **out,
                                        hv_policy_diag *diag);
/* The council compiled into this build (src/policy/council.txt);
 * HV_POLICY_ERR_NO_COUNCIL while it is empty. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_council_builtin(hv_policy_council **out,
                                          hv_policy_diag *diag);
HV_API void hv_policy_council_free(hv_policy_council *c);
HV_API size_t hv_policy_council_size(const hv_policy_council *c);
HV_API uint32_t hv_policy_council_threshold(const hv_policy_council *c);

/* Signing (tools). Key files are text: a secret key file holds
 * `secret_key HEX` (the 32-byte RFC 8032 seed), a public key file
 * `member HEX` (so public key files concatenate into a council file). */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_secret_key_parse(const uint8_t *text, size_t len,
                                           uint8_t seed[HV_ED25519_PRIV_LEN],
                                           hv_policy_diag *diag);
/* Signs text with seed and writes into sig_out the .sig file that results
 * from adding this signature to old_sig (may be empty): a line by the same
 * key is replaced, and every other line must still verify over text (else
 * HV_POLICY_ERR_BAD_SIGNATURE: the policy changed since they signed). */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_sign(const uint8_t *text, size_t len,
                               const uint8_t seed[HV_ED25519_PRIV_LEN],
                               const uint8_t *old_sig, size_t old_sig_len,
                               char *sig_out, size_t cap, size_t *sig_out_len,
                               hv_policy_diag *diag);

/* Time values of the text formats: RFC 3339 UTC with whole seconds
 * (`2027-01-31T00:00:00Z`, upper-case T and Z) or decimal UNIX seconds;
 * years 1970..9999. Formats as RFC 3339 (out holds 21 bytes). */
#define HV_POLICY_TIME_TEXT_LEN 21
HV_API HV_MUST_CHECK hv_policy_error hv_policy_time_parse(const char *s, size_t len, uint64_t *unix_s);
HV_API void hv_policy_time_format(uint64_t unix_s, char out[HV_POLICY_TIME_TEXT_LEN]);

/* ---- the optional online timestamp (TUF's timestamp role) ----------
 * A policy with `timestamp_key HEX` is only in force with a timestamp
 * file signed by that key naming this policy's SHA-256 and version, at
 * most `max_timestamp_age_s` old by trusted time (docs/POLICY.md). */
HV_API bool hv_policy_has_timestamp_key(const hv_policy *p);
HV_API uint32_t hv_policy_max_timestamp_age_s(const hv_policy *p);
/* Signs: writes the timestamp file for policy text (which must parse and
 * name the key of seed as its timestamp_key) at time_unix. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_timestamp_sign(const uint8_t *text, size_t len,
                                         const uint8_t seed[HV_ED25519_PRIV_LEN],
                                         uint64_t time_unix, char *out, size_t cap,
                                         size_t *out_len, hv_policy_diag *diag);
/* Verifies ts against p (parsed from text): the signature by p's
 * timestamp_key, the policy hash and version; *time_unix receives the
 * time it was signed. Freshness: hv_policy_timestamp_expiry. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_timestamp_verify(const hv_policy *p, const uint8_t *text,
                                           size_t len, const uint8_t *ts, size_t ts_len,
                                           uint64_t *time_unix, hv_policy_diag *diag);
/* When the policy stops being in force, in UNIX ms: `expires`, or sooner
 * the timestamp's time + max_timestamp_age_s (ts_time_unix is ignored
 * without a timestamp_key). */
HV_API uint64_t hv_policy_in_force_until_ms(const hv_policy *p, uint64_t ts_time_unix);
/* expired (by `expires`) or timestamp_stale (older than max age), by
 * trusted now_ms; ts_time_unix is ignored without a timestamp_key. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_check_in_force(const hv_policy *p, uint64_t ts_time_unix,
                                         uint64_t now_ms, hv_policy_diag *diag);

/* ---- the council override for a stuck sender ------------------------
 * A council-signed file (same .sig format and threshold as a policy)
 * that waives ONE check for one worker identity and one pair of builds,
 * until it expires. Only these two checks can be waived. */
typedef enum {
  HV_POLICY_WAIVE_CHAIN_HEAD_STALE = 1, /* "chain-head-stale" */
  HV_POLICY_WAIVE_OWN_BUILD = 2,        /* "own-build-not-in-policy" */
} hv_policy_waiver;

typedef struct {
  uint8_t identity_pub[HV_ED25519_PUB_LEN];
  hv_tee_measurement from, to;
  hv_policy_waiver waive;
  uint64_t expires_unix;
} hv_policy_override;

/* Parses an override WITHOUT checking signatures (tools, tests). */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_override_parse(const uint8_t *text, size_t len,
                                         hv_policy_override *out,
                                         hv_policy_diag *diag);
/* Only the signatures (to the council's threshold) and the strict parse,
 * as for a policy: what a tool can check without a worker. */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_override_verify_signed(const uint8_t *text, size_t len,
                                                 const uint8_t *sig, size_t sig_len,
                                                 const hv_policy_council *council,
                                                 hv_policy_override *out,
                                                 hv_policy_diag *diag);
/* Verifies like a policy (signatures to the threshold, strict parse),
 * then that it names identity_pub and the build self as `from`
 * (override_other_identity, override_other_build) and has not expired by
 * trusted now_ms (expired). */
HV_API HV_MUST_CHECK hv_policy_error hv_policy_override_verify(const uint8_t *text, size_t len,
                                          const uint8_t *sig, size_t sig_len,
                                          const hv_policy_council *council,
                                          const uint8_t identity_pub[HV_ED25519_PUB_LEN],
                                          const hv_tee_measurement *self,
                                          uint64_t now_ms, hv_policy_override *out,
                                          hv_policy_diag *diag);
/* "chain-head-stale" / "own-build-not-in-policy". */
HV_API const char *hv_policy_waiver_name(hv_policy_waiver w);

HV_END_DECLS

#endif
