/* The strict message codec. Decoding runs in two passes: the first walks
 * the records once (bounds, criticality, duplicates, lengths) and keeps a
 * view of each known one; the second reads the values into the message.
 * Every byte is read through hv_buf_reader. */
#include "proto/codec.h"

#include <string.h>

/* One known record of one message type: all are required. */
typedef struct {
  uint16_t field;
  uint16_t min_len;
  uint16_t max_len;
} field_spec;

#define FIXED(f, n) {(f), (n), (n)}
#define MAX_FIELDS 8

typedef struct {
  hv_proto_msg_type type;
  size_t n;
  field_spec fields[MAX_FIELDS];
} msg_spec;

static const msg_spec SPECS[] = {
    {HV_PROTO_MSG_HELLO, 0, {{0, 0, 0}}},
    {HV_PROTO_MSG_CHALLENGE, 8,
     {FIXED(HV_F_PROTOCOL_VERSION, 2), FIXED(HV_F_ATTESTATION_KIND, 2),
      FIXED(HV_F_DEV_MODE, 1), FIXED(HV_F_TARGET_INFO, HV_TEE_TARGET_INFO_LEN),
      FIXED(HV_F_CHAIN_HEAD, HV_PROTO_CHAIN_HEAD_LEN), FIXED(HV_F_T0, 8),
      FIXED(HV_F_NONCE, HV_PROTO_NONCE_LEN), FIXED(HV_F_POLICY_VERSION, 8)}},
    {HV_PROTO_MSG_RESPONSE, 5,
     {FIXED(HV_F_ATTESTATION_KIND, 2), FIXED(HV_F_DEV_MODE, 1),
      {HV_F_CHALLENGE, HV_PROTO_HEADER_LEN, HV_PROTO_MAX_CHALLENGE_LEN},
      FIXED(HV_F_RECEIVER_PUB, HV_PROTO_KEY_LEN),
      FIXED(HV_F_REPORT, HV_TEE_REPORT_LEN)}},
    {HV_PROTO_MSG_KEY, 4,
     {FIXED(HV_F_REPORT, HV_TEE_REPORT_LEN),
      FIXED(HV_F_IDENTITY_PUB, HV_PROTO_KEY_LEN),
      FIXED(HV_F_SENDER_PUB, HV_PROTO_KEY_LEN),
      FIXED(HV_F_CIPHERTEXT, HV_PROTO_CIPHERTEXT_LEN)}},
    {HV_PROTO_MSG_DONE, 3,
     {FIXED(HV_F_STORED_HASH, HV_PROTO_HASH_LEN),
      FIXED(HV_F_TRANSCRIPT_HASH, HV_PROTO_HASH_LEN),
      FIXED(HV_F_DONE_SIGNATURE, HV_PROTO_SIG_LEN)}},
    {HV_PROTO_MSG_ERROR, 2,
     {FIXED(HV_F_ERROR_CODE, 2), {HV_F_ERROR_TEXT, 0, HV_PROTO_MAX_ERROR_TEXT}}},
};

static const msg_spec *spec_of(uint16_t type) {
  for (size_t i = 0; i < sizeof SPECS / sizeof SPECS[0]; i++)
    if ((uint16_t)SPECS[i].type == type) return &SPECS[i];
  return NULL;
}

/* The values of the known records, by their index in the spec. */
typedef struct {
  hv_buf_reader value[MAX_FIELDS];
  bool seen[MAX_FIELDS];
} field_views;

static int spec_index(const msg_spec *spec, uint16_t field) {
  for (size_t i = 0; i < spec->n; i++)
    if (spec->fields[i].field == field) return (int)i;
  return -1;
}

static bool seen_before(const uint16_t *types, size_t n, uint16_t field) {
  for (size_t i = 0; i < n; i++)
    if (types[i] == field) return true;
  return false;
}

static hv_proto_error walk_records(hv_buf_reader *body, const msg_spec *spec,
                                   field_views *views) {
  uint16_t types[HV_PROTO_MAX_RECORDS];
  size_t n_records = 0;
  memset(views, 0, sizeof *views);
  while (hv_buf_remaining(body) > 0) {
    uint16_t type, len;
    hv_buf_reader value;
    if (!hv_buf_read_u16(body, &type) || !hv_buf_read_u16(body, &len) ||
        !hv_buf_read_sub(body, len, &value))
      return HV_PROTO_ERR_TRUNCATED;
    if (n_records == HV_PROTO_MAX_RECORDS) return HV_PROTO_ERR_TOO_MANY_RECORDS;
    uint16_t field = type & (uint16_t)~HV_PROTO_CRITICAL;
    bool critical = (type & HV_PROTO_CRITICAL) != 0;
    if (seen_before(types, n_records, field)) return HV_PROTO_ERR_DUPLICATE;
    types[n_records++] = field;
    int idx = spec_index(spec, field);
    if (idx < 0) {
      if (critical) return HV_PROTO_ERR_UNKNOWN_CRITICAL;
      continue; /* an extension we do not know: ignored */
    }
    if (!critical) return HV_PROTO_ERR_NOT_CRITICAL;
    const field_spec *fs = &spec->fields[idx];
    if (len < fs->min_len || len > fs->max_len) return HV_PROTO_ERR_FIELD_LENGTH;
    views->value[idx] = value;
    views->seen[idx] = true;
  }
  for (size_t i = 0; i < spec->n; i++)
    if (!views->seen[i]) return HV_PROTO_ERR_MISSING;
  return HV_PROTO_OK;
}

/* The reader of a field known to be present with a valid length. */
static hv_buf_reader *field(const msg_spec *spec, field_views *v, uint16_t f) {
  return &v->value[spec_index(spec, f)];
}

static bool valid_kind(uint16_t kind) {
  return kind == HV_TEE_KIND_SIM || kind == HV_TEE_KIND_SGX_DCAP ||
         kind == HV_TEE_KIND_SGX_EPID || kind == HV_TEE_KIND_SGX_LOCAL;
}

static hv_proto_error read_kind_dev(const msg_spec *s, field_views *v,
                                    uint16_t *kind, bool *dev_mode) {
  uint8_t dev = 0;
  if (!hv_buf_read_u16(field(s, v, HV_F_ATTESTATION_KIND), kind) ||
      !hv_buf_read_u8(field(s, v, HV_F_DEV_MODE), &dev))
    return HV_PROTO_ERR_TRUNCATED;
  if (!valid_kind(*kind) || dev > 1) return HV_PROTO_ERR_FIELD_VALUE;
  *dev_mode = dev == 1;
  return HV_PROTO_OK;
}

static hv_proto_error read_challenge(const msg_spec *s, field_views *v,
                                     hv_proto_challenge *c) {
  hv_proto_error err = read_kind_dev(s, v, &c->kind, &c->dev_mode);
  if (err) return err;
  hv_buf_reader *head = field(s, v, HV_F_CHAIN_HEAD);
  bool ok = hv_buf_read_u16(field(s, v, HV_F_PROTOCOL_VERSION), &c->protocol_version) &&
            hv_buf_read_bytes(field(s, v, HV_F_TARGET_INFO), c->target_info,
                              sizeof c->target_info) &&
            hv_buf_read_u64(head, &c->head.number) &&
            hv_buf_read_u64(head, &c->head.time_ms) &&
            hv_buf_read_u64(field(s, v, HV_F_T0), &c->t0_ms) &&
            hv_buf_read_bytes(field(s, v, HV_F_NONCE), c->nonce, sizeof c->nonce) &&
            hv_buf_read_u64(field(s, v, HV_F_POLICY_VERSION), &c->policy_version);
  return ok ? HV_PROTO_OK : HV_PROTO_ERR_TRUNCATED;
}

static hv_proto_error read_response(const msg_spec *s, field_views *v,
                                    hv_proto_response *r) {
  hv_proto_error err = read_kind_dev(s, v, &r->kind, &r->dev_mode);
  if (err) return err;
  hv_buf_reader *ch = field(s, v, HV_F_CHALLENGE);
  r->challenge_len = hv_buf_remaining(ch);
  bool ok = hv_buf_read_view(ch, r->challenge_len, &r->challenge) &&
            hv_buf_read_bytes(field(s, v, HV_F_RECEIVER_PUB), r->receiver_pub,
                              sizeof r->receiver_pub) &&
            hv_buf_read_bytes(field(s, v, HV_F_REPORT), r->report, sizeof r->report);
  return ok ? HV_PROTO_OK : HV_PROTO_ERR_TRUNCATED;
}

static hv_proto_error read_key(const msg_spec *s, field_views *v, hv_proto_key *k) {
  bool ok = hv_buf_read_bytes(field(s, v, HV_F_REPORT), k->report, sizeof k->report) &&
            hv_buf_read_bytes(field(s, v, HV_F_IDENTITY_PUB), k->identity_pub,
                              sizeof k->identity_pub) &&
            hv_buf_read_bytes(field(s, v, HV_F_SENDER_PUB), k->sender_pub,
                              sizeof k->sender_pub) &&
            hv_buf_read_bytes(field(s, v, HV_F_CIPHERTEXT), k->ciphertext,
                              sizeof k->ciphertext);
  return ok ? HV_PROTO_OK : HV_PROTO_ERR_TRUNCATED;
}

static hv_proto_error read_error(const msg_spec *s, field_views *v,
                                 hv_proto_errmsg *e) {
  hv_buf_reader *text = field(s, v, HV_F_ERROR_TEXT);
  size_t n = hv_buf_remaining(text);
  if (!hv_buf_read_u16(field(s, v, HV_F_ERROR_CODE), &e->code) ||
      !hv_buf_read_bytes(text, (uint8_t *)e->text, n))
    return HV_PROTO_ERR_TRUNCATED;
  e->text[n] = '\0';
  /* Printable ASCII only: the text ends up in logs and terminals. */
  for (size_t i = 0; i < n; i++)
    if (e->text[i] < 0x20 || e->text[i] > 0x7e) return HV_PROTO_ERR_FIELD_VALUE;
  return HV_PROTO_OK;
}

static hv_proto_error read_done(const msg_spec *s, field_views *v, hv_proto_done *d) {
  bool ok = hv_buf_read_bytes(field(s, v, HV_F_STORED_HASH), d->stored_hash,
                              sizeof d->stored_hash) &&
            hv_buf_read_bytes(field(s, v, HV_F_TRANSCRIPT_HASH), d->transcript_hash,
                              sizeof d->transcript_hash) &&
            hv_buf_read_bytes(field(s, v, HV_F_DONE_SIGNATURE), d->signature,
                              sizeof d->signature);
  return ok ? HV_PROTO_OK : HV_PROTO_ERR_TRUNCATED;
}

static hv_proto_error read_values(const msg_spec *s, field_views *v,
                                  hv_proto_msg *m) {
  switch (m->type) {
    case HV_PROTO_MSG_HELLO: return HV_PROTO_OK;
    case HV_PROTO_MSG_CHALLENGE: return read_challenge(s, v, &m->u.challenge);
    case HV_PROTO_MSG_RESPONSE: return read_response(s, v, &m->u.response);
    case HV_PROTO_MSG_KEY: return read_key(s, v, &m->u.key);
    case HV_PROTO_MSG_DONE: return read_done(s, v, &m->u.done);
    case HV_PROTO_MSG_ERROR: return read_error(s, v, &m->u.error);
  }
  return HV_PROTO_ERR_MSG_TYPE;
}

hv_proto_error hv_proto_decode(const uint8_t *in, size_t in_len, hv_proto_msg *out) {
  if (!out || (!in && in_len)) return HV_PROTO_ERR_ARGS;
  memset(out, 0, sizeof *out);
  if (in_len > HV_PROTO_MAX_MSG_LEN) return HV_PROTO_ERR_OVERSIZED;
  hv_buf_reader r, body;
  hv_buf_reader_init(&r, in, in_len);
  uint16_t version, type, body_len;
  if (!hv_buf_read_u16(&r, &version) || !hv_buf_read_u16(&r, &type) ||
      !hv_buf_read_u16(&r, &body_len))
    return HV_PROTO_ERR_TRUNCATED;
  if (version != HV_PROTO_WIRE_VERSION) return HV_PROTO_ERR_VERSION;
  const msg_spec *spec = spec_of(type);
  if (!spec) return HV_PROTO_ERR_MSG_TYPE;
  if (!hv_buf_read_sub(&r, body_len, &body)) return HV_PROTO_ERR_TRUNCATED;
  if (!hv_buf_reader_done(&r)) return HV_PROTO_ERR_TRAILING;
  field_views views;
  hv_proto_error err = walk_records(&body, spec, &views);
  if (err) return err;
  out->type = spec->type;
  err = read_values(spec, &views, out);
  if (err) memset(out, 0, sizeof *out);
  return err;
}

/* ---- encoding ---- */

static bool put_record(hv_buf_writer *w, uint16_t f, const uint8_t *v, size_t n) {
  return n <= UINT16_MAX && hv_buf_write_u16(w, (uint16_t)(f | HV_PROTO_CRITICAL)) &&
         hv_buf_write_u16(w, (uint16_t)n) && hv_buf_write_bytes(w, v, n);
}

static bool put_u16(hv_buf_writer *w, uint16_t f, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  return put_record(w, f, b, sizeof b);
}

static bool put_u64s(hv_buf_writer *w, uint16_t f, const uint64_t *v, size_t n) {
  uint8_t b[16];
  if (n > 2) return false;
  for (size_t i = 0; i < n * 8; i++) b[i] = (uint8_t)(v[i / 8] >> (56 - 8 * (i % 8)));
  return put_record(w, f, b, n * 8);
}

static bool put_kind_dev(hv_buf_writer *w, uint16_t kind, bool dev_mode) {
  uint8_t dev = dev_mode ? 1 : 0;
  return put_u16(w, HV_F_ATTESTATION_KIND, kind) && put_record(w, HV_F_DEV_MODE, &dev, 1);
}

static bool put_challenge(hv_buf_writer *w, const hv_proto_challenge *c) {
  uint64_t head[2] = {c->head.number, c->head.time_ms};
  return put_u16(w, HV_F_PROTOCOL_VERSION, c->protocol_version) &&
         put_kind_dev(w, c->kind, c->dev_mode) &&
         put_record(w, HV_F_TARGET_INFO, c->target_info, sizeof c->target_info) &&
         put_u64s(w, HV_F_CHAIN_HEAD, head, 2) && put_u64s(w, HV_F_T0, &c->t0_ms, 1) &&
         put_record(w, HV_F_NONCE, c->nonce, sizeof c->nonce) &&
         put_u64s(w, HV_F_POLICY_VERSION, &c->policy_version, 1);
}

static bool put_response(hv_buf_writer *w, const hv_proto_response *r) {
  return put_kind_dev(w, r->kind, r->dev_mode) &&
         put_record(w, HV_F_CHALLENGE, r->challenge, r->challenge_len) &&
         put_record(w, HV_F_RECEIVER_PUB, r->receiver_pub, sizeof r->receiver_pub) &&
         put_record(w, HV_F_REPORT, r->report, sizeof r->report);
}

static bool put_key(hv_buf_writer *w, const hv_proto_key *k) {
  return put_record(w, HV_F_REPORT, k->report, sizeof k->report) &&
         put_record(w, HV_F_IDENTITY_PUB, k->identity_pub, sizeof k->identity_pub) &&
         put_record(w, HV_F_SENDER_PUB, k->sender_pub, sizeof k->sender_pub) &&
         put_record(w, HV_F_CIPHERTEXT, k->ciphertext, sizeof k->ciphertext);
}

static bool put_body(hv_buf_writer *w, const hv_proto_msg *m) {
  switch (m->type) {
    case HV_PROTO_MSG_HELLO: return true;
    case HV_PROTO_MSG_CHALLENGE: return put_challenge(w, &m->u.challenge);
    case HV_PROTO_MSG_RESPONSE: return put_response(w, &m->u.response);
    case HV_PROTO_MSG_KEY: return put_key(w, &m->u.key);
    case HV_PROTO_MSG_DONE:
      return put_record(w, HV_F_STORED_HASH, m->u.done.stored_hash, HV_PROTO_HASH_LEN) &&
             put_record(w, HV_F_TRANSCRIPT_HASH, m->u.done.transcript_hash,
                        HV_PROTO_HASH_LEN) &&
             put_record(w, HV_F_DONE_SIGNATURE, m->u.done.signature, HV_PROTO_SIG_LEN);
    case HV_PROTO_MSG_ERROR:
      return put_u16(w, HV_F_ERROR_CODE, m->u.error.code) &&
             put_record(w, HV_F_ERROR_TEXT, (const uint8_t *)m->u.error.text,
                        strnlen(m->u.error.text, HV_PROTO_MAX_ERROR_TEXT));
  }
  return false;
}

hv_proto_error hv_proto_encode(const hv_proto_msg *msg, uint8_t *out,
                               size_t out_cap, size_t *out_len) {
  if (!msg || !out || !out_len || !spec_of((uint16_t)msg->type)) return HV_PROTO_ERR_ARGS;
  *out_len = 0;
  if (out_cap > HV_PROTO_MAX_MSG_LEN) out_cap = HV_PROTO_MAX_MSG_LEN;
  hv_buf_writer w;
  uint8_t *len_at;
  hv_buf_writer_init(&w, out, out_cap);
  if (!hv_buf_write_u16(&w, HV_PROTO_WIRE_VERSION) ||
      !hv_buf_write_u16(&w, (uint16_t)msg->type) ||
      !hv_buf_write_reserve(&w, 2, &len_at) || !put_body(&w, msg))
    return HV_PROTO_ERR_OUT_SPACE;
  size_t body_len = w.len - HV_PROTO_HEADER_LEN;
  len_at[0] = (uint8_t)(body_len >> 8);
  len_at[1] = (uint8_t)body_len;
  *out_len = w.len;
  return HV_PROTO_OK;
}

hv_proto_error hv_proto_encode_error(uint16_t code, const char *text, uint8_t *out,
                                     size_t out_cap, size_t *out_len) {
  if (!out || !out_len) return HV_PROTO_ERR_ARGS;
  hv_proto_msg m;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_ERROR;
  m.u.error.code = code;
  size_t n = text ? strnlen(text, HV_PROTO_MAX_ERROR_TEXT) : 0;
  for (size_t i = 0; i < n; i++) {
    char c = text[i];
    m.u.error.text[i] = (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  return hv_proto_encode(&m, out, out_cap, out_len);
}

hv_proto_msg_type hv_proto_peek_type(const uint8_t *msg, size_t len) {
  hv_buf_reader r;
  hv_buf_reader_init(&r, msg, len);
  uint16_t version = 0, type = 0;
  if (!hv_buf_read_u16(&r, &version) || !hv_buf_read_u16(&r, &type)) return 0;
  return type >= HV_PROTO_MSG_HELLO && type <= HV_PROTO_MSG_ERROR ? (hv_proto_msg_type)type : 0;
}
