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
set -u
GRAMINE_DIRECT=$1 WORKER=$2 HANDOVER=$3 KIT=$5
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
  for f in "$W"/r*/run.log; do
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
  ntsenv_stop
}

listening() { ss -Htln 2>/dev/null | awk '{print $4}' | grep -q ":$1\$"; }

# start R: runs release R's direct manifest in the background (its own
# process group, so a fallback SIGKILL reaches every Gramine process).
start() {
  ( cd "$W/r$1/out" && exec setsid "$GRAMINE_DIRECT" handover-worker.direct ) \
    <"$W/r$1/stdin" >"$W/r$1/run.log" 2>&1 &
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
ports=""
for n in 1 2; do
  ke=$(ntsenv_free_port)
  ntp=$(ntsenv_free_port)
  ntsenv_chrony "nts$n" "$ke" "$ntp" || fail "chronyd nts$n did not start"
  ports="$ports $ke"
done

# The council (2 of 3) and one platform secret (one machine). The secret
# is made here: Gramine 1.9 has no link(), with which the sim backend
# creates a missing one.
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
port1=$(ntsenv_free_port) port2=$(ntsenv_free_port) port3=$(ntsenv_free_port)
for r in 1 2 3; do
  d=$W/r$r
  mkdir -p "$d/conf" "$d/state" "$d/out" || fail mkdir
  cp "$W/gov/council.txt" "$d/conf/council.txt"
  echo "handover-worker test release $r" >"$d/conf/release"
  cp "$W/platform-secret" "$d/state/platform-secret"
  prev=$((r - 1))
  [ "$r" -eq 3 ] && prev=1
  eval "listen=\$port$r connect=\${port$prev:-0}"
  # The worker's arguments (paths inside the enclave).
  {
    echo "--store"; echo "/var/lib/handover/store"
    echo "--policy"; echo "/etc/handover/policy/policy.txt"
    echo "--policy-sig"; echo "/etc/handover/policy/policy.sig"
    echo "--council"; echo "/etc/handover/council.txt"
    echo "--nts-state"; echo "/var/lib/handover/nts"
    echo "--chain-head-file"; echo "/var/lib/handover/chain-head"
    echo "--listen"; echo "tcp:127.0.0.1:$listen"
    echo "--connect"; echo "tcp:127.0.0.1:$connect"
  } >"$d/conf/worker.args"
  sh "$KIT" build --worker "$(readlink -f "$WORKER")" --conf-dir "$d/conf" \
    --policy-dir "$W/policy" --state-dir "$d/state" --key "$W/enclave-key.pem" \
    --out "$d/out" --seq "$r" --isv-svn "$r" --ca "$W/ca.pem" \
    --direct-sim /var/lib/handover/platform-secret >"$d/runtime" 2>"$d/kit.err" ||
    { cat "$d/kit.err" >&2; fail "kit.sh build release $r"; }
  grep -Eq '^runtime seq=[0-9]+ mr_enclave=[0-9a-f]{64} mr_signer=[0-9a-f]{64} isv_prod_id=1 isv_svn=[0-9]+$' \
    "$d/runtime" || fail "release $r: kit printed '$(cat "$d/runtime")'"
  t=$(date +%s%3N)
  echo "$t:$((t - 60000))" >"$d/state/chain-head"
done
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
  for p in $ports; do echo "server host=127.0.0.1 port=$p operator=op-$p region=loopback"; done
  cat "$W/r1/runtime" "$W/r2/runtime"
} >"$W/policy/policy.txt"
for m in 1 2; do
  "$HANDOVER" policy sign --key "$W/gov/m$m.key" --sig "$W/policy/policy.sig" \
    "$W/policy/policy.txt" >/dev/null || fail "sign $m"
done
"$HANDOVER" policy verify --council "$W/gov/council.txt" --sig "$W/policy/policy.sig" \
  "$W/policy/policy.txt" >/dev/null || fail "the policy does not verify"

echo "gramine: three releases signed, policy lists releases 1 and 2"
