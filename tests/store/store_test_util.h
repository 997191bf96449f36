/* Helpers shared by the store tests and the crasher: temp directories,
 * sim TEEs with chosen identities, file bytes. */
#ifndef HANDOVER_TESTS_STORE_UTIL_H
#define HANDOVER_TESTS_STORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handover/store.h"
#include "handover/tee.h"

#define ST_PATH_MAX 512

/* A sim enclave whose mr_enclave is 32 bytes of `tag`. */
static inline hv_tee *st_tee(const char *secret_path, uint8_t tag) {
  hv_tee_measurement m;
  memset(&m, 0, sizeof m);
  memset(m.mr_enclave, tag, sizeof m.mr_enclave);
  memset(m.mr_signer, 0x5a, sizeof m.mr_signer);
  m.isv_prod_id = 1;
  m.isv_svn = 1;
  hv_tee *tee = NULL;
  hv_tee_error err = hv_tee_open_sim(secret_path, &m, &tee);
  if (err != HV_TEE_OK) {
    fprintf(stderr, "cannot open sim TEE: %s\n", hv_tee_error_name(err));
    exit(2);
  }
  return tee;
}

static inline void st_join(char out[ST_PATH_MAX], const char *dir, const char *name) {
  int n = snprintf(out, ST_PATH_MAX, "%s/%s", dir, name);
  if (n < 0 || n >= ST_PATH_MAX) {
    fprintf(stderr, "path too long: %s/%s\n", dir, name);
    exit(2);
  }
}

/* The chain head the crasher writes for block k: a time that ties the
 * two fields together so a mix of two writes would show. */
static inline uint64_t st_block_time(uint64_t k) { return k ? k * 1000 + 7 : 0; }

/* The tombstone the retirement tests record (identity_pub is the store's). */
static inline hv_store_tombstone st_tombstone(void) {
  hv_store_tombstone t;
  memset(&t, 0, sizeof t);
  memset(t.receiver.mr_enclave, 0xb2, sizeof t.receiver.mr_enclave);
  memset(t.receiver.mr_signer, 0x5a, sizeof t.receiver.mr_signer);
  t.receiver.isv_prod_id = 1;
  t.receiver.isv_svn = 2;
  t.time_ms = 1800000001300ULL;
  memset(t.transcript_hash, 0x7c, sizeof t.transcript_hash);
  return t;
}

#endif
