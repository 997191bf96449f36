# What an operator relies on (issue 14): log lines with an RFC 3339 date,
# a level and --log-format json; readiness under systemd (sd_notify);
# every JSON output checked against docs/JSON.md.
# Run as: sh operator.sh HANDOVER MAKE_GOV RAW_CLIENT NTS_ENV_SH
#         JSON_DOC_CHECK NOTIFY_SINK JSON_MD
JSON_CHECK=$5 NOTIFY_SINK=$6 JSON_MD=$7
. "$(dirname "$0")/lib.sh"
# One old store serves several handovers here: it must not retire.
export HV_AFTER_HANDOVER=keep
cli_env 3 60 old,new
SINK_PID=""
operator_cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
  cli_cleanup
}
trap operator_cleanup EXIT
# json_ok ID [--lines] < FILE: FILE's JSON matches docs/JSON.md's table ID.
json_ok() {
  "$JSON_CHECK" "$JSON_MD" "$@" >/dev/null 2>"$W/json.err" || {
    cat "$W/json.err" >&2
    fail "JSON of $1 does not match docs/JSON.md"
  }
}
# wait_for FILE TEXT: until FILE holds TEXT (a guard of 15 s, not a timing).
wait_for() {
  i=0
  until grep -q -- "$2" "$1" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -gt "$SERVE_START_TENTHS" ] && { cat "$1" >&2; fail "no '$2' in $1"; }
    sleep 0.1
  done
}
STAMP='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{3\}Z'

pub=$(init_store old "$W/old")

# 1. A sender under "systemd": NOTIFY_SOCKET set, JSON progress on stdout,
# JSON log lines on stderr.
"$NOTIFY_SINK" "$W/notify.sock" >"$W/notify.out" 2>&1 &
SINK_PID=$!
wait_for "$W/notify.out" BOUND
t=$(now_ms)
rm -f "$SOCK"
# shellcheck disable=SC2046
NOTIFY_SOCKET=$W/notify.sock "$HANDOVER" serve --store "$W/old" --listen "unix:$SOCK" \
  $(gov_args) --chain-head "$(head_at 60000)" $(tee_args old) --json --log-format json \
  >"$W/serve.json" 2>"$W/serve.log" &
SERVE_PID=$!
wait_for "$W/notify.out" "READY=1"
expect_in "sd_notify status" "STATUS=serving on unix:$SOCK, policy version 1" "$W/notify.out"
[ -S "$SOCK" ] || fail "READY=1 before the socket listens"
# shellcheck disable=SC2046
"$HANDOVER" receive --connect "unix:$SOCK" --store "$W/new" $(gov_args) $(tee_args new) \
  --json --timing >"$W/receive.log" 2>"$W/receive.err" ||
  { cat "$W/receive.log" "$W/receive.err" >&2; fail "receive --json"; }
json_ok receive --lines <"$W/receive.log"
expect_in "receive --json" '"event":"timing"' "$W/receive.log"
expect_in "receive --json" 'handover complete"}' "$W/receive.log"
# STATUS= follows each completed handover and each refusal, with its time.
wait_for "$W/notify.out" "STATUS=serving on unix:$SOCK, policy version 1; 1 handover, last at $STAMP\$"
receive rogue "$W/rogue" && fail "a rogue build received the key"
wait_for "$W/notify.out" \
  "STATUS=serving on unix:$SOCK, policy version 1; 1 handover, last at $STAMP; 1 refused, last at $STAMP\$"
stop_serve
wait_for "$W/notify.out" "STOPPING=1"
wait "$SINK_PID" 2>/dev/null
SINK_PID=""
json_ok serve --lines <"$W/serve.json"
for ev in listening step stopped; do
  expect_in "serve --json" "\"event\":\"$ev\"" "$W/serve.json"
done
json_ok log --lines <"$W/serve.log"
expect_in "serve --log-format json" "\"time\":\"$STAMP\",\"level\":\"info\"" "$W/serve.log"
echo "sd_notify, serve/receive --json, --log-format json: ok"

# 2. Text logs: every line has a date, milliseconds, a level.
rm -f "$W/serve.log"
start_serve old "$W/old" "$(head_at 0)"
receive new "$W/new2" || { cat "$W/receive.log" >&2; fail "receive"; }
stop_serve
n=$(grep -c "" "$W/serve.log")
[ "$(grep -c "^$STAMP \(INFO \|WARN \|ERROR\) " "$W/serve.log")" -eq "$n" ] || {
  grep -v "^$STAMP \(INFO \|WARN \|ERROR\) " "$W/serve.log" >&2
  fail "a text log line without an RFC 3339 timestamp and a level"
}
echo "text logs ($n lines): ok"

# 3. status, policy, time: one object each, against the document.
# shellcheck disable=SC2046
"$HANDOVER" status --store "$W/new" --json $(tee_args new) | json_ok status
"$HANDOVER" policy show --json "$W/gov/policy.txt" | json_ok policy.show
"$HANDOVER" policy verify --json --council "$W/gov/council.txt" \
  --policy-sig "$W/gov/policy.sig" "$W/gov/policy.txt" >"$W/verify.json" ||
  fail "policy verify --json"
json_ok policy.verify <"$W/verify.json"
expect_in "policy verify --json" '"verified":true' "$W/verify.json"
# A refusal is an object too: a council that did not sign it.
sed 's/^member \(..\)/member 00/' "$W/gov/council.txt" >"$W/other-council.txt"
"$HANDOVER" policy verify --json --council "$W/other-council.txt" \
  --policy-sig "$W/gov/policy.sig" "$W/gov/policy.txt" >"$W/verify.json" 2>/dev/null &&
  fail "policy verify accepted another council"
json_ok policy.verify <"$W/verify.json"
expect_in "policy verify --json (refused)" '"verified":false' "$W/verify.json"
servers=""
for p in $(echo "$ports" | tr , ' '); do servers="$servers --server 127.0.0.1:$p"; done
# shellcheck disable=SC2086
"$HANDOVER" time --json $servers --ca "$NTSENV_DIR/ca.pem" >"$W/time.json" ||
  fail "time --json: $(cat "$W/time.json")"
json_ok time <"$W/time.json"
grep -q '"time_ns":"[0-9]*"' "$W/time.json" || fail "time_ns is not a string"
echo "status/policy/time JSON against docs/JSON.md: ok"
# time --policy: the policy's own servers and quorum, once it verifies.
"$HANDOVER" time --json --policy "$W/gov/policy.txt" --policy-sig "$W/gov/policy.sig" \
  --council "$W/gov/council.txt" --ca "$NTSENV_DIR/ca.pem" >"$W/time.json" ||
  fail "time --policy: $(cat "$W/time.json")"
json_ok time <"$W/time.json"
[ "$(grep -o '"host":' "$W/time.json" | wc -l)" -eq 3 ] || fail "time --policy: not its 3 servers"
"$HANDOVER" time --policy "$W/gov/policy.txt" --policy-sig "$W/gov/policy.sig" \
  --council "$W/other-council.txt" --ca "$NTSENV_DIR/ca.pem" >/dev/null 2>"$W/time.err"
st=$?
[ "$st" -eq 1 ] || fail "time --policy with a policy that does not verify exited $st, not 1"
expect_in "time --policy refused" "policy.txt refused" "$W/time.err"
echo "time --policy: ok"

# 4. serve checks at start what it can, and refuses to start naming it.
# start_refused WHAT TEXT [serve options...]: exit 1, TEXT said, never listened.
start_refused() {
  what=$1 text=$2
  shift 2
  rm -f "$SOCK"
  t=$(now_ms)
  # shellcheck disable=SC2046
  "$HANDOVER" serve --store "$W/old" --listen "unix:$SOCK" --policy "$W/gov/policy.txt" \
    --council "$W/gov/council.txt" --chain-head "${HEAD:-$(head_at 60000)}" \
    $(tee_args old) "$@" >"$W/start.out" 2>&1
  st=$?
  [ "$st" -eq 1 ] || { cat "$W/start.out" >&2; fail "$what: serve exited $st, not 1"; }
  expect_in "$what" "$text" "$W/start.out"
  [ ! -e "$SOCK" ] || fail "$what: serve listened before refusing"
  echo "refused to start: $what: ok"
}
SIG="--policy-sig $W/gov/policy.sig"
start_refused "CA file missing" "--ca $W/missing.pem: No such file" $SIG --ca "$W/missing.pem"
echo "not a certificate" >"$W/junk.pem"
start_refused "CA file not PEM" "--ca $W/junk.pem: holds no PEM certificate" $SIG \
  --ca "$W/junk.pem"
t=$(now_ms)
HEAD="$(head_at $((8 * 86400 * 1000)))" start_refused "stale chain head" \
  "max_chain_lag\|chain-head-stale" $SIG --ca "$NTSENV_DIR/ca.pem"
cp "$W/gov/policy.txt" "$W/policy2.txt" && echo "# changed" >>"$W/policy2.txt"
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --listen "unix:$SOCK" --policy "$W/policy2.txt" \
  --policy-sig "$W/gov/policy.sig" --council "$W/gov/council.txt" --ca "$NTSENV_DIR/ca.pem" \
  --chain-head "$(head_at 0)" $(tee_args old) >"$W/start.out" 2>&1 && fail "an unsigned policy was served"
grep -q "policy" "$W/start.out" || { cat "$W/start.out" >&2; fail "the policy refusal is not named"; }
[ ! -e "$SOCK" ] || fail "serve listened with an unsigned policy"
echo "refused to start: policy not signed: ok"
mkdir -m 700 "$W/empty-store"
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/empty-store" --listen "unix:$SOCK" $(gov_args) --chain-head "$(head_at 0)" \
  $(tee_args old) >"$W/start.out" 2>&1 && fail "a store without identity was served"
[ ! -e "$SOCK" ] || fail "serve listened with no identity"
echo "refused to start: no identity: ok"
# No quorum yet (the servers' CA is not the one given) is a warning only.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/o.key" \
  -out "$W/other-ca.pem" -days 2 -subj "/CN=other" >/dev/null 2>&1 || fail "openssl"
t=$(now_ms)
rm -f "$SOCK" "$W/serve.log" # (wait_for must not see the last run's log)
# shellcheck disable=SC2046
"$HANDOVER" serve --store "$W/old" --listen "unix:$SOCK" --policy "$W/gov/policy.txt" $SIG \
  --council "$W/gov/council.txt" --ca "$W/other-ca.pem" --chain-head "$(head_at 0)" \
  $(tee_args old) >"$W/serve.log" 2>&1 &
SERVE_PID=$!
wait_for "$W/serve.log" "listening on"
expect_in "no quorum at start" "WARN  serve: start-up: no trusted time yet" "$W/serve.log"
stop_serve
echo "no trusted time at start: a warning, it serves: ok"

# 5. A rollout: the sender runs policy 1 (old, new); policy 2 adds
# "newer". Before the sender has it, newer's receive is refused, says
# which version each side holds, and leaves no store; a SIGHUP with an
# invalid policy 2 keeps policy 1; with a valid one, newer receives.
R=$W/rollout
mkdir "$R" || fail mkdir
"$HANDOVER" policy keygen --secret "$R/k.secret" --public "$R/k.pub" >/dev/null || fail keygen
{ echo "threshold 1"; grep '^member' "$R/k.pub"; } >"$R/council.txt"
cp "$W/gov/policy.txt" "$R/live.txt"
"$HANDOVER" policy sign --secret "$R/k.secret" "$R/live.txt" >/dev/null || fail "sign v1"
newer=$(printf 'handover-sim-build:newer' | sha256sum | cut -d' ' -f1)
sed 's/^version 1$/version 2/' "$W/gov/policy.txt" >"$R/v2.txt"
echo "runtime seq=3 mr_enclave=$newer mr_signer=$(printf '%064d' 0) isv_prod_id=0 isv_svn=0" \
  >>"$R/v2.txt"
"$HANDOVER" policy sign --secret "$R/k.secret" "$R/v2.txt" >/dev/null || fail "sign v2"
init_store old "$W/r-old" >/dev/null
POL1="--policy $R/live.txt --policy-sig $R/live.txt.sig --council $R/council.txt"
POL2="--policy $R/v2.txt --policy-sig $R/v2.txt.sig --council $R/council.txt"
t=$(now_ms)
rm -f "$SOCK" "$W/serve.log"
# shellcheck disable=SC2046,SC2086
"$HANDOVER" serve --store "$W/r-old" --listen "unix:$SOCK" $POL1 --ca "$NTSENV_DIR/ca.pem" \
  --chain-head "$(head_at 0)" $(tee_args old) --json >"$W/reload.json" 2>"$W/serve.log" &
SERVE_PID=$!
wait_for "$W/serve.log" "listening on"
# shellcheck disable=SC2046,SC2086
recv_newer() {
  "$HANDOVER" receive --connect "unix:$SOCK" --store "$W/r-newer" $POL2 \
    --ca "$NTSENV_DIR/ca.pem" $(tee_args newer) >"$W/receive.log" 2>&1
}
recv_newer && fail "newer received from a sender that does not list it"
expect_in "versions named" "the sender holds 1, this receiver 2" "$W/receive.log"
# The same refusal as JSON: an "error" event on stdout.
# shellcheck disable=SC2046,SC2086
"$HANDOVER" receive --connect "unix:$SOCK" --store "$W/r-newer" $POL2 --ca "$NTSENV_DIR/ca.pem" \
  $(tee_args newer) --json --log-format json >"$W/refused.json" 2>"$W/refused.log" &&
  fail "newer received (--json)"
json_ok receive --lines <"$W/refused.json"
json_ok log --lines <"$W/refused.log"
expect_in "receive --json refusal" '"event":"error"' "$W/refused.json"
[ ! -e "$W/r-newer" ] || fail "a refused receive left its new store behind"
echo "refusal names both policy versions, leaves no store: ok"
# An invalid policy 2 (signatures of policy 1): refused, policy 1 stays.
cp "$R/v2.txt" "$R/live.txt"
kill -HUP "$SERVE_PID"
wait_for "$W/serve.log" "reload refused"
expect_in "invalid reload named" "policy $R/live.txt refused" "$W/serve.log"
recv_newer && fail "an invalid policy was taken on SIGHUP"
# The valid one replaces it.
cp "$R/v2.txt.sig" "$R/live.txt.sig"
kill -HUP "$SERVE_PID"
wait_for "$W/serve.log" "policy version 2 replaces 1"
recv_newer || { cat "$W/receive.log" >&2; fail "newer did not receive after the reload"; }
stop_serve
json_ok serve --lines <"$W/reload.json"
expect_in "serve --json refusal" '"event":"warning"' "$W/reload.json"
expect_in "reload --json" '"event":"reload","ok":true,"old_version":1,"policy_version":2' \
  "$W/reload.json"
echo "SIGHUP: invalid policy kept out, newer policy in force: ok"

# 6. receive --timeout: a sender that never answers (stopped) is given up
# on, and the new store is gone again.
start_serve old "$W/old" "$(head_at 0)"
kill -STOP "$SERVE_PID"
receive new "$W/t-new" --timeout 300
st=$?
kill -CONT "$SERVE_PID"
[ "$st" -eq 1 ] || { cat "$W/receive.log" >&2; fail "receive --timeout exited $st"; }
expect_in "receive --timeout" "deadline-passed" "$W/receive.log"
[ ! -e "$W/t-new" ] || fail "a timed-out receive left its new store behind"
stop_serve
echo "receive --timeout: ok"
echo "operator: ok"
