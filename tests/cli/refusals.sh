# Each refusal class once, each flipping one condition against a working
# setup: a build not in the policy, another platform secret, an expired
# challenge, a replayed RESPONSE, a downgrade, a stale chain head, a chain
# head that goes back. After each, the receiver's
# store holds nothing and the sender still holds its key.
. "$(dirname "$0")/lib.sh"
WINDOW=3
cli_env 3 "$WINDOW" old,new

pub=$(init_store old "$W/old")
start_serve old "$W/old"

# refused RECEIVE_BUILD NAME STORE [options]: receive fails naming NAME
refused() {
  build=$1 name=$2 store=$3
  shift 3
  receive "$build" "$store" "$@" && fail "$name: receive succeeded"
  expect_in "$name (receiver)" "$name" "$W/receive.log"
  expect_in "$name (sender log)" "refused.*$name" "$W/serve.log"
  [ -z "$(identity "$build" "$store")" ] || fail "$name: the receiver stored a key"
  echo "refused as $name: ok"
}

# 1. A build the policy does not list.
refused rogue receiver-not-in-policy "$W/rogue"

# 2. Another platform: an allowed build on a machine with another platform
# secret (the sim backend makes a fresh one for a new path).
HOME_SECRET=$SECRET
SECRET=$W/other-platform-secret
refused new report-mac "$W/other"
SECRET=$HOME_SECRET

# 3. A challenge held past the response window.
# shellcheck disable=SC2046
"$RAW_CLIENT" hold $(( (WINDOW + 2) * 1000 )) --from "$SOCK" --store "$W/holder" $(gov_args) \
  $(tee_args new) >"$W/hold.out" 2>&1 || { cat "$W/hold.out" >&2; fail "hold client"; }
expect_in "expired challenge" "response-after-window" "$W/hold.out"
expect_in "expired challenge (sender log)" "refused.*response-after-window" "$W/serve.log"
echo "refused as response-after-window: ok"

# 4. A replayed RESPONSE: on its own connection it is a replay; on another
# connection its challenge is unknown (challenges belong to a connection).
# shellcheck disable=SC2046
"$RAW_CLIENT" replay - --from "$SOCK" --store "$W/replayer" $(gov_args) $(tee_args new) \
  >"$W/replay.out" 2>&1 || { cat "$W/replay.out" >&2; fail "replay client"; }
expect_in "replay (same connection)" "same connection: challenge-replayed" "$W/replay.out"
expect_in "replay (new connection)" "new connection: challenge-unknown" "$W/replay.out"
echo "refused as challenge-replayed: ok"

[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
stop_serve

# 5. A downgrade: the new build holds the key and the old one asks.
init_store new "$W/newer" >/dev/null
start_serve new "$W/newer"
refused old receiver-not-newer "$W/older"
stop_serve

# 6. A stale chain head: the sender's newest block is 8 days old (the
# policy allows 7): serve refuses to start with it, naming the check,
# instead of refusing every HELLO as chain-head-stale (the per-message
# check itself: tests/proto). (A store of its own: the old one recorded a
# newer head, which would be refused as going back in time first.)
init_store old "$W/staleold" >/dev/null
rm -f "$SOCK"
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/staleold" --listen "unix:$SOCK" $(gov_args) \
  --chain-head "$(head_at $(( 8 * 86400 * 1000 )))" $(tee_args old) >"$W/stale.out" 2>&1 &&
  fail "serve started with a stale chain head"
expect_in "stale chain head at start" "max_chain_lag" "$W/stale.out"
[ ! -e "$SOCK" ] || fail "serve listened with a stale chain head"
echo "refused to start with a stale chain head: ok"

# 7. A chain head that goes back: --chain-head-file is re-read for each
# connection, and the store refuses a lower block number than it saw.
top=$(( $(now_ms) / 1000 ))
echo "$top:$((top * 1000))" >"$W/head"
rm -f "$SOCK"
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --socket "$SOCK" $(gov_args) --chain-head-file "$W/head" \
  $(tee_args old) >>"$W/serve.log" 2>&1 &
SERVE_PID=$!
i=0
until [ -S "$SOCK" ]; do
  i=$((i + 1)); [ "$i" -gt "$SERVE_START_TENTHS" ] && fail "serve did not listen"; sleep 0.1
done
echo "$((top - 1)):$(now_ms)" >"$W/head"
receive new "$W/rolled" && fail "chain head rollback: receive succeeded"
expect_in "chain head rollback (sender log)" "refused: recording chain head $((top - 1))" "$W/serve.log"
[ -z "$(identity new "$W/rolled")" ] || fail "chain head rollback: the receiver stored a key"
echo "refused a chain head going back: ok"

# 8. A chain head from the future (a typo in its time): refused before it
# is recorded, so the store keeps the head it had.
future=$(( top + 1 )):$(( $(now_ms) + 86400 * 1000 ))
echo "$future" >"$W/head"
receive new "$W/future" && fail "future chain head: receive succeeded"
expect_in "future chain head" chain-head-in-future "$W/receive.log"
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/old" $(tee_args old) >"$W/status-old.out" 2>&1
expect_in "future head not recorded" "chain head      $top:" "$W/status-old.out"
echo "refused a chain head from the future: ok"
stop_serve
[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
echo "refusals: ok"
