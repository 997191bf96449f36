/* Sealed files: a header with the EGETKEY(SEAL) request parameters, then
 * AES-256-GCM under a key expanded from the seal key, header as AD.
 *
 *   off  len  field (big-endian, our own format)
 *     0    4  magic "HVSL"
 *     4    2  format version (2; 1 is still read, see "identity")
 *     6    2  key policy (SGX_KEYPOLICY_MRENCLAVE or _MRSIGNER)
 *     8    2  isv_svn the key was requested for
 *    10    2  config_svn
 *    12    4  misc_mask
 *    16   16  cpu_svn
 *    32   16  attribute mask (flags, xfrm)
 *    48   32  key_id (random per blob, as the SDK does: no key is reused)
 *    80    8  identity fingerprint
 *    88    8  platform fingerprint
 *    96   12  GCM nonce (random)
 *   108    -  ciphertext, then the 16-byte tag
 *
 * Telling the refusals apart. A wrong key and a modified ciphertext look the
 * same to GCM, so the header carries two fingerprints, written by the
 * sealer and covered by the GCM AD:
 *  - identity: SHA-256 over a label, the policy, the measurement the policy
 *    binds (MRENCLAVE or MRSIGNER) and ISVPRODID, and (from version 2) the
 *    sealer's DEBUG attribute. It holds only public measurements, so
 *    anyone can compute it, and it tells "sealed for another enclave"
 *    before any key is derived. EGETKEY always mixes DEBUG into a seal
 *    key, so a production launch and a debug launch of one build cannot
 *    open each other's files; the DEBUG bit in the fingerprint names that
 *    ("sealed under the other DEBUG attribute") instead of letting it look
 *    like another platform. Version 1 blobs lack it and read as before.
 *  - platform: HKDF of a *probe* seal key, EGETKEY(SEAL) with the same
 *    policy and cpu_svn as the blob but fixed other inputs (isv_svn and
 *    config_svn 0, empty masks, a fixed key_id). Once the identity matched
 *    and the blob's svns were accepted, that key differs only if the
 *    platform does (the CPU's fused key, or the sim's platform secret), so
 *    a mismatch means "another platform". It reveals nothing of the real
 *    key. (The probe takes the blob's cpu_svn, not zeros, because a real
 *    CPU need not accept a CPUSVN it never had; the blob's one it had.)
 * The fingerprints are checked only after GCM refused, and a success needs
 * GCM, so they cannot make a forgery succeed. What they cannot do is make
 * the *choice* of refusal authentic: someone who edits a fingerprint in the
 * file chooses which refusal he gets. The error is a diagnosis of an honest
 * mistake (wrong build, copied store); every path other than HV_TEE_OK is a
 * refusal, and the one guarantee is that no altered blob ever opens. */
#include <string.h>

#include "handover/crypto.h"
#include "tee/tee_int.h"

#define SEAL_MAGIC "HVSL"
#define SEAL_VERSION 2
#define SEAL_VERSION_NO_DEBUG_FP 1 /* older blobs: identity without DEBUG */
#define SEAL_FP_LEN 8 /* a diagnosis, not a MAC: 64 bits avoid accidents */
#define SEAL_HEADER_LEN 108
#define SEAL_LABEL_ID "handover seal identity v1"
#define SEAL_LABEL_PROBE "handover seal platform probe v1"
#define SEAL_LABEL_FP "handover seal platform fp v1"
#define SEAL_LABEL_AEAD "handover seal aes-256-gcm v1"
/* HKDF salt of every derivation here (hv_hkdf_sha256 wants a non-empty one). */
#define SEAL_SALT "handover seal v1"

static_assert(SEAL_HEADER_LEN + HV_GCM_TAG_LEN <= HV_TEE_SEAL_OVERHEAD,
              "the public overhead bound holds");

typedef struct {
  uint16_t version;
  sgx_key_request_t req;
  uint8_t identity_fp[SEAL_FP_LEN];
  uint8_t platform_fp[SEAL_FP_LEN];
  uint8_t nonce[HV_GCM_NONCE_LEN];
} seal_header;

static bool policy_valid(uint16_t policy) {
  return policy == SGX_KEYPOLICY_MRENCLAVE || policy == SGX_KEYPOLICY_MRSIGNER;
}

static uint16_t key_policy_of(hv_tee_seal_policy policy) {
  return policy == HV_TEE_SEAL_MRENCLAVE  ? SGX_KEYPOLICY_MRENCLAVE
         : policy == HV_TEE_SEAL_MRSIGNER ? SGX_KEYPOLICY_MRSIGNER
                                          : 0;
}

/* HKDF-SHA256 of an EGETKEY key under a label naming the purpose. */
static int expand(const uint8_t key[SGX_KEY_SIZE], const char *label, uint8_t *out,
                  size_t out_len) {
  return hv_hkdf_sha256((const uint8_t *)SEAL_SALT, sizeof SEAL_SALT - 1, key,
                        SGX_KEY_SIZE, (const uint8_t *)label, strlen(label) + 1,
                        out, out_len);
}

static bool self_debug(const hv_tee *tee) {
  return (tee->self.attributes.flags & SGX_FLAGS_DEBUG) != 0;
}

/* The identity fingerprint of a blob of this format version, sealed by us
 * with the DEBUG attribute debug. */
static hv_tee_error identity_fp(const hv_tee *tee, uint16_t policy, uint16_t version,
                                bool debug, uint8_t out[SEAL_FP_LEN]) {
  uint8_t head[4] = {(uint8_t)(policy >> 8), (uint8_t)policy,
                     (uint8_t)(tee->self.isv_prod_id >> 8),
                     (uint8_t)tee->self.isv_prod_id};
  const uint8_t *mr = policy == SGX_KEYPOLICY_MRENCLAVE ? tee->self.mr_enclave
                                                        : tee->self.mr_signer;
  uint8_t debug_byte = debug ? 1 : 0;
  hv_iov parts[4] = {{(const uint8_t *)SEAL_LABEL_ID, sizeof SEAL_LABEL_ID},
                     {head, sizeof head},
                     {mr, SGX_HASH_SIZE},
                     {&debug_byte, 1}};
  size_t n = version == SEAL_VERSION_NO_DEBUG_FP ? 3 : 4;
  uint8_t hash[HV_SHA256_LEN];
  if (hv_sha256_parts(parts, n, hash) != 0) return HV_TEE_ERR_CRYPTO;
  memcpy(out, hash, SEAL_FP_LEN);
  return HV_TEE_OK;
}

static hv_tee_error platform_fp(const hv_tee *tee, const sgx_key_request_t *req,
                                uint8_t out[SEAL_FP_LEN]) {
  sgx_key_request_t probe;
  uint8_t key[SGX_KEY_SIZE];
  memset(&probe, 0, sizeof probe);
  probe.key_name = SGX_KEYSELECT_SEAL;
  probe.key_policy = req->key_policy;
  memcpy(probe.cpu_svn, req->cpu_svn, sizeof probe.cpu_svn);
  uint8_t probe_id[HV_SHA256_LEN];
  if (hv_sha256((const uint8_t *)SEAL_LABEL_PROBE, sizeof SEAL_LABEL_PROBE,
                probe_id) != 0)
    return HV_TEE_ERR_CRYPTO;
  memcpy(probe.key_id, probe_id, sizeof probe.key_id);
  hv_tee_error err = tee->ops->egetkey(tee, &probe, key);
  if (err != HV_TEE_OK) return err;
  int rc = expand(key, SEAL_LABEL_FP, out, SEAL_FP_LEN);
  hv_wipe(key, sizeof key);
  return rc == 0 ? HV_TEE_OK : HV_TEE_ERR_CRYPTO;
}

/* The AES-256-GCM key for the blob the request describes. */
static hv_tee_error aead_key(const hv_tee *tee, const sgx_key_request_t *req,
                             uint8_t out[HV_GCM_KEY_LEN]) {
  uint8_t key[SGX_KEY_SIZE];
  hv_tee_error err = tee->ops->egetkey(tee, req, key);
  if (err != HV_TEE_OK) return err;
  int rc = expand(key, SEAL_LABEL_AEAD, out, HV_GCM_KEY_LEN);
  hv_wipe(key, sizeof key);
  return rc == 0 ? HV_TEE_OK : HV_TEE_ERR_CRYPTO;
}

static void header_write(const seal_header *h, uint8_t out[SEAL_HEADER_LEN]) {
  hv_buf_writer w;
  hv_buf_writer_init(&w, out, SEAL_HEADER_LEN);
  const sgx_key_request_t *q = &h->req;
  bool ok = hv_buf_write_bytes(&w, (const uint8_t *)SEAL_MAGIC, 4) &&
            hv_buf_write_u16(&w, h->version) && hv_buf_write_u16(&w, q->key_policy) &&
            hv_buf_write_u16(&w, q->isv_svn) && hv_buf_write_u16(&w, q->config_svn) &&
            hv_buf_write_u32(&w, q->misc_mask) &&
            hv_buf_write_bytes(&w, q->cpu_svn, sizeof q->cpu_svn) &&
            hv_buf_write_u64(&w, q->attribute_mask.flags) &&
            hv_buf_write_u64(&w, q->attribute_mask.xfrm) &&
            hv_buf_write_bytes(&w, q->key_id, sizeof q->key_id) &&
            hv_buf_write_bytes(&w, h->identity_fp, SEAL_FP_LEN) &&
            hv_buf_write_bytes(&w, h->platform_fp, SEAL_FP_LEN) &&
            hv_buf_write_bytes(&w, h->nonce, sizeof h->nonce);
  assert(ok && w.len == SEAL_HEADER_LEN);
  (void)ok;
}

static bool header_read(const uint8_t *in, seal_header *h) {
  hv_buf_reader r;
  uint8_t magic[4];
  uint16_t version = 0;
  sgx_key_request_t *q = &h->req;
  memset(h, 0, sizeof *h);
  q->key_name = SGX_KEYSELECT_SEAL;
  hv_buf_reader_init(&r, in, SEAL_HEADER_LEN);
  bool ok = hv_buf_read_bytes(&r, magic, sizeof magic) &&
            hv_buf_read_u16(&r, &version) && hv_buf_read_u16(&r, &q->key_policy) &&
            hv_buf_read_u16(&r, &q->isv_svn) && hv_buf_read_u16(&r, &q->config_svn) &&
            hv_buf_read_u32(&r, &q->misc_mask) &&
            hv_buf_read_bytes(&r, q->cpu_svn, sizeof q->cpu_svn) &&
            hv_buf_read_u64(&r, &q->attribute_mask.flags) &&
            hv_buf_read_u64(&r, &q->attribute_mask.xfrm) &&
            hv_buf_read_bytes(&r, q->key_id, sizeof q->key_id) &&
            hv_buf_read_bytes(&r, h->identity_fp, SEAL_FP_LEN) &&
            hv_buf_read_bytes(&r, h->platform_fp, SEAL_FP_LEN) &&
            hv_buf_read_bytes(&r, h->nonce, sizeof h->nonce);
  h->version = version;
  return ok && hv_buf_reader_done(&r) && memcmp(magic, SEAL_MAGIC, 4) == 0 &&
         (version == SEAL_VERSION || version == SEAL_VERSION_NO_DEBUG_FP) &&
         policy_valid(q->key_policy);
}

hv_tee_error hv_tee_seal(const hv_tee *tee, hv_tee_seal_policy policy,
                         const uint8_t *pt, size_t pt_len, uint8_t *out,
                         size_t out_cap, size_t *out_len) {
  uint16_t key_policy = key_policy_of(policy);
  if (!tee || !key_policy) return HV_TEE_ERR_ARGS;
  sgx_key_request_t req;
  hv_tee_seal_request(tee, key_policy, &req);
  return hv_tee_seal_with(tee, &req, pt, pt_len, out, out_cap, out_len);
}

hv_tee_error hv_tee_seal_with(const hv_tee *tee, const sgx_key_request_t *req,
                           const uint8_t *pt, size_t pt_len, uint8_t *out,
                           size_t out_cap, size_t *out_len) {
  if (!tee || !req || !out || !out_len || (!pt && pt_len) ||
      !policy_valid(req->key_policy) || pt_len > HV_TEE_SEAL_MAX_PLAINTEXT ||
      out_cap < SEAL_HEADER_LEN + pt_len + HV_GCM_TAG_LEN)
    return HV_TEE_ERR_ARGS;
  seal_header h;
  uint8_t key[HV_GCM_KEY_LEN];
  uint16_t key_policy = req->key_policy;
  h.version = SEAL_VERSION;
  h.req = *req;
  if (hv_random(h.req.key_id, sizeof h.req.key_id) != 0 ||
      hv_random(h.nonce, sizeof h.nonce) != 0)
    return HV_TEE_ERR_CRYPTO;
  hv_tee_error err = identity_fp(tee, key_policy, SEAL_VERSION, self_debug(tee), h.identity_fp);
  if (err == HV_TEE_OK) err = platform_fp(tee, &h.req, h.platform_fp);
  if (err == HV_TEE_OK) err = aead_key(tee, &h.req, key);
  if (err != HV_TEE_OK) return err;
  header_write(&h, out);
  int rc = hv_gcm_seal(key, sizeof key, h.nonce, out, SEAL_HEADER_LEN, pt, pt_len,
                       out + SEAL_HEADER_LEN);
  hv_wipe(key, sizeof key);
  if (rc != 0) return HV_TEE_ERR_CRYPTO;
  *out_len = SEAL_HEADER_LEN + pt_len + HV_GCM_TAG_LEN;
  return HV_TEE_OK;
}

/* The blob's request must be the one we would make for the expected
 * policy (see hv_tee_unseal in tee.h). cpu_svn is left to EGETKEY: an
 * older one is how blobs outlive microcode updates. An isv_svn below ours
 * is how they outlive a re-signing at a higher ISVSVN: under MRENCLAVE
 * only this very enclave (same MRENCLAVE) can have derived the key, at a
 * lower ISVSVN; the store then seals the file again (TCB recovery). */
static hv_tee_error request_expected(const hv_tee *tee, uint16_t key_policy,
                                     const sgx_key_request_t *got) {
  sgx_key_request_t mine;
  hv_tee_seal_request(tee, key_policy, &mine);
  if (got->key_policy != mine.key_policy) return HV_TEE_ERR_SEAL_OTHER_ENCLAVE;
  if (got->attribute_mask.flags != mine.attribute_mask.flags ||
      got->attribute_mask.xfrm != mine.attribute_mask.xfrm ||
      got->misc_mask != mine.misc_mask)
    return HV_TEE_ERR_SEAL_TAMPERED;
  if (got->config_svn != mine.config_svn) return HV_TEE_ERR_SEAL_OTHER_ENCLAVE;
  if (got->isv_svn > mine.isv_svn) return HV_TEE_ERR_SEAL_SVN;
  return HV_TEE_OK;
}

/* Why GCM refused: see the top of this file. */
static hv_tee_error diagnose(const hv_tee *tee, const seal_header *h) {
  uint8_t fp[SEAL_FP_LEN];
  if (platform_fp(tee, &h->req, fp) != HV_TEE_OK) return HV_TEE_ERR_SEAL_TAMPERED;
  return hv_ct_equal(fp, h->platform_fp, sizeof fp) ? HV_TEE_ERR_SEAL_TAMPERED
                                                    : HV_TEE_ERR_SEAL_OTHER_PLATFORM;
}

/* Sealed by this identity? By it under the other DEBUG attribute (a debug
 * launch of a production build, or the reverse) is a refusal of its own:
 * the seal key differs, the build does not. */
static hv_tee_error identity_matches(const hv_tee *tee, const seal_header *h) {
  uint8_t fp[SEAL_FP_LEN];
  bool debug = self_debug(tee);
  hv_tee_error err = identity_fp(tee, h->req.key_policy, h->version, debug, fp);
  if (err != HV_TEE_OK) return err;
  if (hv_ct_equal(fp, h->identity_fp, sizeof fp)) return HV_TEE_OK;
  if (h->version == SEAL_VERSION_NO_DEBUG_FP) return HV_TEE_ERR_SEAL_OTHER_ENCLAVE;
  err = identity_fp(tee, h->req.key_policy, h->version, !debug, fp);
  if (err != HV_TEE_OK) return err;
  return hv_ct_equal(fp, h->identity_fp, sizeof fp) ? HV_TEE_ERR_SEAL_DEBUG
                                                    : HV_TEE_ERR_SEAL_OTHER_ENCLAVE;
}

hv_tee_error hv_tee_unseal(const hv_tee *tee, hv_tee_seal_policy expected,
                           const uint8_t *blob, size_t blob_len, uint8_t *pt,
                           size_t pt_cap, size_t *pt_len) {
  uint16_t key_policy = key_policy_of(expected);
  if (!tee || !blob || !pt_len || (!pt && pt_cap) || !key_policy) return HV_TEE_ERR_ARGS;
  seal_header h;
  if (blob_len < SEAL_HEADER_LEN + HV_GCM_TAG_LEN || !header_read(blob, &h))
    return HV_TEE_ERR_SEAL_TAMPERED;
  size_t len = blob_len - SEAL_HEADER_LEN - HV_GCM_TAG_LEN;
  if (len > HV_TEE_SEAL_MAX_PLAINTEXT) return HV_TEE_ERR_SEAL_TAMPERED;
  if (pt_cap < len) return HV_TEE_ERR_ARGS;
  uint8_t key[HV_GCM_KEY_LEN];
  hv_tee_error err = identity_matches(tee, &h);
  if (err != HV_TEE_OK) return err;
  err = request_expected(tee, key_policy, &h.req);
  if (err != HV_TEE_OK) return err;
  err = aead_key(tee, &h.req, key);
  if (err == HV_TEE_ERR_ARGS) return HV_TEE_ERR_SEAL_TAMPERED;
  if (err != HV_TEE_OK) return err;
  uint8_t empty; /* an empty plaintext may come with pt == NULL */
  int rc = hv_gcm_open(key, sizeof key, h.nonce, blob, SEAL_HEADER_LEN,
                       blob + SEAL_HEADER_LEN, len + HV_GCM_TAG_LEN, pt ? pt : &empty);
  hv_wipe(key, sizeof key);
  if (rc != 0) {
    if (len) hv_wipe(pt, len);
    return diagnose(tee, &h);
  }
  *pt_len = len;
  return HV_TEE_OK;
}

hv_tee_error hv_tee_seal_current(const hv_tee *tee, const uint8_t *blob,
                                 size_t blob_len, bool *current) {
  seal_header h;
  if (!tee || !blob || !current) return HV_TEE_ERR_ARGS;
  if (blob_len < SEAL_HEADER_LEN + HV_GCM_TAG_LEN || !header_read(blob, &h))
    return HV_TEE_ERR_SEAL_TAMPERED;
  *current = h.version == SEAL_VERSION && h.req.isv_svn == tee->self.isv_svn &&
             memcmp(h.req.cpu_svn, tee->self.cpu_svn, SGX_CPUSVN_SIZE) == 0;
  return HV_TEE_OK;
}
