/* RFC 5297 A.1 (deterministic) and A.2 (nonce-based) through hv_siv_*. */
#include <stdlib.h>

#include "handover/crypto.h"
#include "harness.h"

static size_t unhex(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) {
    char byte[3] = {hex[2 * i], hex[2 * i + 1], 0};
    out[i] = (uint8_t)strtoul(byte, NULL, 16);
  }
  return n;
}

static void test_rfc5297_a1(void) {
  uint8_t key[32], ad[64], pt[64], expect[64], out[64], back[64];
  size_t key_len = unhex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", key);
  size_t ad_len = unhex("101112131415161718191a1b1c1d1e1f2021222324252627", ad);
  size_t pt_len = unhex("112233445566778899aabbccddee", pt);
  size_t exp_len = unhex("85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c", expect);
  hv_iov iov = {ad, ad_len};
  HT_CHECK(hv_siv_seal(key, key_len, &iov, 1, pt, pt_len, out) == 0);
  HT_CHECK_EQ_INT(exp_len, pt_len + HV_SIV_TAG_LEN);
  HT_CHECK_MEM(out, expect, exp_len);
  HT_CHECK(hv_siv_open(key, key_len, &iov, 1, out, exp_len, back) == 0);
  HT_CHECK_MEM(back, pt, pt_len);
  out[3] ^= 1;
  HT_CHECK(hv_siv_open(key, key_len, &iov, 1, out, exp_len, back) != 0);
}

static void test_rfc5297_a2(void) {
  uint8_t key[32], ad1[64], ad2[16], nonce[16], pt[80], expect[128], out[128], back[80];
  size_t key_len = unhex("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f", key);
  size_t ad1_len = unhex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100", ad1);
  size_t ad2_len = unhex("102030405060708090a0", ad2);
  size_t nonce_len = unhex("09f911029d74e35bd84156c5635688c0", nonce);
  size_t pt_len = unhex("7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553", pt);
  size_t exp_len = unhex("7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d", expect);
  hv_iov iov[3] = {{ad1, ad1_len}, {ad2, ad2_len}, {nonce, nonce_len}};
  HT_CHECK(hv_siv_seal(key, key_len, iov, 3, pt, pt_len, out) == 0);
  HT_CHECK_MEM(out, expect, exp_len);
  HT_CHECK(hv_siv_open(key, key_len, iov, 3, out, exp_len, back) == 0);
  HT_CHECK_MEM(back, pt, pt_len);
}

static void test_empty_plaintext_round_trip(void) {
  uint8_t key[32] = {1}, nonce[16] = {2}, tag[16], none[1];
  hv_iov iov = {nonce, sizeof nonce};
  HT_CHECK(hv_siv_seal(key, sizeof key, &iov, 1, NULL, 0, tag) == 0);
  HT_CHECK(hv_siv_open(key, sizeof key, &iov, 1, tag, sizeof tag, none) == 0);
  tag[15] ^= 0x80;
  HT_CHECK(hv_siv_open(key, sizeof key, &iov, 1, tag, sizeof tag, none) != 0);
}

int main(void) {
  HT_RUN(test_rfc5297_a1);
  HT_RUN(test_rfc5297_a2);
  HT_RUN(test_empty_plaintext_round_trip);
  return HT_DONE();
}
