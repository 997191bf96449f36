/* The test vectors of docs/PROTOCOL.md. One exchange, fully determined:
 * a fixed platform secret, fixed enclave identities, fixed randomness and
 * fixed times. The test regenerates the vector block and compares it with
 * the one in PROTOCOL.md byte for byte, so the document and the code
 * cannot drift apart.
 *
 *   test_proto_vectors PROTOCOL.md    check the document
 *   test_proto_vectors --print        print the block to paste into it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"

#define BEGIN_MARK "<!-- test-vectors:begin -->\n```\n"
#define END_MARK "```\n<!-- test-vectors:end -->"
#define HEX_PER_LINE 64
#define MAX_BLOCK (64 * 1024)
#define MAX_DOC (256 * 1024)

typedef struct {
  char text[MAX_BLOCK];
  size_t len;
  bool overflow;
} block;

static void emit(block *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n >= sizeof b->text) {
    b->overflow = true;
    return;
  }
  memcpy(b->text + b->len, s, n + 1);
  b->len += n;
}

static void emit_hex(block *b, const char *name, const uint8_t *p, size_t n) {
  char line[HEX_PER_LINE + 8];
  emit(b, name);
  emit(b, " =\n");
  for (size_t i = 0; i < n; i += HEX_PER_LINE / 2) {
    size_t k = 0;
    line[k++] = ' ';
    line[k++] = ' ';
    for (size_t j = i; j < n && j < i + HEX_PER_LINE / 2; j++)
      k += (size_t)snprintf(line + k, sizeof line - k, "%02x", p[j]);
    line[k++] = '\n';
    line[k] = '\0';
    emit(b, line);
  }
}

static void emit_u64(block *b, const char *name, uint64_t v) {
  char line[96];
  snprintf(line, sizeof line, "%s = %llu\n", name, (unsigned long long)v);
  emit(b, line);
}

static void emit_measurement(block *b, const char *name, const hv_tee_measurement *m) {
  char label[64];
  snprintf(label, sizeof label, "%s.mr_enclave", name);
  emit_hex(b, label, m->mr_enclave, sizeof m->mr_enclave);
  snprintf(label, sizeof label, "%s.mr_signer", name);
  emit_hex(b, label, m->mr_signer, sizeof m->mr_signer);
  snprintf(label, sizeof label, "%s.isv_prod_id", name);
  emit_u64(b, label, m->isv_prod_id);
  snprintf(label, sizeof label, "%s.isv_svn", name);
  emit_u64(b, label, m->isv_svn);
}

static const uint8_t STORED[] = "sealed identity, as the store wrote it";

/* What the DONE signature covers, checked here with the documented
 * recipe (PROTOCOL.md section 4), not through the state machine: the
 * context, TH and SHA-256(stored), verified under the identity key. */
static int done_values(const fx_run *run, const uint8_t th[32], const uint8_t pub[32],
                       block *b) {
  hv_proto_msg done;
  uint8_t stored_hash[32], signed_bytes[HV_PX_DONE_SIGNED_LEN];
  if (hv_proto_decode(run->done.b, run->done.n, &done) != HV_PROTO_OK ||
      hv_sha256(STORED, sizeof STORED - 1, stored_hash) != 0 ||
      memcmp(done.u.done.stored_hash, stored_hash, 32) != 0 ||
      memcmp(done.u.done.transcript_hash, th, 32) != 0)
    return -1;
  memcpy(signed_bytes, "handover v1 done", 16);
  memcpy(signed_bytes + 16, th, 32);
  memcpy(signed_bytes + 48, stored_hash, 32);
  if (hv_ed25519_verify(pub, signed_bytes, sizeof signed_bytes, done.u.done.signature) != 0)
    return -1;
  emit_hex(b, "done_signed", signed_bytes, sizeof signed_bytes);
  emit_hex(b, "done_signature", done.u.done.signature, HV_PROTO_SIG_LEN);
  return 0;
}

/* The values the messages do not show, regenerated from the same streams. */
static int hidden_values(const fx_run *run, block *b) {
  fx_rng s = {"sender", 0}, r = {"receiver", 0};
  uint8_t nonce[32], s_eph[32], r_eph[32], r_pub[32], th[32], okm[HV_PX_OKM_LEN];
  hv_proto_msg key;
  /* The sender draws its nonce, then its ephemeral key; the receiver only
   * its ephemeral key. */
  if (fx_random(&s, nonce, 32) || fx_random(&s, s_eph, 32) || fx_random(&r, r_eph, 32) ||
      hv_x25519_public(r_eph, r_pub) ||
      hv_proto_decode(run->key.b, run->key.n, &key) != HV_PROTO_OK ||
      fx_transcript(run, &key.u.key, th) || hv_proto_px_derive(s_eph, r_pub, th, okm))
    return -1;
  emit_hex(b, "sender_ephemeral_private", s_eph, 32);
  emit_hex(b, "receiver_ephemeral_private", r_eph, 32);
  emit_hex(b, "transcript_hash", th, 32);
  emit_hex(b, "aead_key", okm, HV_GCM_KEY_LEN);
  emit_hex(b, "aead_nonce", okm + HV_GCM_KEY_LEN, HV_GCM_NONCE_LEN);
  hv_wipe(okm, sizeof okm);
  return done_values(run, th, key.u.key.identity_pub, b);
}


static int generate(block *b) {
  fx_world w;
  fx_run run;
  uint8_t secret[32], pub[32], scratch[HV_PROTO_MAX_MSG_LEN];
  size_t scratch_len = 0;
  memset(b, 0, sizeof *b);
  if (fx_open(&w) != 0 || fx_run_open(&w, &run) != 0) return -1;
  int rc = -1;
  if (fx_to_challenge(&w, &run, FX_T0) == HV_PROTO_OK &&
      fx_to_response(&run, FX_T0 + 20) == HV_PROTO_OK &&
      fx_to_key(&w, &run, FX_T0 + 1000) == HV_PROTO_OK &&
      fx_accept_key(&run, FX_T0 + 1200) == HV_PROTO_OK &&
      hv_proto_receiver_take_secret(run.receiver, secret, pub) == HV_PROTO_OK &&
      hv_proto_receiver_done(run.receiver, STORED, sizeof STORED - 1, run.done.b,
                             sizeof run.done.b, &run.done.n) == HV_PROTO_OK &&
      hv_proto_sender_handle(run.sender, FX_T0 + 1300, &w.head, run.done.b, run.done.n,
                             scratch, sizeof scratch, &scratch_len, NULL) == HV_PROTO_OK) {
    uint8_t platform[32];
    for (size_t i = 0; i < sizeof platform; i++) platform[i] = (uint8_t)(0x10 + i);
    emit_hex(b, "platform_secret", platform, sizeof platform);
    emit_measurement(b, "sender", &w.old_m);
    emit_measurement(b, "receiver", &w.new_m);
    emit_hex(b, "identity_secret", w.identity_secret, 32);
    emit_hex(b, "identity_public", pub, 32);
    emit_u64(b, "chain_head.number", w.head.number);
    emit_u64(b, "chain_head.time_ms", w.head.time_ms);
    emit_u64(b, "t0_ms", FX_T0);
    emit_u64(b, "key_sent_at_ms", FX_T0 + 1000);
    emit_u64(b, "key_received_at_ms", FX_T0 + 1200);
    emit_hex(b, "hello", run.hello.b, run.hello.n);
    emit_hex(b, "challenge", run.challenge.b, run.challenge.n);
    emit_hex(b, "response", run.response.b, run.response.n);
    emit_hex(b, "key", run.key.b, run.key.n);
    emit_hex(b, "stored", STORED, sizeof STORED - 1);
    emit_hex(b, "done", run.done.b, run.done.n);
    rc = hidden_values(&run, b);
    if (memcmp(secret, w.identity_secret, 32) != 0) rc = -1;
  }
  hv_wipe(secret, sizeof secret);
  fx_run_close(&run);
  fx_close(&w);
  return b->overflow ? -1 : rc;
}

/* The text between the markers, or NULL. */
static char *doc_block(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *doc = calloc(1, MAX_DOC + 1);
  size_t n = doc ? fread(doc, 1, MAX_DOC, f) : 0;
  fclose(f);
  char *begin = doc ? strstr(doc, BEGIN_MARK) : NULL;
  char *end = begin ? strstr(begin, END_MARK) : NULL;
  if (!end || n == MAX_DOC) {
    free(doc);
    return NULL;
  }
  begin += strlen(BEGIN_MARK);
  *len = (size_t)(end - begin);
  memmove(doc, begin, *len);
  doc[*len] = '\0';
  return doc;
}

static block GENERATED;
static const char *DOC_PATH;

static void test_vectors_match_protocol_md(void) {
  size_t len = 0;
  char *doc = doc_block(DOC_PATH, &len);
  HT_CHECK(doc != NULL);
  if (!doc) return;
  HT_CHECK_EQ_INT(len, GENERATED.len);
  HT_CHECK(len == GENERATED.len && memcmp(doc, GENERATED.text, len) == 0);
  if (len != GENERATED.len || memcmp(doc, GENERATED.text, len) != 0)
    fprintf(stderr, "PROTOCOL.md vectors differ; regenerate with --print:\n%s",
            GENERATED.text);
  free(doc);
}

static void test_generation_is_deterministic(void) {
  static block again;
  HT_CHECK(generate(&again) == 0);
  HT_CHECK(again.len == GENERATED.len && memcmp(again.text, GENERATED.text, again.len) == 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PROTOCOL.md | --print\n", argv[0]);
    return 2;
  }
  if (generate(&GENERATED) != 0) {
    fprintf(stderr, "the deterministic exchange failed\n");
    return 1;
  }
  if (strcmp(argv[1], "--print") == 0) {
    fputs(GENERATED.text, stdout);
    return 0;
  }
  DOC_PATH = argv[1];
  HT_RUN(test_vectors_match_protocol_md);
  HT_RUN(test_generation_is_deterministic);
  return HT_DONE();
}
