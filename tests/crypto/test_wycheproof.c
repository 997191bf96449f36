/* Runs every case of one Wycheproof vector file against src/crypto.
 * usage: test_wycheproof NAME VECTOR_DIR
 * Each file has a known number of cases our wrappers cannot take (for
 * example AES-192-GCM); those are counted as skipped with their reason,
 * and the expected skip count is pinned here so that a change which makes
 * more cases skip (or pass vacuously) fails the test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "wycheproof.h"

typedef struct {
  const char *name;
  const char *file;
  wp_case_fn *fn;
  long expected_skips;
} wp_suite;

static const wp_suite suites[] = {
    {"aead-aes-siv", "aead_aes_siv_cmac_test.json", wp_aead_siv_case, 0},
    {"aes-siv", "aes_siv_cmac_test.json", wp_daead_siv_case, 0},
    {"aes-cmac", "aes_cmac_test.json", wp_cmac_case, 0},
    /* 119 nonces other than 12 bytes, 64 AES-192 keys. */
    {"aes-gcm", "aes_gcm_test.json", wp_gcm_case, 183},
    {"hkdf-sha256", "hkdf_sha256_test.json", wp_hkdf_case, 0},
    {"x25519", "x25519_test.json", wp_x25519_case, 0},
    /* signatures of a length other than 64 bytes. */
    {"ed25519", "ed25519_test.json", wp_ed25519_case, 12},
};

static const wp_suite *chosen;
static const char *vector_dir;

static void test_every_case(void) {
  json_t *root = wp_load(vector_dir, chosen->file);
  wp_tally t = {0};
  wp_each(root, chosen->fn, &t);
  wp_print(chosen->file, &t);
  long declared = wp_declared_tests(root);
  HT_CHECK_EQ_INT(t.failed, 0);
  HT_CHECK_EQ_INT(t.passed + t.failed + t.skipped, declared);
  HT_CHECK_EQ_INT(t.skipped, chosen->expected_skips);
  HT_CHECK(t.passed > 0);
  json_decref(root);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s NAME VECTOR_DIR\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    if (strcmp(suites[i].name, argv[1]) == 0) chosen = &suites[i];
  if (!chosen) {
    fprintf(stderr, "unknown vector set '%s'\n", argv[1]);
    return 2;
  }
  vector_dir = argv[2];
  HT_RUN(test_every_case);
  return HT_DONE();
}
