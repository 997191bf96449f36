/* `handover time --policy FILE --policy-sig FILE [--council FILE]`: the
 * servers and quorum rules of a policy, verified first, so that an
 * operator can try a policy's trusted time before deploying it. */
#ifndef HANDOVER_CLI_TIME_POLICY_H
#define HANDOVER_CLI_TIME_POLICY_H

#include "handover/timesrc.h"

/* What cli_time_policy_config returns when the files cannot be read or
 * the policy does not verify (exit 1: a refusal); -1 is a usage error. */
#define CLI_TIME_POLICY_REFUSED (-2)

/* Verifies the policy against the council (NULL: the built-in one) and
 * fills cfg with its servers and rules. 0, -1 (no --policy-sig) or
 * CLI_TIME_POLICY_REFUSED, with the file and the reason on stderr. */
HV_MUST_CHECK int cli_time_policy_config(const char *policy_file, const char *sig_file,
                                         const char *council_file, hv_timesrc_config *cfg);

#endif
