/* Reading Wycheproof test vector files (JSON, through jansson) and
 * keeping the tally of one file's cases: passed, failed, and skipped with
 * the reason. A file's runner must account for every case it holds. */
#ifndef HANDOVER_TESTS_WYCHEPROOF_H
#define HANDOVER_TESTS_WYCHEPROOF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The distinct reasons a runner may skip cases for; each is counted. */
#define WP_MAX_SKIP_REASONS 4

typedef struct {
  long passed;
  long failed;
  long skipped;
  const char *skip_reason[WP_MAX_SKIP_REASONS];
  long skip_count[WP_MAX_SKIP_REASONS];
} wp_tally;

/* A hex field decoded into heap memory (never NULL, even when empty). */
typedef struct {
  uint8_t *data;
  size_t len;
} wp_bytes;

/* Loads DIR/NAME; exits the test with a message when it cannot. */
json_t *wp_load(const char *dir, const char *name);
/* The file's "numberOfTests". */
long wp_declared_tests(const json_t *root);

const char *wp_str(const json_t *obj, const char *field);
long wp_int(const json_t *obj, const char *field);
/* Decodes a hex string field; exits on malformed hex (a broken vector
 * file must fail the test, never pass it). */
wp_bytes wp_hex(const json_t *obj, const char *field);
void wp_free(wp_bytes *b);
bool wp_has_flag(const json_t *test, const char *flag);

/* "valid", "invalid" or "acceptable". */
bool wp_is_valid(const json_t *test);
bool wp_is_acceptable(const json_t *test);

/* Records one case's outcome; a failure prints the case id and why. */
void wp_result(wp_tally *t, const json_t *test, bool ok, const char *what);
void wp_skip(wp_tally *t, const char *reason);
void wp_print(const char *file, const wp_tally *t);

/* Calls fn for every test of every group of the file. */
typedef void wp_case_fn(const json_t *group, const json_t *test, wp_tally *t);
void wp_each(const json_t *root, wp_case_fn *fn, wp_tally *t);

/* The runners, one per vector file (wp_aead.c, wp_other.c). */
wp_case_fn wp_aead_siv_case, wp_daead_siv_case, wp_gcm_case;
wp_case_fn wp_cmac_case, wp_hkdf_case, wp_x25519_case, wp_ed25519_case;

#endif
