# Sealing across a CPU SVN increase (a microcode update), then an ISV SVN
# increase of the same enclave: the store sealed
# under the old CPU SVN still opens, and opening it seals it again under
# the new one (TCB recovery), which status shows once. An interrupted
# re-seal leaves the old file, which still opens. A CPU that runs the old
# CPU SVN again cannot open the re-sealed store, and says why. A handover
# from the re-sealed store works.
. "$(dirname "$0")/lib.sh"
# the old store goes on after its handover here: it must not retire
export HV_AFTER_HANDOVER=keep
sgx_env 3 60 old,new
OLD_SVN=01010101010101010101010101010101
NEW_SVN=01020101010101010101010101010101
HV_EMU_CPUSVN=$OLD_SVN
export HV_EMU_CPUSVN

pub=$(init_store old "$W/old")
status_of old "$W/old" || { cat "$W/status.out" >&2; fail "status before the update"; }
expect_in "before the update" "sealing         current" "$W/status.out"
cp -a "$W/old" "$W/crashed"

HV_EMU_CPUSVN=$NEW_SVN
status_of old "$W/old" || { cat "$W/status.out" >&2; fail "the old seal did not open after the update"; }
expect_in "after the update" "identity check  ok" "$W/status.out"
expect_in "after the update" "re-sealed under this CPU SVN and ISV SVN (TCB recovery): identity" \
  "$W/status.out"
status_of old "$W/old" || fail "status after the re-seal"
expect_in "re-sealed once" "sealing         current" "$W/status.out"

# A crash in the middle of a re-seal leaves at most a temp file beside the
# old one: the old file opens (and is re-sealed), the temp file goes.
printf 'half' >"$W/crashed/.tmp-identity-0011223344556677"
chmod 600 "$W/crashed/.tmp-identity-0011223344556677"
status_of old "$W/crashed" || { cat "$W/status.out" >&2; fail "the store after a crash"; }
expect_in "after a crash" "TCB recovery" "$W/status.out"
[ ! -e "$W/crashed/.tmp-identity-0011223344556677" ] || fail "the crash's temp file stayed"

# Back on the old CPU SVN: refused by name, not as a TEE error.
HV_EMU_CPUSVN=$OLD_SVN
status_of old "$W/old" && fail "a lower CPU SVN opened the re-sealed store"
expect_in "lower CPU SVN" "sealed under a newer CPU SVN than this CPU runs" "$W/status.out"

# The re-sealed store serves its successor on the updated CPU.
HV_EMU_CPUSVN=$NEW_SVN
start_serve old "$W/old" "" --once
receive new "$W/new" || { cat "$W/receive.log" >&2; fail "receive after the update"; }
[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the identity"
stop_serve

# The same enclave re-signed at a higher ISVSVN: the same, for ISVSVN.
HV_EMU_ISVSVN=2
export HV_EMU_ISVSVN
status_of old "$W/old" || { cat "$W/status.out" >&2; fail "the old seal did not open at ISVSVN 2"; }
expect_in "ISVSVN 2" "re-sealed under this CPU SVN and ISV SVN (TCB recovery): identity" \
  "$W/status.out"
HV_EMU_ISVSVN=1
status_of old "$W/old" && fail "ISVSVN 1 opened a store sealed at ISVSVN 2"
expect_in "lower ISVSVN" "sealed at an ISV SVN above this build's" "$W/status.out"
echo "sgx tcb recovery: ok"
