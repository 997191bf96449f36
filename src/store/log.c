/* The store's append-only, hash-chained handover log (include/handover/log.h,
 * docs/PROTOCOL.md "The handover log"). */
#include "handover/log.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_file.h"

static const uint8_t log_magic[4] = {'H', 'V', 'L', 'G'};
static const uint8_t head_magic[4] = {'H', 'V', 'L', 'H'};
/* seq, prev, time, kind, payload length */
#define ENTRY_FIXED (8 + HV_SHA256_LEN + 8 + 1 + 2)
#define HEAD_PT_LEN (sizeof head_magic + 8 + HV_SHA256_LEN)
#define SEAL_CAP (HEAD_PT_LEN + HV_TEE_SEAL_OVERHEAD)

static const char *const error_names[] = {
    [HV_LOG_OK] = "ok",
    [HV_LOG_ERR_ARGS] = "bad-arguments",
    [HV_LOG_ERR_STORE] = "store-error",
    [HV_LOG_ERR_MISSING] = "log-missing",
    [HV_LOG_ERR_TRUNCATED] = "log-truncated",
    [HV_LOG_ERR_FORMAT] = "log-format",
    [HV_LOG_ERR_SEQUENCE] = "log-sequence",
    [HV_LOG_ERR_CHAIN] = "log-chain-broken",
    [HV_LOG_ERR_HEAD] = "log-head-mismatch",
    [HV_LOG_ERR_SEAL] = "log-seal",
    [HV_LOG_ERR_FULL] = "log-full",
    [HV_LOG_ERR_NOMEM] = "out-of-memory",
};

const char *hv_log_error_name(hv_log_error err) {
  if ((size_t)err < sizeof error_names / sizeof error_names[0] && error_names[err])
    return error_names[err];
  return "unknown-error";
}

static hv_log_error parse_entry(hv_buf_reader *rd, hv_log_entry *e) {
  uint16_t body_len = 0, payload_len = 0;
  const uint8_t *body = NULL;
  if (!hv_buf_read_u16(rd, &body_len) || !hv_buf_read_view(rd, body_len, &body))
    return HV_LOG_ERR_TRUNCATED;
  hv_buf_reader b;
  hv_buf_reader_init(&b, body, body_len);
  bool ok = hv_buf_read_u64(&b, &e->seq) && hv_buf_read_bytes(&b, e->prev, HV_SHA256_LEN) &&
            hv_buf_read_u64(&b, &e->time_ms) && hv_buf_read_u8(&b, &e->kind) &&
            hv_buf_read_u16(&b, &payload_len) && hv_buf_read_view(&b, payload_len, &e->payload) &&
            hv_buf_reader_done(&b);
  if (!ok || e->kind != HV_LOG_ENTRY_RECEIPT) return HV_LOG_ERR_FORMAT;
  e->payload_len = payload_len;
  return hv_sha256(body, body_len, e->hash) == 0 ? HV_LOG_OK : HV_LOG_ERR_ARGS;
}

hv_log_error hv_log_parse(const uint8_t *file, size_t len, hv_log_visit visit, void *ctx,
                          hv_log_summary *out, uint64_t *bad_entry) {
  hv_log_summary sum;
  memset(&sum, 0, sizeof sum);
  uint64_t bad = 0;
  if (bad_entry) *bad_entry = 0;
  if (!file || len > HV_LOG_MAX_BYTES) return file ? HV_LOG_ERR_FORMAT : HV_LOG_ERR_ARGS;
  hv_buf_reader rd;
  hv_buf_reader_init(&rd, file, len);
  const uint8_t *magic = NULL;
  uint16_t format = 0;
  uint32_t count = 0;
  if (!hv_buf_read_view(&rd, sizeof log_magic, &magic)) return HV_LOG_ERR_TRUNCATED;
  if (memcmp(magic, log_magic, sizeof log_magic) != 0) return HV_LOG_ERR_FORMAT;
  if (!hv_buf_read_u16(&rd, &format) || !hv_buf_read_u32(&rd, &count))
    return HV_LOG_ERR_TRUNCATED;
  if (format != HV_LOG_FORMAT) return HV_LOG_ERR_FORMAT;
  hv_log_error err = HV_LOG_OK;
  for (uint64_t i = 1; i <= count && err == HV_LOG_OK; i++) {
    hv_log_entry e;
    bad = i;
    err = parse_entry(&rd, &e);
    if (err != HV_LOG_OK) break;
    if (e.seq != i) err = HV_LOG_ERR_SEQUENCE;
    else if (memcmp(e.prev, sum.head, HV_SHA256_LEN) != 0) err = HV_LOG_ERR_CHAIN;
    else if (visit && visit(&e, ctx) != 0) return HV_LOG_ERR_ARGS;
    memcpy(sum.head, e.hash, HV_SHA256_LEN);
  }
  if (err == HV_LOG_OK) {
    uint16_t seal_len = 0;
    bad = 0;
    sum.count = count;
    if (!hv_buf_read_u16(&rd, &seal_len) || !hv_buf_read_view(&rd, seal_len, &sum.seal))
      err = HV_LOG_ERR_TRUNCATED;
    else if (hv_buf_remaining(&rd) != 0)
      err = HV_LOG_ERR_FORMAT;
    sum.seal_len = seal_len;
  }
  if (bad_entry) *bad_entry = bad;
  if (out) *out = sum;
  return err;
}

static hv_log_error from_store(hv_store_error se, hv_store_error *store_err) {
  if (store_err) *store_err = se;
  return se == HV_STORE_OK ? HV_LOG_OK : HV_LOG_ERR_STORE;
}

/* Reads the file into a fresh buffer (*file NULL and *len 0 when missing). */
static hv_log_error read_log(hv_store *store, uint8_t **file, size_t *len,
                             hv_store_error *store_err) {
  *file = malloc(HV_LOG_MAX_BYTES + 1);
  if (!*file) return HV_LOG_ERR_NOMEM;
  bool found = false;
  hv_store_error se = hv_store_read_file_max(hv_store_dirfd(store), HV_LOG_FILE,
                                             HV_LOG_MAX_BYTES, *file,
                                             HV_LOG_MAX_BYTES + 1, len, &found);
  if (se != HV_STORE_OK || !found) {
    free(*file);
    *file = NULL;
    *len = 0;
  }
  /* the store's only CORRUPT for a raw read: larger than the limit */
  if (se == HV_STORE_ERR_CORRUPT) return HV_LOG_ERR_FORMAT;
  return from_store(se, store_err);
}

static hv_log_error check_seal(hv_store *store, const hv_log_summary *sum) {
  uint8_t pt[SEAL_CAP];
  size_t pt_len = 0;
  if (hv_tee_unseal(hv_store_tee(store), HV_TEE_SEAL_MRENCLAVE, sum->seal, sum->seal_len,
                    pt, sizeof pt, &pt_len) != HV_TEE_OK)
    return HV_LOG_ERR_SEAL;
  hv_buf_reader rd;
  hv_buf_reader_init(&rd, pt, pt_len);
  const uint8_t *magic = NULL, *head = NULL;
  uint64_t count = 0;
  if (!hv_buf_read_view(&rd, sizeof head_magic, &magic) || !hv_buf_read_u64(&rd, &count) ||
      !hv_buf_read_view(&rd, HV_SHA256_LEN, &head) || !hv_buf_reader_done(&rd) ||
      memcmp(magic, head_magic, sizeof head_magic) != 0)
    return HV_LOG_ERR_SEAL;
  return count == sum->count && memcmp(head, sum->head, HV_SHA256_LEN) == 0
             ? HV_LOG_OK
             : HV_LOG_ERR_HEAD;
}

/* Checks a file's bytes completely: chain, then sealed head. */
static hv_log_error check_file(hv_store *store, const uint8_t *file, size_t len,
                               hv_log_visit visit, void *ctx, hv_log_summary *sum,
                               uint64_t *bad_entry) {
  if (len > HV_LOG_MAX_BYTES) return HV_LOG_ERR_FORMAT;
  hv_log_error err = hv_log_parse(file, len, visit, ctx, sum, bad_entry);
  return err == HV_LOG_OK ? check_seal(store, sum) : err;
}

hv_log_error hv_store_log_verify(hv_store *store, hv_log_visit visit, void *ctx,
                                 uint64_t *count, uint64_t *bad_entry,
                                 hv_store_error *store_err) {
  if (!store) return HV_LOG_ERR_ARGS;
  if (count) *count = 0;
  if (bad_entry) *bad_entry = 0;
  uint8_t *file = NULL;
  size_t len = 0;
  hv_log_error err = read_log(store, &file, &len, store_err);
  if (err != HV_LOG_OK) return err;
  if (!file) return HV_LOG_ERR_MISSING;
  hv_log_summary sum;
  err = check_file(store, file, len, visit, ctx, &sum, bad_entry);
  if (count) *count = sum.count;
  free(file);
  return err;
}

/* The new file: the old entries (verified), the new one, a new sealed head. */
static hv_log_error build(hv_store *store, const uint8_t *old, size_t old_len,
                          const hv_log_summary *sum, uint64_t time_ms, uint8_t kind,
                          const uint8_t *payload, size_t len, uint8_t *out,
                          size_t *out_len) {
  const size_t header = sizeof log_magic + 2 + 4;
  size_t entries_len = old ? old_len - header - 2 - sum->seal_len : 0;
  if (header + entries_len + 2 + ENTRY_FIXED + len + 2 + SEAL_CAP > HV_LOG_MAX_BYTES ||
      sum->count >= UINT32_MAX)
    return HV_LOG_ERR_FULL;
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, HV_LOG_MAX_BYTES);
  uint8_t *body = NULL, head_pt[HEAD_PT_LEN], sealed[SEAL_CAP], new_head[HV_SHA256_LEN];
  size_t sealed_len = 0;
  bool ok = hv_buf_write_bytes(&w, log_magic, sizeof log_magic) &&
            hv_buf_write_u16(&w, HV_LOG_FORMAT) &&
            hv_buf_write_u32(&w, (uint32_t)(sum->count + 1)) &&
            (entries_len == 0 || hv_buf_write_bytes(&w, old + header, entries_len)) &&
            hv_buf_write_u16(&w, (uint16_t)(ENTRY_FIXED + len)) &&
            hv_buf_write_reserve(&w, ENTRY_FIXED + len, &body);
  if (!ok) return HV_LOG_ERR_FULL;
  hv_buf_writer b;
  hv_buf_writer_init(&b, body, ENTRY_FIXED + len);
  ok = hv_buf_write_u64(&b, sum->count + 1) && hv_buf_write_bytes(&b, sum->head, HV_SHA256_LEN) &&
       hv_buf_write_u64(&b, time_ms) && hv_buf_write_u8(&b, kind) &&
       hv_buf_write_u16(&b, (uint16_t)len) && hv_buf_write_bytes(&b, payload, len);
  if (!ok || hv_sha256(body, ENTRY_FIXED + len, new_head) != 0) return HV_LOG_ERR_ARGS;
  hv_buf_writer_init(&b, head_pt, sizeof head_pt);
  ok = hv_buf_write_bytes(&b, head_magic, sizeof head_magic) &&
       hv_buf_write_u64(&b, sum->count + 1) && hv_buf_write_bytes(&b, new_head, HV_SHA256_LEN);
  if (!ok || hv_tee_seal(hv_store_tee(store), HV_TEE_SEAL_MRENCLAVE, head_pt, sizeof head_pt,
                         sealed, sizeof sealed, &sealed_len) != HV_TEE_OK)
    return HV_LOG_ERR_SEAL;
  ok = hv_buf_write_u16(&w, (uint16_t)sealed_len) && hv_buf_write_bytes(&w, sealed, sealed_len);
  if (!ok) return HV_LOG_ERR_FULL;
  *out_len = w.len;
  return HV_LOG_OK;
}

hv_log_error hv_store_log_append(hv_store *store, uint64_t time_ms, uint8_t kind,
                                 const uint8_t *payload, size_t len,
                                 hv_store_error *store_err) {
  if (store_err) *store_err = HV_STORE_OK;
  if (!store || (!payload && len) || len > HV_LOG_MAX_PAYLOAD || kind != HV_LOG_ENTRY_RECEIPT)
    return HV_LOG_ERR_ARGS;
  hv_log_error err = from_store(hv_store_lock(store), store_err);
  if (err != HV_LOG_OK) return err;
  uint8_t *old = NULL, *out = malloc(HV_LOG_MAX_BYTES);
  size_t old_len = 0, out_len = 0;
  hv_log_summary sum;
  memset(&sum, 0, sizeof sum);
  err = out ? read_log(store, &old, &old_len, store_err) : HV_LOG_ERR_NOMEM;
  if (err == HV_LOG_OK && old) err = check_file(store, old, old_len, NULL, NULL, &sum, NULL);
  if (err == HV_LOG_OK)
    err = build(store, old, old_len, &sum, time_ms, kind, payload, len, out, &out_len);
  if (err == HV_LOG_OK)
    err = from_store(hv_store_write_atomic(hv_store_dirfd(store), HV_LOG_FILE, out, out_len),
                     store_err);
  hv_store_unlock(store);
  free(old);
  free(out);
  return err;
}
