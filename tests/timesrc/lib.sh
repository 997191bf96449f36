# Shared by the shell tests of src/timesrc. Source after setting
# TS_DIR to this folder; arguments: HANDOVER SILENT JSON_CHECK [LEAKS].
# shellcheck disable=SC1091
. "$TS_DIR/../lib/nts-env.sh"

HANDOVER=$1 SILENT=$2 JSON_CHECK=$3 LEAKS=${4:-}
TS_FAILS=0

# ts_enter_namespace "$0" "$@": re-runs the test in a mount and network
# namespace of its own, with loopback up (skips where that cannot be).
ts_enter_namespace() {
  if [ -z "${TS_IN_NAMESPACE:-}" ]; then
    if ! unshare -m -n true 2>/dev/null; then
      echo "skip: cannot create namespaces here"
      exit 77
    fi
    exec unshare -m -n env TS_IN_NAMESPACE=1 sh "$@"
  fi
  ip link set lo up || exit 1
}

ts_fail() {
  echo "FAIL: $*" >&2
  TS_FAILS=$((TS_FAILS + 1))
}

ts_ok() { echo "ok   $*"; }

# ts_check DESCRIPTION COMMAND...: runs it, counts a failure.
ts_check() {
  what=$1
  shift
  if "$@"; then ts_ok "$what"; else ts_fail "$what"; fi
}

# Servers are started in this shell (never in a $(...) subshell), so the
# EXIT trap knows every pid and stops them all.

# ts_server VAR NAME [PREFIX...]: starts a chrony NTS server and sets VAR
# to its spec (127.0.0.1:KEPORT).
ts_server() {
  var=$1 name=$2
  shift 2
  k=$(ntsenv_free_port)
  n=$(ntsenv_free_port)
  ntsenv_chrony "$name" "$k" "$n" "$@" || return 1
  eval "$var=127.0.0.1:$k"
}

# ts_shifted VAR NAME OFFSET: a chrony server whose clock reads OFFSET
# (e.g. +3h) away from true time. libfaketime is preloaded straight into
# chronyd: the `faketime` wrapper would be the pid the trap kills, and it
# does not pass the signal on, which would leave chronyd running.
ts_shifted() {
  lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
  [ -n "$lib" ] || { echo "libfaketime not found (package faketime)" >&2; return 1; }
  ts_server "$1" "$2" env LD_PRELOAD="$lib" FAKETIME="$3"
}

# ts_silent VAR tcp|udp [PORT]: starts a server that never answers and
# sets VAR to its port. It exits by itself after a while anyway.
ts_silent() {
  var=$1 file=$NTSENV_DIR/silent.$1
  "$SILENT" "$2" "${3:-0}" >"$file" 2>&1 </dev/null &
  NTSENV_PIDS="$NTSENV_PIDS $!"
  i=0
  while ! grep -qx '[0-9]*' "$file" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -gt 50 ] && { cat "$file" >&2; return 1; }
    sleep 0.1
  done
  eval "$var=$(cat "$file")"
}

ts_now_ms() { date +%s%3N; }

# ts_json_int FILE KEY: the first integer value of "KEY" in the JSON.
ts_json_int() {
  grep -o "\"$2\":-\?[0-9]*" "$1" | head -n 1 | cut -d: -f2
}

# ts_results FILE: the per-server results, one a line, in order.
ts_results() {
  grep -o '"result":"[a-z-]*"' "$1" | cut -d'"' -f4
}

# ts_within A B LIMIT: |A - B| <= LIMIT
ts_within() {
  d=$(($1 - $2))
  [ "${d#-}" -le "$3" ]
}

ts_done() {
  if [ "$TS_FAILS" -gt 0 ]; then
    echo "$TS_FAILS check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
