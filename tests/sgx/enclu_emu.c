/* Test-only ENCLU emulator: EREPORT (leaf 0) and EGETKEY (leaf 1) as
 * Intel's SDM vol. 3D specifies them, for machines without SGX (on which
 * ENCLU raises #UD, delivered as SIGILL; some hypervisors inject #GP
 * instead, delivered as SIGSEGV with si_code SI_KERNEL: both are caught). Loaded only by tests:
 * LD_PRELOAD of libenclu_emu.so, or linked into a test binary. Never part of the product.
 *
 * It is written apart from src/tee on purpose (own offsets, own checks),
 * so that it checks the backend instead of repeating it.
 *
 * The emulated enclave (its SECS) and CPU come from the environment:
 *   HV_EMU_SECRET      file holding the CPU's 16-byte base key (required):
 *                      another file is another platform
 *   HV_EMU_MRENCLAVE   64 hex digits (required)
 *   HV_EMU_MRSIGNER    64 hex digits (default zeros)
 *   HV_EMU_DEBUG       1: the DEBUG attribute is set (default 0)
 *   HV_EMU_FLAGS       ATTRIBUTES.FLAGS in hex (default INIT|MODE64BIT,
 *                      plus DEBUG per HV_EMU_DEBUG)
 *   HV_EMU_XFRM        ATTRIBUTES.XFRM in hex (default 3)
 *   HV_EMU_MISCSELECT, HV_EMU_ISVPRODID, HV_EMU_ISVSVN, HV_EMU_CONFIGSVN
 *                      decimal (default 0)
 *   HV_EMU_CPUSVN      32 hex digits (default zeros)
 *
 * Faults: what raises #GP(0) on the CPU (a misaligned operand, a reserved
 * field or KEYPOLICY bit not zero, KSS-only inputs without KSS, an unknown
 * leaf) kills the process with SIGSEGV, as an enclave's #GP does, after a
 * line on stderr naming the check. EGETKEY's refusals return the SDM's
 * codes in RAX with ZF set. */
#include <openssl/evp.h>
#include <openssl/params.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "enclu_emu.h"

#define EMU_REPORT_LEN 432
#define EMU_REPORT_BODY_LEN 384
#define EMU_TI_LEN 512
#define EMU_KEYREQ_LEN 512

/* ATTRIBUTES.FLAGS bits (SDM 35.7.1) */
#define F_INIT 0x01ULL
#define F_DEBUG 0x02ULL
#define F_MODE64 0x04ULL
#define F_PROVISIONKEY 0x10ULL
#define F_EINITTOKENKEY 0x20ULL
#define F_KSS 0x80ULL
/* KEYNAME */
enum { K_EINITTOKEN = 0, K_PROVISION = 1, K_PROVISION_SEAL = 2, K_REPORT = 3, K_SEAL = 4 };
/* KEYPOLICY */
#define P_MRENCLAVE 0x01
#define P_MRSIGNER 0x02
#define P_NOISVPRODID 0x04
#define P_CONFIGID 0x08
#define P_ISVFAMILYID 0x10
#define P_ISVEXTPRODID 0x20
#define P_KSS_BITS 0x3C
#define P_RESERVED 0xFFC0
/* EGETKEY status codes */
#define E_INVALID_ATTRIBUTE 2
#define E_INVALID_CPUSVN 32
#define E_INVALID_ISVSVN 64
#define E_INVALID_KEYNAME 256

typedef struct {
  uint8_t mrenclave[32], mrsigner[32];
  uint64_t flags, xfrm;
  uint32_t miscselect;
  uint16_t isvprodid, isvsvn, configsvn;
  uint8_t configid[64], isvfamilyid[16], isvextprodid[16];
} emu_secs;

static struct {
  int ok;
  char why[160];
  emu_secs secs;
  uint8_t cpusvn[16];
  uint8_t base_key[16];
  uint8_t report_keyid[32];
} emu;

/* Key derivation inputs (the SDM's TMP_KEYDEPENDENCIES). */
typedef struct {
  uint16_t keyname, keypolicy, isvprodid, isvsvn, configsvn;
  uint8_t isvfamilyid[16], isvextprodid[16];
  uint64_t attr_flags, attr_xfrm, mask_flags, mask_xfrm;
  uint8_t mrenclave[32], mrsigner[32], keyid[32], cpusvn[16], configid[64];
  uint32_t miscselect, miscmask;
  int pkcs_padding;
} emu_deps;

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | ((uint32_t)rd16(p + 2) << 16); }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

static int cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16]) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
  EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("cipher", cipher, 0),
                         OSSL_PARAM_construct_end()};
  size_t n = 0;
  int ok = ctx && EVP_MAC_init(ctx, key, 16, params) && EVP_MAC_update(ctx, msg, len) &&
           EVP_MAC_final(ctx, out, &n, 16) && n == 16;
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return ok ? 0 : -1;
}

/* CMAC(base key, dependencies): the SDM's "derivekey". */
static int derive(const emu_deps *d, uint8_t key[16]) {
  uint8_t buf[2 * 5 + 32 + 8 * 4 + 32 * 3 + 16 + 64 + 8 + 1 + 16];
  uint8_t *p = buf;
  le16(p, d->keyname); p += 2;
  le16(p, d->keypolicy); p += 2;
  le16(p, d->isvprodid); p += 2;
  le16(p, d->isvsvn); p += 2;
  le16(p, d->configsvn); p += 2;
  memcpy(p, d->isvfamilyid, 16); p += 16;
  memcpy(p, d->isvextprodid, 16); p += 16;
  le64(p, d->attr_flags); p += 8;
  le64(p, d->attr_xfrm); p += 8;
  le64(p, d->mask_flags); p += 8;
  le64(p, d->mask_xfrm); p += 8;
  memcpy(p, d->mrenclave, 32); p += 32;
  memcpy(p, d->mrsigner, 32); p += 32;
  memcpy(p, d->keyid, 32); p += 32;
  memcpy(p, d->cpusvn, 16); p += 16;
  memcpy(p, d->configid, 64); p += 64;
  le32(p, d->miscselect); p += 4;
  le32(p, d->miscmask); p += 4;
  *p++ = (uint8_t)d->pkcs_padding;
  memset(p, 0, 16); p += 16; /* OWNEREPOCH and SEAL_KEY_FUSES: zero here */
  return cmac(emu.base_key, buf, (size_t)(p - buf), key);
}

/* ---- configuration ---- */

static int unhex(const char *s, uint8_t *out, size_t n) {
  if (strlen(s) != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (uint8_t)v;
  }
  return 0;
}

static int env_hex(const char *name, uint8_t *out, size_t n, int required) {
  const char *s = getenv(name);
  if (!s) {
    if (required) snprintf(emu.why, sizeof emu.why, "%s is not set", name);
    return required ? -1 : 0;
  }
  if (unhex(s, out, n) == 0) return 0;
  snprintf(emu.why, sizeof emu.why, "%s must be %zu hex digits", name, 2 * n);
  return -1;
}

static int env_num(const char *name, int base, uint64_t max, uint64_t *out) {
  const char *s = getenv(name);
  if (!s) return 0;
  char *end;
  unsigned long long v = strtoull(s, &end, base);
  if (*s && !*end && v <= max) {
    *out = v;
    return 0;
  }
  snprintf(emu.why, sizeof emu.why, "%s='%s' is not a number in range", name, s);
  return -1;
}

static int load_secret(void) {
  const char *path = getenv("HV_EMU_SECRET");
  if (!path) {
    snprintf(emu.why, sizeof emu.why, "HV_EMU_SECRET is not set");
    return -1;
  }
  FILE *f = fopen(path, "rb");
  uint8_t extra;
  int ok = f && fread(emu.base_key, 1, 16, f) == 16 && fread(&extra, 1, 1, f) == 0;
  if (f) fclose(f);
  if (!ok) snprintf(emu.why, sizeof emu.why, "%s: not a file of 16 bytes", path);
  return ok ? 0 : -1;
}

int enclu_emu_reload(void) {
  memset(&emu, 0, sizeof emu);
  emu_secs *s = &emu.secs;
  uint64_t debug = 0, flags, xfrm = 3, misc = 0, prod = 0, svn = 0, csvn = 0;
  if (load_secret() || env_hex("HV_EMU_MRENCLAVE", s->mrenclave, 32, 1) ||
      env_hex("HV_EMU_MRSIGNER", s->mrsigner, 32, 0) ||
      env_hex("HV_EMU_CPUSVN", emu.cpusvn, 16, 0) ||
      env_num("HV_EMU_DEBUG", 10, 1, &debug))
    return -1;
  flags = F_INIT | F_MODE64 | (debug ? F_DEBUG : 0);
  if (env_num("HV_EMU_FLAGS", 16, UINT64_MAX, &flags) ||
      env_num("HV_EMU_XFRM", 16, UINT64_MAX, &xfrm) ||
      env_num("HV_EMU_MISCSELECT", 10, UINT32_MAX, &misc) ||
      env_num("HV_EMU_ISVPRODID", 10, UINT16_MAX, &prod) ||
      env_num("HV_EMU_ISVSVN", 10, UINT16_MAX, &svn) ||
      env_num("HV_EMU_CONFIGSVN", 10, UINT16_MAX, &csvn))
    return -1;
  s->flags = flags;
  s->xfrm = xfrm;
  s->miscselect = (uint32_t)misc;
  s->isvprodid = (uint16_t)prod;
  s->isvsvn = (uint16_t)svn;
  s->configsvn = (uint16_t)csvn;
  /* CR_REPORT_KEYID: statistically unique per boot; per base key here. */
  static const uint8_t label[] = "emulated report keyid";
  uint8_t half[16];
  if (cmac(emu.base_key, label, sizeof label, half) != 0) return -1;
  memcpy(emu.report_keyid, half, 16);
  half[0] ^= 1;
  if (cmac(emu.base_key, half, 16, emu.report_keyid + 16) != 0) return -1;
  emu.ok = 1;
  return 0;
}

void enclu_emu_target_info(uint8_t out[512]) {
  const emu_secs *s = &emu.secs;
  memset(out, 0, EMU_TI_LEN);
  memcpy(out, s->mrenclave, 32);
  le64(out + 32, s->flags);
  le64(out + 40, s->xfrm);
  le16(out + 50, s->configsvn);
  le32(out + 52, s->miscselect);
  memcpy(out + 64, s->configid, 64);
}

int enclu_emu_ready(void) { return emu.ok; }

/* ---- the instructions ---- */

/* #GP(0) in an enclave: the host sees the process die. */
static void fault(const char *what) {
  char line[256];
  int n = snprintf(line, sizeof line, "enclu_emu: #GP(0): %s\n", what);
  if (n > 0) (void)!write(2, line, (size_t)n);
  signal(SIGSEGV, SIG_DFL);
  sigset_t segv; /* blocked while the handler runs, when it is a #GP's */
  sigemptyset(&segv);
  sigaddset(&segv, SIGSEGV);
  sigprocmask(SIG_UNBLOCK, &segv, NULL);
  raise(SIGSEGV);
  _exit(139);
}

static int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

static void report_deps(emu_deps *d, const uint8_t mrenclave[32], uint64_t flags,
                        uint64_t xfrm, uint32_t misc, const uint8_t configid[64],
                        uint16_t configsvn, const uint8_t keyid[32]) {
  memset(d, 0, sizeof *d);
  d->keyname = K_REPORT;
  memcpy(d->mrenclave, mrenclave, 32);
  d->attr_flags = flags;
  d->attr_xfrm = xfrm;
  d->miscselect = misc;
  memcpy(d->configid, configid, 64);
  d->configsvn = configsvn;
  memcpy(d->keyid, keyid, 32);
  memcpy(d->cpusvn, emu.cpusvn, 16);
  d->pkcs_padding = 1;
}

static void do_ereport(uintptr_t ti_addr, uintptr_t data_addr, uintptr_t out_addr) {
  if (ti_addr % 512) fault("EREPORT: TARGETINFO (RBX) not 512-byte aligned");
  if (data_addr % 128) fault("EREPORT: REPORTDATA (RCX) not 128-byte aligned");
  if (out_addr % 512) fault("EREPORT: OUTPUTDATA (RDX) not 512-byte aligned");
  const uint8_t *ti = (const uint8_t *)ti_addr;
  const emu_secs *s = &emu.secs;
  uint8_t rep[EMU_REPORT_LEN], key[16];
  memset(rep, 0, sizeof rep);
  memcpy(rep + 0, emu.cpusvn, 16);
  le32(rep + 16, s->miscselect);
  memcpy(rep + 32, s->isvextprodid, 16);
  le64(rep + 48, s->flags);
  le64(rep + 56, s->xfrm);
  memcpy(rep + 64, s->mrenclave, 32);
  memcpy(rep + 128, s->mrsigner, 32);
  memcpy(rep + 192, s->configid, 64);
  le16(rep + 256, s->isvprodid);
  le16(rep + 258, s->isvsvn);
  le16(rep + 260, s->configsvn);
  memcpy(rep + 304, s->isvfamilyid, 16);
  memcpy(rep + 320, (const uint8_t *)data_addr, 64);
  memcpy(rep + 384, emu.report_keyid, 32);
  /* The report key of the target, as its EGETKEY(REPORT) will derive it. */
  emu_deps d;
  report_deps(&d, ti, rd64(ti + 32), rd64(ti + 40), rd32(ti + 52), ti + 64, rd16(ti + 50),
              emu.report_keyid);
  if (derive(&d, key) != 0 || cmac(key, rep, EMU_REPORT_BODY_LEN, rep + 416) != 0)
    fault("EREPORT: emulator crypto failed");
  memcpy((uint8_t *)out_addr, rep, sizeof rep);
}

static int cpusvn_beyond(const uint8_t req[16]) {
  for (int i = 0; i < 16; i++)
    if (req[i] > emu.cpusvn[i]) return 1;
  return 0;
}

/* Status of EGETKEY; 0 with the key in key. */
static uint64_t egetkey(const uint8_t *kr, uint8_t key[16]) {
  const emu_secs *s = &emu.secs;
  uint16_t name = rd16(kr), policy = rd16(kr + 2), isvsvn = rd16(kr + 4);
  uint16_t configsvn = rd16(kr + 76);
  const uint8_t *cpusvn = kr + 8, *keyid = kr + 40;
  uint64_t mask_flags = rd64(kr + 24), mask_xfrm = rd64(kr + 32);
  uint32_t miscmask = rd32(kr + 72);
  if (!all_zero(kr + 6, 2) || !all_zero(kr + 78, EMU_KEYREQ_LEN - 78))
    fault("EGETKEY: KEYREQUEST reserved bytes not zero");
  if (policy & P_RESERVED) fault("EGETKEY: KEYPOLICY reserved bits not zero");
  if (!(s->flags & F_KSS) && ((policy & P_KSS_BITS) || configsvn > 0))
    fault("EGETKEY: KSS key policy or CONFIGSVN without ATTRIBUTES.KSS");
  emu_deps d;
  memset(&d, 0, sizeof d);
  switch (name) {
    case K_REPORT:
      report_deps(&d, s->mrenclave, s->flags, s->xfrm, s->miscselect, s->configid,
                  s->configsvn, keyid);
      return derive(&d, key) == 0 ? 0 : (fault("EGETKEY: emulator crypto failed"), 0);
    case K_EINITTOKEN:
      if (!(s->flags & F_EINITTOKENKEY)) return E_INVALID_ATTRIBUTE;
      break;
    case K_PROVISION:
    case K_PROVISION_SEAL:
      if (!(s->flags & F_PROVISIONKEY)) return E_INVALID_ATTRIBUTE;
      break;
    case K_SEAL: break;
    default: return E_INVALID_KEYNAME;
  }
  if (cpusvn_beyond(cpusvn)) return E_INVALID_CPUSVN;
  if (isvsvn > s->isvsvn) return E_INVALID_ISVSVN;
  if (name == K_SEAL && configsvn > s->configsvn) return E_INVALID_ISVSVN;
  /* Attributes that are always in the key: INIT and DEBUG. */
  d.keyname = name;
  d.attr_flags = (mask_flags | F_INIT | F_DEBUG) & s->flags;
  d.attr_xfrm = mask_xfrm & s->xfrm;
  d.mask_flags = mask_flags;
  d.mask_xfrm = mask_xfrm;
  d.miscselect = miscmask & s->miscselect;
  d.miscmask = ~miscmask;
  d.isvsvn = isvsvn;
  memcpy(d.cpusvn, cpusvn, 16);
  memcpy(d.keyid, keyid, 32);
  if (name == K_SEAL) {
    d.keypolicy = policy;
    if (policy & P_MRENCLAVE) memcpy(d.mrenclave, s->mrenclave, 32);
    if (policy & P_MRSIGNER) memcpy(d.mrsigner, s->mrsigner, 32);
    if (policy & P_ISVFAMILYID) memcpy(d.isvfamilyid, s->isvfamilyid, 16);
    if (!(policy & P_NOISVPRODID)) d.isvprodid = s->isvprodid;
    if (policy & P_CONFIGID) {
      memcpy(d.configid, s->configid, 64);
      d.configsvn = configsvn;
    }
    if (policy & P_ISVEXTPRODID) memcpy(d.isvextprodid, s->isvextprodid, 16);
  } else {
    /* EINITTOKEN, PROVISION*: MRSIGNER and ISVPRODID, never MRENCLAVE. */
    memcpy(d.mrsigner, s->mrsigner, 32);
    d.isvprodid = s->isvprodid;
    if (name != K_EINITTOKEN) d.miscmask = 0;
  }
  if (derive(&d, key) != 0) fault("EGETKEY: emulator crypto failed");
  return 0;
}

#define RFLAGS_CLEARED 0x8D5ULL /* CF PF AF ZF SF OF */
#define RFLAGS_ZF 0x40ULL

static void do_egetkey(greg_t *g) {
  uintptr_t req = (uintptr_t)g[REG_RBX], out = (uintptr_t)g[REG_RCX];
  if (req % 512) fault("EGETKEY: KEYREQUEST (RBX) not 512-byte aligned");
  if (out % 16) fault("EGETKEY: OUTPUTDATA (RCX) not 16-byte aligned");
  uint8_t key[16];
  uint64_t status = egetkey((const uint8_t *)req, key);
  if (status == 0) memcpy((uint8_t *)out, key, 16);
  memset(key, 0, sizeof key);
  uint64_t flags = (uint64_t)g[REG_EFL] & ~RFLAGS_CLEARED;
  g[REG_EFL] = (greg_t)(status ? flags | RFLAGS_ZF : flags);
  g[REG_RAX] = (greg_t)status;
}

/* What handled SIGILL and SIGSEGV before us (ASan's handler, say): a
 * fault that is not an ENCLU goes back to it. */
static struct sigaction before_ill, before_segv;

static int at_enclu(int sig, const siginfo_t *info, const uint8_t *ip) {
  /* A SIGSEGV from a page fault (SEGV_MAPERR, SEGV_ACCERR) is a real one,
   * and its RIP may not be readable: look only at a #GP's. */
  if (sig == SIGSEGV && info->si_code != SI_KERNEL) return 0;
  return ip[0] == 0x0f && ip[1] == 0x01 && ip[2] == 0xd7;
}

static void on_fault(int sig, siginfo_t *info, void *uc_void) {
  ucontext_t *uc = uc_void;
  greg_t *g = uc->uc_mcontext.gregs;
  const uint8_t *ip = (const uint8_t *)g[REG_RIP];
  if (!at_enclu(sig, info, ip)) {
    /* a real fault: the instruction runs again under the old handler */
    if (sigaction(sig, sig == SIGILL ? &before_ill : &before_segv, NULL) != 0) signal(sig, SIG_DFL);
    return;
  }
  if (!emu.ok) {
    char line[256];
    int n = snprintf(line, sizeof line, "enclu_emu: not configured: %s\n", emu.why);
    if (n > 0) (void)!write(2, line, (size_t)n);
    _exit(98);
  }
  switch ((uint32_t)g[REG_RAX]) {
    case 0: do_ereport((uintptr_t)g[REG_RBX], (uintptr_t)g[REG_RCX], (uintptr_t)g[REG_RDX]); break;
    case 1: do_egetkey(g); break;
    default: fault("ENCLU: leaf not emulated");
  }
  g[REG_RIP] += 3;
}

__attribute__((constructor)) static void enclu_emu_init(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  (void)enclu_emu_reload();
  if (sigaction(SIGILL, &sa, &before_ill) != 0 || sigaction(SIGSEGV, &sa, &before_segv) != 0)
    _exit(97);
}
