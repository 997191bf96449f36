/* Handover receipts (docs/PROTOCOL.md "Receipts"): encoding, decoding and
 * verification, all through the buf cursor. */
#include "handover/receipt.h"

#include <string.h>

#include "proto/codec.h"
#include "proto/exchange.h"

static const uint8_t receipt_magic[4] = {'H', 'V', 'R', 'C'};
#define SIG_NONE 0
#define SIG_ED25519 1
#define SIG_CONTEXT_LEN (sizeof HV_RECEIPT_SIG_CONTEXT - 1)

static const char *const error_names[] = {
    [HV_RECEIPT_OK] = "ok",
    [HV_RECEIPT_ERR_ARGS] = "bad-arguments",
    [HV_RECEIPT_ERR_OUT_SPACE] = "output-buffer-too-small",
    [HV_RECEIPT_ERR_TRUNCATED] = "receipt-truncated",
    [HV_RECEIPT_ERR_TRAILING] = "trailing-bytes",
    [HV_RECEIPT_ERR_MAGIC] = "not-a-receipt",
    [HV_RECEIPT_ERR_FORMAT] = "unsupported-receipt-format",
    [HV_RECEIPT_ERR_VALUE] = "receipt-field-value",
    [HV_RECEIPT_ERR_UNSIGNED] = "receipt-unsigned",
    [HV_RECEIPT_ERR_IDENTITY] = "receipt-identity-mismatch",
    [HV_RECEIPT_ERR_SIGNATURE] = "receipt-signature",
    [HV_RECEIPT_ERR_CRYPTO] = "internal-failure",
};

const char *hv_receipt_error_name(hv_receipt_error err) {
  if ((size_t)err < sizeof error_names / sizeof error_names[0] && error_names[err])
    return error_names[err];
  return "unknown-error";
}

/* A server name: 1 to HV_RECEIPT_MAX_NAME printable ASCII bytes, no space. */
static bool name_ok(const uint8_t *p, size_t n) {
  if (n == 0 || n > HV_RECEIPT_MAX_NAME) return false;
  for (size_t i = 0; i < n; i++)
    if (p[i] < 0x21 || p[i] > 0x7e) return false;
  return true;
}

static bool time_kind_ok(uint8_t k) {
  return k >= HV_RECEIPT_TIME_CHALLENGE && k <= HV_RECEIPT_TIME_DONE;
}

/* The rules a receipt obeys, on both sides of the codec. */
static bool fields_ok(const hv_receipt *r) {
  if (r->role != HV_RECEIPT_ROLE_SENDER && r->role != HV_RECEIPT_ROLE_RECEIVER)
    return false;
  if (r->outcome == HV_RECEIPT_COMPLETED) {
    if (r->error_code != 0) return false;
  } else if (r->outcome != HV_RECEIPT_REFUSED || r->error_code == 0) {
    return false;
  }
  return r->n_times <= HV_RECEIPT_MAX_TIMES;
}

static bool write_measurement(hv_buf_writer *w, const hv_tee_measurement *m) {
  return hv_buf_write_bytes(w, m->mr_enclave, HV_TEE_MR_LEN) &&
         hv_buf_write_bytes(w, m->mr_signer, HV_TEE_MR_LEN) &&
         hv_buf_write_u16(w, m->isv_prod_id) && hv_buf_write_u16(w, m->isv_svn);
}

static bool read_measurement(hv_buf_reader *rd, hv_tee_measurement *m) {
  return hv_buf_read_bytes(rd, m->mr_enclave, HV_TEE_MR_LEN) &&
         hv_buf_read_bytes(rd, m->mr_signer, HV_TEE_MR_LEN) &&
         hv_buf_read_u16(rd, &m->isv_prod_id) && hv_buf_read_u16(rd, &m->isv_svn);
}

static bool write_time(hv_buf_writer *w, const hv_receipt_time *t) {
  if (!time_kind_ok(t->kind) || t->n_servers > HV_RECEIPT_MAX_SERVERS) return false;
  bool ok = hv_buf_write_u8(w, t->kind) && hv_buf_write_u64(w, t->time_ms) &&
            hv_buf_write_u8(w, (uint8_t)t->n_servers);
  for (size_t i = 0; ok && i < t->n_servers; i++) {
    size_t n = strnlen(t->servers[i], HV_RECEIPT_MAX_NAME + 1);
    ok = name_ok((const uint8_t *)t->servers[i], n) && hv_buf_write_u8(w, (uint8_t)n) &&
         hv_buf_write_bytes(w, (const uint8_t *)t->servers[i], n);
  }
  return ok;
}

/* Writes everything up to and including the signature-kind byte. */
static bool write_body(hv_buf_writer *w, const hv_receipt *r, uint8_t sig_kind) {
  bool ok = hv_buf_write_bytes(w, receipt_magic, sizeof receipt_magic) &&
            hv_buf_write_u16(w, HV_RECEIPT_FORMAT) && hv_buf_write_u8(w, r->role) &&
            hv_buf_write_u8(w, r->outcome) && hv_buf_write_u16(w, r->protocol_version) &&
            hv_buf_write_u16(w, r->error_code) && write_measurement(w, &r->sender) &&
            write_measurement(w, &r->receiver) &&
            hv_buf_write_bytes(w, r->identity, sizeof r->identity) &&
            hv_buf_write_bytes(w, r->transcript_hash, sizeof r->transcript_hash) &&
            hv_buf_write_u64(w, r->policy_version) &&
            hv_buf_write_bytes(w, r->policy_hash, sizeof r->policy_hash) &&
            hv_buf_write_u64(w, r->chain_head_number) &&
            hv_buf_write_u64(w, r->chain_head_time_ms) &&
            hv_buf_write_u8(w, (uint8_t)r->n_times);
  for (size_t i = 0; ok && i < r->n_times; i++) ok = write_time(w, &r->times[i]);
  return ok && hv_buf_write_u8(w, sig_kind);
}

/* Ed25519 over the context string, then body. */
static hv_receipt_error sign_body(const uint8_t secret[HV_ED25519_PRIV_LEN],
                                  const uint8_t *body, size_t len,
                                  uint8_t sig[HV_ED25519_SIG_LEN]) {
  uint8_t msg[SIG_CONTEXT_LEN + HV_RECEIPT_MAX_LEN];
  if (len > HV_RECEIPT_MAX_LEN) return HV_RECEIPT_ERR_ARGS;
  memcpy(msg, HV_RECEIPT_SIG_CONTEXT, SIG_CONTEXT_LEN);
  memcpy(msg + SIG_CONTEXT_LEN, body, len);
  return hv_ed25519_sign(secret, msg, SIG_CONTEXT_LEN + len, sig) == 0
             ? HV_RECEIPT_OK
             : HV_RECEIPT_ERR_CRYPTO;
}

static bool verify_body(const uint8_t pub[HV_ED25519_PUB_LEN], const uint8_t *body,
                        size_t len, const uint8_t sig[HV_ED25519_SIG_LEN]) {
  uint8_t msg[SIG_CONTEXT_LEN + HV_RECEIPT_MAX_LEN];
  if (len > HV_RECEIPT_MAX_LEN) return false;
  memcpy(msg, HV_RECEIPT_SIG_CONTEXT, SIG_CONTEXT_LEN);
  memcpy(msg + SIG_CONTEXT_LEN, body, len);
  return hv_ed25519_verify(pub, msg, SIG_CONTEXT_LEN + len, sig) == 0;
}

hv_receipt_error hv_receipt_encode(const hv_receipt *r,
                                   const uint8_t identity_secret[HV_ED25519_PRIV_LEN],
                                   uint8_t *out, size_t cap, size_t *out_len) {
  if (!r || !out || !out_len || !fields_ok(r)) return HV_RECEIPT_ERR_ARGS;
  bool completed = r->outcome == HV_RECEIPT_COMPLETED;
  if (completed != (identity_secret != NULL)) return HV_RECEIPT_ERR_ARGS;
  if (completed) {
    uint8_t pub[HV_ED25519_PUB_LEN];
    if (hv_ed25519_public(identity_secret, pub) != 0) return HV_RECEIPT_ERR_CRYPTO;
    if (!hv_ct_equal(pub, r->identity, sizeof pub)) return HV_RECEIPT_ERR_IDENTITY;
  }
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, cap);
  if (!write_body(&w, r, completed ? SIG_ED25519 : SIG_NONE)) {
    /* a rule (names, kinds, counts) or the space: tell them apart */
    uint8_t scratch[HV_RECEIPT_MAX_LEN];
    hv_buf_writer_init(&w, scratch, sizeof scratch);
    return write_body(&w, r, SIG_NONE) ? HV_RECEIPT_ERR_OUT_SPACE : HV_RECEIPT_ERR_ARGS;
  }
  if (completed) {
    uint8_t *sig = NULL;
    size_t body_len = w.len;
    if (!hv_buf_write_reserve(&w, HV_ED25519_SIG_LEN, &sig)) return HV_RECEIPT_ERR_OUT_SPACE;
    hv_receipt_error err = sign_body(identity_secret, out, body_len, sig);
    if (err != HV_RECEIPT_OK) return err;
  }
  *out_len = w.len;
  return HV_RECEIPT_OK;
}

/* A failed read past the end is truncation; anything else read is judged
 * by the caller. */
#define READ_OR_TRUNCATED(expr) \
  do {                          \
    if (!(expr)) return HV_RECEIPT_ERR_TRUNCATED; \
  } while (0)

static hv_receipt_error read_time(hv_buf_reader *rd, hv_receipt_time *t) {
  uint8_t n = 0;
  READ_OR_TRUNCATED(hv_buf_read_u8(rd, &t->kind) && hv_buf_read_u64(rd, &t->time_ms) &&
                    hv_buf_read_u8(rd, &n));
  if (!time_kind_ok(t->kind) || n > HV_RECEIPT_MAX_SERVERS) return HV_RECEIPT_ERR_VALUE;
  t->n_servers = n;
  for (size_t i = 0; i < n; i++) {
    uint8_t len = 0;
    const uint8_t *name = NULL;
    READ_OR_TRUNCATED(hv_buf_read_u8(rd, &len) && hv_buf_read_view(rd, len, &name));
    if (!name_ok(name, len)) return HV_RECEIPT_ERR_VALUE;
    memcpy(t->servers[i], name, len);
    t->servers[i][len] = '\0';
  }
  return HV_RECEIPT_OK;
}

/* Decodes; *body_len is where the signature starts, *sig points at it
 * (NULL when unsigned). */
static hv_receipt_error decode(const uint8_t *in, size_t len, hv_receipt *r,
                               size_t *body_len, const uint8_t **sig) {
  hv_buf_reader rd;
  hv_buf_reader_init(&rd, in, len);
  const uint8_t *magic = NULL;
  uint16_t format = 0;
  memset(r, 0, sizeof *r);
  *sig = NULL;
  if (len > HV_RECEIPT_MAX_LEN) return HV_RECEIPT_ERR_VALUE;
  READ_OR_TRUNCATED(hv_buf_read_view(&rd, sizeof receipt_magic, &magic));
  if (memcmp(magic, receipt_magic, sizeof receipt_magic) != 0) return HV_RECEIPT_ERR_MAGIC;
  READ_OR_TRUNCATED(hv_buf_read_u16(&rd, &format));
  if (format != HV_RECEIPT_FORMAT) return HV_RECEIPT_ERR_FORMAT;
  uint8_t n_times = 0, sig_kind = 0;
  READ_OR_TRUNCATED(
      hv_buf_read_u8(&rd, &r->role) && hv_buf_read_u8(&rd, &r->outcome) &&
      hv_buf_read_u16(&rd, &r->protocol_version) && hv_buf_read_u16(&rd, &r->error_code) &&
      read_measurement(&rd, &r->sender) && read_measurement(&rd, &r->receiver) &&
      hv_buf_read_bytes(&rd, r->identity, sizeof r->identity) &&
      hv_buf_read_bytes(&rd, r->transcript_hash, sizeof r->transcript_hash) &&
      hv_buf_read_u64(&rd, &r->policy_version) &&
      hv_buf_read_bytes(&rd, r->policy_hash, sizeof r->policy_hash) &&
      hv_buf_read_u64(&rd, &r->chain_head_number) &&
      hv_buf_read_u64(&rd, &r->chain_head_time_ms) && hv_buf_read_u8(&rd, &n_times));
  r->n_times = n_times;
  if (!fields_ok(r)) return HV_RECEIPT_ERR_VALUE;
  for (size_t i = 0; i < r->n_times; i++) {
    hv_receipt_error err = read_time(&rd, &r->times[i]);
    if (err != HV_RECEIPT_OK) return err;
  }
  READ_OR_TRUNCATED(hv_buf_read_u8(&rd, &sig_kind));
  *body_len = rd.pos;
  /* signed exactly when completed */
  bool completed = r->outcome == HV_RECEIPT_COMPLETED;
  if (sig_kind != (completed ? SIG_ED25519 : SIG_NONE)) return HV_RECEIPT_ERR_VALUE;
  if (completed) READ_OR_TRUNCATED(hv_buf_read_view(&rd, HV_ED25519_SIG_LEN, sig));
  return hv_buf_remaining(&rd) == 0 ? HV_RECEIPT_OK : HV_RECEIPT_ERR_TRAILING;
}

hv_receipt_error hv_receipt_decode(const uint8_t *in, size_t len, hv_receipt *out,
                                   bool *is_signed) {
  if (!in || !out) return HV_RECEIPT_ERR_ARGS;
  size_t body_len = 0;
  const uint8_t *sig = NULL;
  hv_receipt_error err = decode(in, len, out, &body_len, &sig);
  if (is_signed) *is_signed = err == HV_RECEIPT_OK && sig != NULL;
  return err;
}

hv_receipt_error hv_receipt_verify(const uint8_t *in, size_t len,
                                   const uint8_t identity[HV_ED25519_PUB_LEN],
                                   hv_receipt *out) {
  hv_receipt local;
  hv_receipt *r = out ? out : &local;
  if (!in || !identity) return HV_RECEIPT_ERR_ARGS;
  size_t body_len = 0;
  const uint8_t *sig = NULL;
  hv_receipt_error err = decode(in, len, r, &body_len, &sig);
  if (err != HV_RECEIPT_OK) return err;
  if (!sig) return HV_RECEIPT_ERR_UNSIGNED;
  if (!hv_ct_equal(r->identity, identity, HV_ED25519_PUB_LEN)) return HV_RECEIPT_ERR_IDENTITY;
  return verify_body(identity, in, body_len, sig) ? HV_RECEIPT_OK : HV_RECEIPT_ERR_SIGNATURE;
}

/* The pre-KEY transcript: SHA-256(u16 len(C) || C || u16 len(RS) || RS). */
static int pre_key_transcript(const uint8_t *c, size_t c_len, const uint8_t *rs,
                              size_t rs_len, uint8_t out[HV_SHA256_LEN]) {
  uint8_t lc[2] = {(uint8_t)(c_len >> 8), (uint8_t)c_len};
  uint8_t lr[2] = {(uint8_t)(rs_len >> 8), (uint8_t)rs_len};
  hv_iov parts[4] = {{lc, 2}, {c, c_len}, {lr, 2}, {rs, rs_len}};
  return hv_sha256_parts(parts, 4, out);
}

hv_receipt_error hv_receipt_from_exchange(hv_receipt *r, const uint8_t *response,
                                          size_t response_len, const uint8_t *key,
                                          size_t key_len) {
  if (!r || !response || (r->role != HV_RECEIPT_ROLE_SENDER && r->role != HV_RECEIPT_ROLE_RECEIVER))
    return HV_RECEIPT_ERR_ARGS;
  hv_proto_msg rs, ch, k;
  if (hv_proto_decode(response, response_len, &rs) != HV_PROTO_OK ||
      rs.type != HV_PROTO_MSG_RESPONSE ||
      hv_proto_decode(rs.u.response.challenge, rs.u.response.challenge_len, &ch) != HV_PROTO_OK ||
      ch.type != HV_PROTO_MSG_CHALLENGE)
    return HV_RECEIPT_ERR_VALUE;
  if (key && (hv_proto_decode(key, key_len, &k) != HV_PROTO_OK || k.type != HV_PROTO_MSG_KEY))
    return HV_RECEIPT_ERR_VALUE;
  const hv_proto_challenge *c = &ch.u.challenge;
  r->protocol_version = c->protocol_version;
  r->chain_head_number = c->head.number;
  r->chain_head_time_ms = c->head.time_ms;
  memset(&r->times[0], 0, sizeof r->times[0]);
  r->times[0].kind = HV_RECEIPT_TIME_CHALLENGE;
  r->times[0].time_ms = c->t0_ms;
  r->n_times = 1;
  if (r->role == HV_RECEIPT_ROLE_SENDER)
    hv_tee_report_measurement(rs.u.response.report, &r->receiver);
  else if (key)
    hv_tee_report_measurement(k.u.key.report, &r->sender);
  if (!key) {
    memset(r->identity, 0, sizeof r->identity);
    return pre_key_transcript(rs.u.response.challenge, rs.u.response.challenge_len, response,
                              response_len, r->transcript_hash) == 0
               ? HV_RECEIPT_OK
               : HV_RECEIPT_ERR_CRYPTO;
  }
  memcpy(r->identity, k.u.key.identity_pub, sizeof r->identity);
  return hv_proto_px_transcript(rs.u.response.challenge, rs.u.response.challenge_len, response,
                          response_len, k.u.key.identity_pub, k.u.key.sender_pub,
                          r->transcript_hash) == HV_PROTO_OK
             ? HV_RECEIPT_OK
             : HV_RECEIPT_ERR_CRYPTO;
}
