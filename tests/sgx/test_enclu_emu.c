/* The ENCLU emulator's checks, each flipped once (a #GP kills the process
 * with SIGSEGV, a refusal sets RAX and ZF), the key derivation inputs per
 * KEYNAME and KEYPOLICY, and then the sgx backend against it: identity,
 * reports between two enclaves, sealing across platforms, DEBUG and CPU
 * SVN. Run by enclave.sh (a private /dev with /dev/attestation); it links
 * the emulator, whose identity each case sets through HV_EMU_* and
 * enclu_emu_reload, writing the matching my_target_info. */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enclu_emu.h"
#include "handover/crypto.h"
#include "harness.h"
#include "tee/sgx_backend.h"

#define MR_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define MR_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define SVN_1 "01010101010101010101010101010101"
#define SVN_2 "02010101010101010101010101010101"

static char secret_a[64] = "/tmp/hv-emu-a-XXXXXX", secret_b[64] = "/tmp/hv-emu-b-XXXXXX";

static void make_secret(char *path) {
  int fd = mkstemp(path);
  uint8_t key[16];
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  HT_CHECK(hv_random(key, sizeof key) == 0);
  HT_CHECK(write(fd, key, sizeof key) == (ssize_t)sizeof key);
  close(fd);
}

/* The emulated enclave and CPU; a NULL value unsets the variable. */
static void enclave(const char *secret, const char *mr, const char *debug, const char *cpusvn,
                    const char *isvsvn) {
  setenv("HV_EMU_SECRET", secret, 1);
  setenv("HV_EMU_MRENCLAVE", mr, 1);
  setenv("HV_EMU_MRSIGNER", MR_B, 1);
  setenv("HV_EMU_ISVPRODID", "7", 1);
  if (debug) setenv("HV_EMU_DEBUG", debug, 1); else unsetenv("HV_EMU_DEBUG");
  if (cpusvn) setenv("HV_EMU_CPUSVN", cpusvn, 1); else unsetenv("HV_EMU_CPUSVN");
  if (isvsvn) setenv("HV_EMU_ISVSVN", isvsvn, 1); else unsetenv("HV_EMU_ISVSVN");
  unsetenv("HV_EMU_FLAGS");
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  uint8_t ti[512];
  enclu_emu_target_info(ti);
  int fd = open(SGX_ATTESTATION_DIR "/my_target_info", O_WRONLY | O_TRUNC);
  HT_CHECK(fd >= 0);
  if (fd < 0) return;
  HT_CHECK(write(fd, ti, sizeof ti) == (ssize_t)sizeof ti);
  close(fd);
}

/* ---- raw ENCLU ---- */

typedef struct {
  _Alignas(512) uint8_t ti[1024];
  _Alignas(512) uint8_t report[1024];
  _Alignas(128) uint8_t data[256];
  _Alignas(512) uint8_t req[1024];
  _Alignas(16) uint8_t key[64];
} bufs;

static void ereport_at(const void *ti, const void *data, void *out) {
  __asm__ volatile(".byte 0x0f, 0x01, 0xd7" : : "a"(0ULL), "b"(ti), "c"(data), "d"(out)
                   : "memory", "cc");
}

static uint64_t egetkey_at(const void *req, void *out, int *zf) {
  uint64_t rax = 1;
  uint8_t z;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd7\n\tsetz %1" : "+a"(rax), "=r"(z) : "b"(req), "c"(out)
                   : "memory", "cc");
  *zf = z;
  return rax;
}

static void seal_request(uint8_t req[512], uint16_t policy) {
  memset(req, 0, 512);
  req[0] = SGX_KEYSELECT_SEAL;
  req[2] = (uint8_t)policy;
  memset(req + 8, 1, 16); /* CPUSVN 01..: the one the cases run */
  req[24] = 0x03;         /* ATTRIBUTEMASK: INIT, DEBUG */
}

/* Runs the case in a child: how it ended. */
typedef void (*emu_case)(bufs *b);
static int ends_with(emu_case c) {
  pid_t pid = fork();
  if (pid == 0) {
    bufs *b = aligned_alloc(512, sizeof(bufs));
    if (!b) _exit(3);
    memset(b, 0, sizeof *b);
    seal_request(b->req, SGX_KEYPOLICY_MRENCLAVE);
    c(b);
    _exit(0);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
  return WIFSIGNALED(st) ? 1000 + WTERMSIG(st) : WEXITSTATUS(st);
}

#define DIES (1000 + SIGSEGV)
static int zf_seen;
static void c_ok_report(bufs *b) { ereport_at(b->ti, b->data, b->report); }
static void c_ti_misaligned(bufs *b) { ereport_at(b->ti + 64, b->data, b->report); }
static void c_data_misaligned(bufs *b) { ereport_at(b->ti, b->data + 64, b->report); }
static void c_out_misaligned(bufs *b) { ereport_at(b->ti, b->data, b->report + 256); }
static void c_ok_key(bufs *b) { (void)egetkey_at(b->req, b->key, &zf_seen); }
static void c_req_misaligned(bufs *b) {
  memmove(b->req + 256, b->req, 512);
  (void)egetkey_at(b->req + 256, b->key, &zf_seen);
}
static void c_key_misaligned(bufs *b) { (void)egetkey_at(b->req, b->key + 8, &zf_seen); }
static void c_reserved1(bufs *b) { b->req[6] = 1; c_ok_key(b); }
static void c_reserved2(bufs *b) { b->req[511] = 1; c_ok_key(b); }
static void c_policy_reserved(bufs *b) { b->req[2] |= 0x40; c_ok_key(b); }
static void c_kss_policy(bufs *b) { b->req[2] |= 0x04; c_ok_key(b); } /* NOISVPRODID */
static void c_kss_configsvn(bufs *b) { b->req[76] = 1; c_ok_key(b); }

static void test_faults(void) {
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(ends_with(c_ok_report), 0);
  HT_CHECK_EQ_INT(ends_with(c_ti_misaligned), DIES);
  HT_CHECK_EQ_INT(ends_with(c_data_misaligned), DIES);
  HT_CHECK_EQ_INT(ends_with(c_out_misaligned), DIES);
  HT_CHECK_EQ_INT(ends_with(c_ok_key), 0);
  HT_CHECK_EQ_INT(ends_with(c_req_misaligned), DIES);
  HT_CHECK_EQ_INT(ends_with(c_key_misaligned), DIES);
  HT_CHECK_EQ_INT(ends_with(c_reserved1), DIES);
  HT_CHECK_EQ_INT(ends_with(c_reserved2), DIES);
  HT_CHECK_EQ_INT(ends_with(c_policy_reserved), DIES);
  HT_CHECK_EQ_INT(ends_with(c_kss_policy), DIES);
  HT_CHECK_EQ_INT(ends_with(c_kss_configsvn), DIES);
}

static bufs *B;

static uint64_t key_status(int *zf) { return egetkey_at(B->req, B->key, zf); }

static void test_egetkey_status_codes(void) {
  int zf = -1;
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  seal_request(B->req, SGX_KEYPOLICY_MRENCLAVE);
  HT_CHECK_EQ_INT(key_status(&zf), 0);
  HT_CHECK_EQ_INT(zf, 0);
  B->req[0] = 5;
  HT_CHECK_EQ_INT(key_status(&zf), SGX_ERR_INVALID_KEYNAME);
  HT_CHECK_EQ_INT(zf, 1);
  B->req[0] = 1; /* PROVISION_KEY without ATTRIBUTES.PROVISIONKEY */
  HT_CHECK_EQ_INT(key_status(&zf), SGX_ERR_INVALID_ATTRIBUTE);
  B->req[0] = 0; /* EINITTOKEN_KEY without ATTRIBUTES.EINITTOKEN_KEY */
  HT_CHECK_EQ_INT(key_status(&zf), SGX_ERR_INVALID_ATTRIBUTE);
  B->req[0] = SGX_KEYSELECT_SEAL;
  B->req[9] = 2; /* CPUSVN above the CPU's */
  HT_CHECK_EQ_INT(key_status(&zf), SGX_ERR_INVALID_CPUSVN);
  HT_CHECK_EQ_INT(zf, 1);
  B->req[9] = 0; /* below: allowed */
  HT_CHECK_EQ_INT(key_status(&zf), 0);
  B->req[9] = 1;
  B->req[4] = 4; /* ISVSVN above ours (3) */
  HT_CHECK_EQ_INT(key_status(&zf), SGX_ERR_INVALID_ISVSVN);
  B->req[4] = 3;
  HT_CHECK_EQ_INT(key_status(&zf), 0);
  HT_CHECK_EQ_INT(zf, 0);
}

/* The seal key for B->req as it stands. */
static void key_now(uint8_t out[16]) {
  int zf;
  HT_CHECK_EQ_INT(egetkey_at(B->req, B->key, &zf), 0);
  memcpy(out, B->key, 16);
}

static void test_seal_key_inputs(void) {
  uint8_t k0[16], k[16];
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  seal_request(B->req, SGX_KEYPOLICY_MRENCLAVE);
  key_now(k0);
  key_now(k);
  HT_CHECK_MEM(k, k0, 16); /* deterministic */
  B->req[40] ^= 1; /* KEYID */
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  B->req[40] ^= 1;
  B->req[4] = 2; /* a lower ISVSVN is another key */
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  B->req[4] = 0;
  /* ATTRIBUTEMASK applied: MODE64BIT masked out does not count ... */
  setenv("HV_EMU_FLAGS", "1", 1); /* INIT only */
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  key_now(k);
  HT_CHECK_MEM(k, k0, 16);
  /* ... masked in, it does. */
  B->req[24] = 0x07;
  key_now(k0);
  setenv("HV_EMU_FLAGS", "5", 1); /* INIT, MODE64BIT */
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  /* DEBUG is in every key, masked out or not. */
  B->req[24] = 0x01;
  key_now(k0);
  setenv("HV_EMU_FLAGS", "7", 1); /* INIT, DEBUG, MODE64BIT */
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  B->req[24] = 0x03;
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  key_now(k0);
  /* MRENCLAVE policy: another MRENCLAVE, another key; MRSIGNER policy: the same. */
  enclave(secret_a, MR_B, NULL, SVN_1, "3");
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  B->req[2] = SGX_KEYPOLICY_MRSIGNER;
  key_now(k0);
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  key_now(k);
  HT_CHECK_MEM(k, k0, 16);
  /* DEBUG set: another key under either policy. */
  enclave(secret_a, MR_A, "1", SVN_1, "3");
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  /* Another CPU: another key. */
  enclave(secret_b, MR_A, NULL, SVN_1, "3");
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  /* A newer CPU derives the older CPUSVN's key unchanged. */
  enclave(secret_a, MR_A, NULL, SVN_2, "3");
  key_now(k);
  HT_CHECK_MEM(k, k0, 16);
}

/* With ATTRIBUTES.KSS the KSS inputs are allowed: NOISVPRODID leaves
 * ISVPRODID out of the key, and a CONFIGSVN above ours is refused like
 * an ISVSVN (SGX_INVALID_ISVSVN). */
static void test_kss_inputs(void) {
  uint8_t k0[16], k[16];
  int zf;
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  setenv("HV_EMU_FLAGS", "85", 1); /* INIT, MODE64BIT, KSS */
  setenv("HV_EMU_CONFIGSVN", "2", 1);
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  seal_request(B->req, SGX_KEYPOLICY_MRSIGNER | 0x04); /* NOISVPRODID */
  key_now(k0);
  setenv("HV_EMU_ISVPRODID", "8", 1);
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  key_now(k);
  HT_CHECK_MEM(k, k0, 16);
  B->req[2] = SGX_KEYPOLICY_MRSIGNER; /* ISVPRODID in the key again */
  key_now(k0);
  setenv("HV_EMU_ISVPRODID", "7", 1);
  HT_CHECK_EQ_INT(enclu_emu_reload(), 0);
  key_now(k);
  HT_CHECK(memcmp(k, k0, 16) != 0);
  B->req[76] = 2; /* CONFIGSVN = ours */
  HT_CHECK_EQ_INT(egetkey_at(B->req, B->key, &zf), 0);
  B->req[76] = 3;
  HT_CHECK_EQ_INT(egetkey_at(B->req, B->key, &zf), SGX_ERR_INVALID_ISVSVN);
  HT_CHECK_EQ_INT(zf, 1);
  B->req[76] = 0;
  unsetenv("HV_EMU_CONFIGSVN");
}

/* ---- the backend against the emulator ---- */

static hv_tee *open_sgx(void) {
  hv_tee *t = NULL;
  HT_CHECK_EQ_INT(hv_tee_open_sgx(&t), HV_TEE_OK);
  return t;
}

static void test_backend_identity_and_reports(void) {
  uint8_t ti_b[HV_TEE_TARGET_INFO_LEN], rep[HV_TEE_REPORT_LEN], data[64];
  hv_tee_measurement m;
  memset(data, 0x5a, sizeof data);
  enclave(secret_a, MR_B, NULL, SVN_1, "3");
  hv_tee *b = open_sgx();
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  hv_tee *a = open_sgx();
  if (!a || !b) return;
  hv_tee_self(a, &m);
  HT_CHECK_EQ_INT(m.mr_enclave[0], 0xa1);
  HT_CHECK_EQ_INT(m.mr_signer[0], 0xb2);
  HT_CHECK_EQ_INT(m.isv_prod_id, 7);
  HT_CHECK_EQ_INT(m.isv_svn, 3);
  HT_CHECK(!hv_tee_dev_mode(a));
  HT_CHECK_EQ_INT(hv_tee_get_kind(a), HV_TEE_KIND_SGX_DCAP);
  /* a reports to b; b (the emulator now being b) verifies. */
  HT_CHECK_EQ_INT(hv_tee_target_info(b, ti_b), HV_TEE_OK);
  HT_CHECK_EQ_INT(hv_tee_report(a, ti_b, data, rep), HV_TEE_OK);
  enclave(secret_a, MR_B, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(hv_tee_verify_report(b, rep), HV_TEE_OK);
  rep[320] ^= 1; /* report data */
  HT_CHECK_EQ_INT(hv_tee_verify_report(b, rep), HV_TEE_ERR_REPORT_MAC);
  rep[320] ^= 1;
  /* Not the target: a itself cannot verify it. */
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(hv_tee_verify_report(a, rep), HV_TEE_ERR_REPORT_MAC);
  /* Another platform: b's MRENCLAVE on another CPU. */
  enclave(secret_b, MR_B, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(hv_tee_verify_report(b, rep), HV_TEE_ERR_REPORT_MAC);
  hv_tee_free(a);
  hv_tee_free(b);
}

static const uint8_t pt[40] = "the identity seed, or any small secret";

static size_t seal_now(hv_tee *t, uint8_t *blob) {
  size_t len = 0;
  HT_CHECK_EQ_INT(hv_tee_seal(t, HV_TEE_SEAL_MRENCLAVE, pt, sizeof pt, blob,
                              sizeof pt + HV_TEE_SEAL_OVERHEAD, &len), HV_TEE_OK);
  return len;
}

static hv_tee_error unseal_now(const uint8_t *blob, size_t len) {
  uint8_t out[sizeof pt + HV_TEE_SEAL_OVERHEAD];
  size_t out_len = 0;
  hv_tee *t = open_sgx();
  if (!t) return HV_TEE_ERR_ARGS;
  hv_tee_error err = hv_tee_unseal(t, HV_TEE_SEAL_MRENCLAVE, blob, len, out, sizeof out, &out_len);
  if (err == HV_TEE_OK) HT_CHECK(out_len == sizeof pt && memcmp(out, pt, sizeof pt) == 0);
  hv_tee_free(t);
  return err;
}

static void test_backend_sealing(void) {
  uint8_t blob[sizeof pt + HV_TEE_SEAL_OVERHEAD];
  bool current = false;
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  hv_tee *a = open_sgx();
  if (!a) return;
  size_t len = seal_now(a, blob);
  HT_CHECK_EQ_INT(hv_tee_seal_current(a, blob, len, &current), HV_TEE_OK);
  HT_CHECK(current);
  hv_tee_free(a);
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_OK);
  enclave(secret_b, MR_A, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_ERR_SEAL_OTHER_PLATFORM);
  enclave(secret_a, MR_B, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_ERR_SEAL_OTHER_ENCLAVE);
  enclave(secret_a, MR_A, "1", SVN_1, "3");
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_ERR_SEAL_DEBUG);
  /* After a microcode update: it opens, and is no longer current. */
  enclave(secret_a, MR_A, NULL, SVN_2, "3");
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_OK);
  a = open_sgx();
  if (!a) return;
  HT_CHECK_EQ_INT(hv_tee_seal_current(a, blob, len, &current), HV_TEE_OK);
  HT_CHECK(!current);
  len = seal_now(a, blob);
  hv_tee_free(a);
  /* Sealed under the new CPU SVN: the old one cannot derive the key. */
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_ERR_SEAL_CPUSVN);
  /* A debug launch's file is refused by the production launch, by name. */
  enclave(secret_a, MR_A, "1", SVN_1, "3");
  a = open_sgx();
  if (!a) return;
  HT_CHECK(hv_tee_dev_mode(a));
  len = seal_now(a, blob);
  hv_tee_free(a);
  enclave(secret_a, MR_A, NULL, SVN_1, "3");
  HT_CHECK_EQ_INT(unseal_now(blob, len), HV_TEE_ERR_SEAL_DEBUG);
}

int main(void) {
  struct statfs fs;
  /* The cases rewrite /dev/attestation: only ever in enclave.sh's tmpfs. */
  if (statfs("/dev", &fs) != 0 || fs.f_type != TMPFS_MAGIC ||
      access(SGX_ATTESTATION_DIR "/my_target_info", W_OK) != 0) {
    fprintf(stderr, "test_enclu_emu: run me through tests/sgx/enclave.sh\n");
    return 1;
  }
  make_secret(secret_a);
  make_secret(secret_b);
  B = aligned_alloc(512, sizeof(bufs));
  if (!B) return 1;
  memset(B, 0, sizeof *B);
  HT_RUN(test_faults);
  HT_RUN(test_egetkey_status_codes);
  HT_RUN(test_seal_key_inputs);
  HT_RUN(test_kss_inputs);
  HT_RUN(test_backend_identity_and_reports);
  HT_RUN(test_backend_sealing);
  free(B);
  unlink(secret_a);
  unlink(secret_b);
  return HT_DONE();
}
