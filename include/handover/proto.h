/* The handover protocol core: the message codec and the sender and
 * receiver state machines, specified byte by
 * byte (with test vectors) in docs/PROTOCOL.md.
 *
 * No I/O at all: the caller moves the bytes (one message per transport
 * frame), and passes in trusted time (ms since the Unix epoch, from the
 * NTS quorum), the sender's chain head, the TEE, randomness and the policy
 * view. The state machines never read a clock, a file or a socket.
 *
 * Every call that takes a message and can answer writes its answer into
 * out (*out_len bytes, 0 when there is nothing to send). On a refusal it
 * returns the error AND writes an ERROR message for the peer into out, so
 * the refusal can be explained; the caller sends it and closes. (Never
 * in answer to an ERROR: that returns HV_PROTO_ERR_PEER_ERROR, out empty.) */
#ifndef HANDOVER_PROTO_H
#define HANDOVER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/tee.h"
#include "handover/api.h"

HV_BEGIN_DECLS

/* 2: DONE is authenticated (an Ed25519 signature by the identity key over
 * the transcript); a version-1 peer is refused at the CHALLENGE, before
 * any key moves, instead of after. */
#define HV_PROTO_VERSION 2
/* The transport frame limit (docs/PROTOCOL.md): no message is ever larger. */
#define HV_PROTO_MAX_MSG_LEN 16384
#define HV_PROTO_NONCE_LEN 32
#define HV_PROTO_KEY_LEN 32      /* X25519 public keys, Ed25519 keys */
#define HV_PROTO_SECRET_LEN 32   /* the identity secret: an Ed25519 seed */
#define HV_PROTO_HASH_LEN 32     /* SHA-256: transcript, DONE */
#define HV_PROTO_SIG_LEN 64      /* Ed25519: the DONE signature */
/* Open challenges a sender remembers at once. Each costs ~100 bytes; 64
 * lets many receivers start together while bounding what a flood of HELLOs
 * can make the sender hold. */
#define HV_PROTO_MAX_OPEN_CHALLENGES 64
/* T0 and the time a RESPONSE is judged at come from two trusted-time
 * queries, each the midpoint of an interval some milliseconds wide, so an
 * honest RESPONSE can read a little "before" T0. Up to this much is taken
 * as such noise, not as time-before-challenge. It gives nothing away: the
 * window is still counted from T0. */
#define HV_PROTO_T0_TOLERANCE_MS 1000
/* A chain head may run ahead of trusted time by the block producers'
 * clock skew, never by more: a head from the future is made up (it would
 * also push the NTS certificates' lower time bound past their expiry). */
#define HV_PROTO_CHAIN_HEAD_AHEAD_MS (5 * 60 * 1000)
/* Allowed runtimes in a policy view; a policy lists a handful of builds. */
#define HV_PROTO_MAX_RUNTIMES 256
/* ERROR text: enough for an error name and a short reason. */
#define HV_PROTO_MAX_ERROR_TEXT 256

typedef enum {
  HV_PROTO_MSG_HELLO = 1,
  HV_PROTO_MSG_CHALLENGE = 2,
  HV_PROTO_MSG_RESPONSE = 3,
  HV_PROTO_MSG_KEY = 4,
  HV_PROTO_MSG_DONE = 5,
  HV_PROTO_MSG_ERROR = 6,
} hv_proto_msg_type;

/* Each names exactly one failed check (see hv_proto_error_name). The
 * values travel in ERROR messages (docs/PROTOCOL.md section 8): never
 * renumber; add new ones just before HV_PROTO_ERR__COUNT. */
typedef enum {
  HV_PROTO_OK = 0,
  HV_PROTO_ERR_ARGS,              /* bad parameters from the caller */
  HV_PROTO_ERR_OUT_SPACE,         /* out buffer too small */
  HV_PROTO_ERR_INTERNAL,          /* TEE, RNG or OpenSSL call failed */
  /* codec */
  HV_PROTO_ERR_OVERSIZED,         /* message above HV_PROTO_MAX_MSG_LEN */
  HV_PROTO_ERR_TRUNCATED,         /* message or record cut short */
  HV_PROTO_ERR_TRAILING,          /* bytes after the message */
  HV_PROTO_ERR_VERSION,           /* unsupported protocol version */
  HV_PROTO_ERR_MSG_TYPE,          /* unknown message type */
  HV_PROTO_ERR_UNKNOWN_CRITICAL,  /* unknown record with the critical bit */
  HV_PROTO_ERR_NOT_CRITICAL,      /* a known record without the critical bit */
  HV_PROTO_ERR_DUPLICATE,         /* a record appears twice */
  HV_PROTO_ERR_MISSING,           /* a required record is absent */
  HV_PROTO_ERR_FIELD_LENGTH,      /* a record has the wrong length */
  HV_PROTO_ERR_FIELD_VALUE,       /* a record's value is out of range */
  HV_PROTO_ERR_TOO_MANY_RECORDS,  /* more records than a message may hold */
  /* flow */
  HV_PROTO_ERR_UNEXPECTED,        /* message out of order for this state */
  HV_PROTO_ERR_PEER_ERROR,        /* the peer sent ERROR */
  HV_PROTO_ERR_FAILED_BEFORE,     /* this exchange already failed */
  /* sender */
  HV_PROTO_ERR_TABLE_FULL,        /* all open challenges live: HELLO refused */
  HV_PROTO_ERR_CHALLENGE_UNKNOWN, /* not a challenge this sender has open */
  HV_PROTO_ERR_CHALLENGE_REPLAYED,/* challenge already answered once */
  HV_PROTO_ERR_CHALLENGE_EXPIRED, /* challenge seen expired earlier */
  HV_PROTO_ERR_TIME_BEFORE_T0,    /* trusted now earlier than T0 */
  HV_PROTO_ERR_TIME_WINDOW,       /* now - T0 above response_window */
  HV_PROTO_ERR_REPORT_MAC,        /* report not for us / other platform */
  HV_PROTO_ERR_REPORT_BINDING,    /* report data does not bind the message */
  HV_PROTO_ERR_ATTESTATION_KIND,  /* sim / sgx-dcap / sgx-epid mixed */
  HV_PROTO_ERR_DEV_MODE,          /* peer's attested DEBUG bit (or claim)
                                     differs from our dev mode */
  HV_PROTO_ERR_RECEIVER_NOT_ALLOWED, /* receiver build not in policy */
  HV_PROTO_ERR_RECEIVER_NOT_NEWER,   /* downgrade or same build */
  HV_PROTO_ERR_SELF_NOT_ALLOWED,     /* our own build not in policy */
  HV_PROTO_ERR_CHAIN_STALE,       /* sender chain head older than max lag */
  /* receiver */
  HV_PROTO_ERR_SENDER_NOT_ALLOWED,/* sender build not in policy */
  HV_PROTO_ERR_EXCHANGE_WINDOW,   /* KEY arrived outside the window */
  HV_PROTO_ERR_DECRYPT,           /* AEAD open failed */
  HV_PROTO_ERR_IDENTITY_MISMATCH, /* secret does not give the announced key */
  HV_PROTO_ERR_POLICY_BEHIND_SENDER, /* sender's policy newer than ours */
  HV_PROTO_ERR_SENDER_NOT_CHALLENGER, /* KEY from another enclave than the
                                         one whose CHALLENGE we answered */
  HV_PROTO_ERR_CHAIN_FUTURE,      /* own chain head newer than trusted now
                                     allows (HV_PROTO_CHAIN_HEAD_AHEAD_MS) */
  /* the move (codes 40-49) */
  HV_PROTO_ERR_DONE_UNAUTHENTICATED = 40, /* DONE signature does not verify */
  HV_PROTO_ERR_DONE_OTHER_EXCHANGE,  /* DONE names a transcript this sender
                                        sent no KEY for */
  HV_PROTO_ERR_IDENTITY_NOT_EXPECTED,/* KEY carries another identity than
                                        the receiver was told to expect */
  HV_PROTO_ERR_SENDER_RETIRED,       /* the sender handed its key over */
  HV_PROTO_ERR_HANDOVER_IN_PROGRESS, /* a KEY is out on another connection,
                                        awaiting its DONE (retiring sender) */
  /* freshness (issue 12: codes 50-59) */
  HV_PROTO_ERR_POLICY_EXPIRED = 50, /* policy past `expires` (or its
                                       timestamp too old) by trusted now */
  HV_PROTO_ERR_CHAIN_TIME_BACK,   /* chain head time below the recorded one */
  HV_PROTO_ERR_CHAIN_JUMP,        /* chain head number beyond the block rate */
  HV_PROTO_ERR_TIME_BELOW_FLOOR,  /* trusted time below the store's floor */
  HV_PROTO_ERR__COUNT
} hv_proto_error;

/* A stable lower-case name, e.g. "challenge-replayed". */
HV_API const char *hv_proto_error_name(hv_proto_error err);
/* "hello", "challenge", ...; "unknown" otherwise. */
HV_API const char *hv_proto_msg_name(hv_proto_msg_type type);
/* The type a message's header names (version u16 | type u16 | ...),
 * without decoding the rest: for a choice made before the state machine
 * decodes the same bytes (the sender's: whether to take trusted time).
 * 0 when the message is too short or the type is none of ours. */
HV_API hv_proto_msg_type hv_proto_peek_type(const uint8_t *msg, size_t len);

/* One allowed build of the policy, with its place in the order in which
 * the council added builds: a larger `added` was added later. */
typedef struct {
  hv_tee_measurement measurement;
  uint64_t added;
} hv_proto_runtime;

/* A council override (docs/POLICY.md) as the sender applies it: the one
 * check it waives (HV_PROTO_ERR_CHAIN_STALE or HV_PROTO_ERR_SELF_NOT_ALLOWED;
 * 0: no override) only for this identity, from this build to that one,
 * before expires_ms by trusted time. Nothing else can be waived. */
typedef struct {
  hv_proto_error waives;
  uint8_t identity_pub[HV_PROTO_KEY_LEN];
  hv_tee_measurement from, to;
  uint64_t expires_ms;
} hv_proto_override;

/* The policy view the state machines need (the CLI fills it from a
 * verified policy). Copied at creation. */
typedef struct {
  const hv_proto_runtime *runtimes;
  size_t n_runtimes;             /* <= HV_PROTO_MAX_RUNTIMES */
  uint64_t response_window_ms;   /* default 60 s */
  uint64_t max_chain_lag_ms;     /* default 7 days */
  uint64_t policy_version;
  /* Trusted time at which the policy stops being in force (`expires`,
   * or sooner its timestamp's age limit): from then on the sender refuses
   * HELLO and RESPONSE and the receiver KEY with policy-expired. 0 (a
   * caller that sets nothing): no limit; a verified policy always has one. */
  uint64_t policy_expires_ms;
  hv_proto_override override; /* sender only; zeroed: none */
} hv_proto_params;

/* The newest block the sender's worker has verified (see docs/PROTOCOL.md). */
typedef struct {
  uint64_t number;
  uint64_t time_ms;
} hv_proto_chain_head;

/* Randomness: fill out with len bytes, return 0 on success. */
typedef int (*hv_proto_random_fn)(void *ctx, uint8_t *out, size_t len);

/* The TEE operations the protocol uses. Normally NULL in the config, and
 * the hv_tee is called directly; tests wrap a real enclave to make it
 * claim another kind or dev mode. */
typedef struct {
  hv_tee_kind (*kind)(void *ctx);
  bool (*dev_mode)(void *ctx);
  void (*self)(void *ctx, hv_tee_measurement *out);
  hv_tee_error (*target_info)(void *ctx, uint8_t out[HV_TEE_TARGET_INFO_LEN]);
  hv_tee_error (*report)(void *ctx,
                         const uint8_t target_info[HV_TEE_TARGET_INFO_LEN],
                         const uint8_t report_data[HV_TEE_REPORT_DATA_LEN],
                         uint8_t out[HV_TEE_REPORT_LEN]);
  hv_tee_error (*verify_report)(void *ctx,
                                const uint8_t report[HV_TEE_REPORT_LEN]);
} hv_proto_tee_ops;

typedef struct {
  hv_tee *tee;                      /* the enclave (unless tee_ops) */
  const hv_proto_tee_ops *tee_ops;  /* NULL: use tee */
  void *tee_ctx;                    /* passed to tee_ops */
  hv_proto_random_fn random;        /* NULL: hv_random */
  void *random_ctx;
  hv_proto_params params;
  /* Receiver only: the Ed25519 identity it expects (copied at creation);
   * a KEY carrying another is refused (identity-mismatch) before any
   * secret is handed out. NULL: whichever identity the sender holds. */
  const uint8_t *expected_identity;
} hv_proto_config;

/* What a handled message was, for the caller's log. */
typedef struct {
  hv_proto_msg_type received;       /* 0 when the message did not decode */
  /* sender: the receiver the key went to; receiver: the sender it came
   * from (valid once KEY was sent / accepted) */
  hv_tee_measurement peer;
  bool has_peer;
  bool override_used; /* sender: a council override waived its check */
  uint8_t stored_hash[HV_PROTO_HASH_LEN]; /* from DONE */
  /* sender, on an accepted (authenticated) DONE: the exchange's
   * transcript hash; peer is then the receiver the key moved to */
  uint8_t transcript_hash[HV_PROTO_HASH_LEN];
  uint16_t peer_code;                     /* from ERROR */
  char peer_text[HV_PROTO_MAX_ERROR_TEXT + 1];
} hv_proto_event;

/* ---- sender (the old build, which holds the key) -------------------- */
typedef struct hv_proto_sender hv_proto_sender;

/* identity_secret: the worker's Ed25519 seed (copied; wiped on free). */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_sender_new(const hv_proto_config *cfg,
                                   const uint8_t identity_secret[HV_PROTO_SECRET_LEN],
                                   hv_proto_sender **out);
HV_API void hv_proto_sender_free(hv_proto_sender *s);

/* One message from any receiver (the challenge table is shared by all
 * connections): HELLO -> CHALLENGE, RESPONSE -> KEY, DONE -> nothing
 * (ev->stored_hash, ev->transcript_hash, ev->peer), ERROR ->
 * HV_PROTO_ERR_PEER_ERROR (ev->peer_*). A DONE is accepted only for a KEY
 * this sender sent and only when its signature verifies (docs/PROTOCOL.md
 * section 6); a refused DONE changes nothing.
 * now_ms: trusted time; head: the sender's current verified chain head.
 * ev may be NULL. */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_sender_handle(hv_proto_sender *s, uint64_t now_ms,
                                      const hv_proto_chain_head *head,
                                      const uint8_t *in, size_t in_len,
                                      uint8_t *out, size_t out_cap,
                                      size_t *out_len, hv_proto_event *ev);
/* After an accepted DONE, when the policy says `after_handover retire`
 * and the caller has recorded the tombstone: wipes the secret; from then
 * on HELLO and RESPONSE are refused with HV_PROTO_ERR_SENDER_RETIRED. */
HV_API void hv_proto_sender_retire(hv_proto_sender *s);
HV_API bool hv_proto_sender_retired(const hv_proto_sender *s);
/* Challenges issued and neither answered nor expired at now_ms. */
HV_API size_t hv_proto_sender_open_challenges(const hv_proto_sender *s, uint64_t now_ms);
/* Whether `in` would be judged as a RESPONSE at all: it decodes as one and
 * presents a challenge this sender has open (issued, unused, not seen
 * expired). Changes nothing. For the caller's choice of when to spend a
 * fresh trusted-time query: junk, or a RESPONSE to no live challenge, is
 * refused by hv_proto_sender_handle without the time. */
HV_API bool hv_proto_sender_response_live(hv_proto_sender *s, const uint8_t *in, size_t in_len);

/* ---- receiver (the new build) -------------------------------------- */
typedef struct hv_proto_receiver hv_proto_receiver;

HV_API HV_MUST_CHECK hv_proto_error hv_proto_receiver_new(const hv_proto_config *cfg,
                                     hv_proto_receiver **out);
/* Wipes every secret it still holds. */
HV_API void hv_proto_receiver_free(hv_proto_receiver *r);
/* The policy version the sender's CHALLENGE announced (0 before one came;
 * authenticated only once KEY verified): for messages that say which
 * version each side holds. */
HV_API uint64_t hv_proto_receiver_sender_policy_version(const hv_proto_receiver *r);

/* The first message. */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_receiver_hello(hv_proto_receiver *r, uint8_t *out,
                                       size_t out_cap, size_t *out_len);
/* CHALLENGE -> RESPONSE; KEY -> nothing to send, the secret is ready
 * (hv_proto_receiver_take_secret); ERROR -> HV_PROTO_ERR_PEER_ERROR.
 * Any refusal is final for this receiver. ev may be NULL. */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_receiver_handle(hv_proto_receiver *r, uint64_t now_ms,
                                        const uint8_t *in, size_t in_len,
                                        uint8_t *out, size_t out_cap,
                                        size_t *out_len, hv_proto_event *ev);
/* After an accepted KEY: copies the identity secret and its public key
 * out. The receiver keeps its own copy only to sign DONE with it and
 * wipes it in hv_proto_receiver_done (or free). The caller seals and
 * stores the secret, then calls hv_proto_receiver_done. */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_receiver_take_secret(hv_proto_receiver *r,
                                             uint8_t secret[HV_PROTO_SECRET_LEN],
                                             uint8_t identity_pub[HV_PROTO_KEY_LEN]);
/* DONE carrying SHA-256 of bytes the caller names (what it stored, or a
 * public summary of it: the command passes the public identity), the
 * transcript hash, and the identity key's signature over both. */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_receiver_done(hv_proto_receiver *r,
                                      const uint8_t *stored, size_t stored_len,
                                      uint8_t *out, size_t out_cap,
                                      size_t *out_len);

/* An ERROR message for the peer, for failures outside the state machine
 * (e.g. the receiver's store failed). text is cut to HV_PROTO_MAX_ERROR_TEXT
 * and non-printable bytes become '?'. */
HV_API HV_MUST_CHECK hv_proto_error hv_proto_encode_error(uint16_t code, const char *text,
                                     uint8_t *out, size_t out_cap,
                                     size_t *out_len);

HV_END_DECLS

#endif
