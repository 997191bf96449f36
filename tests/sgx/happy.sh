# A production handover with --tee sgx (DEBUG clear) between two emulated
# enclaves: init, status, serve --once, receive; both stores hold the one
# identity, each sealed to its own build.
. "$(dirname "$0")/lib.sh"
sgx_env 3 60 old,new

pub=$(init_store old "$W/old")
[ ${#pub} -eq 64 ] || fail "init printed '$pub', not a 64-digit key"
status_of old "$W/old" || { cat "$W/status.out" >&2; fail "status"; }
expect_in status "tee             sgx-dcap$" "$W/status.out"
expect_in status "identity check  ok" "$W/status.out"
expect_in status "sealing         current" "$W/status.out"

start_serve old "$W/old" "" --once
receive new "$W/new" || { cat "$W/receive.log" >&2; fail "receive failed"; }
expect_in receive "handover complete" "$W/receive.log"
i=0
while kill -0 "$SERVE_PID" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -gt "$SERVE_EXIT_TENTHS" ] && fail "serve --once did not exit"
  sleep 0.1
done
wait "$SERVE_PID" || fail "serve exited $?"
SERVE_PID=""
grep -q "dev mode" "$W/serve.log" && fail "a production sender logged dev mode"

[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the identity"
[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
status_of old "$W/new" && fail "the old build unsealed the new build's store"
expect_in "cross status" "sealed by another enclave" "$W/status.out"
echo "sgx happy path: ok"
