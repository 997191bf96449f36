# The happy path: init, serve --once, receive, the same identity on both
# sides, the sender retired (after_handover retire, the default: move.sh
# tests the move itself), the socket 0600, and the log
# naming the peer's pid and uid at each step.
. "$(dirname "$0")/lib.sh"
cli_env 3 60 old,new

pub=$(init_store old "$W/old")
[ ${#pub} -eq 64 ] || fail "init printed '$pub', not a 64-digit key"
# A second init of the same store must refuse, not overwrite.
# shellcheck disable=SC2046
if "$HANDOVER" init --store "$W/old" $(tee_args old) 2>"$W/init2.err"; then
  fail "a second init succeeded"
fi
expect_in "second init" "already stored" "$W/init2.err"

start_serve old "$W/old" "" --once
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] || fail "socket mode $mode, not 600"
# The key is in its memory: no core file may carry it to disk.
core=$(awk '/^Max core file size/ {print $5 " " $6}' "/proc/$SERVE_PID/limits")
[ "$core" = "0 0" ] || fail "serve may dump core (limit '$core')"

receive new "$W/new" || { cat "$W/receive.log" >&2; fail "receive failed"; }
expect_in receive "handover complete" "$W/receive.log"

# --once: the sender exits 0 after the completed handover.
i=0
while kill -0 "$SERVE_PID" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -gt "$SERVE_EXIT_TENTHS" ] && fail "serve --once did not exit"
  sleep 0.1
done
wait "$SERVE_PID"
st=$?
SERVE_PID=""
[ "$st" -eq 0 ] || fail "serve exited $st"
# The sender's queries share one session: the first runs NTS-KE to the
# three servers, the later ones use the cookies it got. A server still
# in NTS-KE when the other two had settled the verdict was abandoned
# without cookies and runs NTS-KE again next time: at most one a query.
expect_in "serve session" "[345] NTS-KE handshakes)" "$W/serve.log"

[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the identity"
[ "$(identity old "$W/old")" = "$pub" ] || fail "the old store forgot which identity it held"
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/old" $(tee_args old) | grep -q "^state  *retired" ||
  fail "the old store is not retired after the handover"
# The new store is sealed to the new build: the old build cannot read it.
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/new" $(tee_args old) >"$W/cross.out" 2>&1 &&
  fail "the old build unsealed the new build's store"
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/new" --json $(tee_args new) >"$W/status.json" ||
  fail "status --json"
expect_in "status --json" "\"identity\":\"$pub\"" "$W/status.json"
expect_in "status --json" '"policy_version":1' "$W/status.json"

for step in "HELLO received" "RESPONSE verified" "DONE received"; do
  grep "$step" "$W/serve.log" | grep -q "pid [0-9]* uid [0-9]*" ||
    fail "serve log: no '$step' line with pid and uid"
done
echo "happy path: ok"
