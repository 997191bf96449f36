# The key moves, it is not copied (issue 11), with the real binaries:
# a lone DONE completes nothing; --expect-identity refuses another
# identity before anything is stored; one KEY is out at a time; after the
# handover the sender
# retires (tombstone, serve exits 0 with a final line), status shows the
# tombstone, the retired store refuses serve by name, a second receiver
# gets nothing; a deleted or swapped state file is refused by name.
. "$(dirname "$0")/lib.sh"
cli_env 3 60 old,new

raw() { # raw MODE ARG: raw_client against the sender, output in $W/raw.out
  # shellcheck disable=SC2046
  "$RAW_CLIENT" "$1" "$2" --from "$SOCK" --store "$W/raw" $(gov_args) $(tee_args new) \
    >"$W/raw.out" 2>&1
}
serve_alive() { kill -0 "$SERVE_PID" 2>/dev/null; }

pub=$(init_store old "$W/old")
[ -f "$W/old/state" ] || fail "init wrote no state file"
start_serve old "$W/old"

# A lone DONE (no HELLO, no KEY): refused, nothing completes, still serving.
raw frame lone-done || { cat "$W/raw.out" >&2; fail "raw lone-done"; }
expect_in "lone DONE" "unexpected-message" "$W/raw.out"
serve_alive || fail "a lone DONE stopped the sender"
grep -q "handover complete" "$W/serve.log" && fail "a lone DONE completed a handover"

# --expect-identity: malformed is a usage error; another identity is
# refused before anything is stored, and the sender keeps its key.
other=$(printf '%064d' 7)
receive new "$W/new" --expect-identity nothex && fail "a malformed --expect-identity was taken"
[ $? -eq 2 ] || fail "a malformed --expect-identity: not a usage error"
if receive new "$W/new" --expect-identity "$other"; then fail "another identity was taken"; fi
expect_in "expect-identity" "identity-mismatch" "$W/receive.log"
[ -z "$(identity new "$W/new")" ] || fail "a refused identity was stored"
serve_alive || fail "the sender stopped after a refused KEY"

# One KEY out at a time: while a receiver holds its KEY (no DONE), a
# second one is refused; once that connection ends, the handover can run.
rm -f "$W/release"
# shellcheck disable=SC2046
"$RAW_CLIENT" hold-key "$W/release" --from "$SOCK" --store "$W/holder" $(gov_args) \
  $(tee_args new) >"$W/hold.out" 2>&1 &
hold_pid=$!
i=0
until grep -q "KEY held" "$W/hold.out"; do
  i=$((i + 1)); [ "$i" -gt "$SERVE_START_TENTHS" ] && { cat "$W/hold.out" >&2; fail "no KEY held"; }
  kill -0 "$hold_pid" 2>/dev/null || { cat "$W/hold.out" >&2; fail "hold-key exited"; }
  sleep 0.1
done
if receive new "$W/new"; then fail "a second KEY went out while one awaited its DONE"; fi
expect_in "second receiver" "handover-in-progress" "$W/receive.log"
closed=$(grep -c "peer closed the connection" "$W/serve.log")
touch "$W/release"
wait "$hold_pid" || fail "hold-key failed"
# The sender gives the claim up when it sees that connection close.
i=0
until [ "$(grep -c "peer closed the connection" "$W/serve.log")" -gt "$closed" ]; do
  i=$((i + 1)); [ "$i" -gt "$SERVE_EXIT_TENTHS" ] && fail "the sender did not see the holder close"
  sleep 0.1
done
serve_alive || fail "the sender stopped without a DONE"

# The move: the receiver names the identity; the sender retires and exits 0.
cp -p "$W/old/identity" "$W/identity.before" || fail "cp"
receive new "$W/new" --expect-identity "$pub" || { cat "$W/receive.log" >&2; fail "receive"; }
i=0
while serve_alive; do
  i=$((i + 1)); [ "$i" -gt "$SERVE_EXIT_TENTHS" ] && fail "the retired sender did not exit"
  sleep 0.1
done
wait "$SERVE_PID"
st=$?
SERVE_PID=""
[ "$st" -eq 0 ] || fail "the retired sender exited $st"
tail -n 1 "$W/serve.log" | grep -q "serve: retired: the key moved to" ||
  fail "the sender's last line does not say it retired"
expect_in "serve log" "signed by the identity" "$W/serve.log"
[ "$(identity new "$W/new")" = "$pub" ] || fail "the new store does not hold the identity"
[ -e "$W/old/identity" ] && fail "the retired store still holds its sealed secret"

# status shows the tombstone (text and JSON), and exits 0.
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/old" $(tee_args old) >"$W/status.txt" || fail "status of the retired store"
expect_in "status" "state           retired" "$W/status.txt"
expect_in "status" "moved to        mr_enclave" "$W/status.txt"
expect_in "status" "transcript      " "$W/status.txt"
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/old" --json $(tee_args old) >"$W/status.json" || fail "status --json"
expect_in "status --json" '"state":"retired","tombstone":{' "$W/status.json"
expect_in "status --json" "\"identity\":\"$pub\"" "$W/status.json"

# The retired store refuses serve by name; a second receiver gets nothing.
# shellcheck disable=SC2046
if "$HANDOVER" serve --store "$W/old" --socket "$SOCK" $(gov_args) \
     --chain-head "$(now_ms):$(($(now_ms) - 60000))" $(tee_args old) >"$W/serve2.log" 2>&1; then
  fail "a retired store served again"
fi
expect_in "serve a retired store" "store retired" "$W/serve2.log"
if receive new "$W/second"; then fail "a second receiver got the key"; fi
[ -z "$(identity new "$W/second")" ] || fail "a second receiver stored an identity"
# Deleting the tombstone and putting the old identity file back (the state
# untouched) does not bring the key back: the state recorded the move.
mv "$W/old/tombstone" "$W/tombstone.kept" || fail "mv"
cp -p "$W/identity.before" "$W/old/identity" || fail "cp"
# shellcheck disable=SC2046
if "$HANDOVER" serve --store "$W/old" --socket "$SOCK" $(gov_args) \
     --chain-head "$(now_ms):$(($(now_ms) - 60000))" $(tee_args old) >"$W/serve2.log" 2>&1; then
  fail "a store whose tombstone was deleted served again"
fi
expect_in "tombstone deleted" "its tombstone is missing" "$W/serve2.log"

# The store cannot be reset by deleting or swapping files.
init_store old "$W/gone" >/dev/null
rm "$W/gone/state"
# shellcheck disable=SC2046
if "$HANDOVER" status --store "$W/gone" $(tee_args old) >"$W/gone.out" 2>&1; then
  fail "a store without its state was taken"
fi
expect_in "deleted state" "state file missing" "$W/gone.out"
start_serve_fails() { # STORE: serve must refuse it; output in $W/serve3.log
  # shellcheck disable=SC2046
  if "$HANDOVER" serve --store "$1" --socket "$SOCK" $(gov_args) \
       --chain-head "$(now_ms):$(($(now_ms) - 60000))" $(tee_args old) >"$W/serve3.log" 2>&1; then
    fail "serve took $1"
  fi
}
start_serve_fails "$W/gone"
expect_in "serve, deleted state" "state file missing" "$W/serve3.log"
init_store old "$W/a" >/dev/null
init_store old "$W/b" >/dev/null
cp "$W/b/state" "$W/a/state"
start_serve_fails "$W/a"
expect_in "serve, another worker's state" "state belongs to another worker" "$W/serve3.log"
# after_handover keep: today's behaviour, the fork the README warns of.
mkdir "$W/gov-keep" || fail "mkdir"
# shellcheck disable=SC2154 # ports: the NTS-KE ports cli_env started
HV_AFTER_HANDOVER=keep "$MAKE_GOV" "$W/gov-keep" 1 60 "$ports" old,new || fail "make_gov keep"
grep -q "^after_handover keep$" "$W/gov-keep/policy.txt" || fail "no after_handover line"
mv "$W/gov" "$W/gov-retire" || fail "mv"
mv "$W/gov-keep" "$W/gov" || fail "mv"
init_store old "$W/k-old" >/dev/null
start_serve old "$W/k-old"
receive new "$W/k-new1" || { cat "$W/receive.log" >&2; fail "receive under keep"; }
receive new "$W/k-new2" || { cat "$W/receive.log" >&2; fail "a second receive under keep"; }
serve_alive || fail "a keeping sender stopped"
expect_in "keep" "after_handover keep: still serving" "$W/serve.log"
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/k-old" $(tee_args old) | grep -q "^state  *serving" ||
  fail "a keeping sender's store is not serving"
stop_serve
echo "move: ok"
