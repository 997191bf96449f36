# Shared by the shell tests of the handover command. The test is run as
#   sh TEST.sh HANDOVER MAKE_GOV RAW_CLIENT NTS_ENV_SH
# and sources this file, which sources tests/lib/nts-env.sh.
set -u
HANDOVER=$1 MAKE_GOV=$2 RAW_CLIENT=$3
# shellcheck disable=SC1090
. "$4"

SERVE_PID=""
# How long a sender may take to start listening (tenths of a second).
SERVE_START_TENTHS=150
# How long a sender may take to exit after it should (tenths of a second).
SERVE_EXIT_TENTHS=150

fail() {
  echo "FAIL: $*" >&2
  [ -n "${W:-}" ] && [ -f "$W/serve.log" ] && { echo "--- serve.log" >&2; tail -n 30 "$W/serve.log" >&2; }
  exit 1
}

stop_serve() {
  if [ -n "$SERVE_PID" ]; then
    kill "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
    SERVE_PID=""
  fi
}

cli_cleanup() {
  stop_serve
  ntsenv_stop
}

now_ms() { date +%s%3N; }
# A plausible chain head AGE_MS old: one block a second since 1970, so
# its number never runs ahead of its time at the policy's default block
# rate (min_block_interval_ms 1000) and later heads follow on.
head_at() { n=$(( ($(now_ms) - $1) / 1000 )); echo "$n:$((n * 1000))"; }

# cli_env N_SERVERS WINDOW_S BUILDS: NTS servers, a council and a policy.
cli_env() {
  ntsenv_init || fail "ntsenv_init"
  trap cli_cleanup EXIT
  W=$NTSENV_DIR
  ports=""
  # (not $i: nts-env.sh's functions use it)
  cli_n=1
  while [ "$cli_n" -le "$1" ]; do
    ke=$(ntsenv_free_port)
    ntp=$(ntsenv_free_port)
    ntsenv_chrony "nts$cli_n" "$ke" "$ntp" || fail "chronyd nts$cli_n did not start"
    ports="$ports${ports:+,}$ke"
    cli_n=$((cli_n + 1))
  done
  mkdir "$W/gov" || fail "mkdir"
  "$MAKE_GOV" "$W/gov" 1 "$2" "$ports" "$3" || fail "make_gov"
  SECRET=$W/platform-secret
  SOCK=$W/sender.sock
}

# The options that name a sim build on this platform.
tee_args() { echo "--tee sim --platform-secret ${2:-$SECRET} --create-platform-secret --build-name $1"; }
gov_args() {
  echo "--policy $W/gov/policy.txt --policy-sig $W/gov/policy.sig" \
       "--council $W/gov/council.txt --ca $NTSENV_DIR/ca.pem"
}

# init BUILD STORE: prints the identity
init_store() {
  # shellcheck disable=SC2046
  "$HANDOVER" init --store "$2" $(tee_args "$1") || fail "init $2"
}

# start_serve BUILD STORE [CHAIN_HEAD] [extra options...]
start_serve() {
  # By default a fresh head each time, a minute old.
  build=$1 store=$2 head=${3:-$(head_at 60000)}
  shift 2
  [ $# -gt 0 ] && shift
  rm -f "$SOCK"
  # shellcheck disable=SC2046
  "$HANDOVER" serve --store "$store" --listen "unix:$SOCK" $(gov_args) --chain-head "$head" \
    $(tee_args "$build") "$@" >>"$W/serve.log" 2>&1 &
  SERVE_PID=$!
  i=0
  until [ -S "$SOCK" ]; do
    kill -0 "$SERVE_PID" 2>/dev/null || { SERVE_PID=""; fail "serve exited at start"; }
    i=$((i + 1))
    [ "$i" -gt "$SERVE_START_TENTHS" ] && fail "serve did not listen"
    sleep 0.1
  done
}

# receive BUILD STORE [extra options...]: its exit status; output in $W/receive.log
receive() {
  build=$1 store=$2
  shift 2
  # shellcheck disable=SC2046
  "$HANDOVER" receive --connect "unix:$SOCK" --store "$store" $(gov_args) $(tee_args "$build") \
    "$@" >"$W/receive.log" 2>&1
}

# identity BUILD STORE: the identity status shows (empty when none)
identity() {
  # shellcheck disable=SC2046
  "$HANDOVER" status --store "$2" $(tee_args "$1") 2>/dev/null |
    awk '$1 == "identity" && $2 != "check" {print $2}'
}

# expect_in WHAT TEXT FILE: FILE must contain TEXT
expect_in() {
  grep -q -- "$2" "$3" || { cat "$3" >&2; fail "$1: expected '$2'"; }
}
