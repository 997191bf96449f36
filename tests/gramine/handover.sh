# The Gramine kit end to end, under gramine-direct (no SGX here):
#   sh handover.sh GRAMINE_DIRECT WORKER HANDOVER NTS_ENV_SH KIT_SH
# contrib/gramine/kit.sh renders and signs three releases of the worker
# (each its own MRENCLAVE); a council signs a policy listing releases 1
# and 2 but not 3. Release 1 and release 2 run as two Gramine instances
# (sim TEE with the MRENCLAVE gramine-sgx-sign computed, one platform
# secret: one machine) and hand the identity over on TCP loopback against
# two chronyd NTS servers on loopback; then release 2 signs a line with the
# kept identity, checked against release 1's public key. Release 3, which
# the policy does not list, is refused. Every instance is stopped by pid.
# The NTS servers are DNS names, resolved inside the enclaves.
set -u
# The whole test runs in a network namespace of its own (loopback only)
# with its own /etc/resolv.conf, so the NTS servers can be DNS names
# answered by a responder on its loopback: Gramine builds the enclave's
# resolv.conf from the host's (sys.enable_extra_runtime_domain_names_conf).
if [ -z "${HV_GRAMINE_NETNS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "FAIL: run as root (the test makes a network namespace)" >&2; exit 1; }
  HV_GRAMINE_NETNS=1 exec unshare --mount --net sh "$0" "$@"
fi
GRAMINE_DIRECT=$1 WORKER=$2 HANDOVER=$3 KIT=$5
DNS_PY=$(dirname "$0")/dns.py
# shellcheck disable=SC1090
. "$4"

# How long an instance may take to start listening, or to exit when it
# should (tenths of a second). Gramine's start costs about 0.3 s here.
START_TENTHS=300
EXIT_TENTHS=300
# The one line the new release signs.
LINE="handover under gramine: identity kept"

PIDS=""
fail() {
  echo "FAIL: $*" >&2
  for f in "${W:-/nonexistent}"/r*/run.log "${W:-/nonexistent}"/r*/run.out; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }
  done
  exit 1
}

# Gramine's tools need its Python package and libraries: derive them
# from where gramine-direct is (the prebuilt /opt/gramine or a package).
gramine_env() {
  prefix=$(dirname "$(dirname "$GRAMINE_DIRECT")")
  PATH="$prefix/bin:$PATH"
  for d in "$prefix"/lib/python3*/site-packages "$prefix"/lib/python3/dist-packages; do
    [ -d "$d/graminelibos" ] && PYTHONPATH="$d${PYTHONPATH:+:$PYTHONPATH}"
  done
  [ -d "$prefix/lib/x86_64-linux-gnu" ] &&
    LD_LIBRARY_PATH="$prefix/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH PYTHONPATH LD_LIBRARY_PATH
  command -v gramine-manifest >/dev/null || { echo "FAIL: no gramine-manifest beside $GRAMINE_DIRECT" >&2; exit 1; }
}

# stop PID: SIGTERM (the manifest enables its injection), SIGKILL after
# EXIT_TENTHS. Returns the instance's exit status (137 when killed).
stop() {
  kill -TERM "$1" 2>/dev/null
  i=0
  while alive "$1"; do
    i=$((i + 1))
    if [ "$i" -gt "$EXIT_TENTHS" ]; then
      echo "instance $1 ignored SIGTERM: SIGKILL" >&2
      kill -KILL -- "-$1" 2>/dev/null || kill -KILL "$1" 2>/dev/null
      break
    fi
    sleep 0.1
  done
  wait "$1" 2>/dev/null
}
alive() {
  st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
  [ -n "$st" ] && [ "$st" != Z ]
}
cleanup() {
  for p in $PIDS; do alive "$p" && stop "$p"; done
  PIDS=""
  [ -n "${DNS_PID:-}" ] && { kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; }
  ntsenv_stop
}

listening() { ss -Htln 2>/dev/null | awk '{print $4}' | grep -q ":$1\$"; }

# start R: runs release R's direct manifest in the background (its own
# process group, so a fallback SIGKILL reaches every Gramine process).
start() {
  ( cd "$W/r$1/out" && exec setsid "$GRAMINE_DIRECT" handover-worker.direct ) \
    <"$W/r$1/stdin" >"$W/r$1/run.out" 2>"$W/r$1/run.log" &
  eval "PID$1=$!"
  PIDS="$PIDS $!"
}

# wait_exit PID: the exit status of an instance that must end by itself
wait_exit() {
  i=0
  while alive "$1"; do
    i=$((i + 1))
    [ "$i" -gt "$EXIT_TENTHS" ] && { stop "$1"; return 124; }
    sleep 0.1
  done
  wait "$1"
}

# Ed25519 public key (64 hex) -> PEM, for openssl pkeyutl.
pub_pem() {
  printf '302a300506032b6570032100%s' "$1" | tr a-f A-F | basenc --base16 -d |
    openssl pkey -pubin -inform DER -out "$2" 2>/dev/null
}

gramine_env
ntsenv_init || fail "ntsenv_init"
trap cleanup EXIT
W=$NTSENV_DIR
ip link set lo up || fail "no loopback in the network namespace"
# Not 127.0.0.1, where a resolver without any resolv.conf asks anyway:
# only the host's configuration, passed on by Gramine, names this one.
echo "nameserver 127.0.0.53" >"$W/resolv.conf"
mount --bind "$W/resolv.conf" /etc/resolv.conf || fail "cannot mount a resolv.conf"
python3 "$DNS_PY" 127.0.0.53 53 "$W/dns.log" &
DNS_PID=$!
i=0
until ss -Huln 2>/dev/null | awk '{print $4}' | grep -q '^127.0.0.53:53$'; do
  i=$((i + 1))
  [ "$i" -gt "$START_TENTHS" ] && fail "the DNS responder did not start"
  sleep 0.1
done
# Two NTS servers by name (their certificates name them).
servers=""
for n in 1 2; do
  ke=$(ntsenv_free_port)
  ntp=$(ntsenv_free_port)
  ntsenv_cert "nts$n" 30 "DNS:nts$n.gramine.test" || fail "certificate nts$n"
  ntsenv_chrony "nts$n" "$ke" "$ntp" || fail "chronyd nts$n did not start"
  servers="$servers nts$n.gramine.test:$ke"
done

# The council (2 of 3) and one platform secret (one machine), copied into
# each release's state directory.
mkdir -p "$W/gov" "$W/policy" || fail mkdir
for m in 1 2 3; do
  "$HANDOVER" policy keygen --secret "$W/gov/m$m.key" --public "$W/gov/m$m.pub" >/dev/null ||
    fail "keygen $m"
done
{ cat "$W/gov"/m*.pub; echo "threshold 2"; } >"$W/gov/council.txt"
head -c 32 /dev/urandom >"$W/platform-secret" && chmod 600 "$W/platform-secret" ||
  fail "platform secret"
sh "$KIT" test-key "$W/enclave-key.pem" || fail "kit.sh test-key"

# Release R: its configuration (worker arguments, council, a release
# note: the trusted files that make it another build) and its state.
port1=$(ntsenv_free_port)
for r in 1 2 3; do
  d=$W/r$r
  mkdir -p "$d/conf" "$d/state" "$d/out" || fail mkdir
  cp "$W/gov/council.txt" "$d/conf/council.txt"
  echo "handover-worker test release $r" >"$d/conf/release"
  cp "$W/platform-secret" "$d/state/platform-secret"
  # The worker's configuration (paths inside the enclave). Release 1 is
  # the first: it makes the identity; the others receive it from release 1.
  {
    echo "store = /var/lib/handover/store"
    echo "policy = /etc/handover/policy/policy.txt"
    echo "policy_sig = /etc/handover/policy/policy.sig"
    echo "council = /etc/handover/council.txt"
    echo "nts_state = /var/lib/handover/nts"
    echo "chain_head_file = /var/lib/handover/chain-head"
    if [ "$r" -eq 1 ]; then
      echo "listen = tcp:127.0.0.1:$port1"
      echo "init_if_empty = true"
    else
      echo "listen = tcp:127.0.0.1:0"
      echo "connect = tcp:127.0.0.1:$port1"
    fi
  } >"$d/conf/worker.conf"
  sh "$KIT" build --worker "$(readlink -f "$WORKER")" --conf-dir "$d/conf" \
    --policy-dir "$W/policy" --state-dir "$d/state" --key "$W/enclave-key.pem" \
    --out "$d/out" --seq "$r" --isv-svn "$r" --ca "$W/ca.pem" \
    --direct-sim /var/lib/handover/platform-secret >"$d/runtime" 2>"$d/kit.err" ||
    { cat "$d/kit.err" >&2; fail "kit.sh build release $r"; }
  grep -Eq '^runtime seq=[0-9]+ mr_enclave=[0-9a-f]{64} mr_signer=[0-9a-f]{64} isv_prod_id=1 isv_svn=[0-9]+$' \
    "$d/runtime" || fail "release $r: kit printed '$(cat "$d/runtime")'"
  # a minute old, one block a second (the policy's default fastest rate)
  t=$(( $(date +%s) - 60 ))
  echo "$t:$((t * 1000))" >"$d/state/chain-head"
done
# A release configured with the sim TEE is refused by the kit.
mkdir -p "$W/bad/conf" "$W/bad/out" && cp "$W/r1/conf/worker.conf" "$W/bad/conf/" &&
  echo "tee = sim" >>"$W/bad/conf/worker.conf" || fail "bad conf"
sh "$KIT" build --worker "$(readlink -f "$WORKER")" --conf-dir "$W/bad/conf" \
  --policy-dir "$W/policy" --state-dir "$W/r1/state" --key "$W/enclave-key.pem" \
  --out "$W/bad/out" --seq 9 --ca "$W/ca.pem" >/dev/null 2>"$W/bad/kit.err" &&
  fail "kit.sh built a release whose worker.conf sets tee = sim"
grep -q "sets the TEE" "$W/bad/kit.err" || fail "kit.sh: '$(cat "$W/bad/kit.err")'"

mr() { sed 's/.* mr_enclave=\([0-9a-f]*\) .*/\1/' "$W/r$1/runtime"; }
[ "$(mr 1)" != "$(mr 2)" ] && [ "$(mr 2)" != "$(mr 3)" ] && [ "$(mr 1)" != "$(mr 3)" ] ||
  fail "the releases do not have three MRENCLAVEs"
# Signing is deterministic: the same inputs give the same MRENCLAVE.
cp "$W/r1/runtime" "$W/r1/runtime.first"
sh "$KIT" build --worker "$(readlink -f "$WORKER")" --conf-dir "$W/r1/conf" \
  --policy-dir "$W/policy" --state-dir "$W/r1/state" --key "$W/enclave-key.pem" \
  --out "$W/r1/out" --seq 1 --isv-svn 1 --ca "$W/ca.pem" \
  --direct-sim /var/lib/handover/platform-secret >"$W/r1/runtime" || fail "second build of release 1"
cmp -s "$W/r1/runtime" "$W/r1/runtime.first" || fail "two signings of release 1 differ"

# The policy lists releases 1 and 2 (written after they were measured: it
# is not a trusted file, its council signatures are what counts).
{
  echo "# gramine test policy"
  echo "version 1"
  echo "expires $(( $(date +%s) + 86400 ))"
  # Room on a loaded 2-core machine, where Gramine runs slowly.
  echo "timeout_ms 15000"
  for sv in $servers; do
    echo "server host=${sv%:*} port=${sv#*:} operator=op-${sv%%.*} region=loopback"
  done
  cat "$W/r1/runtime" "$W/r2/runtime"
} >"$W/policy/policy.txt"
for m in 1 2; do
  "$HANDOVER" policy sign --key "$W/gov/m$m.key" --sig "$W/policy/policy.sig" \
    "$W/policy/policy.txt" >/dev/null || fail "sign $m"
done
"$HANDOVER" policy verify --council "$W/gov/council.txt" --sig "$W/policy/policy.sig" \
  "$W/policy/policy.txt" >/dev/null || fail "the policy does not verify"

echo "gramine: three releases signed, policy lists releases 1 and 2"

# The production manifest and the one gramine-direct runs differ only in
# the configuration directory (a copy whose worker.conf adds the sim TEE):
# the same path once, and that one file's hash.
for r in 1 2 3; do
  o=$W/r$r/out
  sed "s|$o/direct-conf|$W/r$r/conf|" "$o/handover-worker.direct.manifest" >"$o/direct.cmp"
  n=$(diff "$o/handover-worker.manifest" "$o/direct.cmp" | grep -c '^[<>]')
  [ "$n" -eq 2 ] && diff "$o/handover-worker.manifest" "$o/direct.cmp" | grep '^[<>]' |
    grep -qv '^[<>] sha256 = ' && n=0
  [ "$n" -eq 2 ] || fail "release $r: the direct manifest differs from the signed one beyond worker.conf"
  grep -q 'insecure' "$o/handover-worker.manifest" && fail "release $r: an insecure__ option"
  grep -q '^debug = false' "$o/handover-worker.manifest" || fail "release $r: not a production enclave"
  grep -q '^enable_sigterm_injection = true' "$o/handover-worker.manifest" ||
    fail "release $r: SIGTERM would be dropped"
  grep -q 'uri = "file:/.*/libcrypto.so.3"' "$o/handover-worker.manifest.sgx" ||
    fail "release $r: OpenSSL is not a trusted file"
  grep -q "uri = \"file:$W/ca.pem\"" "$o/handover-worker.manifest.sgx" ||
    fail "release $r: the CA bundle is not a trusted file"
done

# The measurement each release runs with in sim mode, for handover status.
sim_args() {
  sed 's/^runtime seq=[0-9]* mr_enclave=\([0-9a-f]*\) mr_signer=\([0-9a-f]*\) isv_prod_id=\([0-9]*\) isv_svn=\([0-9]*\)$/--tee sim --mr-enclave \1 --mr-signer \2 --isv-prod-id \3 --isv-svn \4/' \
    "$W/r$1/runtime"
}
identity() {
  # shellcheck disable=SC2046
  "$HANDOVER" status --store "$W/r$1/state/store" $(sim_args "$1") \
    --platform-secret "$W/platform-secret" 2>/dev/null |
    awk '$1 == "identity" && $2 != "check" {print $2}'
}
# wait_out R WORD: until release R printed a line starting with WORD
wait_out() {
  i=0
  until grep -q "^$2 " "$W/r$1/run.out" 2>/dev/null; do
    eval "alive \$PID$1" || fail "release $1 exited before printing $2"
    i=$((i + 1))
    [ "$i" -gt "$START_TENTHS" ] && fail "release $1 did not print $2"
    sleep 0.1
  done
}

# Release 1 starts with an empty store: it makes the identity inside
# Gramine, seals it, and serves.
: >"$W/r1/stdin"
start 1
wait_out 1 IDENTITY
pub=$(awk '$1 == "IDENTITY" {print $2}' "$W/r1/run.out")
[ ${#pub} -eq 64 ] || fail "release 1 printed identity '$pub'"
[ "$(identity 1)" = "$pub" ] || fail "release 1's store does not hold its identity"
listening "$port1" || fail "release 1 does not listen on $port1"

# Release 3 is not in the policy: release 1 refuses it, nothing is stored,
# and release 1 goes on serving (this runs first: a sender whose identity
# moved to its successor serves no one after).
: >"$W/r3/stdin"
start 3
wait_exit "$PID3"
st=$?
[ "$st" -eq 1 ] || fail "release 3 (not in the policy) exited $st, not 1"
# (Gramine 1.9 sends the enclave's stderr to the host's stdout: the log
# lines are in run.out, beside the worker's LISTENING/IDENTITY/SIG lines.)
cat "$W/r3/run.out" "$W/r3/run.log" | grep -q "sender refused: receiver-not-in-policy" ||
  fail "release 3 was not refused as receiver-not-in-policy"
[ -z "$(identity 3)" ] || fail "release 3 stored an identity"

# Release 2 receives it over TCP from release 1 (another Gramine
# instance), then signs the line.
echo "$LINE" >"$W/r2/stdin"
start 2
wait_out 2 SIG
[ "$(awk '$1 == "IDENTITY" {print $2}' "$W/r2/run.out")" = "$pub" ] ||
  fail "release 2 does not run with release 1's identity"
[ "$(identity 2)" = "$pub" ] || fail "release 2's store does not hold release 1's identity"
# The enclaves found the NTS servers by name.
grep -q '^nts1.gramine.test 1$' "$W/dns.log" && grep -q '^nts2.gramine.test 1$' "$W/dns.log" ||
  fail "no DNS query for the NTS servers"

# The signature verifies under release 1's public key, and not over
# another line (so the check can fail).
sig=$(awk '$1 == "SIG" {print $2}' "$W/r2/run.out")
[ ${#sig} -eq 128 ] || fail "release 2 printed signature '$sig'"
pub_pem "$pub" "$W/pub.pem" || fail "public key to PEM"
printf '%s' "$LINE" >"$W/line"
printf '%s!' "$LINE" >"$W/line.other"
printf '%s' "$sig" | tr a-f A-F | basenc --base16 -d >"$W/line.sig"
openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -rawin -in "$W/line" \
  -sigfile "$W/line.sig" >/dev/null 2>&1 || fail "release 2's signature does not verify"
openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -rawin -in "$W/line.other" \
  -sigfile "$W/line.sig" >/dev/null 2>&1 && fail "the signature verified over another line"

# The configuration is measured: one edited after signing, even by a
# harmless comment, is refused by Gramine when the worker opens it.
echo "# edited by the host" >>"$W/r3/out/direct-conf/worker.conf"
: >"$W/r3/run.out"
start 3
wait_exit "$PID3"
st=$?
[ "$st" -ne 0 ] || fail "release 3 ran with a configuration edited after signing"
grep -q "worker.conf: Operation not permitted" "$W/r3/run.out" ||
  fail "release 3: an edited configuration was not refused by Gramine"

# SIGTERM (injected into Gramine) stops release 2, which serves until it
# comes; release 1 retired after its handover and exited 0 by itself.
stop "$PID2"
st=$?
[ "$st" -eq 0 ] || fail "release 2 exited $st on SIGTERM"
wait_exit "$PID1"
st=$?
[ "$st" -eq 0 ] || fail "release 1 exited $st after its handover"
grep -q "retired: the identity moved to a successor" "$W/r1/run.out" ||
  fail "release 1 did not retire after its handover"
echo "gramine: handover from release 1 to release 2 under gramine-direct: ok"
