/* The council compiled into this build: src/policy/council.txt, turned
 * into a string by src/policy/meson.build. Empty in development builds, so
 * that `--council FILE` must be given (dev mode). */
#include "policy/council_builtin.h"
#include "policy/council_builtin_text.h"

const char hv_policy_builtin_council_text[] = HV_POLICY_BUILTIN_COUNCIL_TEXT;
