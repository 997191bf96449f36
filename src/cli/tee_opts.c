#include "cli/tee_opts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "handover/session.h"
#include "sys/sys.h"

void cli_tee_opts_init(cli_tee_opts *o) {
  memset(o, 0, sizeof *o);
  cli_opt t[] = {
      {"tee", "sim|sgx", "the TEE backend (default sgx)", &o->tee, NULL},
      {"platform-secret", "FILE", "sim: the platform secret (must exist, see below)",
       &o->platform_secret, NULL},
      {"create-platform-secret", NULL, "sim: make --platform-secret (0600) if absent",
       NULL, &o->create_platform_secret},
      {"mr-enclave", "HEX", "sim: this build's MRENCLAVE (64 hex digits)",
       &o->mr_enclave, NULL},
      {"build-name", "NAME", "sim: MRENCLAVE = SHA-256(\"" CLI_SIM_BUILD_PREFIX "\"+NAME)",
       &o->build_name, NULL},
      {"mr-signer", "HEX", "sim: MRSIGNER (64 hex digits, default zeros)",
       &o->mr_signer, NULL},
      {"isv-prod-id", "N", "sim: ISVPRODID (0..65535, default 0)", &o->isv_prod_id, NULL},
      {"isv-svn", "N", "sim: ISVSVN (0..65535, default 0)", &o->isv_svn, NULL},
      {NULL, NULL, NULL, NULL, NULL},
  };
  memcpy(o->table, t, sizeof t);
}

int cli_sim_build_measurement(const char *name, uint8_t out[HV_TEE_MR_LEN]) {
  return hv_session_sim_build_measurement(name, out);
}

static bool parse_u16(const char *command, const char *opt, const char *s, uint16_t *out) {
  uint64_t v = 0;
  if (s && !hv_sys_parse_u64(s, UINT16_MAX, &v)) {
    fprintf(stderr, "handover %s: --%s '%s' is not a number in 0..65535\n",
            command, opt, s);
    return false;
  }
  *out = (uint16_t)v;
  return true;
}

static bool sim_identity(const cli_tee_opts *o, const char *command, hv_tee_measurement *m) {
  memset(m, 0, sizeof *m);
  if (o->mr_enclave && o->build_name) {
    fprintf(stderr, "handover %s: give --mr-enclave or --build-name, not both\n", command);
    return false;
  }
  if (o->mr_enclave &&
      !hv_sys_unhex(o->mr_enclave, strlen(o->mr_enclave), m->mr_enclave, HV_TEE_MR_LEN)) {
    fprintf(stderr, "handover %s: --mr-enclave must be 64 hex digits\n", command);
    return false;
  }
  if (o->build_name && cli_sim_build_measurement(o->build_name, m->mr_enclave) != 0) {
    fprintf(stderr, "handover %s: hashing --build-name failed\n", command);
    return false;
  }
  if (o->mr_signer &&
      !hv_sys_unhex(o->mr_signer, strlen(o->mr_signer), m->mr_signer, HV_TEE_MR_LEN)) {
    fprintf(stderr, "handover %s: --mr-signer must be 64 hex digits\n", command);
    return false;
  }
  return parse_u16(command, "isv-prod-id", o->isv_prod_id, &m->isv_prod_id) &&
         parse_u16(command, "isv-svn", o->isv_svn, &m->isv_svn);
}

static bool any_sim_option(const cli_tee_opts *o) {
  return o->platform_secret || o->create_platform_secret || o->mr_enclave ||
         o->build_name || o->mr_signer || o->isv_prod_id || o->isv_svn;
}

/* A typo in the path would otherwise make a new "platform" whose keys
 * unseal nothing the real one sealed. */
static bool platform_secret_present(const cli_tee_opts *o, const char *command) {
  struct stat st;
  if (o->create_platform_secret || stat(o->platform_secret, &st) == 0) return true;
  if (errno == ENOENT)
    fprintf(stderr, "handover %s: --platform-secret %s does not exist (give "
            "--create-platform-secret to make a new sim platform)\n", command,
            o->platform_secret);
  else
    fprintf(stderr, "handover %s: --platform-secret %s: %s\n", command, o->platform_secret,
            strerror(errno));
  return false;
}

bool cli_tee_opts_check(const cli_tee_opts *o, const char *command) {
  const char *kind = o->tee ? o->tee : "sgx";
  if (!strcmp(kind, "sim")) {
    hv_tee_measurement m;
    if (!o->platform_secret) {
      fprintf(stderr, "handover %s: --tee sim needs --platform-secret FILE\n", command);
      return false;
    }
    return sim_identity(o, command, &m) && platform_secret_present(o, command);
  }
  if (!strcmp(kind, "sgx")) {
    if (!any_sim_option(o)) return true;
    fprintf(stderr, "handover %s: the sim options (--platform-secret, --mr-enclave, ...) "
            "do not apply to --tee sgx (the CPU measures the enclave)\n", command);
    return false;
  }
  fprintf(stderr, "handover %s: --tee must be sim or sgx, not '%s'\n", command, kind);
  return false;
}

int cli_tee_open(const cli_tee_opts *o, const char *command, hv_tee **out) {
  if (!cli_tee_opts_check(o, command)) return -1;
  const char *kind = o->tee ? o->tee : "sgx";
  hv_tee_error err;
  if (!strcmp(kind, "sim")) {
    hv_tee_measurement m;
    (void)sim_identity(o, command, &m); /* checked above */
    bool given = o->mr_enclave || o->build_name || o->mr_signer || o->isv_prod_id ||
                 o->isv_svn;
    err = hv_tee_open_sim(o->platform_secret, given ? &m : NULL, out);
  } else {
    err = hv_tee_open_sgx(out);
  }
  if (err != HV_TEE_OK) {
    fprintf(stderr, "handover %s: opening the %s TEE failed: %s: %s\n", command, kind,
            hv_tee_error_name(err), hv_tee_error_text(err));
    if (err == HV_TEE_ERR_NOT_ENCLAVE)
      fprintf(stderr, "handover %s: hint: --tee sgx (the default) runs only inside an "
              "SGX enclave (Gramine, see contrib/gramine); to try handover without one, "
              "give --tee sim --platform-secret FILE --create-platform-secret "
              "--build-name NAME (dev mode)\n", command);
    return -1;
  }
  return 0;
}
