/* `handover policy verify|show --json`: one object each (docs/JSON.md). */
#ifndef HANDOVER_CLI_CMD_POLICY_JSON_H
#define HANDOVER_CLI_CMD_POLICY_JSON_H

#include <stdint.h>

#include "handover/policy.h"

/* The verdict: p (NULL for an override or a refusal) and c (the council
 * it was checked against); err the refusal, d and file where it is.
 * 0, or -1 if it could not be written. */
HV_MUST_CHECK int pol_verify_json(const char *policy, const char *council_path, const hv_policy *p,
                                  const hv_policy_council *c, hv_policy_error err,
                                  const hv_policy_diag *d, const char *file, uint64_t expires_unix);
/* The parsed policy; 0, or 1 if it could not be written. */
HV_MUST_CHECK int pol_show_json(const char *path, const hv_policy *p);

#endif
