/* The sealed key store: one directory (0700) per worker holding
 *
 *   identity  the Ed25519 identity: its public key in the clear (so that
 *             `handover status` can show it without the enclave) and the
 *             32-byte secret seed sealed with hv_tee_seal, MRENCLAVE policy;
 *   state     the newest policy version seen and the last chain head,
 *             sealed (MRENCLAVE) so the host can neither read nor edit them,
 *             bound to the worker's identity public key (and, by the
 *             MRENCLAVE seal, to the build). init and receive write it
 *             before the identity;
 *             once an identity (or a tombstone) exists the state must too;
 *   tombstone after the key moved (hv_store_retire): sealed, to which
 *             build, when by trusted time, the transcript hash; the state
 *             then records the move (and the tombstone's digest), the
 *             identity file is wiped, and the store never serves again;
 *   floor     the newest trusted time recorded (sealed likewise), one of
 *             the three parts of the time floor (below).
 *
 * Every file is 0600 and carries a checksum, so damage is reported as
 * corruption before anything is unsealed. Every write is write-temp
 * (O_EXCL, 0600, same directory), fsync, rename, fsync(directory): after a
 * crash at any instant each file holds its old content or its new one.
 * Stale temp files a crash left behind are removed on open. Writers take
 * an exclusive lock, so two processes cannot interleave a read-check-write
 * (for example two policy updates): a POSIX record lock (fcntl F_SETLKW)
 * on the file `lock` in the directory, the kind Gramine implements (it
 * answers flock with ENOSYS), plus a mutex for threads and stores of one
 * process. Under Gramine the lock is kept by the Gramine instance, so it
 * excludes that instance's processes only: run one worker per store.
 *
 * TCB recovery: on open, a file sealed under an older CPU SVN (a microcode
 * update since) or ISV SVN, or in an older seal format, is sealed again
 * under the current values (crash-safe like every write: the old file
 * opens until the new one replaces it); hv_store_resealed says which.
 *
 * What sealing prevents and what it cannot:
 *  - prevented: reading the secret outside this enclave build; editing
 *    the policy version or chain head (any change fails to unseal); using
 *    a file sealed by another enclave or on another platform (refused
 *    with HV_STORE_ERR_OTHER_ENCLAVE / _OTHER_PLATFORM); swapping the
 *    identity and state files (each sealed plaintext names its kind); a
 *    public key in the clear that does not belong to the sealed secret
 *    (hv_store_get_identity refuses it as corruption).
 *  - prevented too: deleting the state file to make the store look fresh
 *    (HV_STORE_ERR_STATE_MISSING), and putting in the state file of another
 *    worker of the same build (HV_STORE_ERR_OTHER_WORKER).
 *  - prevented after a retirement: deleting the tombstone and putting the
 *    old identity file back (HV_STORE_ERR_TOMBSTONE_MISSING: the state
 *    recorded the move).
 *  - NOT prevented: the host replacing the whole directory, or the state
 *    file alone, with an older copy this same enclave wrote (a rollback of
 *    the policy version and chain head to an earlier value), or putting
 *    back the identity and the state from before a retirement (the key
 *    then lives twice: only a trusted monotonic counter could tell). Without a
 *    trusted monotonic counter no local store can detect that; the
 *    protocol limits the damage instead: the chain head must be within
 *    max_chain_lag of trusted NTS time, and a policy is only accepted with
 *    the council's signatures, so a rollback can only bring back a policy
 *    the council once signed. The host can also delete the store (denial
 *    of service, always possible).
 *
 * Secrets are wiped from memory after use and never logged. */
#ifndef HANDOVER_STORE_H
#define HANDOVER_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/crypto.h"
#include "handover/tee.h"
#include "handover/api.h"

HV_BEGIN_DECLS

typedef enum {
  HV_STORE_OK = 0,
  HV_STORE_ERR_ARGS,           /* bad parameters */
  HV_STORE_ERR_MISSING,        /* the store directory does not exist */
  HV_STORE_ERR_NOT_DIR,        /* the store path is not a directory */
  HV_STORE_ERR_PERMISSIONS,    /* directory not 0700 / a file not 0600,
                                  not ours, or a symlink */
  HV_STORE_ERR_IO,             /* a system call on the directory failed
                                  (open, sync, listing temp files) */
  HV_STORE_ERR_CORRUPT,        /* a file is truncated, altered or malformed */
  HV_STORE_ERR_NO_IDENTITY,    /* no identity has been stored yet */
  HV_STORE_ERR_EXISTS,         /* an identity is already stored */
  HV_STORE_ERR_IDENTITY_MISMATCH, /* put_identity: a different one exists */
  HV_STORE_ERR_ROLLBACK,       /* policy version / chain head would go down */
  HV_STORE_ERR_OTHER_ENCLAVE,  /* sealed by another enclave build */
  HV_STORE_ERR_OTHER_PLATFORM, /* sealed on another machine */
  HV_STORE_ERR_TEE,            /* another TEE failure while (un)sealing */
  HV_STORE_ERR_CRYPTO,         /* key generation or derivation failed */
  HV_STORE_ERR_LOCK,           /* the store's lock file cannot be opened
                                  or locked */
  HV_STORE_ERR_NEWER_CPUSVN,   /* sealed under a CPU SVN above this CPU's */
  HV_STORE_ERR_NEWER_ISVSVN,   /* sealed at an ISV SVN above this build's */
  HV_STORE_ERR_OTHER_DEBUG,    /* sealed by this build under the other
                                  DEBUG attribute (production vs debug) */
  HV_STORE_ERR_READ,           /* reading a store file failed */
  HV_STORE_ERR_WRITE,          /* writing a store file failed (create,
                                  write, fsync or rename) */
  HV_STORE_ERR_STATE_MISSING,  /* an identity (or tombstone) but no state */
  HV_STORE_ERR_OTHER_WORKER,   /* the state (or tombstone) names another
                                  worker's identity */
  HV_STORE_ERR_RETIRED,        /* the key moved: the store serves no more */
  HV_STORE_ERR_TOMBSTONE_MISSING, /* the state records a retirement whose
                                     tombstone is gone or not that one */
  HV_STORE_ERR_HEAD_TIME_BACK, /* chain head time below the recorded head's */
  HV_STORE_ERR_HEAD_JUMP,      /* block number ahead of what the elapsed time
                                  allows at the fastest block rate */
  HV_STORE_ERR_BELOW_FLOOR,    /* a trusted time below the time floor */
  HV_STORE_ERR_NOMEM,          /* out of memory */
} hv_store_error;

/* A stable kebab-case name, e.g. "permissions" (docs/CONVENTIONS.md). */
HV_API const char *hv_store_error_name(hv_store_error err);
/* The same as a sentence for people, e.g. "wrong permissions (directory
 * must be 0700, ...)". */
HV_API const char *hv_store_error_text(hv_store_error err);

typedef struct hv_store hv_store; /* opaque */

/* Opens the store in dir, sealing and unsealing through tee (which must
 * outlive the store). With create, a missing directory is made (0700; its
 * parent must exist); without, a missing one is HV_STORE_ERR_MISSING. */
HV_API HV_MUST_CHECK hv_store_error hv_store_open(const char *dir, const hv_tee *tee, bool create,
                             hv_store **out);
HV_API void hv_store_free(hv_store *store);

/* What hv_store_open re-sealed under the current CPU SVN / ISV SVN. */
#define HV_STORE_RESEALED_IDENTITY 1u
#define HV_STORE_RESEALED_STATE 2u
#define HV_STORE_RESEALED_TOMBSTONE 4u
HV_API unsigned hv_store_resealed(const hv_store *store);

/* Generates a fresh Ed25519 identity, seals and stores it (the state
 * first, bound to it, then the identity); pub (may be NULL) receives its
 * public key. HV_STORE_ERR_EXISTS if one is stored, HV_STORE_ERR_RETIRED
 * if the store is retired. */
HV_API HV_MUST_CHECK hv_store_error hv_store_init_identity(hv_store *store,
                                      uint8_t pub[HV_ED25519_PUB_LEN]);
/* Stores a received secret (the receiver's side of a handover). Storing
 * the identity already held is a no-op success; a different one is
 * HV_STORE_ERR_IDENTITY_MISMATCH (never overwritten). */
HV_API HV_MUST_CHECK hv_store_error hv_store_put_identity(hv_store *store,
                                     const uint8_t secret[HV_ED25519_PRIV_LEN]);
/* Unseals the identity; the caller wipes secret (hv_wipe) after use.
 * HV_STORE_ERR_RETIRED once a tombstone exists. */
HV_API HV_MUST_CHECK hv_store_error hv_store_get_identity(hv_store *store,
                                     uint8_t secret[HV_ED25519_PRIV_LEN],
                                     uint8_t pub[HV_ED25519_PUB_LEN]);
/* The public identity, without unsealing (not authenticated: the host can
 * edit it; only hv_store_get_identity proves it belongs to the secret). */
HV_API HV_MUST_CHECK hv_store_error hv_store_public(hv_store *store, uint8_t pub[HV_ED25519_PUB_LEN]);

/* The newest policy version seen; 0 before any was stored. Both state
 * readers refuse a missing state once an identity or tombstone exists
 * (HV_STORE_ERR_STATE_MISSING) and a state bound to another identity or
 * build (HV_STORE_ERR_OTHER_WORKER). */
HV_API HV_MUST_CHECK hv_store_error hv_store_get_policy_version(hv_store *store, uint64_t *version);
/* Monotonic: a lower version is HV_STORE_ERR_ROLLBACK; the same is a no-op. */
HV_API HV_MUST_CHECK hv_store_error hv_store_set_policy_version(hv_store *store, uint64_t version);

/* The newest block the worker has verified. */
typedef struct {
  uint64_t number;
  uint64_t time_ms; /* Unix milliseconds */
} hv_store_chain_head;

/* {0, 0} before any was stored. */
HV_API HV_MUST_CHECK hv_store_error hv_store_get_chain_head(hv_store *store, hv_store_chain_head *out);
/* Monotonic in number: a lower number, or the same number with another
 * time (a block has one time), is HV_STORE_ERR_ROLLBACK. A head must also
 * be plausible before it is recorded: its time below the recorded head's
 * is HV_STORE_ERR_HEAD_TIME_BACK whatever its number; a number more
 * blocks ahead of the recorded one than the time between them allows at
 * one block per min_block_interval_ms is HV_STORE_ERR_HEAD_JUMP. Before
 * any head the recorded one counts as {0, 0}: block N cannot exist before
 * N intervals after 1970, so an absurd number is never recorded. */
HV_API HV_MUST_CHECK hv_store_error hv_store_set_chain_head(hv_store *store,
                                       const hv_store_chain_head *head);
/* The chain's fastest block rate (the policy's min_block_interval_ms);
 * HV_STORE_DEFAULT_MIN_BLOCK_INTERVAL_MS until set. 0 is refused. */
#define HV_STORE_DEFAULT_MIN_BLOCK_INTERVAL_MS 1000u
HV_API HV_MUST_CHECK hv_store_error hv_store_set_min_block_interval(hv_store *store, uint32_t ms);

/* ---- the time floor: a lower bound on the true time that only rises ----
 * The largest of (a) the floor compiled into the build (its release
 * time, meson option time_floor), (b) the newest chain head time
 * recorded and (c) the newest trusted time recorded, each of the last two
 * less HV_STORE_FLOOR_SLACK_MS. It never looks at the host's clock, so a
 * host that winds its clock back cannot lower it: NTS certificates that
 * had expired by the floor are refused, and so is a trusted time below it.
 * The slack is the skew a chain head may have ahead of trusted time
 * (HV_PROTO_CHAIN_HEAD_AHEAD_MS) and far more than an honest quorum's
 * jitter, so an honest trusted time is never below the floor. */
#define HV_STORE_FLOOR_SLACK_MS (5u * 60 * 1000)
/* A trusted time is written down only when it raises the floor by this
 * much: the floor need not be exact, and a write per query would cost a
 * sealed write and two fsyncs per handover message. */
#define HV_STORE_FLOOR_STEP_MS (60u * 1000)
/* The build's own floor, in UNIX milliseconds. */
HV_API uint64_t hv_store_build_floor_ms(void);
HV_API HV_MUST_CHECK hv_store_error hv_store_get_time_floor(hv_store *store, uint64_t *floor_ms);
/* Judges a trusted time: below the floor is HV_STORE_ERR_BELOW_FLOOR
 * (nothing recorded); otherwise it is recorded when it raises the floor
 * by HV_STORE_FLOOR_STEP_MS or more. floor_ms (may be NULL) receives the
 * floor it was judged against. */
HV_API HV_MUST_CHECK hv_store_error hv_store_record_trusted_time(hv_store *store, uint64_t now_ms,
                                            uint64_t *floor_ms);

/* ---- retirement: the key moved, it is not copied ---- */
typedef struct {
  uint8_t identity_pub[HV_ED25519_PUB_LEN]; /* the identity that moved */
  hv_tee_measurement receiver;              /* the build it moved to */
  uint64_t time_ms;                         /* trusted time of the DONE */
  uint8_t transcript_hash[HV_SHA256_LEN];   /* the exchange (docs/PROTOCOL.md) */
} hv_store_tombstone;

/* After an authenticated DONE: records the sealed tombstone (its
 * identity_pub is filled in from the stored identity), then wipes the
 * sealed secret (overwritten, removed). Crash-safe at every step: until
 * the tombstone is in place the store still serves with its key; from
 * then on it is retired, and a retirement cut short is finished by the
 * next hv_store_open. HV_STORE_ERR_RETIRED if it already is. */
HV_API HV_MUST_CHECK hv_store_error hv_store_retire(hv_store *store, hv_store_tombstone *tombstone);
/* *retired false when the store is not retired; otherwise the tombstone
 * (HV_STORE_ERR_OTHER_WORKER if it names another identity than the state).
 * The state records every retirement with the tombstone's digest: a
 * tombstone deleted (an old identity file put back or not) or swapped for
 * another is HV_STORE_ERR_TOMBSTONE_MISSING, here and in every reader of
 * the state and the identity. */
HV_API HV_MUST_CHECK hv_store_error hv_store_get_tombstone(hv_store *store, bool *retired,
                                      hv_store_tombstone *out);

HV_END_DECLS

#endif
