/* The council compiled into this build, in the council file format
 * (docs/POLICY.md). Empty here: a development build trusts no council and
 * `--council FILE` must be given. A release build replaces this text with
 * its council (e.g. `cat member-*.pub; echo threshold 2`). */
#include "policy/council_builtin.h"

const char hv_policy_builtin_council_text[] = "";
