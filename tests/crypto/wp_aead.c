/* Wycheproof runners for the AEADs: AES-SIV in its RFC 5297 nonce-based
 * AEAD form and its deterministic form, and AES-GCM. */
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"
#include "wycheproof.h"

/* out = a || b in fresh heap memory. */
static wp_bytes concat(const wp_bytes *a, const wp_bytes *b) {
  wp_bytes r = {malloc(a->len + b->len + 1), a->len + b->len};
  if (!r.data) abort();
  memcpy(r.data, a->data, a->len);
  memcpy(r.data + a->len, b->data, b->len);
  return r;
}

/* Seals and opens (valid case) or only opens (invalid case) one SIV case
 * whose expected output is tag || ciphertext. */
static void siv_check(const json_t *test, wp_tally *t, const wp_bytes *key,
                      const hv_iov *ad, size_t n_ad, const wp_bytes *msg,
                      const wp_bytes *expect) {
  uint8_t *out = malloc(expect->len + HV_SIV_TAG_LEN + 1);
  uint8_t *back = malloc(expect->len + 1);
  if (!out || !back) abort();
  if (wp_is_valid(test)) {
    bool sealed = expect->len == msg->len + HV_SIV_TAG_LEN &&
                  hv_siv_seal(key->data, key->len, ad, n_ad, msg->data,
                              msg->len, out) == 0 &&
                  memcmp(out, expect->data, expect->len) == 0;
    bool opened = hv_siv_open(key->data, key->len, ad, n_ad, expect->data,
                              expect->len, back) == 0 &&
                  memcmp(back, msg->data, msg->len) == 0;
    wp_result(t, test, sealed && opened,
              !sealed ? "seal output differs" : "open failed or differs");
  } else {
    bool refused = hv_siv_open(key->data, key->len, ad, n_ad, expect->data,
                               expect->len, back) != 0;
    wp_result(t, test, refused, "invalid ciphertext was accepted");
  }
  free(out);
  free(back);
}

/* RFC 5297 AEAD form: the associated data, then the nonce, as two S2V
 * strings; an empty associated data is still a string of its own. */
void wp_aead_siv_case(const json_t *group, const json_t *test, wp_tally *t) {
  (void)group;
  wp_bytes key = wp_hex(test, "key"), iv = wp_hex(test, "iv");
  wp_bytes aad = wp_hex(test, "aad"), msg = wp_hex(test, "msg");
  wp_bytes ct = wp_hex(test, "ct"), tag = wp_hex(test, "tag");
  wp_bytes expect = concat(&tag, &ct);
  hv_iov ad[2] = {{aad.data, aad.len}, {iv.data, iv.len}};
  siv_check(test, t, &key, ad, 2, &msg, &expect);
  wp_free(&key), wp_free(&iv), wp_free(&aad), wp_free(&msg);
  wp_free(&ct), wp_free(&tag), wp_free(&expect);
}

/* Deterministic form: exactly one associated-data string; "ct" already
 * holds tag || ciphertext. */
void wp_daead_siv_case(const json_t *group, const json_t *test, wp_tally *t) {
  (void)group;
  wp_bytes key = wp_hex(test, "key"), aad = wp_hex(test, "aad");
  wp_bytes msg = wp_hex(test, "msg"), ct = wp_hex(test, "ct");
  hv_iov ad = {aad.data, aad.len};
  siv_check(test, t, &key, &ad, 1, &msg, &ct);
  wp_free(&key), wp_free(&aad), wp_free(&msg), wp_free(&ct);
}

static void gcm_check(const json_t *test, wp_tally *t, const wp_bytes *key,
                      const wp_bytes *iv, const wp_bytes *aad,
                      const wp_bytes *msg, const wp_bytes *expect) {
  uint8_t *out = malloc(msg->len + HV_GCM_TAG_LEN + 1);
  uint8_t *back = malloc(expect->len + 1);
  if (!out || !back) abort();
  if (wp_is_valid(test)) {
    bool sealed = expect->len == msg->len + HV_GCM_TAG_LEN &&
                  hv_gcm_seal(key->data, key->len, iv->data, aad->data,
                              aad->len, msg->data, msg->len, out) == 0 &&
                  memcmp(out, expect->data, expect->len) == 0;
    bool opened = hv_gcm_open(key->data, key->len, iv->data, aad->data,
                              aad->len, expect->data, expect->len, back) == 0 &&
                  memcmp(back, msg->data, msg->len) == 0;
    wp_result(t, test, sealed && opened,
              !sealed ? "seal output differs" : "open failed or differs");
  } else {
    bool refused = hv_gcm_open(key->data, key->len, iv->data, aad->data,
                               aad->len, expect->data, expect->len, back) != 0;
    wp_result(t, test, refused, "invalid ciphertext was accepted");
  }
  free(out);
  free(back);
}

/* Our wrapper takes a 12-byte nonce and a 16- or 32-byte key; cases
 * outside that are counted as skipped, and for an unsupported key size we
 * still check that the wrapper refuses it rather than misusing it. */
void wp_gcm_case(const json_t *group, const json_t *test, wp_tally *t) {
  (void)group;
  wp_bytes key = wp_hex(test, "key"), iv = wp_hex(test, "iv");
  wp_bytes aad = wp_hex(test, "aad"), msg = wp_hex(test, "msg");
  wp_bytes ct = wp_hex(test, "ct"), tag = wp_hex(test, "tag");
  wp_bytes expect = concat(&ct, &tag);
  static const uint8_t nonce[HV_GCM_NONCE_LEN] = {0};
  uint8_t out[HV_GCM_TAG_LEN];
  if (iv.len != HV_GCM_NONCE_LEN) {
    wp_skip(t, "nonce is not 12 bytes (hv_gcm_* takes exactly 12)");
  } else if (key.len != 16 && key.len != 32) {
    if (hv_gcm_seal(key.data, key.len, nonce, NULL, 0, NULL, 0, out) == 0)
      wp_result(t, test, false, "wrapper accepted an unsupported key size");
    else
      wp_skip(t, "AES-192 key (wrapper supports 16/32 bytes; refusal checked)");
  } else {
    gcm_check(test, t, &key, &iv, &aad, &msg, &expect);
  }
  wp_free(&key), wp_free(&iv), wp_free(&aad), wp_free(&msg);
  wp_free(&ct), wp_free(&tag), wp_free(&expect);
}
