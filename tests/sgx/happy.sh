# A production handover with --tee sgx (DEBUG clear) between two emulated
# enclaves: init, status, serve --once, receive, over the Unix socket and
# over TCP loopback; the stores hold the one identity, each sealed to its
# own build.
. "$(dirname "$0")/lib.sh"
# the old store hands over twice (Unix socket, then TCP): it must not retire
export HV_AFTER_HANDOVER=keep
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

# The same over TCP on loopback, as two enclaves under Gramine meet.
t=$(head_at 60000)
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --listen tcp:127.0.0.1:0 $(gov_args) \
  --chain-head "$t" $(tee_args old) --once >"$W/serve-tcp.log" 2>&1 &
SERVE_PID=$!
i=0
until addr=$(sed -n 's/.*serve: listening on \(tcp:127\.0\.0\.1:[0-9]*\),.*/\1/p' \
  "$W/serve-tcp.log") && [ -n "$addr" ]; do
  kill -0 "$SERVE_PID" 2>/dev/null || { SERVE_PID=""; cat "$W/serve-tcp.log" >&2; fail "serve (tcp) exited at start"; }
  i=$((i + 1))
  [ "$i" -gt "$SERVE_START_TENTHS" ] && fail "serve (tcp) did not listen"
  sleep 0.1
done
# shellcheck disable=SC2046
"$HANDOVER" receive --connect "$addr" --store "$W/new-tcp" $(gov_args) $(tee_args new) \
  >"$W/receive.log" 2>&1 || { cat "$W/receive.log" >&2; fail "receive over TCP failed"; }
wait "$SERVE_PID" || fail "serve (tcp) --once exited non-zero"
SERVE_PID=""
[ "$(identity new "$W/new-tcp")" = "$pub" ] || fail "the TCP receiver does not hold the identity"
[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
status_of old "$W/new" && fail "the old build unsealed the new build's store"
expect_in "cross status" "sealed by another enclave" "$W/status.out"
echo "sgx happy path: ok"
