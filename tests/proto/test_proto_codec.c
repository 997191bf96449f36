/* The codec: every message round-trips, and every decoding rule of
 * docs/PROTOCOL.md refuses with exactly its error. Malformed inputs are
 * written by hand (not by the encoder under test). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proto/codec.h"

/* A hand-made message: header then records, lengths as given. */
typedef struct {
  uint8_t b[HV_PROTO_MAX_MSG_LEN + 64];
  size_t n;
} raw;

static void put16(raw *m, uint16_t v) {
  m->b[m->n++] = (uint8_t)(v >> 8);
  m->b[m->n++] = (uint8_t)v;
}

static void raw_start(raw *m, uint16_t version, uint16_t type) {
  m->n = 0;
  put16(m, version);
  put16(m, type);
  put16(m, 0); /* fixed by raw_end */
}

static void raw_record(raw *m, uint16_t type, const void *v, uint16_t len) {
  put16(m, type);
  put16(m, len);
  if (len) memcpy(m->b + m->n, v, len);
  m->n += len;
}

static void raw_end(raw *m) {
  size_t body = m->n - HV_PROTO_HEADER_LEN;
  m->b[4] = (uint8_t)(body >> 8);
  m->b[5] = (uint8_t)body;
}

#define C(f) ((uint16_t)(HV_PROTO_CRITICAL | (f)))

/* The records of a DONE after its stored hash (transcript, signature). */
static void done_rest(raw *m) {
  uint8_t th[HV_PROTO_HASH_LEN], sig[HV_PROTO_SIG_LEN];
  memset(th, 0x77, sizeof th);
  memset(sig, 0x55, sizeof sig);
  raw_record(m, C(HV_F_TRANSCRIPT_HASH), th, sizeof th);
  raw_record(m, C(HV_F_DONE_SIGNATURE), sig, sizeof sig);
}

static void done_message(raw *m, uint8_t fill) {
  uint8_t h[HV_PROTO_HASH_LEN];
  memset(h, fill, sizeof h);
  raw_start(m, 1, HV_PROTO_MSG_DONE);
  raw_record(m, C(HV_F_STORED_HASH), h, sizeof h);
  done_rest(m);
  raw_end(m);
}

static hv_proto_error decode_raw(const raw *m) {
  hv_proto_msg out;
  return hv_proto_decode(m->b, m->n, &out);
}

static void sample_challenge(hv_proto_msg *m) {
  memset(m, 0, sizeof *m);
  m->type = HV_PROTO_MSG_CHALLENGE;
  hv_proto_challenge *c = &m->u.challenge;
  c->protocol_version = HV_PROTO_VERSION;
  c->kind = HV_TEE_KIND_SIM;
  c->dev_mode = true;
  for (size_t i = 0; i < sizeof c->target_info; i++) c->target_info[i] = (uint8_t)i;
  c->head.number = 0x0102030405060708ULL;
  c->head.time_ms = 1700000000000ULL;
  c->t0_ms = 1700000001234ULL;
  memset(c->nonce, 0xab, sizeof c->nonce);
  c->policy_version = 7;
}

static void test_challenge_round_trip(void) {
  hv_proto_msg m, back;
  uint8_t buf[HV_PROTO_MAX_MSG_LEN];
  size_t n = 0;
  sample_challenge(&m);
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, sizeof buf, &n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(n, 619); /* the size PROTOCOL.md states */
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &back), HV_PROTO_OK);
  HT_CHECK_EQ_INT(back.type, HV_PROTO_MSG_CHALLENGE);
  HT_CHECK(memcmp(&back.u.challenge, &m.u.challenge, sizeof m.u.challenge) == 0);
}

static void test_response_key_done_error_round_trip(void) {
  hv_proto_msg ch, m, back;
  uint8_t cbuf[HV_PROTO_MAX_MSG_LEN], buf[HV_PROTO_MAX_MSG_LEN];
  size_t cn = 0, n = 0;
  sample_challenge(&ch);
  HT_CHECK_EQ_INT(hv_proto_encode(&ch, cbuf, sizeof cbuf, &cn), HV_PROTO_OK);

  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_RESPONSE;
  m.u.response.challenge = cbuf;
  m.u.response.challenge_len = cn;
  m.u.response.kind = HV_TEE_KIND_SGX_DCAP;
  m.u.response.dev_mode = false;
  memset(m.u.response.receiver_pub, 0x11, HV_PROTO_KEY_LEN);
  memset(m.u.response.report, 0x22, HV_TEE_REPORT_LEN);
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, sizeof buf, &n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(n, 1112);
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &back), HV_PROTO_OK);
  HT_CHECK_EQ_INT(back.u.response.challenge_len, cn);
  HT_CHECK(memcmp(back.u.response.challenge, cbuf, cn) == 0);
  HT_CHECK_EQ_INT(back.u.response.kind, HV_TEE_KIND_SGX_DCAP);
  HT_CHECK(!back.u.response.dev_mode);
  HT_CHECK_MEM(back.u.response.report, m.u.response.report, HV_TEE_REPORT_LEN);

  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_KEY;
  memset(m.u.key.identity_pub, 1, HV_PROTO_KEY_LEN);
  memset(m.u.key.sender_pub, 2, HV_PROTO_KEY_LEN);
  memset(m.u.key.ciphertext, 3, HV_PROTO_CIPHERTEXT_LEN);
  memset(m.u.key.report, 4, HV_TEE_REPORT_LEN);
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, sizeof buf, &n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(n, 566);
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &back), HV_PROTO_OK);
  HT_CHECK(memcmp(&back.u.key, &m.u.key, sizeof m.u.key) == 0);

  HT_CHECK_EQ_INT(hv_proto_encode_error(HV_PROTO_ERR_CHAIN_STALE, "chain\nhead", buf,
                                        sizeof buf, &n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &back), HV_PROTO_OK);
  HT_CHECK_EQ_INT(back.type, HV_PROTO_MSG_ERROR);
  HT_CHECK_EQ_INT(back.u.error.code, HV_PROTO_ERR_CHAIN_STALE);
  HT_CHECK(strcmp(back.u.error.text, "chain?head") == 0);

  raw d;
  done_message(&d, 0x5a);
  HT_CHECK_EQ_INT(hv_proto_decode(d.b, d.n, &back), HV_PROTO_OK);
  HT_CHECK_EQ_INT(back.type, HV_PROTO_MSG_DONE);
  HT_CHECK_EQ_INT(back.u.done.stored_hash[31], 0x5a);
  HT_CHECK_EQ_INT(back.u.done.transcript_hash[0], 0x77);
  HT_CHECK_EQ_INT(back.u.done.signature[63], 0x55);
  HT_CHECK_EQ_INT(d.n, 146); /* the size PROTOCOL.md states */
  HT_CHECK_EQ_INT(hv_proto_encode(&back, buf, sizeof buf, &n), HV_PROTO_OK);
  HT_CHECK_EQ_INT(n, d.n);
  HT_CHECK_MEM(buf, d.b, d.n); /* canonical: stored hash, transcript, signature */
}

static void test_hello_is_six_bytes(void) {
  hv_proto_msg m, back;
  uint8_t buf[16];
  size_t n = 0;
  memset(&m, 0, sizeof m);
  m.type = HV_PROTO_MSG_HELLO;
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, sizeof buf, &n), HV_PROTO_OK);
  const uint8_t want[] = {0, 1, 0, 1, 0, 0};
  HT_CHECK_EQ_INT(n, sizeof want);
  HT_CHECK_MEM(buf, want, sizeof want);
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &back), HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, 5, &n), HV_PROTO_ERR_OUT_SPACE);
}

static void test_header_rules(void) {
  raw m;
  done_message(&m, 1);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_OK);
  m.b[1] = 2; /* version 2 */
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_VERSION);
  done_message(&m, 1);
  m.b[3] = 9; /* no message type 9 */
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_MSG_TYPE);
  done_message(&m, 1);
  m.n = 5; /* inside the header */
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_TRUNCATED);
  done_message(&m, 1);
  m.n -= 1; /* body shorter than its length */
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_TRUNCATED);
  done_message(&m, 1);
  m.b[m.n++] = 0; /* a byte after the message */
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_TRAILING);
  HT_CHECK_EQ_INT(hv_proto_decode(NULL, 0, &(hv_proto_msg){0}), HV_PROTO_ERR_TRUNCATED);
}

static void test_oversized_refused_before_parsing(void) {
  raw *m = calloc(1, sizeof *m);
  raw_start(m, 1, HV_PROTO_MSG_HELLO);
  /* A valid HELLO padded with one big non-critical record: 16 KiB + 1. */
  static uint8_t pad[HV_PROTO_MAX_MSG_LEN];
  raw_record(m, 0x0100, pad, (uint16_t)(HV_PROTO_MAX_MSG_LEN + 1 - 10));
  raw_end(m);
  HT_CHECK_EQ_INT(m->n, HV_PROTO_MAX_MSG_LEN + 1);
  HT_CHECK_EQ_INT(decode_raw(m), HV_PROTO_ERR_OVERSIZED);
  m->n = 0;
  raw_start(m, 1, HV_PROTO_MSG_HELLO);
  raw_record(m, 0x0100, pad, (uint16_t)(HV_PROTO_MAX_MSG_LEN - 10));
  raw_end(m);
  HT_CHECK_EQ_INT(decode_raw(m), HV_PROTO_OK); /* exactly 16 KiB is fine */
  free(m);
}

static void test_record_rules(void) {
  raw m;
  uint8_t h[HV_PROTO_HASH_LEN] = {0};
  /* record header cut short */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  m.b[m.n++] = 0x80;
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_TRUNCATED);
  /* record value longer than the body */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  m.b[9] = 33; /* claims 33 bytes, 32 follow */
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_TRUNCATED);
  /* wrong length */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(HV_F_STORED_HASH), h, 31);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_FIELD_LENGTH);
  /* duplicate */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_DUPLICATE);
  /* missing */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_MISSING);
  /* known record without the critical bit */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, HV_F_STORED_HASH, h, sizeof h);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_NOT_CRITICAL);
  /* a record of another message is unknown here */
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  done_rest(&m);
  raw_record(&m, C(HV_F_NONCE), h, sizeof h);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_UNKNOWN_CRITICAL);
}

static void test_unknown_records(void) {
  raw m;
  uint8_t h[HV_PROTO_HASH_LEN] = {0};
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, 0x0777, "ext", 3); /* non-critical: ignored */
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  done_rest(&m);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_OK);
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(0x0777), "ext", 3);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  done_rest(&m);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_UNKNOWN_CRITICAL);
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, 0x0777, "ext", 3);
  raw_record(&m, 0x0777, "ext", 3);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  done_rest(&m);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_DUPLICATE);
}

static void test_record_count_bounded(void) {
  raw m;
  uint8_t h[HV_PROTO_HASH_LEN] = {0};
  raw_start(&m, 1, HV_PROTO_MSG_DONE);
  raw_record(&m, C(HV_F_STORED_HASH), h, sizeof h);
  done_rest(&m);
  for (uint16_t i = 0; i < HV_PROTO_MAX_RECORDS - 3; i++) raw_record(&m, 0x0100 + i, "", 0);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_OK);
  raw_record(&m, 0x0200, "", 0);
  raw_end(&m);
  HT_CHECK_EQ_INT(decode_raw(&m), HV_PROTO_ERR_TOO_MANY_RECORDS);
}

static void test_values_checked(void) {
  hv_proto_msg m;
  uint8_t buf[HV_PROTO_MAX_MSG_LEN];
  size_t n = 0;
  sample_challenge(&m);
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, sizeof buf, &n), HV_PROTO_OK);
  /* dev_mode is the one byte of record 3: 6 + (4+2) + (4+2) + 4 */
  HT_CHECK_EQ_INT(buf[22], 1);
  buf[22] = 2;
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &m), HV_PROTO_ERR_FIELD_VALUE);
  buf[22] = 1;
  buf[17] = 9; /* attestation kind 9 */
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &m), HV_PROTO_ERR_FIELD_VALUE);
  buf[17] = 5; /* the first kind past sgx-local */
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &m), HV_PROTO_ERR_FIELD_VALUE);
  buf[17] = HV_TEE_KIND_SGX_LOCAL;
  HT_CHECK_EQ_INT(hv_proto_decode(buf, n, &m), HV_PROTO_OK);
  HT_CHECK_EQ_INT(m.u.challenge.kind, HV_TEE_KIND_SGX_LOCAL);
  sample_challenge(&m);
  raw r;
  uint8_t code[2] = {0, 1};
  raw_start(&r, 1, HV_PROTO_MSG_ERROR);
  raw_record(&r, C(HV_F_ERROR_CODE), code, 2);
  raw_record(&r, C(HV_F_ERROR_TEXT), "bad\x1b[0m", 7);
  raw_end(&r);
  HT_CHECK_EQ_INT(decode_raw(&r), HV_PROTO_ERR_FIELD_VALUE);
}

static void test_every_truncation_refused(void) {
  hv_proto_msg m, back;
  uint8_t buf[HV_PROTO_MAX_MSG_LEN];
  size_t n = 0;
  sample_challenge(&m);
  HT_CHECK_EQ_INT(hv_proto_encode(&m, buf, sizeof buf, &n), HV_PROTO_OK);
  int accepted = 0;
  for (size_t cut = 0; cut < n; cut++)
    accepted += hv_proto_decode(buf, cut, &back) == HV_PROTO_OK;
  HT_CHECK_EQ_INT(accepted, 0);
}

static void test_names(void) {
  HT_CHECK(strcmp(hv_proto_error_name(HV_PROTO_ERR_CHALLENGE_REPLAYED),
                  "challenge-replayed") == 0);
  HT_CHECK(strcmp(hv_proto_error_name((hv_proto_error)999), "unknown-error") == 0);
  /* The codes travel in ERROR messages: these two were appended. */
  HT_CHECK_EQ_INT(HV_PROTO_ERR_POLICY_BEHIND_SENDER, 37);
  HT_CHECK(strcmp(hv_proto_error_name(HV_PROTO_ERR_POLICY_BEHIND_SENDER),
                  "policy-older-than-sender") == 0);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_SENDER_NOT_CHALLENGER, 38);
  HT_CHECK(strcmp(hv_proto_error_name(HV_PROTO_ERR_SENDER_NOT_CHALLENGER),
                  "sender-not-challenger") == 0);
  /* 0-39 are dense; later ranges (40-49 the move's) may leave gaps. */
  for (int e = 0; e <= HV_PROTO_ERR_CHAIN_FUTURE; e++)
    HT_CHECK(strcmp(hv_proto_error_name((hv_proto_error)e), "unknown-error") != 0);
  static const struct {
    hv_proto_error err;
    int code;
    const char *name;
  } move_codes[] = {
      {HV_PROTO_ERR_DONE_UNAUTHENTICATED, 40, "done-unauthenticated"},
      {HV_PROTO_ERR_DONE_OTHER_EXCHANGE, 41, "done-other-exchange"},
      {HV_PROTO_ERR_IDENTITY_NOT_EXPECTED, 42, "identity-mismatch"},
      {HV_PROTO_ERR_SENDER_RETIRED, 43, "sender-retired"},
      {HV_PROTO_ERR_HANDOVER_IN_PROGRESS, 44, "handover-in-progress"},
  };
  for (size_t i = 0; i < sizeof move_codes / sizeof move_codes[0]; i++) {
    HT_CHECK_EQ_INT(move_codes[i].err, move_codes[i].code);
    HT_CHECK(strcmp(hv_proto_error_name(move_codes[i].err), move_codes[i].name) == 0);
  }
  HT_CHECK(strcmp(hv_proto_msg_name(HV_PROTO_MSG_KEY), "key") == 0);
  /* Codes travel in ERROR messages (PROTOCOL.md section 8): fixed numbers. */
  HT_CHECK_EQ_INT(HV_PROTO_ERR_OVERSIZED, 4);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_UNEXPECTED, 16);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_CHALLENGE_REPLAYED, 21);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_CHAIN_STALE, 32);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_IDENTITY_MISMATCH, 36);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_CHAIN_FUTURE, 39);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_POLICY_EXPIRED, 50);
  HT_CHECK(strcmp(hv_proto_error_name(HV_PROTO_ERR_POLICY_EXPIRED), "policy-expired") == 0);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_CHAIN_TIME_BACK, 51);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_CHAIN_JUMP, 52);
  HT_CHECK_EQ_INT(HV_PROTO_ERR_TIME_BELOW_FLOOR, 53);
  HT_CHECK(strcmp(hv_proto_error_name(HV_PROTO_ERR_TIME_BELOW_FLOOR),
                  "trusted-time-below-floor") == 0);
}

/* The header's type without a decode: each type, a short header, an
 * unknown type, a type with a non-zero high byte. */
static void test_peek_type(void) {
  uint8_t buf[HV_PROTO_MAX_MSG_LEN];
  size_t n = 0;
  HT_CHECK_EQ_INT(hv_proto_encode_error(HV_PROTO_ERR_CHAIN_STALE, "x", buf, sizeof buf, &n),
                  HV_PROTO_OK);
  HT_CHECK_EQ_INT(hv_proto_peek_type(buf, n), HV_PROTO_MSG_ERROR);
  HT_CHECK_EQ_INT(hv_proto_peek_type(buf, 4), HV_PROTO_MSG_ERROR);
  HT_CHECK_EQ_INT(hv_proto_peek_type(buf, 3), 0);
  for (uint8_t t = HV_PROTO_MSG_HELLO; t <= HV_PROTO_MSG_ERROR; t++) {
    buf[3] = t;
    HT_CHECK_EQ_INT(hv_proto_peek_type(buf, 4), t);
  }
  buf[3] = 7;
  HT_CHECK_EQ_INT(hv_proto_peek_type(buf, 4), 0);
  buf[2] = 1;
  buf[3] = HV_PROTO_MSG_HELLO;
  HT_CHECK_EQ_INT(hv_proto_peek_type(buf, 4), 0);
}

int main(void) {
  HT_RUN(test_challenge_round_trip);
  HT_RUN(test_response_key_done_error_round_trip);
  HT_RUN(test_hello_is_six_bytes);
  HT_RUN(test_header_rules);
  HT_RUN(test_oversized_refused_before_parsing);
  HT_RUN(test_record_rules);
  HT_RUN(test_unknown_records);
  HT_RUN(test_record_count_bounded);
  HT_RUN(test_values_checked);
  HT_RUN(test_every_truncation_refused);
  HT_RUN(test_names);
  HT_RUN(test_peek_type);
  return HT_DONE();
}
