# The transport that crosses enclaves: a whole handover over TCP on
# loopback (serve --listen, receive --connect), the peer named by its
# address since TCP has no peer credentials, and addresses off this
# machine refused by name before anything starts.
. "$(dirname "$0")/lib.sh"
cli_env 3 60 old,new
pub=$(init_store old "$W/old")
t=$(head_at 60000)

# Refused on the command line (exit 2), naming the address.
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --listen tcp:10.0.0.1:4000 $(gov_args) \
  --chain-head "$t" $(tee_args old) 2>"$W/bad.err"
st=$?
[ "$st" -eq 2 ] || fail "serve --listen tcp:10.0.0.1 exited $st, not 2"
expect_in "not loopback" "listen address 10.0.0.1 is not loopback: the handover is same-machine" \
  "$W/bad.err"
# shellcheck disable=SC2046
"$HANDOVER" receive --connect tcp:localhost:4000 --store "$W/new" $(gov_args) \
  $(tee_args new) 2>"$W/bad.err"
st=$?
[ "$st" -eq 2 ] || fail "receive --connect tcp:localhost exited $st, not 2"
expect_in "a name" "not an address literal" "$W/bad.err"
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --listen tcp:127.0.0.1:0 --socket "$W/s" $(gov_args) \
  --chain-head "$t" $(tee_args old) 2>"$W/bad.err"
st=$?
[ "$st" -eq 2 ] || fail "serve with --listen and --socket exited $st, not 2"
expect_in "both" "exactly one of --listen ADDR and --socket PATH" "$W/bad.err"
[ -e "$W/new" ] && fail "a refused command line made the receiver's store"

# The handover over TCP: the sender picks a free port and logs it.
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --listen tcp:127.0.0.1:0 $(gov_args) \
  --chain-head "$t" $(tee_args old) --once >"$W/serve.log" 2>&1 &
SERVE_PID=$!
i=0
until addr=$(sed -n 's/.*serve: listening on \(tcp:127\.0\.0\.1:[0-9]*\),.*/\1/p' "$W/serve.log") &&
  [ -n "$addr" ]; do
  kill -0 "$SERVE_PID" 2>/dev/null || { SERVE_PID=""; fail "serve exited at start"; }
  i=$((i + 1))
  [ "$i" -gt "$SERVE_START_TENTHS" ] && fail "serve did not listen"
  sleep 0.1
done
# shellcheck disable=SC2046
"$HANDOVER" receive --connect "$addr" --store "$W/new" $(gov_args) $(tee_args new) \
  >"$W/receive.log" 2>&1 || { cat "$W/receive.log" >&2; fail "receive over TCP failed"; }
expect_in receive "connected to $addr (the transport names no peer process)" "$W/receive.log"
expect_in receive "handover complete" "$W/receive.log"
i=0
while kill -0 "$SERVE_PID" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -gt "$SERVE_EXIT_TENTHS" ] && fail "serve --once did not exit"
  sleep 0.1
done
wait "$SERVE_PID" || fail "serve --once exited non-zero"
SERVE_PID=""
expect_in "sender log" "\[conn 1 tcp 127.0.0.1:[0-9]*\] DONE received" "$W/serve.log"
[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the old identity"
echo "tcp: ok"
