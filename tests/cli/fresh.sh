# Freshness the host cannot fake (issue 12), each case flipping one thing
# against a working setup: a junk RESPONSE on a challenged connection, an
# absurd chain head, a head going back in time, a head running ahead of
# the block rate, a FIFO as the chain head file (and SIGTERM then), an
# expired policy, NTS servers (and the host) with their clocks 25 days
# back, and certificates that expired 20 days ago revived by such a clock.
. "$(dirname "$0")/lib.sh"
# The old store hands over several times here (policy after_handover keep).
export HV_AFTER_HANDOVER=keep
cli_env 3 60 old,new

pub=$(init_store old "$W/old")
recorded() {
  # shellcheck disable=SC2046
  "$HANDOVER" status --store "$1" $(tee_args old) 2>/dev/null |
    awk '$1 == "chain" && $2 == "head" {print $3}'
}
# fake OFFSET CMD...: CMD with its clock OFFSET (e.g. -25d) away. The
# library is preloaded straight into CMD: the `faketime` wrapper forks, so
# its pid would not be the one to stop.
FAKELIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FAKELIB" ] || fail "libfaketime not found (package faketime)"
# (in the background, spell the env out: $! must be the command itself)
# (ASan builds: libfaketime comes before the ASan runtime, which is fine)
FAKE_ASAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
fake() { off=$1; shift; env LD_PRELOAD="$FAKELIB" FAKETIME="$off" ASAN_OPTIONS="$FAKE_ASAN" "$@"; }

# The block after the one recorded in the old store, a second later (the
# store refuses a head going back, so each start takes the next one).
next_head() { h=$(recorded "$W/old"); m=$((${h%%:*} + 1)); echo "$m:$((m * 1000))"; }
# serve_fails NAME LOG [options]: serve with these options exits non-zero
# (soon: timeout catches a wedged sender) and LOG names NAME.
serve_fails() {
  name=$1 log=$2
  shift 2
  rm -f "$SOCK"
  # shellcheck disable=SC2046
  timeout 30 "$HANDOVER" serve --store "${FAIL_STORE:-$W/old}" --socket "$SOCK" $(gov_args) \
    $(tee_args old) "$@" >"$log" 2>&1
  st=$?
  [ "$st" -ne 124 ] || fail "$name: serve hung"
  [ "$st" -ne 0 ] || fail "$name: serve started"
  expect_in "$name" "$name" "$log"
}

# 1. Only a decoded RESPONSE to a live challenge buys a fresh query: the
# HELLO costs one (nothing to reuse yet), the junk RESPONSE none.
start_serve old "$W/old"
# shellcheck disable=SC2046
"$RAW_CLIENT" frame challenged-junk --from "$SOCK" --store "$W/raw" $(gov_args) \
  $(tee_args new) >"$W/junk.out" 2>&1 || { cat "$W/junk.out" >&2; fail "challenged junk"; }
expect_in "challenged junk" "connection closed" "$W/junk.out"
stop_serve
expect_in "junk after a challenge buys no query" "stopped (1 trusted-time queries" "$W/serve.log"
echo "a junk RESPONSE after a challenge costs no query: ok"

# 2. An absurd block number is refused before it is recorded, and the
# real next block is then still accepted.
before=$(recorded "$W/old")
[ -n "$before" ] || fail "no head recorded"
serve_fails chain-head-jump "$W/absurd.log" --chain-head "10000000000000000000:$(now_ms)"
[ "$(recorded "$W/old")" = "$before" ] || fail "the absurd head was recorded"
n=${before%%:*} t=${before#*:}
# 3. A head whose time goes back is refused whatever its number.
serve_fails chain-head-time-back "$W/back.log" \
  --chain-head "$((n + 1)):$((t - 25 * 86400 * 1000))"
# 4. A number further ahead than the elapsed time allows (1 block a second).
# (the recorded head is a minute old: 30 blocks in 29 s, then in 30 s)
serve_fails chain-head-jump "$W/jump.log" --chain-head "$((n + 30)):$((t + 29 * 1000))"
[ "$(recorded "$W/old")" = "$before" ] || fail "an implausible head was recorded"
start_serve old "$W/old" "$((n + 30)):$((t + 30 * 1000))"
stop_serve
echo "implausible chain heads refused, nothing recorded: ok"

# 5. A FIFO as the chain head file: refused as not a regular file (at
# start, and when it replaces the file while serving), and SIGTERM still
# stops the sender.
mkfifo "$W/fifo" || fail "mkfifo"
serve_fails "not a regular file" "$W/fifo-start.log" --chain-head-file "$W/fifo"
next_head >"$W/head"
rm -f "$SOCK"
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --socket "$SOCK" $(gov_args) --chain-head-file "$W/head" \
  $(tee_args old) >>"$W/serve.log" 2>&1 &
SERVE_PID=$!
i=0
until [ -S "$SOCK" ]; do
  i=$((i + 1)); [ "$i" -gt "$SERVE_START_TENTHS" ] && fail "serve did not listen"; sleep 0.1
done
mv "$W/fifo" "$W/head"
receive new "$W/fifo-new" && fail "FIFO head: receive succeeded"
expect_in "FIFO head (sender log)" "chain head file $W/head: not a regular file" "$W/serve.log"
kill -TERM "$SERVE_PID"
i=0
while kill -0 "$SERVE_PID" 2>/dev/null; do
  i=$((i + 1)); [ "$i" -gt "$SERVE_EXIT_TENTHS" ] && fail "SIGTERM did not stop serve"; sleep 0.1
done
wait "$SERVE_PID"
SERVE_PID=""
rm -f "$W/head"
echo "a FIFO chain head file wedges nothing: ok"

# 6. An expired policy: long expired, serve refuses it at start (below
# the store's time floor); just expired, the sender refuses the HELLO.
mkdir "$W/gov-old" "$W/gov-exp" || fail "mkdir"
ports=$(sed -n 's/^server host=127.0.0.1 port=\([0-9]*\).*/\1/p' "$W/gov/policy.txt" | paste -sd,)
"$MAKE_GOV" "$W/gov-old" 1 60 "$ports" old,new 1000000000 || fail "make_gov"
"$MAKE_GOV" "$W/gov-exp" 1 60 "$ports" old,new $(( $(date +%s) - 5 )) || fail "make_gov"
W_GOV_SAVED=$W/gov
gov_args() {
  echo "--policy $GOVDIR/policy.txt --policy-sig $GOVDIR/policy.sig" \
       "--council $GOVDIR/council.txt --ca $NTSENV_DIR/ca.pem"
}
GOVDIR=$W/gov-old
serve_fails "policy refused: expired" "$W/exp-start.log" --chain-head "$(next_head)"
GOVDIR=$W/gov-exp
start_serve old "$W/old" "$(next_head)"
receive new "$W/exp-new" && fail "expired policy: receive succeeded"
expect_in "expired policy (receiver)" "expired" "$W/receive.log"
expect_in "expired policy (sender log)" "refused.*policy-expired" "$W/serve.log"
[ -z "$(identity new "$W/exp-new")" ] || fail "expired policy: a key was stored"
stop_serve
GOVDIR=$W_GOV_SAVED
echo "expired policies refused: ok"

# The control for what follows: with honest clocks the handover works.
start_serve old "$W/old" "$(next_head)"
receive new "$W/control" || { cat "$W/receive.log" >&2; fail "the control handover"; }
stop_serve
[ "$(identity new "$W/control")" = "$pub" ] || fail "the control handover stored another key"

# 9. A policy with an online timestamp key is in force only with a fresh
# timestamp for exactly that policy.
"$HANDOVER" policy keygen --secret "$W/ts.key" --public "$W/ts.pub" >/dev/null || fail "keygen"
tskey=$(sed -n 's/^member //p' "$W/ts.pub")
mkdir "$W/gov-ts" "$W/gov-ts2" || fail "mkdir"
"$MAKE_GOV" "$W/gov-ts" 1 60 "$ports" old,new 0 "$tskey" || fail "make_gov"
"$MAKE_GOV" "$W/gov-ts2" 2 60 "$ports" old,new 0 "$tskey" || fail "make_gov"
GOVDIR=$W/gov-ts
serve_fails "timestamp_key: reading" "$W/ts-none.log" --chain-head "$(next_head)"
"$HANDOVER" policy timestamp --key "$W/ts.key" --time $(( $(date +%s) - 2 * 86400 )) \
  "$W/gov-ts/policy.txt" >/dev/null || fail "policy timestamp"
serve_fails timestamp-stale "$W/ts-stale.log" --chain-head "$(next_head)"
"$HANDOVER" policy timestamp --key "$W/ts.key" "$W/gov-ts2/policy.txt" >/dev/null ||
  fail "policy timestamp"
serve_fails timestamp-mismatch "$W/ts-other.log" --chain-head "$(next_head)" \
  --policy-timestamp "$W/gov-ts2/policy.txt.ts"
"$HANDOVER" policy timestamp --key "$W/ts.key" "$W/gov-ts/policy.txt" >/dev/null ||
  fail "policy timestamp"
start_serve old "$W/old" "$(next_head)"
receive new "$W/ts-new" || { cat "$W/receive.log" >&2; fail "a fresh timestamp: receive failed"; }
stop_serve
[ "$(identity new "$W/ts-new")" = "$pub" ] || fail "a fresh timestamp: the key did not move"
# A running sender takes a renewed timestamp: started with one that
# trusted time finds 10 s too old (the start check is against the store's
# floor, minutes behind), it refuses, then serves once a fresh one is
# written next to the policy.
"$HANDOVER" policy timestamp --key "$W/ts.key" --time $(( $(date +%s) - 86400 - 10 )) \
  "$W/gov-ts/policy.txt" >/dev/null || fail "policy timestamp"
start_serve old "$W/old" "$(next_head)"
receive new "$W/ts-old-new" && fail "a timestamp too old: receive succeeded"
expect_in "a timestamp too old (receiver)" "policy-expired" "$W/receive.log"
"$HANDOVER" policy timestamp --key "$W/ts.key" "$W/gov-ts/policy.txt" >/dev/null ||
  fail "policy timestamp"
receive new "$W/ts-renewed" || { cat "$W/receive.log" >&2; fail "a renewed timestamp"; }
expect_in "a renewed timestamp" "policy timestamp renewed" "$W/serve.log"
stop_serve
GOVDIR=$W_GOV_SAVED
echo "the online timestamp: ok"

# 10. A council override for a stuck sender (its head is 8 days old): it
# waives chain-head-stale for this identity, from this build, to the
# named build, until it expires; anything else and the check holds.
stuck=$(init_store old "$W/stuck")
build_of() { sed -n "s/^runtime seq=$1 //p" "$W/gov/policy.txt"; }
# override FILE IDENTITY FROM TO EXPIRES: written and signed by two members
override() {
  printf 'override 1\nidentity %s\nfrom %s\nto %s\nwaive chain-head-stale\nexpires %s\n' \
    "$2" "$3" "$4" "$5" >"$1"
  for k in 1 2; do
    "$HANDOVER" policy sign --key "$W/gov/member-$k.key" "$1" >/dev/null || fail "signing $1"
  done
}
stale=$(head_at $(( 8 * 86400 * 1000 )))
later=$(( $(date +%s) + 3600 ))
override "$W/ovr" "$stuck" "$(build_of 1)" "$(build_of 2)" "$later"
override "$W/ovr-id" "$pub" "$(build_of 1)" "$(build_of 2)" "$later"
override "$W/ovr-build" "$stuck" "$(build_of 2)" "$(build_of 1)" "$later"
override "$W/ovr-old" "$stuck" "$(build_of 1)" "$(build_of 2)" 1000000000
override "$W/ovr-to" "$stuck" "$(build_of 1)" \
  "mr_enclave=$(printf 'ab%.0s' $(seq 32)) mr_signer=$(printf '00%.0s' $(seq 32)) isv_prod_id=0 isv_svn=0" \
  "$later"
FAIL_STORE=$W/stuck
serve_fails override-other-identity "$W/ovr-id.log" --chain-head "$stale" --override "$W/ovr-id"
serve_fails override-other-build "$W/ovr-build.log" --chain-head "$stale" \
  --override "$W/ovr-build"
serve_fails "refused: expired" "$W/ovr-old.log" --chain-head "$stale" --override "$W/ovr-old"
FAIL_STORE=""
start_serve old "$W/stuck" "$stale"
refused_stale() {
  receive new "$1" && fail "$2: receive succeeded"
  expect_in "$2" chain-head-stale "$W/receive.log"
  [ -z "$(identity new "$1")" ] || fail "$2: a key was stored"
}
refused_stale "$W/ovr-none" "no override"
stop_serve
start_serve old "$W/stuck" "$stale" --override "$W/ovr-to"
refused_stale "$W/ovr-to-new" "override for another receiver build"
stop_serve
start_serve old "$W/stuck" "$stale" --override "$W/ovr"
expect_in "override in force" "council override in force: waives chain-head-stale" "$W/serve.log"
receive new "$W/ovr-new" || { cat "$W/receive.log" >&2; fail "the override: receive failed"; }
stop_serve
expect_in "override use logged" "override used: the council override waived chain-head-stale" \
  "$W/serve.log"
[ "$(identity new "$W/ovr-new")" = "$stuck" ] || fail "the override: the key did not move"
echo "the council override: ok"

# restart_servers PREFIX...: the same NTS servers again, under PREFIX.
restart_servers() {
  # (not ntsenv_stop: it removes the directory too)
  for p in $NTSENV_PIDS; do kill "$p" 2>/dev/null; done
  for p in $NTSENV_PIDS; do wait "$p" 2>/dev/null; done
  NTSENV_PIDS=""
  for conf in "$W"/nts*.conf; do
    name=$(basename "$conf" .conf)
    ke=$(awk '$1 == "ntsport" {print $2}' "$conf")
    ntp=$(awk '$1 == "port" {print $2}' "$conf")
    ntsenv_chrony "$name" "$ke" "$ntp" "$@" || fail "chronyd $name did not restart"
  done
}

# 7. NTS servers 25 days back: their (agreeing) time is below the floor
# the store recorded (its newest chain head and trusted time): refused by
# name, nothing stored.
restart_servers env LD_PRELOAD="$FAKELIB" FAKETIME=-25d
start_serve old "$W/old" "$(next_head)"
receive new "$W/floor-new" && fail "trusted time below the floor: receive succeeded"
expect_in "below the floor (receiver)" "trusted-time-below-floor" "$W/receive.log"
expect_in "below the floor (sender log)" "below the time floor" "$W/serve.log"
[ -z "$(identity new "$W/floor-new")" ] || fail "below the floor: a key was stored"
stop_serve
echo "trusted time below the floor refused: ok"

# 8. The issue's attack: server certificates that expired 20 days ago
# (their keys kept by the host), servers and both commands with the clock
# 25 days back. A store with today's head cannot even start under that
# clock (today's head is "in the future" of it, an older one goes back in
# time: cases 3 and above), so the host starts a fresh sender store with a
# head that fits its clock. The build's own floor (its release time) is
# then the certificates' lower time bound: no trusted time, no handover.
fake -40d openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$W/old-ca.key" -out "$W/old-ca.pem" -days 60 -subj "/CN=old CA" \
  >/dev/null 2>&1 || fail "old CA"
for conf in "$W"/nts*.conf; do
  name=$(basename "$conf" .conf)
  fake -30d openssl x509 -req -in "$W/$name.csr" -CA "$W/old-ca.pem" \
    -CAkey "$W/old-ca.key" -CAcreateserial -days 10 -extfile "$W/$name.ext" \
    -out "$W/$name.pem" >/dev/null 2>&1 || fail "expired certificate for $name"
done
restart_servers env LD_PRELOAD="$FAKELIB" FAKETIME=-25d
gov_args() {
  echo "--policy $GOVDIR/policy.txt --policy-sig $GOVDIR/policy.sig" \
       "--council $GOVDIR/council.txt --ca $W/old-ca.pem"
}
# shellcheck disable=SC2046
fake -25d "$HANDOVER" init --store "$W/old2" $(tee_args old) >/dev/null || fail "init old2"
rm -f "$SOCK"
# shellcheck disable=SC2046
env LD_PRELOAD="$FAKELIB" FAKETIME=-25d ASAN_OPTIONS="$FAKE_ASAN" "$HANDOVER" serve \
  --store "$W/old2" --socket "$SOCK" $(gov_args) \
  --chain-head "$(head_at $(( 25 * 86400 * 1000 + 60000 )))" $(tee_args old) \
  >>"$W/serve.log" 2>&1 &
SERVE_PID=$!
i=0
until [ -S "$SOCK" ]; do
  kill -0 "$SERVE_PID" 2>/dev/null || { SERVE_PID=""; fail "serve exited at start"; }
  i=$((i + 1)); [ "$i" -gt "$SERVE_START_TENTHS" ] && fail "serve did not listen"; sleep 0.1
done
# shellcheck disable=SC2046
fake -25d "$HANDOVER" receive --from "$SOCK" --store "$W/revived" $(gov_args) \
  $(tee_args new) >"$W/receive.log" 2>&1 && fail "expired certificates: receive succeeded"
expect_in "expired certificates (sender log)" "certificate has expired" "$W/serve.log"
[ -z "$(identity new "$W/revived")" ] || fail "expired certificates: a key was stored"
stop_serve
[ "$(identity old "$W/old")" = "$pub" ] || fail "the sender lost its key"
echo "certificates expired before the floor stay expired: ok"
echo "fresh: ok"
