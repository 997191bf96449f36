#include "tee.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool unhex(const char *hex, uint8_t *out, size_t n) {
  if (strlen(hex) != 2 * n) return false;
  for (size_t i = 0; i < n; i++) {
    char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
    char *end;
    if (!strchr("0123456789abcdefABCDEF", byte[0]) ||
        !strchr("0123456789abcdefABCDEF", byte[1]))
      return false;
    out[i] = (uint8_t)strtoul(byte, &end, 16);
  }
  return true;
}

static bool u16(const char *s, uint16_t *out) {
  if (!s) return true;
  char *end;
  if (*s < '0' || *s > '9') return false;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || v > 65535) return false;
  *out = (uint16_t)v;
  return true;
}

static int sim_measurement(const hw_config *c, hv_tee_measurement *m, char *err,
                           size_t err_len) {
  memset(m, 0, sizeof m[0]);
  if (!!c->mr_enclave == !!c->build_name) {
    snprintf(err, err_len, "tee = sim: give exactly one of mr_enclave and build_name");
    return -1;
  }
  if (c->mr_enclave && !unhex(c->mr_enclave, m->mr_enclave, HV_TEE_MR_LEN)) {
    snprintf(err, err_len, "mr_enclave must be 64 hex digits");
    return -1;
  }
  if (c->build_name && hv_session_sim_build_measurement(c->build_name, m->mr_enclave) != 0) {
    snprintf(err, err_len, "hashing build_name failed");
    return -1;
  }
  if (c->mr_signer && !unhex(c->mr_signer, m->mr_signer, HV_TEE_MR_LEN)) {
    snprintf(err, err_len, "mr_signer must be 64 hex digits");
    return -1;
  }
  if (!u16(c->isv_prod_id, &m->isv_prod_id) || !u16(c->isv_svn, &m->isv_svn)) {
    snprintf(err, err_len, "isv_prod_id and isv_svn must be numbers in 0..65535");
    return -1;
  }
  return 0;
}

int hw_tee_open(const hw_config *c, hv_tee **out, char *err, size_t err_len) {
  const char *kind = c->tee ? c->tee : "sgx";
  hv_tee_error e;
  if (!strcmp(kind, "sim")) {
    hv_tee_measurement m;
    if (!c->platform_secret) {
      snprintf(err, err_len, "tee = sim needs platform_secret");
      return -2;
    }
    if (sim_measurement(c, &m, err, err_len) != 0) return -2;
    e = hv_tee_open_sim(c->platform_secret, &m, out);
  } else {
    if (c->platform_secret || c->mr_enclave || c->build_name || c->mr_signer ||
        c->isv_prod_id || c->isv_svn) {
      snprintf(err, err_len, "the sim keys do not apply to tee = sgx (the CPU measures "
               "the enclave)");
      return -2;
    }
    e = hv_tee_open_sgx(out);
  }
  if (e != HV_TEE_OK) {
    snprintf(err, err_len, "opening the %s TEE: %s: %s", kind, hv_tee_error_name(e),
             hv_tee_error_text(e));
    return -1;
  }
  return 0;
}
