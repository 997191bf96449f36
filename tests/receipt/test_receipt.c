/* Receipts: round trip, every tampering refused, and the vectors in
 * docs/PROTOCOL.md ("Receipts") regenerated (--print writes the block). */
#include <stdlib.h>

#include "harness.h"
#include "handover/receipt.h"

static const uint8_t identity_secret[32] = {
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf};

static void set_time(hv_receipt_time *t, uint8_t kind, uint64_t ms, const char *a,
                     const char *b) {
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->time_ms = ms;
  snprintf(t->servers[0], sizeof t->servers[0], "%s", a);
  snprintf(t->servers[1], sizeof t->servers[1], "%s", b);
  t->n_servers = 2;
}

/* The vectors' receipt: the sender's side of PROTOCOL.md section 9's exchange. */
static void sample(hv_receipt *r) {
  memset(r, 0, sizeof *r);
  r->role = HV_RECEIPT_ROLE_SENDER;
  r->outcome = HV_RECEIPT_COMPLETED;
  r->protocol_version = 2;
  memset(r->sender.mr_enclave, 0x01, 32);
  memset(r->sender.mr_signer, 0x5e, 32);
  r->sender.isv_prod_id = 1;
  r->sender.isv_svn = 1;
  memset(r->receiver.mr_enclave, 0x02, 32);
  memset(r->receiver.mr_signer, 0x5e, 32);
  r->receiver.isv_prod_id = 1;
  r->receiver.isv_svn = 2;
  if (hv_ed25519_public(identity_secret, r->identity) != 0) abort();
  static const uint8_t th[32] = {
      0xf3, 0x63, 0xe6, 0xfd, 0xa2, 0x8d, 0xb9, 0xd7, 0x53, 0xea, 0x5c, 0x26, 0x91, 0xeb, 0x6f, 0x6c,
      0xc0, 0xf2, 0x7e, 0xaf, 0xfb, 0xcf, 0x05, 0x87, 0xc6, 0xa5, 0x65, 0x71, 0x08, 0x24, 0x54, 0x4e};
  memcpy(r->transcript_hash, th, 32);
  r->policy_version = 3;
  memset(r->policy_hash, 0xab, 32);
  r->chain_head_number = 4242;
  r->chain_head_time_ms = 1799996400000ull;
  r->n_times = 2;
  set_time(&r->times[0], HV_RECEIPT_TIME_CHALLENGE, 1800000000000ull, "nts1.example:4460",
           "nts2.example:4460");
  set_time(&r->times[1], HV_RECEIPT_TIME_RESPONSE, 1800000001000ull, "nts1.example:4460",
           "nts3.example:4460");
}

static uint8_t buf[HV_RECEIPT_MAX_LEN];
static size_t buf_len;
static hv_receipt r, back;

static void encode_sample(void) {
  sample(&r);
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, identity_secret, buf, sizeof buf, &buf_len),
                  HV_RECEIPT_OK);
}

static void test_round_trip(void) {
  encode_sample();
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, &back), HV_RECEIPT_OK);
  HT_CHECK_EQ_INT(back.n_times, 2);
  HT_CHECK(!strcmp(back.times[1].servers[1], "nts3.example:4460"));
  HT_CHECK_MEM(back.transcript_hash, r.transcript_hash, 32);
  HT_CHECK_EQ_INT(back.chain_head_number, 4242);
  HT_CHECK_EQ_INT(back.receiver.isv_svn, 2);
  bool is_signed = false;
  HT_CHECK_EQ_INT(hv_receipt_decode(buf, buf_len, &back, &is_signed), HV_RECEIPT_OK);
  HT_CHECK(is_signed);
}

static void test_no_secret_inside(void) {
  encode_sample();
  for (size_t i = 0; i + 4 <= buf_len; i++)
    HT_CHECK(memcmp(buf + i, identity_secret, 4) != 0);
}

static void test_other_identity(void) {
  encode_sample();
  uint8_t other[32];
  memcpy(other, r.identity, 32);
  other[0] ^= 1;
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, other, NULL), HV_RECEIPT_ERR_IDENTITY);
}

/* Every single-bit flip anywhere is refused. */
static void test_every_flip_refused(void) {
  encode_sample();
  for (size_t i = 0; i < buf_len; i++) {
    buf[i] ^= 0x01;
    hv_receipt_error err = hv_receipt_verify(buf, buf_len, r.identity, NULL);
    if (err == HV_RECEIPT_OK) fprintf(stderr, "flip at %zu accepted\n", i);
    HT_CHECK(err != HV_RECEIPT_OK);
    buf[i] ^= 0x01;
  }
  /* a byte of a server name or the transcript hash: only the signature catches it */
  buf[180] ^= 0x80;
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, NULL), HV_RECEIPT_ERR_SIGNATURE);
  buf[180] ^= 0x80;
  buf[buf_len - 1] ^= 0x80;
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, NULL), HV_RECEIPT_ERR_SIGNATURE);
}

static void test_truncated_and_trailing(void) {
  encode_sample();
  for (size_t n = 0; n < buf_len; n++) {
    HT_CHECK_EQ_INT(hv_receipt_verify(buf, n, r.identity, NULL), HV_RECEIPT_ERR_TRUNCATED);
  }
  buf[buf_len] = 0;
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len + 1, r.identity, NULL),
                  HV_RECEIPT_ERR_TRAILING);
  buf[0] = 'X';
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, NULL), HV_RECEIPT_ERR_MAGIC);
  buf[0] = 'H';
  buf[5] = 2;
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, NULL), HV_RECEIPT_ERR_FORMAT);
}

/* A completed receipt relabelled as a refusal, to shed its signature. */
static void test_outcome_relabelled(void) {
  encode_sample();
  buf[7] = HV_RECEIPT_REFUSED;
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, NULL), HV_RECEIPT_ERR_VALUE);
  buf[11] = 25; /* and an error code: then the signature is trailing */
  HT_CHECK(hv_receipt_verify(buf, buf_len, r.identity, NULL) != HV_RECEIPT_OK);
}

static void test_refusal_unsigned(void) {
  sample(&r);
  r.outcome = HV_RECEIPT_REFUSED;
  r.error_code = 29; /* receiver-not-in-policy */
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, identity_secret, buf, sizeof buf, &buf_len),
                  HV_RECEIPT_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, NULL, buf, sizeof buf, &buf_len), HV_RECEIPT_OK);
  bool is_signed = true;
  HT_CHECK_EQ_INT(hv_receipt_decode(buf, buf_len, &back, &is_signed), HV_RECEIPT_OK);
  HT_CHECK(!is_signed);
  HT_CHECK_EQ_INT(back.error_code, 29);
  HT_CHECK_EQ_INT(hv_receipt_verify(buf, buf_len, r.identity, NULL), HV_RECEIPT_ERR_UNSIGNED);
  r.error_code = 0;
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, NULL, buf, sizeof buf, &buf_len), HV_RECEIPT_ERR_ARGS);
}

static void test_encode_rules(void) {
  sample(&r);
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, NULL, buf, sizeof buf, &buf_len), HV_RECEIPT_ERR_ARGS);
  uint8_t other[32];
  memcpy(other, identity_secret, 32);
  other[0] ^= 1;
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, other, buf, sizeof buf, &buf_len),
                  HV_RECEIPT_ERR_IDENTITY);
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, identity_secret, buf, 100, &buf_len),
                  HV_RECEIPT_ERR_OUT_SPACE);
  snprintf(r.times[0].servers[0], sizeof r.times[0].servers[0], "a b");
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, identity_secret, buf, sizeof buf, &buf_len),
                  HV_RECEIPT_ERR_ARGS);
  sample(&r);
  r.times[0].n_servers = HV_RECEIPT_MAX_SERVERS + 1;
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, identity_secret, buf, sizeof buf, &buf_len),
                  HV_RECEIPT_ERR_ARGS);
  sample(&r);
  r.times[0].kind = 9;
  HT_CHECK_EQ_INT(hv_receipt_encode(&r, identity_secret, buf, sizeof buf, &buf_len),
                  HV_RECEIPT_ERR_ARGS);
}

/* ---- the vectors ---- */

static void hex_lines(char *out, size_t cap, const char *name, const uint8_t *p, size_t n) {
  size_t used = strlen(out);
  used += (size_t)snprintf(out + used, cap - used, "%s =\n", name);
  for (size_t i = 0; i < n; i += 32) {
    used += (size_t)snprintf(out + used, cap - used, "  ");
    for (size_t j = i; j < n && j < i + 32; j++)
      used += (size_t)snprintf(out + used, cap - used, "%02x", p[j]);
    used += (size_t)snprintf(out + used, cap - used, "\n");
  }
}

static void vectors(char *out, size_t cap) {
  out[0] = '\0';
  encode_sample();
  hex_lines(out, cap, "identity_secret", identity_secret, 32);
  hex_lines(out, cap, "identity_public", r.identity, 32);
  hex_lines(out, cap, "completed_sender_receipt", buf, buf_len);
  sample(&r);
  r.role = HV_RECEIPT_ROLE_RECEIVER;
  r.outcome = HV_RECEIPT_REFUSED;
  r.error_code = 34; /* exchange-outside-window */
  r.n_times = 1;
  set_time(&r.times[0], HV_RECEIPT_TIME_KEY, 1800000061200ull, "nts1.example:4460",
           "nts2.example:4460");
  if (hv_receipt_encode(&r, NULL, buf, sizeof buf, &buf_len) != HV_RECEIPT_OK) abort();
  hex_lines(out, cap, "refused_receiver_receipt", buf, buf_len);
}

static char expected[16384], doc[65536 * 4];
static const char *protocol_md;

/* The hex block after "NAME =" in section 9's vectors, into out. */
static size_t doc_hex(const char *name, uint8_t *out, size_t cap) {
  char key[64];
  snprintf(key, sizeof key, "\n%s =\n", name);
  const char *p = strstr(doc, key);
  if (!p) return 0;
  p += strlen(key);
  size_t n = 0;
  while (*p == ' ') {
    while (*p == ' ') p++;
    while (*p && *p != '\n' && n < cap) {
      unsigned v;
      if (sscanf(p, "%2x", &v) != 1) return 0;
      out[n++] = (uint8_t)v;
      p += 2;
    }
    if (*p == '\n') p++;
  }
  return n;
}

static void test_vectors_in_protocol_md(void) {
  const char *path = protocol_md;
  vectors(expected, sizeof expected);
  FILE *f = fopen(path, "r");
  HT_CHECK(f != NULL);
  if (!f) return;
  size_t n = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[n] = '\0';
  const char *begin = strstr(doc, "<!-- receipt-vectors:begin -->\n```\n");
  const char *end = begin ? strstr(begin, "```\n<!-- receipt-vectors:end -->") : NULL;
  HT_CHECK(begin && end);
  if (!begin || !end) return;
  begin += strlen("<!-- receipt-vectors:begin -->\n```\n");
  HT_CHECK((size_t)(end - begin) == strlen(expected) &&
           memcmp(begin, expected, strlen(expected)) == 0);
  /* the sample is section 9's exchange: its transcript hash and version */
  static uint8_t th[32];
  HT_CHECK(doc_hex("transcript_hash", th, sizeof th) == 32);
  sample(&r);
  HT_CHECK_MEM(r.transcript_hash, th, 32);
  HT_CHECK(strstr(doc, "Protocol version: **2**") != NULL);
}

/* The receipt's exchange fields from section 9's messages: the transcript
 * hash is the one the vectors give, on both sides. */
static void test_from_exchange(void) {
  static uint8_t response[2048], key[1024], th[32];
  size_t rs_len = doc_hex("response", response, sizeof response);
  size_t k_len = doc_hex("key", key, sizeof key);
  HT_CHECK(rs_len == 1112 && k_len == 566 && doc_hex("transcript_hash", th, 32) == 32);
  memset(&r, 0, sizeof r);
  r.role = HV_RECEIPT_ROLE_SENDER;
  HT_CHECK_EQ_INT(hv_receipt_from_exchange(&r, response, rs_len, key, k_len), HV_RECEIPT_OK);
  HT_CHECK_MEM(r.transcript_hash, th, 32);
  HT_CHECK_EQ_INT(r.chain_head_number, 4242);
  HT_CHECK_EQ_INT(r.times[0].time_ms, 1800000000000ull);
  HT_CHECK_EQ_INT(r.receiver.isv_svn, 2);
  HT_CHECK_EQ_INT(r.identity[0], 0xdd);
  r.role = HV_RECEIPT_ROLE_RECEIVER;
  HT_CHECK_EQ_INT(hv_receipt_from_exchange(&r, response, rs_len, key, k_len), HV_RECEIPT_OK);
  HT_CHECK_MEM(r.transcript_hash, th, 32);
  HT_CHECK_EQ_INT(r.sender.mr_enclave[0], 0x01);
  /* refused before a KEY: the pre-KEY form, no identity */
  HT_CHECK_EQ_INT(hv_receipt_from_exchange(&r, response, rs_len, NULL, 0), HV_RECEIPT_OK);
  HT_CHECK(memcmp(r.transcript_hash, th, 32) != 0);
  response[rs_len - 1] ^= 1; /* still decodes: a report byte */
  HT_CHECK_EQ_INT(hv_receipt_from_exchange(&r, response, rs_len - 1, NULL, 0),
                  HV_RECEIPT_ERR_VALUE);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--print")) {
    vectors(expected, sizeof expected);
    fputs(expected, stdout);
    return 0;
  }
  HT_RUN(test_round_trip);
  HT_RUN(test_no_secret_inside);
  HT_RUN(test_other_identity);
  HT_RUN(test_every_flip_refused);
  HT_RUN(test_truncated_and_trailing);
  HT_RUN(test_outcome_relabelled);
  HT_RUN(test_refusal_unsigned);
  HT_RUN(test_encode_rules);
  if (argc > 1) {
    protocol_md = argv[1];
    HT_RUN(test_vectors_in_protocol_md);
    HT_RUN(test_from_exchange);
  }
  return HT_DONE();
}
