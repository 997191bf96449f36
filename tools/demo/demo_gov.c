#include "demo/demo_gov.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/tee_opts.h"
#include "handover/crypto.h"
#include "handover/policy.h"
#include "sys/sys.h"

static int write_text(const char *path, const char *text, size_t len) {
  return hv_sys_replace(path, text, len, 0600);
}

static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap - *len) return -1;
  *len += (size_t)n;
  return 0;
}

static int policy_text(const demo_policy_spec *s, char *buf, size_t cap, size_t *len) {
  *len = 0;
  int rc = append(buf, cap, len, "# handover demo policy (dev mode)\nversion %llu\n",
                  (unsigned long long)s->version);
  uint64_t expires = s->expires_unix ? s->expires_unix
                                     : (uint64_t)time(NULL) + DEMO_GOV_LIFETIME_S;
  rc |= append(buf, cap, len, "expires %llu\n", (unsigned long long)expires);
  if (s->timestamp_key) rc |= append(buf, cap, len, "timestamp_key %s\n", s->timestamp_key);
  if (s->response_window_s)
    rc |= append(buf, cap, len, "response_window_s %u\n", s->response_window_s);
  if (s->min_responses)
    rc |= append(buf, cap, len, "min_responses %u\n", s->min_responses);
  if (s->after_handover)
    rc |= append(buf, cap, len, "after_handover %s\n", s->after_handover);
  for (size_t i = 0; i < s->n_servers; i++)
    rc |= append(buf, cap, len,
                 "server host=127.0.0.1 port=%u operator=demo-op-%zu region=loopback\n",
                 s->ke_ports[i], i + 1);
  char zeros[2 * HV_TEE_MR_LEN + 1];
  memset(zeros, '0', 2 * HV_TEE_MR_LEN);
  zeros[2 * HV_TEE_MR_LEN] = '\0';
  for (size_t i = 0; i < s->n_builds; i++) {
    uint8_t mr[HV_TEE_MR_LEN];
    char hex[2 * HV_TEE_MR_LEN + 1];
    if (cli_sim_build_measurement(s->builds[i], mr) != 0) return -1;
    hv_sys_hex(mr, sizeof mr, hex);
    rc |= append(buf, cap, len,
                 "# build \"%s\"\nruntime seq=%zu mr_enclave=%s mr_signer=%s "
                 "isv_prod_id=0 isv_svn=0\n", s->builds[i], i + 1, hex, zeros);
  }
  return rc;
}

static int path_in(const char *dir, const char *name, char *out) {
  int n = snprintf(out, DEMO_GOV_PATH_MAX, "%s/%s", dir, name);
  return n > 0 && n < DEMO_GOV_PATH_MAX ? 0 : -1;
}

/* The council file and the .sig over text, signed by the threshold. */
/* A member's seed as a secret key file (docs/POLICY.md), for tests. */
static int keep_key(const char *dir, size_t i, const uint8_t seed[HV_ED25519_PRIV_LEN]) {
  char path[DEMO_GOV_PATH_MAX], name[32], text[128];
  char hex[2 * HV_ED25519_PRIV_LEN + 1];
  snprintf(name, sizeof name, "member-%zu.key", i + 1);
  hv_sys_hex(seed, HV_ED25519_PRIV_LEN, hex);
  int n = snprintf(text, sizeof text, "secret_key %s\n", hex);
  int rc = path_in(dir, name, path) == 0 && write_text(path, text, (size_t)n) == 0 ? 0 : -1;
  hv_wipe(hex, sizeof hex);
  hv_wipe(text, sizeof text);
  return rc;
}

static int council_and_sig(const char *text, size_t text_len, char *council, size_t cap,
                           size_t *council_len, char *sig, size_t sig_cap, size_t *sig_len,
                           const char *keys_dir) {
  uint8_t seeds[DEMO_GOV_MEMBERS][HV_ED25519_PRIV_LEN];
  int rc = -1;
  *council_len = 0;
  *sig_len = 0;
  if (append(council, cap, council_len, "threshold %d\n", DEMO_GOV_THRESHOLD) != 0) goto out;
  for (size_t i = 0; i < DEMO_GOV_MEMBERS; i++) {
    uint8_t pub[HV_ED25519_PUB_LEN];
    char hex[2 * HV_ED25519_PUB_LEN + 1];
    if (hv_ed25519_keypair(seeds[i], pub) != 0) goto out;
    hv_sys_hex(pub, sizeof pub, hex);
    if (append(council, cap, council_len, "member %s\n", hex) != 0) goto out;
    if (keys_dir && keep_key(keys_dir, i, seeds[i]) != 0) goto out;
  }
  for (size_t i = 0; i < DEMO_GOV_THRESHOLD; i++) {
    char *next = malloc(sig_cap);
    size_t next_len = 0;
    hv_policy_diag d = {0};
    hv_policy_error pe = next ? hv_policy_sign((const uint8_t *)text, text_len, seeds[i],
                                               (const uint8_t *)sig, *sig_len, next,
                                               sig_cap, &next_len, &d)
                              : HV_POLICY_ERR_NOMEM;
    if (pe == HV_POLICY_OK) {
      memcpy(sig, next, next_len);
      *sig_len = next_len;
    } else {
      fprintf(stderr, "demo: signing the policy: %s (%s)\n", hv_policy_error_name(pe), d.what);
    }
    free(next);
    if (pe != HV_POLICY_OK) goto out;
  }
  rc = 0;
out:
  hv_wipe(seeds, sizeof seeds);
  return rc;
}

int demo_gov_make(const char *dir, const demo_policy_spec *spec, demo_gov_files *out) {
  enum { TEXT_CAP = 16384 };
  char *text = malloc(TEXT_CAP), *council = malloc(TEXT_CAP), *sig = malloc(TEXT_CAP);
  size_t text_len, council_len, sig_len;
  int rc = -1;
  if (!text || !council || !sig) goto out;
  if (policy_text(spec, text, TEXT_CAP, &text_len) != 0 ||
      council_and_sig(text, text_len, council, TEXT_CAP, &council_len, sig, TEXT_CAP,
                      &sig_len, spec->keep_member_keys ? dir : NULL) != 0)
    goto out;
  if (path_in(dir, "council.txt", out->council) != 0 ||
      path_in(dir, "policy.txt", out->policy) != 0 ||
      path_in(dir, "policy.sig", out->sig) != 0 ||
      write_text(out->council, council, council_len) != 0 ||
      write_text(out->policy, text, text_len) != 0 ||
      write_text(out->sig, sig, sig_len) != 0) {
    fprintf(stderr, "demo: writing the governance files into %s failed\n", dir);
    goto out;
  }
  rc = 0;
out:
  free(text);
  free(council);
  free(sig);
  return rc;
}
