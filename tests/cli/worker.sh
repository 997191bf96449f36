# The worker example (examples/worker/, public API only): release A, the
# first (init_if_empty), serves on TCP; release B receives A's identity
# over TCP, then serves too and signs a line with it, and the signature
# verifies (openssl) against A's identity. Bad configurations exit 2.
# run as: sh worker.sh HANDOVER MAKE_GOV RAW_CLIENT NTS_ENV_SH WORKER
WORKER=$5
. "$(dirname "$0")/lib.sh"
cli_env 3 60 old,new
A_PID="" B_PID=""
worker_cleanup() {
  for p in $A_PID $B_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  cli_cleanup
}
trap worker_cleanup EXIT
t=$(head_at 60000)
echo "$t" >"$W/head"

# config NAME BUILD [key = value lines...]: writes $W/NAME.conf
config() {
  name=$1 build=$2
  shift 2
  {
    echo "# release $name"
    echo "store = $W/$name"
    echo "policy = $W/gov/policy.txt"
    echo "policy_sig = $W/gov/policy.sig"
    echo "council = $W/gov/council.txt"
    echo "ca = $NTSENV_DIR/ca.pem"
    echo "nts_state = $W/$name-nts"
    echo "tee = sim"
    echo "platform_secret = $SECRET"
    echo "build_name = $build"
    echo "chain_head_file = $W/head"
    for line in "$@"; do echo "$line"; done
  } >"$W/$name.conf"
}

# wait_line FILE PREFIX PID: prints the rest of the first line of FILE
# that starts with PREFIX, once there (bounded wait)
wait_line() {
  i=0
  until got=$(sed -n "s/^$2 //p" "$1" | head -n 1) && [ -n "$got" ]; do
    kill -0 "$3" 2>/dev/null || { cat "$1.err" >&2; fail "$1: the worker exited"; }
    i=$((i + 1))
    [ "$i" -gt "$SERVE_START_TENTHS" ] && { cat "$1.err" >&2; fail "$1: no '$2' line"; }
    sleep 0.1
  done
  echo "$got"
}

# Bad configurations: exit 2, naming what is wrong.
bad_config() {
  "$WORKER" "$W/bad.conf" >/dev/null 2>"$W/bad.err"
  st=$?
  [ "$st" -eq 2 ] || { cat "$W/bad.err" >&2; fail "$1: exit $st, not 2"; }
  expect_in "$1" "$2" "$W/bad.err"
}
config bad old "listen = tcp:127.0.0.1:0" "colour = blue"
bad_config "unknown key" "line 13: unknown key 'colour'"
config bad old "listen = tcp:127.0.0.1:0" "listen = tcp:127.0.0.1:1"
bad_config "repeated key" "'listen' given twice"
config bad old
bad_config "no listen" "'listen' is required"
config bad old "listen = tcp:10.0.0.1:4000"
bad_config "not loopback" "listen address 10.0.0.1 is not loopback: the handover is same-machine"
config bad old "listen = tcp:127.0.0.1:0" "chain_head = 1:2"
bad_config "two heads" "exactly one of 'chain_head' and 'chain_head_file'"
config bad old "listen = tcp:127.0.0.1:0" "init_if_empty = yes"
bad_config "init_if_empty" "must be true or false"
config bad old "listen = tcp:127.0.0.1:0"
bad_config "no identity, no predecessor" "holds no identity, and no 'connect'"
"$WORKER" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no CONFIG: not exit 2"

# Release A: the first one makes the identity and serves.
config a old "listen = tcp:127.0.0.1:0" "init_if_empty = true"
"$WORKER" "$W/a.conf" </dev/null >"$W/a.out" 2>"$W/a.out.err" &
A_PID=$!
a_id=$(wait_line "$W/a.out" IDENTITY "$A_PID")
a_addr=$(sed -n 's/^LISTENING //p' "$W/a.out")
case "$a_addr" in tcp:127.0.0.1:[0-9]*) ;; *) fail "A listens on '$a_addr'" ;; esac
[ ${#a_id} -eq 64 ] || fail "A's identity '$a_id'"

# Release B: no identity yet, so it receives A's, over TCP.
config b new "listen = tcp:127.0.0.1:0" "connect = $a_addr"
mkfifo "$W/b.in" || fail "mkfifo"
"$WORKER" "$W/b.conf" <"$W/b.in" >"$W/b.out" 2>"$W/b.out.err" &
B_PID=$!
exec 3>"$W/b.in"
b_id=$(wait_line "$W/b.out" IDENTITY "$B_PID")
[ "$b_id" = "$a_id" ] || fail "B holds $b_id, not A's identity $a_id"
expect_in "A's log" "DONE received" "$W/a.out.err"
expect_in "B's log" "handover complete" "$W/b.out.err"

# B works with the identity it kept: it signs a line.
printf 'upgrade kept the identity\n' >&3
sig=$(wait_line "$W/b.out" SIG "$B_PID")
[ ${#sig} -eq 128 ] || fail "signature '$sig'"
printf 'upgrade kept the identity' >"$W/msg"
perl -e 'print pack("H*", $ARGV[0])' "302a300506032b6570032100$a_id" >"$W/a.der"
perl -e 'print pack("H*", $ARGV[0])' "$sig" >"$W/sig"
openssl pkey -pubin -inform DER -in "$W/a.der" -out "$W/a.pem" 2>"$W/ossl.err" ||
  { cat "$W/ossl.err" >&2; fail "openssl cannot read A's key"; }
openssl pkeyutl -verify -pubin -inkey "$W/a.pem" -rawin -in "$W/msg" -sigfile "$W/sig" \
  >"$W/verify.out" 2>&1 || { cat "$W/verify.out" >&2; fail "B's signature does not verify under A's identity"; }
# ... and not over another line (the check can fail).
printf 'upgrade kept the identity!' >"$W/msg2"
openssl pkeyutl -verify -pubin -inkey "$W/a.pem" -rawin -in "$W/msg2" -sigfile "$W/sig" \
  >/dev/null 2>&1 && fail "a signature verified over another line"
# A line too long is answered, not signed.
perl -e 'print "x" x 70000, "\n"' >&3
wait_line "$W/b.out" ERR "$B_PID" | grep -q line-too-long || fail "no ERR for a long line"
exec 3>&-

# A handed its identity over (after_handover retire): it exits 0 by itself.
wait "$A_PID" || fail "A exited non-zero after the move"
expect_in "A's log" "retired: the identity moved to a successor" "$W/a.out.err"
# SIGTERM ends B cleanly (exit 0).
kill -TERM "$B_PID"
wait "$B_PID" || fail "B exited non-zero after SIGTERM"
A_PID="" B_PID=""

# B restarted: its store holds the identity, so it only serves.
"$WORKER" "$W/b.conf" </dev/null >"$W/b2.out" 2>"$W/b2.out.err" &
B_PID=$!
[ "$(wait_line "$W/b2.out" IDENTITY "$B_PID")" = "$a_id" ] || fail "B restarted with another identity"
expect_in "B restarted" "the store holds the identity" "$W/b2.out.err"
kill -TERM "$B_PID"
wait "$B_PID" || fail "B (restarted) exited non-zero after SIGTERM"
B_PID=""

# SIGHUP re-reads and re-verifies the policy (as `handover serve`): an
# invalid version 2 is refused and version 1 kept; a valid one replaces it.
R=$W/rollout
mkdir "$R" || fail mkdir
"$HANDOVER" policy keygen --secret "$R/k.secret" --public "$R/k.pub" >/dev/null || fail keygen
{ echo "threshold 1"; grep '^member' "$R/k.pub"; } >"$R/council.txt"
cp "$W/gov/policy.txt" "$R/live.txt"
"$HANDOVER" policy sign --secret "$R/k.secret" "$R/live.txt" >/dev/null || fail "sign v1"
sed 's/^version 1$/version 2/' "$W/gov/policy.txt" >"$R/v2.txt"
"$HANDOVER" policy sign --secret "$R/k.secret" "$R/v2.txt" >/dev/null || fail "sign v2"
config c old "listen = tcp:127.0.0.1:0" "init_if_empty = true"
sed -i -e "s|^policy = .*|policy = $R/live.txt|" -e "s|^policy_sig = .*|policy_sig = $R/live.txt.sig|" \
  -e "s|^council = .*|council = $R/council.txt|" "$W/c.conf"
"$WORKER" "$W/c.conf" </dev/null >"$W/c.out" 2>"$W/c.out.err" &
C_PID=$!
B_PID=$C_PID # for the cleanup
wait_line "$W/c.out" IDENTITY "$C_PID" >/dev/null
# wait_log TEXT: until C's log holds TEXT (a guard, not a timing)
wait_log() {
  i=0
  until grep -q -- "$1" "$W/c.out.err"; do
    i=$((i + 1))
    [ "$i" -gt "$SERVE_START_TENTHS" ] && { cat "$W/c.out.err" >&2; fail "no '$1' in C's log"; }
    sleep 0.1
  done
}
cp "$R/v2.txt" "$R/live.txt" # the signatures are still version 1's
kill -HUP "$C_PID"
wait_log "reload refused"
expect_in "SIGHUP, invalid policy" "policy version 1 stays in force" "$W/c.out.err"
cp "$R/v2.txt.sig" "$R/live.txt.sig"
kill -HUP "$C_PID"
wait_log "policy version 2 replaces 1"
kill -TERM "$C_PID"
wait "$C_PID" || fail "C exited non-zero after SIGTERM"
B_PID=""
echo "worker SIGHUP reload: ok"
echo "worker: ok"
