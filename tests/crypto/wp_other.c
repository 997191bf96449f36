/* Wycheproof runners for AES-CMAC, HKDF-SHA256, X25519 and Ed25519. */
#include <stdlib.h>
#include <string.h>

#include "handover/crypto.h"
#include "wycheproof.h"

/* Valid: the exact tag. Invalid key size: the wrapper refuses. Other
 * invalid (modified tag): the MAC computes and differs. */
void wp_cmac_case(const json_t *group, const json_t *test, wp_tally *t) {
  (void)group;
  wp_bytes key = wp_hex(test, "key"), msg = wp_hex(test, "msg");
  wp_bytes tag = wp_hex(test, "tag");
  uint8_t out[HV_CMAC_LEN];
  int rc = hv_aes_cmac(key.data, key.len, msg.data, msg.len, out);
  bool match = rc == 0 && tag.len == HV_CMAC_LEN &&
               memcmp(out, tag.data, HV_CMAC_LEN) == 0;
  if (wp_is_valid(test))
    wp_result(t, test, match, "tag differs or CMAC failed");
  else if (wp_has_flag(test, "InvalidKeySize"))
    wp_result(t, test, rc != 0, "invalid key size was accepted");
  else
    wp_result(t, test, rc == 0 && !match, "modified tag matched");
  wp_free(&key), wp_free(&msg), wp_free(&tag);
}

void wp_hkdf_case(const json_t *group, const json_t *test, wp_tally *t) {
  (void)group;
  wp_bytes ikm = wp_hex(test, "ikm"), salt = wp_hex(test, "salt");
  wp_bytes info = wp_hex(test, "info"), okm = wp_hex(test, "okm");
  size_t size = (size_t)wp_int(test, "size");
  uint8_t *out = malloc(size + 1);
  if (!out) abort();
  int rc = hv_hkdf_sha256(salt.data, salt.len, ikm.data, ikm.len, info.data,
                          info.len, out, size);
  if (wp_is_valid(test))
    wp_result(t, test, rc == 0 && okm.len == size &&
                           memcmp(out, okm.data, size) == 0,
              "output differs or HKDF failed");
  else
    wp_result(t, test, rc != 0, "invalid output size was accepted");
  free(out);
  wp_free(&ikm), wp_free(&salt), wp_free(&info), wp_free(&okm);
}

static bool all_zero(const wp_bytes *b) {
  uint8_t acc = 0;
  for (size_t i = 0; i < b->len; i++) acc |= b->data[i];
  return acc == 0;
}

/* "acceptable" cases are results RFC 7748 allows either way. We accept
 * them all with the exact output (twists, non-canonical public keys),
 * except an all-zero shared secret, which OpenSSL refuses and so must we:
 * a low-order peer key would otherwise fix the "shared" secret. */
void wp_x25519_case(const json_t *group, const json_t *test, wp_tally *t) {
  (void)group;
  wp_bytes priv = wp_hex(test, "private"), pub = wp_hex(test, "public");
  wp_bytes shared = wp_hex(test, "shared");
  uint8_t out[HV_X25519_LEN];
  bool sizes = priv.len == HV_X25519_LEN && pub.len == HV_X25519_LEN;
  int rc = sizes ? hv_x25519(priv.data, pub.data, out) : -1;
  bool match = rc == 0 && shared.len == HV_X25519_LEN &&
               memcmp(out, shared.data, HV_X25519_LEN) == 0;
  if (wp_is_valid(test))
    wp_result(t, test, match, "shared secret differs or X25519 failed");
  else if (wp_is_acceptable(test) && !all_zero(&shared))
    wp_result(t, test, match, "acceptable case: shared secret differs");
  else
    wp_result(t, test, rc != 0, "all-zero shared secret was not refused");
  wp_free(&priv), wp_free(&pub), wp_free(&shared);
}

/* Verification against the group's public key. hv_ed25519_verify takes
 * exactly 64 signature bytes, so a signature of another length cannot be
 * passed at all: counted as skipped (all such cases are invalid). */
void wp_ed25519_case(const json_t *group, const json_t *test, wp_tally *t) {
  wp_bytes pk = wp_hex(json_object_get(group, "publicKey"), "pk");
  wp_bytes msg = wp_hex(test, "msg"), sig = wp_hex(test, "sig");
  if (pk.len != HV_ED25519_PUB_LEN) {
    wp_result(t, test, false, "public key is not 32 bytes");
  } else if (sig.len != HV_ED25519_SIG_LEN) {
    if (wp_is_valid(test))
      wp_result(t, test, false, "valid signature is not 64 bytes");
    else
      wp_skip(t, "signature is not 64 bytes (the API takes exactly 64)");
  } else {
    int rc = hv_ed25519_verify(pk.data, msg.data, msg.len, sig.data);
    if (wp_is_valid(test))
      wp_result(t, test, rc == 0, "valid signature refused");
    else
      wp_result(t, test, rc != 0, "invalid signature accepted");
  }
  wp_free(&pk), wp_free(&msg), wp_free(&sig);
}
