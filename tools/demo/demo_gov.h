/* Governance for the demo, the benchmark and the tests: a dev council of
 * Ed25519 keys and a policy signed by a threshold of them, written as the
 * files `serve` and `receive` read (docs/POLICY.md formats). */
#ifndef HANDOVER_DEMO_GOV_H
#define HANDOVER_DEMO_GOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Three members, two must sign: a policy needs more than one key. */
#define DEMO_GOV_MEMBERS 3
#define DEMO_GOV_THRESHOLD 2
#define DEMO_GOV_PATH_MAX 300

typedef struct {
  uint64_t version;
  uint32_t response_window_s;  /* 0: the policy default */
  uint32_t min_responses;      /* 0: the policy default */
  const uint16_t *ke_ports;    /* NTS servers on 127.0.0.1 */
  size_t n_servers;
  const char *const *builds;   /* sim build names, oldest first */
  size_t n_builds;
  const char *after_handover;  /* "retire" or "keep"; NULL: the policy default */
  uint64_t expires_unix;       /* 0: DEMO_GOV_LIFETIME_S from the local clock */
  const char *timestamp_key;   /* 64 hex: the policy's timestamp_key; NULL: none */
  bool keep_member_keys;       /* tests: also write member-N.key (0600) to sign
                                  more with `handover policy sign` */
} demo_policy_spec;

/* Every policy expires (POLICY.md); a demo policy lives a year. */
#define DEMO_GOV_LIFETIME_S (365u * 86400)

typedef struct {
  char council[DEMO_GOV_PATH_MAX];
  char policy[DEMO_GOV_PATH_MAX];
  char sig[DEMO_GOV_PATH_MAX];
} demo_gov_files;

/* Writes council.txt, policy.txt and policy.sig into dir; 0 or -1 (and a
 * message on stderr). */
int demo_gov_make(const char *dir, const demo_policy_spec *spec, demo_gov_files *out);

#endif
