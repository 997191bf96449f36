/* Sealing with the sim backend: who can open what, and each refusal. */
#include "harness.h"
#include "tee/tee_int.h"
#include "tee_test_util.h"

#define PT_LEN 40
static uint8_t pt[PT_LEN];

static size_t seal(hv_tee *tee, hv_tee_seal_policy policy, uint8_t *blob) {
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_tee_seal(tee, policy, pt, PT_LEN, blob,
                              PT_LEN + HV_TEE_SEAL_OVERHEAD, &len), HV_TEE_OK);
  HT_CHECK(len > PT_LEN && len <= PT_LEN + HV_TEE_SEAL_OVERHEAD);
  return len;
}

/* Unseals expecting the given policy. */
static hv_tee_error unseal_as(hv_tee *tee, hv_tee_seal_policy expected, const uint8_t *blob,
                              size_t len) {
  uint8_t out[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  size_t out_len = 0;
  hv_tee_error err = hv_tee_unseal(tee, expected, blob, len, out, sizeof out, &out_len);
  if (err == HV_TEE_OK) {
    HT_CHECK_EQ_INT(out_len, PT_LEN);
    HT_CHECK_MEM(out, pt, PT_LEN);
  }
  return err;
}

/* Unseals expecting the policy the blob was sealed with (header byte 7),
 * as its owner does: these tests are about keys, not the expectation. */
static hv_tee_error unseal(hv_tee *tee, const uint8_t *blob, size_t len) {
  hv_tee_seal_policy named = len > 7 && blob[7] == 1 ? HV_TEE_SEAL_MRENCLAVE
                                                     : HV_TEE_SEAL_MRSIGNER;
  return unseal_as(tee, named, blob, len);
}

static void test_mrenclave_same_identity_only(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *a = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  hv_tee *a_again = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  hv_tee *b = tt_open("p1", tt_identity(0xb2, 0x51, 7, 3));
  hv_tee *a_other_prod = tt_open("p1", tt_identity(0xa1, 0x51, 8, 3));
  size_t len = seal(a, HV_TEE_SEAL_MRENCLAVE, blob);
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_OK);
  HT_CHECK_EQ_INT(unseal(a_again, blob, len), HV_TEE_OK);
  HT_CHECK_EQ_INT(unseal(b, blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  HT_CHECK_EQ_INT(unseal(a_other_prod, blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  hv_tee_free(a);
  hv_tee_free(a_again);
  hv_tee_free(b);
  hv_tee_free(a_other_prod);
}

static void test_mrsigner_same_signer_newer_svn(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *v3 = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  hv_tee *v4 = tt_open("p1", tt_identity(0xb2, 0x51, 7, 4));
  hv_tee *v3_rebuilt = tt_open("p1", tt_identity(0xc3, 0x51, 7, 3));
  hv_tee *v2 = tt_open("p1", tt_identity(0xd4, 0x51, 7, 2));
  hv_tee *other_signer = tt_open("p1", tt_identity(0xa1, 0x52, 7, 9));
  size_t len = seal(v3, HV_TEE_SEAL_MRSIGNER, blob);
  HT_CHECK_EQ_INT(unseal(v3, blob, len), HV_TEE_OK);
  HT_CHECK_EQ_INT(unseal(v3_rebuilt, blob, len), HV_TEE_OK);
  HT_CHECK_EQ_INT(unseal(v4, blob, len), HV_TEE_OK);
  HT_CHECK_EQ_INT(unseal(v2, blob, len), HV_TEE_ERR_SEAL_SVN);
  HT_CHECK_EQ_INT(unseal(other_signer, blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  hv_tee_free(v3);
  hv_tee_free(v4);
  hv_tee_free(v3_rebuilt);
  hv_tee_free(v2);
  hv_tee_free(other_signer);
}

static void test_other_platform_refused(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *here = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  hv_tee *there = tt_open("p2", tt_identity(0xa1, 0x51, 7, 3));
  size_t len = seal(here, HV_TEE_SEAL_MRENCLAVE, blob);
  HT_CHECK_EQ_INT(unseal(there, blob, len), HV_TEE_ERR_SEAL_OTHER_PLATFORM);
  len = seal(here, HV_TEE_SEAL_MRSIGNER, blob);
  HT_CHECK_EQ_INT(unseal(there, blob, len), HV_TEE_ERR_SEAL_OTHER_PLATFORM);
  hv_tee_free(here);
  hv_tee_free(there);
}

/* Flipping any bit never opens; in the nonce, ciphertext or tag the
 * refusal is exactly "tampered". */
static void test_tampering_refused(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *a = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  size_t len = seal(a, HV_TEE_SEAL_MRENCLAVE, blob);
  size_t nonce_at = len - PT_LEN - 16 - 12;
  int opened = 0, not_tampered = 0;
  for (size_t bit = 0; bit < len * 8; bit++) {
    blob[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    hv_tee_error err = unseal(a, blob, len);
    if (err == HV_TEE_OK) opened++;
    if (bit / 8 >= nonce_at && err != HV_TEE_ERR_SEAL_TAMPERED) not_tampered++;
    blob[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  HT_CHECK_EQ_INT(opened, 0);
  HT_CHECK_EQ_INT(not_tampered, 0);
  /* The key_id (offset 48) chooses the key: a changed one is tampering. */
  blob[48] ^= 1;
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_TAMPERED);
  blob[48] ^= 1;
  /* Truncated or extended: tampered. */
  HT_CHECK_EQ_INT(unseal(a, blob, len - 1), HV_TEE_ERR_SEAL_TAMPERED);
  HT_CHECK_EQ_INT(unseal(a, blob, 20), HV_TEE_ERR_SEAL_TAMPERED);
  HT_CHECK_EQ_INT(unseal(a, blob, 0), HV_TEE_ERR_SEAL_TAMPERED);
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_OK);
  hv_tee_free(a);
}

/* The header's fields as seal.c lays them out: what each edit yields. */
static void test_header_edits(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *a = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  size_t len = seal(a, HV_TEE_SEAL_MRSIGNER, blob);
  HT_CHECK_EQ_INT(blob[8] << 8 | blob[9], 3); /* isv_svn, big-endian */
  blob[9] = 4;
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_SVN);
  blob[9] = 2; /* a lower svn derives another key: GCM refuses */
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_TAMPERED);
  blob[9] = 3;
  blob[16] = 1; /* cpu_svn above ours */
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_CPUSVN);
  blob[16] = 0;
  blob[0] ^= 0x20; /* magic */
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_TAMPERED);
  blob[0] ^= 0x20;
  HT_CHECK_EQ_INT(blob[5], 2); /* format version */
  blob[5] = 3;
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_TAMPERED);
  blob[5] = 1; /* version 1 has no DEBUG in the identity fingerprint */
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  blob[5] = 2;
  blob[7] = 3; /* key policy: both bits is not one we write */
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_TAMPERED);
  blob[7] = 1; /* MRENCLAVE instead of MRSIGNER: another identity */
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  blob[7] = 2;
  /* Documented limit: an edited fingerprint picks the refusal. */
  blob[80] ^= 1;
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  blob[80] ^= 1;
  blob[88] ^= 1;
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_ERR_SEAL_OTHER_PLATFORM);
  blob[88] ^= 1;
  HT_CHECK_EQ_INT(unseal(a, blob, len), HV_TEE_OK);
  hv_tee_free(a);
}

/* An older build of the same signer seals MRSIGNER at its own svn: the
 * newer build could derive that key, so only the expectation keeps it
 * from taking the blob for its own MRENCLAVE file. */
static void test_expected_policy_only(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *old_build = tt_open("p1", tt_identity(0xd4, 0x51, 7, 2));
  hv_tee *new_build = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  size_t len = seal(old_build, HV_TEE_SEAL_MRSIGNER, blob);
  HT_CHECK_EQ_INT(unseal_as(new_build, HV_TEE_SEAL_MRENCLAVE, blob, len),
                  HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  HT_CHECK_EQ_INT(unseal_as(new_build, HV_TEE_SEAL_MRSIGNER, blob, len), HV_TEE_OK);
  len = seal(new_build, HV_TEE_SEAL_MRENCLAVE, blob);
  HT_CHECK_EQ_INT(unseal_as(new_build, HV_TEE_SEAL_MRSIGNER, blob, len),
                  HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  HT_CHECK_EQ_INT(unseal_as(new_build, HV_TEE_SEAL_MRENCLAVE, blob, len), HV_TEE_OK);
  hv_tee_free(old_build);
  hv_tee_free(new_build);
}

/* Seals under this enclave's own MRENCLAVE request, edited. */
static hv_tee_error seal_edited(hv_tee *tee, int field, uint8_t *blob, size_t *len) {
  sgx_key_request_t req;
  hv_tee_seal_request(tee, SGX_KEYPOLICY_MRENCLAVE, &req);
  switch (field) {
    case 1: req.attribute_mask.flags &= ~SGX_FLAGS_DEBUG; break;
    case 2: req.misc_mask = 0; break;
    case 3: req.isv_svn -= 1; break;
    default: break;
  }
  return hv_tee_seal_with(tee, &req, pt, PT_LEN, blob, PT_LEN + HV_TEE_SEAL_OVERHEAD, len);
}

/* Blobs sealed honestly (GCM would open them) under requests this
 * enclave would not make: each is refused by the expectation alone. A
 * mask without DEBUG is what a debug launch of the same build could
 * derive and write. */
static void test_foreign_requests_refused(void) {
  uint8_t blob[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  size_t len = 0;
  hv_tee *a = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  /* (3: a lower ISVSVN under MRENCLAVE is this enclave before a
   * re-signing: it opens, and the store re-seals it.) */
  const hv_tee_error want[] = {HV_TEE_OK, HV_TEE_ERR_SEAL_TAMPERED, HV_TEE_ERR_SEAL_TAMPERED,
                               HV_TEE_OK};
  for (int field = 0; field < 4; field++) {
    HT_CHECK_EQ_INT(seal_edited(a, field, blob, &len), HV_TEE_OK);
    HT_CHECK_EQ_INT(unseal_as(a, HV_TEE_SEAL_MRENCLAVE, blob, len), want[field]);
  }
  hv_tee_free(a);
}

static void test_empty_and_bounds(void) {
  uint8_t blob[HV_TEE_SEAL_OVERHEAD], out[1];
  size_t len = 0, out_len = 1;
  hv_tee *a = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  HT_CHECK_EQ_INT(hv_tee_seal(a, HV_TEE_SEAL_MRENCLAVE, NULL, 0, blob, sizeof blob, &len),
                  HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_unseal(a, HV_TEE_SEAL_MRENCLAVE, blob, len, NULL, 0, &out_len),
                  HV_TEE_OK);
  HT_CHECK_EQ_INT(out_len, 0);
  /* Output too small; bad policy. */
  HT_CHECK_EQ_INT(hv_tee_seal(a, HV_TEE_SEAL_MRENCLAVE, pt, PT_LEN, blob, sizeof blob, &len),
                  HV_TEE_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_tee_seal(a, (hv_tee_seal_policy)3, NULL, 0, blob, sizeof blob, &len),
                  HV_TEE_ERR_ARGS);
  uint8_t big[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  len = seal(a, HV_TEE_SEAL_MRSIGNER, big);
  HT_CHECK_EQ_INT(hv_tee_unseal(a, HV_TEE_SEAL_MRSIGNER, big, len, out, sizeof out, &out_len),
                  HV_TEE_ERR_ARGS);
  HT_CHECK_EQ_INT(hv_tee_unseal(a, (hv_tee_seal_policy)3, big, len, big, sizeof big, &out_len),
                  HV_TEE_ERR_ARGS);
  hv_tee_free(a);
}

/* Two seals of the same data differ (random key_id and nonce). */
static void test_seals_are_fresh(void) {
  uint8_t b1[PT_LEN + HV_TEE_SEAL_OVERHEAD], b2[PT_LEN + HV_TEE_SEAL_OVERHEAD];
  hv_tee *a = tt_open("p1", tt_identity(0xa1, 0x51, 7, 3));
  size_t l1 = seal(a, HV_TEE_SEAL_MRENCLAVE, b1);
  size_t l2 = seal(a, HV_TEE_SEAL_MRENCLAVE, b2);
  HT_CHECK_EQ_INT(l1, l2);
  HT_CHECK(memcmp(b1, b2, l1) != 0);
  hv_tee_free(a);
}

int main(void) {
  for (size_t i = 0; i < PT_LEN; i++) pt[i] = (uint8_t)(0x40 + i);
  tt_tmpdir();
  HT_RUN(test_mrenclave_same_identity_only);
  HT_RUN(test_mrsigner_same_signer_newer_svn);
  HT_RUN(test_other_platform_refused);
  HT_RUN(test_tampering_refused);
  HT_RUN(test_header_edits);
  HT_RUN(test_expected_policy_only);
  HT_RUN(test_foreign_requests_refused);
  HT_RUN(test_empty_and_bounds);
  HT_RUN(test_seals_are_fresh);
  tt_cleanup();
  return HT_DONE();
}
