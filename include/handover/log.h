/* The append-only handover log: one per store, the file `log` in the
 * store's directory. Format byte by byte in docs/PROTOCOL.md ("The
 * handover log").
 *
 * Each entry carries the SHA-256 of the entry before it, so an entry
 * edited, removed, inserted or reordered breaks the chain at a named
 * entry. The file ends in the log's head (the number of entries and the
 * hash of the last one) sealed to this build (MRENCLAVE), so entries
 * dropped from the end, or a chain rewritten from scratch, do not match
 * the head either: the host cannot change an entry undetected. What it
 * can do (the log is outside the enclave): delete the whole file, or put
 * back a whole older copy of it (the store's rollback limit, README).
 *
 * Every append rewrites the file with the store's crash-safe write
 * (write-temp, fsync, rename, fsync dir), under the store's lock: after a
 * crash the log is the old one or the new one. */
#ifndef HANDOVER_LOG_H
#define HANDOVER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handover/buf.h"
#include "handover/crypto.h"
#include "handover/store.h"

#define HV_LOG_FILE "log"
#define HV_LOG_FORMAT 1
/* A worker hands over a few times in its life; a megabyte holds some
 * hundreds of receipts. A larger file is refused as damage, never read. */
#define HV_LOG_MAX_BYTES (1024 * 1024)
/* One entry's payload: a receipt at its largest. */
#define HV_LOG_MAX_PAYLOAD 16384

typedef enum {
  HV_LOG_ENTRY_RECEIPT = 1, /* the payload is a receipt (include/handover/receipt.h) */
} hv_log_entry_kind;

typedef enum {
  HV_LOG_OK = 0,
  HV_LOG_ERR_ARGS,      /* bad parameters */
  HV_LOG_ERR_STORE,     /* the store refused (see the store error) */
  HV_LOG_ERR_MISSING,   /* there is no log */
  HV_LOG_ERR_TRUNCATED, /* the file ends inside the log */
  HV_LOG_ERR_FORMAT,    /* not a log, another format, or a malformed entry */
  HV_LOG_ERR_SEQUENCE,  /* an entry's number is not the next one */
  HV_LOG_ERR_CHAIN,     /* an entry does not carry the previous entry's hash */
  HV_LOG_ERR_HEAD,      /* the sealed head names another last entry or count */
  HV_LOG_ERR_SEAL,      /* the sealed head does not open (altered, another build) */
  HV_LOG_ERR_FULL,      /* one more entry would pass HV_LOG_MAX_BYTES */
  HV_LOG_ERR_NOMEM,     /* out of memory */
} hv_log_error;

HV_API const char *hv_log_error_name(hv_log_error err);

typedef struct {
  uint64_t seq; /* 1, 2, ... */
  uint8_t prev[HV_SHA256_LEN];
  uint8_t hash[HV_SHA256_LEN]; /* of this entry */
  uint64_t time_ms;            /* trusted time of the event */
  uint8_t kind;                /* hv_log_entry_kind */
  const uint8_t *payload;      /* points into the file's bytes */
  size_t payload_len;
} hv_log_entry;

/* Called for each entry that checks out, in order; non-zero stops. */
typedef int (*hv_log_visit)(const hv_log_entry *e, void *ctx);

typedef struct {
  uint64_t count;
  uint8_t head[HV_SHA256_LEN]; /* the last entry's hash; zeros when empty */
  const uint8_t *seal;         /* the sealed head, into the file's bytes */
  size_t seal_len;
} hv_log_summary;

/* Parses a log file's bytes and checks its chain (pure: no TEE, so not
 * the sealed head). *bad_entry (may be NULL) receives the number of the
 * entry a failure is at (0: the header or the end). */
HV_API HV_MUST_CHECK hv_log_error hv_log_parse(const uint8_t *file, size_t len, hv_log_visit visit, void *ctx,
                          hv_log_summary *out, uint64_t *bad_entry);

/* Appends one entry to the store's log (creating the log when there is
 * none). A log that does not verify is never appended to: its error is
 * returned, the file left as it is. *store_err (may be NULL) receives the
 * store's error for HV_LOG_ERR_STORE. */
HV_API HV_MUST_CHECK hv_log_error hv_store_log_append(hv_store *store, uint64_t time_ms, uint8_t kind,
                                 const uint8_t *payload, size_t len,
                                 hv_store_error *store_err);

/* Reads the store's log, checks its chain and its sealed head, and calls
 * visit for each entry. *count receives the number of entries. */
HV_API HV_MUST_CHECK hv_log_error hv_store_log_verify(hv_store *store, hv_log_visit visit, void *ctx,
                                 uint64_t *count, uint64_t *bad_entry,
                                 hv_store_error *store_err);

#endif
