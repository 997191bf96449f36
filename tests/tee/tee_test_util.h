/* Shared helpers of the tee tests: a private temporary directory and sim
 * enclaves with chosen identities. */
#ifndef HANDOVER_TESTS_TEE_UTIL_H
#define HANDOVER_TESTS_TEE_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handover/tee.h"

static char tt_dir[256];

/* A fresh directory under $TMPDIR (or /tmp), removed by tt_cleanup. */
static inline const char *tt_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  snprintf(tt_dir, sizeof tt_dir, "%s/hv-tee-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tt_dir)) {
    perror("mkdtemp");
    exit(2);
  }
  return tt_dir;
}

static inline void tt_cleanup(void) {
  DIR *d = opendir(tt_dir);
  if (!d) return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", tt_dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(tt_dir);
}

static inline void tt_path(char *out, size_t cap, const char *name) {
  snprintf(out, cap, "%s/%s", tt_dir, name);
}

/* An identity whose measurements are filled with the given bytes. */
static inline hv_tee_measurement tt_identity(uint8_t enclave, uint8_t signer,
                                      uint16_t prod_id, uint16_t svn) {
  hv_tee_measurement m;
  memset(m.mr_enclave, enclave, sizeof m.mr_enclave);
  memset(m.mr_signer, signer, sizeof m.mr_signer);
  m.isv_prod_id = prod_id;
  m.isv_svn = svn;
  return m;
}

/* A sim enclave on the platform secret `secret` (a name in tt_dir). */
static inline hv_tee *tt_open(const char *secret, hv_tee_measurement m) {
  char path[512];
  hv_tee *tee = NULL;
  tt_path(path, sizeof path, secret);
  hv_tee_error err = hv_tee_open_sim(path, &m, &tee);
  if (err != HV_TEE_OK) {
    fprintf(stderr, "hv_tee_open_sim(%s): %s\n", path, hv_tee_error_name(err));
    exit(2);
  }
  return tee;
}

#endif
