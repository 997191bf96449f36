#ifndef HANDOVER_POLICY_COUNCIL_BUILTIN_H
#define HANDOVER_POLICY_COUNCIL_BUILTIN_H

/* NUL-terminated council text; "" when the build has no council. */
extern const char hv_policy_builtin_council_text[];

#endif
